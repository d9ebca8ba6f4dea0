"""Run every benchmark, one after the other, each rewriting its section of benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/run_all.py            # all of them (about 30 minutes on 2 quiet CPU cores)
    .venv/bin/python benchmarks/run_all.py protocol   # only some: protocol, resume, dtype, scaling, main_command, neighbour, trained_world

Run it on a quiet machine: the benchmarks time real work, and other processes on the same cores
show up in every wall time (each section records the load average it saw, and CPU time beside wall).
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ("protocol", "resume", "dtype", "scaling", "main_command", "neighbour", "trained_world")


def main(argv: list[str]) -> int:
    chosen = argv or list(ORDER)
    unknown = sorted(set(chosen) - set(ORDER))
    if unknown:
        print(f"unknown benchmarks {unknown}: choose from {', '.join(ORDER)}", file=sys.stderr)
        return 2
    for name in chosen:
        started = time.perf_counter()
        print(f"== bench_{name}", file=sys.stderr, flush=True)
        code = subprocess.run([sys.executable, str(HERE / f"bench_{name}.py")], cwd=HERE.parent).returncode
        print(f"== bench_{name}: exit {code}, {(time.perf_counter() - started) / 60:.1f} min", file=sys.stderr, flush=True)
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
