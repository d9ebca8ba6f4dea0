"""CPU threads for torch: how many each process may use, and scopes that pin the count.

On a small machine, torch's default (one OpenMP thread per visible core in every process) is a trap:
two processes that both use every core make OpenMP's threads wait on each other. On 2 cores the toy
`pytest claims/ -n 0` beside one busy single-thread process ran 12x longer with every core than with
its share (benchmarks/bench_neighbour.py, benchmarks/RESULTS.md); CI's identity test timed out on it.
So every process of the suite takes its share of the cores.
"""
from __future__ import annotations

import math
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import torch

CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_V1_QUOTA = Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
CGROUP_V1_PERIOD = Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us")


def _v2_quota_files(root: Path = CGROUP_ROOT, proc: Path = Path("/proc/self/cgroup")) -> list[Path]:
    """cpu.max of this process's cgroup (v2) and of every cgroup above it: a limit may sit on any of them."""
    try:
        line = next(entry for entry in proc.read_text().splitlines() if entry.startswith("0::"))
    except (OSError, StopIteration):
        return [root / "cpu.max"]
    here = root / line[3:].strip().lstrip("/")
    return [folder / "cpu.max" for folder in (here, *here.parents) if folder == root or root in folder.parents]


def _v2_cores(path: Path) -> int | None:
    """Cores one cgroup v2 cpu.max allows (rounded up); None for 'max' or an unreadable file."""
    try:
        quota, period = path.read_text().split()[:2]
        return None if quota == "max" else max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        return None


def _quota_cores(v2: list[Path] | None = None, v1: Path = CGROUP_V1_QUOTA, v1_period: Path = CGROUP_V1_PERIOD) -> int | None:
    """The cores a container's CPU quota allows (the tightest along the cgroup path), or None where none is set."""
    limits = [c for c in map(_v2_cores, _v2_quota_files() if v2 is None else v2) if c is not None]
    if limits:
        return min(limits)
    try:
        quota = int(v1.read_text())
        return None if quota <= 0 else max(1, math.ceil(quota / int(v1_period.read_text())))
    except (OSError, ValueError):
        return None


def available_cores() -> int:
    """Cores this process may really use: its CPU affinity, capped by a container's CPU quota."""
    visible = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = _quota_cores()
    return min(visible, quota) if quota else visible


def share_of_cores(processes: int, cores: int | None = None) -> int:
    """Threads for each of `processes` processes that run side by side (at least one)."""
    return max(1, (available_cores() if cores is None else cores) // max(1, processes))


def use_threads(threads: int) -> None:
    """Set torch's intra-op threads for this process (one is the floor)."""
    torch.set_num_threads(max(1, threads))


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one CPU thread: a reduction over many rows is then summed in one order, so its
    bits do not depend on how many threads the process has (1 per worker under -n 4, all under -n 0)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
