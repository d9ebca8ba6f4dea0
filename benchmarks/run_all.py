"""Run every benchmark, one after the other, each rewriting its section of benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/run_all.py            # all of them (about 75 minutes on 2 quiet CPU cores)
    .venv/bin/python benchmarks/run_all.py protocol   # only some, by the names in ORDER

The GPU section (gpu_section.py) renders the last GPU run recorded in benchmarks/gpu/ with its date and commit,
and says whether this run had a GPU at hand; a GPU run itself is bench_paper_world_gpu.py (benchmarks/gpu/README.md).

Run it on a quiet machine: the benchmarks time real work, and other processes on the same cores
show up in every wall time (each section records the load average it saw, and CPU time beside wall).
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ("census", "protocol", "resume", "dtype", "dtype_record", "kernels", "paper_cpu", "scaling", "main_command",
         "neighbour", "trained_world", "gpu")
SCRIPTS = {name: f"bench_{name}.py" for name in ORDER} | {"gpu": "gpu_section.py"}  # the GPU section only renders


def main(argv: list[str]) -> int:
    chosen = argv or list(ORDER)
    unknown = sorted(set(chosen) - set(ORDER))
    if unknown:
        print(f"unknown benchmarks {unknown}: choose from {', '.join(ORDER)}", file=sys.stderr)
        return 2
    for name in chosen:
        started = time.perf_counter()
        print(f"== bench_{name}", file=sys.stderr, flush=True)
        code = subprocess.run([sys.executable, str(HERE / SCRIPTS[name])], cwd=HERE.parent).returncode
        print(f"== bench_{name}: exit {code}, {(time.perf_counter() - started) / 60:.1f} min", file=sys.stderr, flush=True)
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
