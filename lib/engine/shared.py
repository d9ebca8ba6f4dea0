"""Clean and masked runs shared by the tables of one slice: each run computed once, read by every table that needs it.

Inside `shared_runs(encoder, conv)`, `run_chunk` (engine/tabulate.py) takes each image's clean run and each mask's
masked run from a memo, computing in one batch only those no table of the block has computed yet. A clean run
captures every site a patch can read (each block's MLP intermediate, attention output and value; captures only keep
references to outputs the forward makes anyway), so the patched runs of any table find their sources in it. A forward
gives each image the same numbers in any batch (tests/test_shared_runs.py), so a table's numbers do not depend on
which table computed a run first. The memo lives for the `with` block only: the store opens one per few images.

Conventions that differ only in what they read of a run (`Conventions.forward`: the layer reading, the late window)
share one memo. A patched run is kept as what every table reads of it: the context drift at each hidden state of
`late`, the union of the late windows of the tables computed together, so a patched run of the same blocks, mode and
mask is computed once for every layer reading (a reading moves sites between blocks, never the blocks a run patches).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch

from jepa_claims.conventions import Conventions
from jepa_claims.engine.runs import Trace
from jepa_claims.engine.sites import Site

SHARED_KINDS = ("intermediate", "attn.out", "value")  # every kind a table patches
_ACTIVE: list["RunMemo"] = []  # the memo of the innermost shared_runs block


@dataclass
class RunMemo:
    """Runs of one encoder under one set of conventions: per image its clean run, per mask its masked run."""

    encoder: object
    conv: Conventions  # a `forward` (lib/conventions.py): the memo serves every conventions with it
    late: tuple[int, ...] = ()  # hidden_states indices at which a patched run's context drift is kept
    clean: dict[str, tuple[torch.Tensor, dict[tuple[int, str], torch.Tensor]]] = field(default_factory=dict)
    masked: dict[tuple[str, bytes], torch.Tensor] = field(default_factory=dict)  # (image, mask tokens) -> hidden
    patched: dict[tuple, torch.Tensor] = field(default_factory=dict)  # (masked run, placed sites, mode) -> [late] drift

    def clean_trace(self, ids: Sequence[str], sites: Sequence[Site], compute: Callable[[list[str], list[Site]], Trace]) -> Trace:
        """The clean runs of these images as one trace with `sites` captured; `compute` runs the missing ones."""
        missing = [i for i in ids if i not in self.clean]
        if missing:
            every = every_site(self.encoder.depth)
            trace = compute(missing, every)
            for row, image in enumerate(missing):
                self.clean[image] = (trace.hidden[:, row], {(s.block, s.kind): trace.sites[s.name][row] for s in every})
        hidden = torch.stack([self.clean[i][0] for i in ids], dim=1)
        captured = {s.name: torch.stack([self.clean[i][1][(s.block, s.kind)] for i in ids]) for s in sites}
        return Trace(hidden=hidden, sites=captured)

    def masked_trace(self, keys: Sequence[tuple[str, bytes]], compute: Callable[[list[int]], Trace]) -> Trace:
        """The masked runs of these jobs as one trace; `compute` runs the missing ones (by their positions in `keys`)."""
        missing = list(dict.fromkeys(k for k in keys if k not in self.masked))
        if missing:
            trace = compute([keys.index(k) for k in missing])
            self.masked |= {key: trace.hidden[:, row] for row, key in enumerate(missing)}
        return Trace(hidden=torch.stack([self.masked[k] for k in keys], dim=1))

    def patched_context(self, keys: Sequence[tuple], compute: Callable[[list[int]], torch.Tensor]) -> torch.Tensor:
        """Context drift [jobs, late] of these patched runs (on the device: read back with the batch's other values);
        `compute` runs the missing ones (by their positions in `keys`) and returns theirs."""
        missing = list(dict.fromkeys(k for k in keys if k not in self.patched))
        if missing:
            values = compute([keys.index(k) for k in missing])
            self.patched |= {key: values[row] for row, key in enumerate(missing)}
        return torch.stack([self.patched[k] for k in keys])


def every_site(depth: int) -> list[Site]:
    """Every site of every block that a table patches, named by its block."""
    return [Site(name=f"{block}.{kind}", block=block, kind=kind) for block in range(depth) for kind in SHARED_KINDS]


@contextmanager
def shared_runs(encoder, conv: Conventions, late: Sequence[int] = ()) -> Iterator[RunMemo]:
    """Share the runs of `encoder` under `conv` (and every conventions with its `forward`) among the tables computed
    inside the block; patched runs are kept by their context drift at the hidden_states indices `late`."""
    memo = RunMemo(encoder, conv.forward, tuple(sorted(set(late))))
    _ACTIVE.append(memo)
    try:
        yield memo
    finally:
        _ACTIVE.remove(memo)


def active_memo(encoder, conv: Conventions) -> RunMemo | None:
    """The innermost memo for this encoder and conventions, if a shared_runs block is open for their `forward`."""
    memo = _ACTIVE[-1] if _ACTIVE else None
    return memo if memo is not None and memo.encoder is encoder and memo.conv == conv.forward else None
