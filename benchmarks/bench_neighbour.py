"""Time `pytest claims/ -n 0` on the toy world beside a busy neighbour: every core against its share.

Under `pytest tests/ -n 2`, the identity test runs the main command with `-n 0` while the other worker
keeps one core busy. With torch's default (a thread per core) OpenMP's threads wait on each other and
the run slowed past CI's 1200 s timeout; with its share of the cores (`lib/engine/cpu.py`) it does not.
Three cold runs, side by side: alone with every core, beside the neighbour with every core, beside the
neighbour with its share (cores - 1).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from jepa_claims.engine.cpu import available_cores

from bench_main_command import run_suite
from common import command_line, machine_line, publish

NEIGHBOUR = """
import torch
torch.set_num_threads(1)
a = torch.randn(512, 512)
while True:
    a = torch.tanh(a @ a.T / 512)
"""


@contextmanager
def busy_neighbour() -> Iterator[None]:
    """A process that keeps one core busy with single-thread torch work until the block ends."""
    process = subprocess.Popen([sys.executable, "-c", NEIGHBOUR])
    try:
        yield
    finally:
        process.kill()
        process.wait()


def main() -> int:
    """Run the three cases, write the section of RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-write", action="store_true", help="print the section, leave RESULTS.md alone")
    args = parser.parse_args()
    cores = available_cores()
    every, share = str(cores), str(max(1, cores - 1))
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report" / "replication.html"
        alone = run_suite(Path(tmp) / "alone", report, "0", "--threads", every)
        with busy_neighbour():
            crowded = run_suite(Path(tmp) / "crowded", report, "0", "--threads", every)
            shared = run_suite(Path(tmp) / "shared", report, "0", "--threads", share)
    runs = ((f"alone, {every} threads", alone), (f"beside the neighbour, {every} threads", crowded),
            (f"beside the neighbour, {share} thread(s)", shared))
    rows = "\n".join(f"| {name} | {s:.1f} | {rc} |" for name, (s, rc, _) in runs)
    code = publish("bench_neighbour", f"""## The main command beside a busy neighbour (CI timeout of the identity test)

Measured {time.strftime('%Y-%m-%d %H:%M')} with `{command_line()}`; the neighbour is one process running
single-thread torch matrix products for the whole of the second and third runs.

{machine_line()}

| cold `pytest claims/ -n 0 --world toy` | wall s | exit code |
|---|---|---|
{rows}

Every core beside the neighbour against its share, same run: {crowded[0] / shared[0]:.1f}x slower.
""", write=not args.no_write)
    return code if all(rc == 0 for _, rc, _ in (alone, crowded, shared)) else 1


if __name__ == "__main__":
    sys.exit(main())
