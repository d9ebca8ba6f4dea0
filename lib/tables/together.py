"""Several tables of one slice measured together: each clean, masked and patched run computed once.

The protocols of SHARED read every image on its own, so they can run a few images at a time:
for each group of images, every table's protocol runs on those images inside one shared_runs block
(engine/shared.py), and each table's rows are the concatenation over the groups. The tables may be under several
conventions with one `forward` (lib/conventions.py): P3's layer readings read the same runs as the default's. The
first table that needs a run computes it (tables run in `together_order`, so the work each one logs is the same on
every run); the others read it. The rescue protocols (PATCHED_SHARED) read patched runs through the memo too;
the pathway table's patched runs stay its own.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import NamedTuple

import pandas as pd
import torch

from jepa_claims.conventions import Conventions
from jepa_claims.engine.batching import Batch, forward_jobs, resolve_batch_size
from jepa_claims.engine.runs import COUNTER, run
from jepa_claims.engine.shared import every_site, shared_runs
from jepa_claims.engine.tabulate import device_of, on_device
from jepa_claims.roles import Roles
from jepa_claims.tables.protocols import PROTOCOLS, Inputs

# The protocols that read every image on its own and share clean and masked runs: the tables of these kinds that a
# run wants of one checkpoint and slice are computed together (lib/tables/store.py).
SHARED = ("semantic", "rescue", "sweep", "panel", "pathway", "excess")
# Those of SHARED whose patched runs go through engine/tabulate.py's rescue_table, which reads them from the memo.
PATCHED_SHARED = ("rescue", "sweep", "panel", "excess")

Table = tuple[str, Conventions]  # a table kind under its conventions


def together_order(tables: Iterable[Table]) -> list[Table]:
    """The order tables computed together run in: by conventions (as JSON, which puts the defaults' reading first),
    then in SHARED order."""
    return sorted(tables, key=lambda t: (json.dumps(t[1].as_dict(), sort_keys=True, default=str), SHARED.index(t[0])))


def image_groups(inputs: Inputs, size: int) -> Iterator[Inputs]:
    """The slice's inputs, `size` images at a time, in the slice's order."""
    ids = list(inputs.images)
    for start in range(0, len(ids), size):
        chosen = set(ids[start : start + size])
        yield Inputs({i: inputs.images[i] for i in ids[start : start + size]},
                     tuple(job for job in inputs.jobs if job.image_id in chosen), inputs.classes)


def late_union(convs: Iterable[Conventions], depth: int) -> list[int]:
    """The hidden_states indices of every late window of these conventions (a window the depth lacks is left out:
    its tables fail in their protocol)."""
    indices: set[int] = set()
    for conv in convs:
        try:
            indices |= {conv.hidden_index(layer) for layer in conv.late_layers(depth)}
        except ValueError:
            continue
    return sorted(indices)


def measure_together(tables: Sequence[tuple[str, Conventions, Roles]], encoder, inputs: Inputs,
                     batch_size) -> dict[Table, Measured]:
    """Per (kind, conventions): the table, the work it computed and the time it took, the tables (in
    `together_order`, under conventions of one `forward`) sharing their runs. A table whose protocol fails is left
    out (the store then computes it on its own, where the error reaches the test that asked)."""
    # As many images at a time as a chunk holds jobs with every site captured: the memo keeps their runs.
    size = resolve_batch_size(batch_size, encoder, every_site(encoder.depth))
    late = late_union([conv for _, conv, _ in tables], encoder.depth)
    parts: dict[Table, list[pd.DataFrame]] = {(kind, conv): [] for kind, conv, _ in tables}
    work = {table: [0, 0.0, 0] for table in parts}  # blocks, seconds, retries
    for block in image_groups(inputs, memo_images(batch_size, encoder, size)):
        with shared_runs(encoder, tables[0][1], late) as memo:
            with _counted(work, next((t[:2] for t in tables if t[:2] in parts), None)):  # who would have run them first
                _clean_runs(memo, encoder, block)
            for group in image_groups(block, size):  # the rows of a table come group by group, as at `size` alone
                for kind, conv, roles in [t for t in tables if t[:2] in parts]:
                    with _counted(work, (kind, conv)):
                        try:
                            parts[(kind, conv)].append(PROTOCOLS[kind](encoder, roles, group, conv, batch_size))
                        except Exception:  # left out here: computed on its own, it raises in the test that asks for it
                            del parts[(kind, conv)]
    return {table: Measured(pd.concat(frames, ignore_index=True), *work[table]) for table, frames in parts.items()}


class Measured(NamedTuple):
    """A table computed together, the block evaluations and seconds it took, and its out-of-memory retries."""

    frame: pd.DataFrame
    blocks: int
    seconds: float
    retries: int


@contextmanager
def _counted(work: dict[Table, list], table: Table | None) -> Iterator[None]:
    """The model work, time and retries of the block added to the table's (none counted for None)."""
    blocks, retries, started = COUNTER.blocks, COUNTER.retries, time.perf_counter()
    try:
        yield
    finally:
        if table is not None:
            done = work[table]
            done[0] += COUNTER.blocks - blocks
            done[1] += time.perf_counter() - started
            done[2] += COUNTER.retries - retries


def memo_images(batch_size, encoder, size: int) -> int:
    """Images whose runs one memo holds: for a Batch, as many whole groups of `size` as its memory allows with every
    site captured (one group at the least); otherwise one group."""
    if not isinstance(batch_size, Batch):
        return size
    return size * max(1, forward_jobs(batch_size, encoder, every_site(encoder.depth)) // size)


def _clean_runs(memo, encoder, block: Inputs) -> None:
    """The clean runs of every image of the block in one forward batch, into the memo (they are what every table
    reads first). Where they do not fit at once, the tables' own chunks compute them (and halve on their own)."""
    ids = list(block.images)
    try:
        memo.clean_trace(ids, (), lambda missing, every: run(encoder, on_device(encoder, block.images, missing), sites=every))
        return
    except torch.cuda.OutOfMemoryError:
        COUNTER.retries += 1  # freed below, outside the handler: its traceback holds the failed attempt's tensors
    if device_of(encoder).type == "cuda":
        torch.cuda.empty_cache()
