"""Which xdist worker runs which claim tests: units of work costed from the plan, spread longest first.

Under `-n N --dist loadgroup` pytest-xdist hands each group of tests to one worker whole. Grouped per checkpoint, the
paper world's ijepa_1k carries about four fifths of the plan's block evaluations (its claims, P1's untrained seeds,
P3's conventions), so one worker computes while the others sit idle: a critical path of about 3.2x total / workers.
Here a unit is what one test's tables cost: P1's tests of a cell read its untrained seeds' tables, P3's its
conventions', every other test of a cell the cell's own. Units are costed by the census (lib/suite/work.py: block
evaluations as the store computes them) and placed longest first on the least loaded of N groups, one group per
worker: xdist sends each worker one group at the start (the N largest scopes, and these hold nearly every test).
Which worker computes a table never changes it (a table is computed once, under its lock, and a forward gives each
image the same numbers in any batch), so `-n 4` and `-n 0` write the same record (tests/test_worker_identity.py).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

Unit = tuple[str, str, str]  # (the probe whose tables these are: "P1", "P3", or "" for the cell's own; checkpoint; slice)
SPLIT_PROBES = ("P1", "P3")  # the probes that read tables of their own (other weights, other conventions)


def row_unit(row: Mapping) -> Unit:
    """The unit a census row's table is computed for (its variant says whose it is)."""
    variant = row["variant"]
    probe = "" if not variant else "P1" if variant.startswith("random:") else "P3"
    return probe, row["checkpoint"], row["slice"]


def unit_of_test(probe: str | None, checkpoint: str, slice_name: str) -> Unit:
    """The unit of a test of this probe (None: a claim test) on this cell."""
    return (probe if probe in SPLIT_PROBES else ""), checkpoint, slice_name


def unit_blocks(rows: Iterable[Mapping]) -> dict[Unit, int]:
    """Block evaluations each unit's tables compute (census rows: lib/suite/work.py census_rows)."""
    costs: dict[Unit, int] = {}
    for row in rows:
        costs[row_unit(row)] = costs.get(row_unit(row), 0) + int(row["computed"])
    return costs


def longest_first(costs: Mapping[Unit, int], workers: int) -> dict[Unit, int]:
    """Each unit's worker (0..workers-1): units by cost, largest first, each to the least loaded worker so far
    (ties by name and by lowest index, so every process places them alike)."""
    if workers < 1:
        raise ValueError(f"at least one worker, got {workers}")
    loads, placed = [0] * workers, {}
    for unit in sorted(costs, key=lambda u: (-costs[u], u)):
        worker = min(range(workers), key=lambda w: (loads[w], w))
        placed[unit] = worker
        loads[worker] += costs[unit]
    return placed


def per_checkpoint(costs: Mapping[Unit, int], workers: int) -> dict[Unit, int]:
    """Each unit's worker when tests are grouped per checkpoint (the grouping before this module), at its best: whole
    checkpoints placed longest first."""
    totals: dict[Unit, int] = {}
    for (_, checkpoint, _), blocks in costs.items():
        totals[("", checkpoint, "")] = totals.get(("", checkpoint, ""), 0) + blocks
    worker_of = longest_first(totals, workers)
    return {unit: worker_of[("", unit[1], "")] for unit in costs}


def critical_path(costs: Mapping[Unit, int], placed: Mapping[Unit, int], workers: int) -> dict:
    """The busiest worker's block evaluations against total / workers, and their ratio."""
    loads = [0] * workers
    for unit, blocks in costs.items():
        loads[placed[unit]] += blocks
    total = sum(loads)
    even = total / workers
    return {"workers": workers, "busiest": max(loads), "total": total, "even": even,
            "ratio": max(loads) / even if even else 1.0}


def plan_groups(rows: Iterable[Mapping], workers: int) -> dict[Unit, str]:
    """xdist group name of every unit of a plan's census rows (lib/suite/work.py census_rows) under `workers`."""
    return {unit: f"worker{index}" for unit, index in longest_first(unit_blocks(rows), workers).items()}
