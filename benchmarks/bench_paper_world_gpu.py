"""The whole paper world at REAL width on random weights, timed, with GPU memory (issue 15's GPU target).

Builds the rehearsal stand-in of tests/rehearsal.py (the four repos at their pinned revisions in the hub
cache layout, the data sets in their official layouts) with the published widths instead of the reduced
ones, then runs `pytest claims/ --world paper` on it as a user would, under a wall-clock limit, while
nvidia-smi samples the GPU's memory. Writes into --out: the suite's log, its report and stats summary,
the engine's forward log, the memory samples and `gpu_paper_world.json` (timings, plan, what completed).

    python benchmarks/bench_paper_world_gpu.py --out OUT --device cuda -n 4 --limit 420
    python benchmarks/bench_paper_world_gpu.py --out OUT --device cpu --width reduced --limit 900   # a dry run
    python benchmarks/bench_paper_world_gpu.py --summarise benchmarks/gpu   # the RESULTS.md section

benchmarks/gpu/<dtype>/ keeps what the last GPU run of each dtype measured (its json, forward log, memory
samples, suite log and gzipped stats summary): run_all.py renders that section from them on any machine.
"""
from __future__ import annotations

import argparse
import gzip
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
    used = [float(field) for field in (row.split(",")[1].strip() for row in path.read_text().splitlines()
                                        if row.count(",") >= 2) if field.replace(".", "", 1).isdigit()]  # not "[N/A]"
    return max(used, default=None)


GRADE_PARTS = ("label", "direction", "magnitude", "diagnostic")


def _cells(folder: Path) -> dict[str, tuple]:
    """Claim cell -> (verdict status, grade parts) of one run's stats summary."""
    summary = json.loads(gzip.decompress((folder / "stats_summary.json.gz").read_bytes()))
    return {key: (cell["status"], *(cell["grade"].get(part) for part in GRADE_PARTS))
            for key, cell in summary["matrix"].items()}


def _gflop(plan: list[str]) -> dict[str, float]:
    """Checkpoint -> GFLOP per block, read off the run's plan header."""
    found = (re.match(r"\s+(\w+): .* ([\d.]+) GFLOP per block", line) for line in plan)
    return {m[1]: float(m[2]) for m in found if m}


def _row(dtype: str, folder: Path) -> str:
    """One dtype's measurements as a table row."""
    run = json.loads((folder / "gpu_paper_world.json").read_text())
    tables = [json.loads(line) for line in (folder / "forwards.jsonl").read_text().splitlines()]
    gflop = _gflop(run["plan"])
    seconds = sum(t["seconds"] for t in tables)
    tflops = sum(t["blocks"] * gflop[t["checkpoint"]] for t in tables) / seconds / 1e3
    slowest = max({t["checkpoint"] for t in tables}, key=lambda c: sum(t["seconds"] for t in tables if t["checkpoint"] == c))
    on_slowest = sum(t["seconds"] for t in tables if t["checkpoint"] == slowest)
    pytest_seconds = re.search(r"in ([\d.]+)s", run["summary_line"])[1]
    return (f"| {dtype} | {run['suite']['seconds']:.0f} s ({pytest_seconds} s in pytest) | {seconds:.0f} s "
            f"({slowest} {on_slowest:.0f} s, one worker) | {tflops:.1f} | {run['blocks_logged']:,} | "
            f"{run['gpu_memory_peak_mib'] / 1024:.1f} GiB | {sum(run['build_seconds'].values()):.0f} s |")


def summarise(root: Path) -> str:
    """The RESULTS.md section of the recorded GPU runs (benchmarks/gpu/<dtype>/), with the grade comparison."""
    runs = {folder.name: folder for folder in sorted(root.iterdir()) if (folder / "gpu_paper_world.json").exists()}
    if not runs:
        return "No GPU run is recorded (benchmarks/gpu/ is empty): no GPU was at hand.\n"
    lines = ["| dtype | suite wall | table time (slowest checkpoint) | TFLOP/s in tables | block evaluations "
             "| GPU memory peak | stand-in build |", "|---|---|---|---|---|---|---|"]
    lines += [_row(dtype, folder) for dtype, folder in runs.items()]
    if {"float32", "bfloat16"} <= runs.keys():
        a, b = _cells(runs["float32"]), _cells(runs["bfloat16"])
        differ = sorted(key for key in a if a[key] != b.get(key))
        lines += ["", f"Verdicts and grades (status, {', '.join(GRADE_PARTS)}) of bfloat16 against float32: "
                  f"{len(a) - len(differ)} of {len(a)} claim cells identical"
                  + (f"; differing: {', '.join(differ)}" if differ else "") + "."]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Build, run, summarise."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--summarise", type=Path, help="print the RESULTS.md section of the runs recorded here")
    parser.add_argument("--work", type=Path, default=Path("/tmp/paper-world-bench"))
    parser.add_argument("--device", default="cuda")
    parser.add_argument("-n", dest="workers", default="4")
    parser.add_argument("--width", choices=("real", "reduced"), default="real")
    parser.add_argument("--limit", type=float, default=420.0, help="seconds the suite may run")
    args, extra = parser.parse_known_args()
    if args.summarise:
        print(summarise(args.summarise), end="")
        return
    if args.out is None:
        parser.error("--out is required to run the benchmark")
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
