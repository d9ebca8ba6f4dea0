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

import pandas as pd

from jepa_claims.conventions import Conventions
from jepa_claims.engine.batching import resolve_batch_size
from jepa_claims.engine.runs import COUNTER
from jepa_claims.engine.shared import every_site, shared_runs
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
                     batch_size) -> dict[Table, tuple[pd.DataFrame, int, float]]:
    """Per (kind, conventions): (table, block evaluations it computed, seconds it took), the tables (in
    `together_order`, under conventions of one `forward`) sharing their runs. A table whose protocol fails is left
    out (the store then computes it on its own, where the error reaches the test that asked)."""
    # As many images at a time as a chunk holds jobs with every site captured: the memo keeps their runs.
    size = resolve_batch_size(batch_size, encoder, every_site(encoder.depth))
    late = late_union([conv for _, conv, _ in tables], encoder.depth)
    parts: dict[Table, list[pd.DataFrame]] = {(kind, conv): [] for kind, conv, _ in tables}
    blocks, seconds = dict.fromkeys(parts, 0), dict.fromkeys(parts, 0.0)
    for group in image_groups(inputs, size):
        with shared_runs(encoder, tables[0][1], late):
            for kind, conv, roles in [t for t in tables if t[:2] in parts]:
                before, started = COUNTER.blocks, time.perf_counter()
                try:
                    parts[(kind, conv)].append(PROTOCOLS[kind](encoder, roles, group, conv, batch_size))
                except Exception:  # left out here: computed on its own, it raises in the test that asks for it
                    del parts[(kind, conv)]
                blocks[(kind, conv)] += COUNTER.blocks - before
                seconds[(kind, conv)] += time.perf_counter() - started
    return {table: (pd.concat(frames, ignore_index=True), blocks[table], seconds[table]) for table, frames in parts.items()}
