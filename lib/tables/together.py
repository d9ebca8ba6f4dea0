"""Several tables of one slice measured together: each image's clean run and each mask's masked run computed once.

The protocols of SHARED read every image on its own, so they can run a few images at a time:
for each group of images, every table's protocol runs on those images inside one shared_runs block
(engine/shared.py), and each table's rows are the concatenation over the groups. The first table that needs a run
computes it (tables run in the order given, so the work each one logs is the same on every run); the others read
it. Patched runs stay each table's own.
"""
from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

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


def image_groups(inputs: Inputs, size: int) -> Iterator[Inputs]:
    """The slice's inputs, `size` images at a time, in the slice's order."""
    ids = list(inputs.images)
    for start in range(0, len(ids), size):
        chosen = set(ids[start : start + size])
        yield Inputs({i: inputs.images[i] for i in ids[start : start + size]},
                     tuple(job for job in inputs.jobs if job.image_id in chosen), inputs.classes)


def measure_together(kinds: Sequence[str], encoder, roles: Roles, inputs: Inputs, conv: Conventions,
                     batch_size) -> dict[str, tuple[pd.DataFrame, int, float]]:
    """Per kind: (table, block evaluations it computed, seconds it took), the tables sharing their runs. A table whose
    protocol fails is left out (the store then computes it on its own, where the error reaches the test that asked)."""
    # As many images at a time as a chunk holds jobs with every site captured: the memo keeps their runs.
    size = resolve_batch_size(batch_size, encoder, every_site(encoder.depth))
    parts: dict[str, list[pd.DataFrame]] = {kind: [] for kind in kinds}
    blocks, seconds = dict.fromkeys(kinds, 0), dict.fromkeys(kinds, 0.0)
    for group in image_groups(inputs, size):
        with shared_runs(encoder, conv):
            for kind in [kind for kind in kinds if kind in parts]:
                before, started = COUNTER.blocks, time.perf_counter()
                try:
                    parts[kind].append(PROTOCOLS[kind](encoder, roles, group, conv, batch_size))
                except Exception:  # left out here: computed on its own, it raises in the test that asks for it
                    del parts[kind]
                blocks[kind] += COUNTER.blocks - before
                seconds[kind] += time.perf_counter() - started
    return {kind: (pd.concat(frames, ignore_index=True), blocks[kind], seconds[kind]) for kind, frames in parts.items()}
