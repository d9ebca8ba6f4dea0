"""The whole paper world at REAL width on random weights, timed, with GPU memory (issue 15's GPU target).

Builds the rehearsal stand-in of tests/rehearsal.py (the four repos at their pinned revisions in the hub
cache layout, the data sets in their official layouts) with the published widths instead of the reduced
ones, then runs `pytest claims/ --world paper` on it as a user would, under a wall-clock limit, while
nvidia-smi samples the GPU's memory. Writes into --out: the suite's log, its report and stats summary,
the engine's forward log, the memory samples and `gpu_paper_world.json` (timings, plan, what completed).

    python benchmarks/bench_paper_world_gpu.py --out OUT --device cuda -n 4 --limit 420
    python benchmarks/bench_paper_world_gpu.py --out OUT --device cpu --width reduced --limit 900   # a dry run
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import rehearsal  # noqa: E402  (tests/rehearsal.py: the stand-in builder)


def build(work: Path, width: str) -> dict:
    """The stand-in hub cache and data sets under `work`; returns seconds per step."""
    if width == "real":  # the published configs as they are: rehearsal_config overlays nothing
        rehearsal.WIDTHS.clear()
        rehearsal.MAE_DECODER_WIDTHS.clear()
    seconds = {}
    start = time.perf_counter()
    rehearsal.write_hub_cache(work / "hub")
    seconds["checkpoints"] = time.perf_counter() - start
    start = time.perf_counter()
    rehearsal.write_data(work / "data")
    seconds["data"] = time.perf_counter() - start
    return seconds


def _sampler(out: Path) -> subprocess.Popen | None:
    """nvidia-smi writing the GPU's used memory twice a second, or None without one."""
    if shutil.which("nvidia-smi") is None:
        return None
    log = open(out / "gpu_memory.csv", "w")
    return subprocess.Popen(["nvidia-smi", "--query-gpu=timestamp,memory.used,utilization.gpu",
                             "--format=csv,noheader,nounits", "-lms", "500"], stdout=log, stderr=subprocess.DEVNULL)


def run_suite(work: Path, out: Path, device: str, workers: str, limit: float, extra: list[str]) -> dict:
    """`pytest claims/ --world paper` on the stand-in, stopped at `limit` seconds; its wall time and exit."""
    command = [sys.executable, "-m", "pytest", str(REPO / "claims"), "--world", "paper", "--device", device,
               "-n", workers, "--skip-unreadable", "--hf-cache", str(work / "hub"), "--data-root", str(work / "data"),
               "--cache-dir", str(work / "cache"), "-p", "no:cacheprovider", "--html", str(out / "replication.html"),
               *extra]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    start = time.perf_counter()
    with open(out / "suite.log", "w") as log:
        try:
            code = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, cwd=work, env=env,
                                  timeout=limit).returncode
        except subprocess.TimeoutExpired:
            code = None
    return {"command": command[1:], "seconds": time.perf_counter() - start, "exit": code}


def _blocks_done(work: Path) -> int:
    """Block evaluations the engine logged (forwards.jsonl under the cache), however far the run got."""
    total = 0
    for path in (work / "cache").rglob("forwards.jsonl"):
        for line in path.read_text().splitlines():
            total += int(json.loads(line).get("blocks", 0))
    return total


def _memory_peak(out: Path) -> float | None:
    """The largest used-memory sample in MiB."""
    path = out / "gpu_memory.csv"
    if not path.exists():
        return None
    used = [float(row.split(",")[1]) for row in path.read_text().splitlines() if row.count(",") >= 2]
    return max(used, default=None)


def main() -> None:
    """Build, run, summarise."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/paper-world-bench"))
    parser.add_argument("--device", default="cuda")
    parser.add_argument("-n", dest="workers", default="4")
    parser.add_argument("--width", choices=("real", "reduced"), default="real")
    parser.add_argument("--limit", type=float, default=420.0, help="seconds the suite may run")
    args, extra = parser.parse_known_args()
    args.out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    result = {"width": args.width, "device": args.device, "workers": args.workers, "build_seconds": build(args.work, args.width)}
    print(f"built the stand-in: {result['build_seconds']}", flush=True)
    sampler = _sampler(args.out)
    try:
        result["suite"] = run_suite(args.work, args.out, args.device, args.workers, args.limit, extra)
    finally:
        if sampler is not None:
            sampler.terminate()
    log = (args.out / "suite.log").read_text(errors="replace")
    result["plan"] = [line for line in log.splitlines() if "jepa-claims plan" in line or re.match(r"\s+\w+: \d+ tables", line)]
    result["summary_line"] = (log.strip().splitlines() or [""])[-1]
    result["blocks_logged"] = _blocks_done(args.work)
    result["gpu_memory_peak_mib"] = _memory_peak(args.out)
    for path in (args.work / "cache").rglob("forwards.jsonl"):
        shutil.copy(path, args.out / "forwards.jsonl")
        break
    (args.out / "gpu_paper_world.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
