"""Does bfloat16 change the record? The claims suite in float32 and in bfloat16, verdicts and grades compared.

Runs `pytest claims/` cold, once per precision, on the toy world and on the paper-world rehearsal
(tests/rehearsal.py: the four repos at their pinned revisions with the published configs at reduced
width, every slice's images), and compares the two stats_summary.json records: every cell's status and
grade (tier and diagnostic), every claim's status, every probe row's status and whether it holds, and
every numeric-agreement cell's status. The speed of bfloat16 is bench_kernels.py's and
bench_paper_cpu.py's business; this is whether it may be used at all (lib/engine/cpu.py reads it).
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

import common

DTYPES = ("float32", "bfloat16")
WORLDS = ("toy", "rehearsal")


def verdicts(summary: dict) -> dict[str, tuple]:
    """Everything the record decides, keyed: cells (status, tier, diagnostic), claims, probe rows, numeric cells."""
    out = {f"cell {key}": (c["status"], c.get("grade", {}).get("tier"), c.get("grade", {}).get("diagnostic"))
           for key, c in summary["matrix"].items()}
    out |= {f"claim {claim}": (status,) for claim, status in summary["claim_status"].items()}
    for probe, body in summary["probes"].items():
        for row in body.get("rows", []):
            key = f"probe {probe} {row.get('claim')} {row.get('checkpoint')} {row.get('slice')} {row.get('test', '')}"
            out[key] = (row.get("status"), row.get("holds"))
    out |= {f"numeric {c['cell']}": (c["status"],) for c in summary["numeric"]["cells"]}
    return out


def differences(a: dict[str, tuple], b: dict[str, tuple]) -> list[tuple[str, tuple | None, tuple | None]]:
    """(key, float32 value, bfloat16 value) wherever the two records differ (a key in one only included)."""
    return [(key, a.get(key), b.get(key)) for key in sorted(set(a) | set(b)) if a.get(key) != b.get(key)]


def rehearsal_files(work: Path) -> list[str]:
    """The rehearsal's hub cache and data under `work` (built once); the suite's options to run on them."""
    sys.path.insert(0, str(common.ROOT / "tests"))
    import rehearsal

    if not (work / "done").exists():
        rehearsal.write_hub_cache(work / "hub")
        rehearsal.write_data(work / "data")
        (work / "done").touch()
    return ["--world", "paper", "--hf-cache", str(work / "hub"), "--data-root", str(work / "data"), "--skip-unreadable"]


def reused(out: Path) -> dict:
    """An earlier run's record under `out` (--reuse): its seconds from the run's own log line, when written."""
    log = out / "pytest.log"
    last = log.read_text().strip().splitlines()[-1:] if log.is_file() else []
    seconds = next((float(m) for m in re.findall(r" in ([\d.]+)s", last[0])), float("nan")) if last else float("nan")
    stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime((out / "reports" / "stats_summary.json").stat().st_mtime))
    return {"seconds": seconds, "exit": "earlier run", "load": (float("nan"),) * 2, "reused": stamp,
            "summary": json.loads((out / "reports" / "stats_summary.json").read_text())}


def run_suite(world_args: list[str], dtype: str, work: Path, workers: int, reuse: bool) -> dict:
    """`pytest claims/` cold in one precision; its wall time, exit code and record (an earlier one with `reuse`)."""
    out = work / dtype
    if reuse and (out / "reports" / "stats_summary.json").is_file():
        return reused(out)
    shutil.rmtree(out, ignore_errors=True)  # cold: every table computed in this precision
    command = [sys.executable, "-m", "pytest", str(common.ROOT / "claims"), *world_args, "--dtype", dtype,
               "-n", str(workers), "--cache-dir", str(out / "cache"), "-p", "no:cacheprovider", "-q",
               "--html", str(out / "reports" / "replication.html")]
    started, load = time.perf_counter(), os.getloadavg()[0]
    result = subprocess.run(command, capture_output=True, text=True, cwd=common.ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    (out / "pytest.log").write_text(result.stdout)
    summary = json.loads((out / "reports" / "stats_summary.json").read_text())
    return {"seconds": time.perf_counter() - started, "exit": result.returncode, "summary": summary,
            "load": (load, os.getloadavg()[0]), "tail": result.stdout.strip().splitlines()[-1:]}


def compare(world: str, work: Path, workers: int, reuse: bool) -> dict:
    """Both precisions on one world, and what differs."""
    work.mkdir(parents=True, exist_ok=True)
    args = ["--world", "toy"] if world == "toy" else rehearsal_files(work)
    runs = {dtype: run_suite(args, dtype, work, workers, reuse) for dtype in DTYPES}
    decided = {dtype: verdicts(run["summary"]) for dtype, run in runs.items()}
    return {"runs": runs, "compared": len(decided["float32"]), "differences": differences(*decided.values()),
            "recorded_dtype": {d: r["summary"]["provenance"]["dtype"] for d, r in runs.items()}}


def describe(run: dict) -> str:
    """A run's cell of the table: seconds, exit code and load, or when the reused record was written."""
    if "reused" in run:
        return f"{run['seconds']:.0f} s (an earlier run of the same command, {run['reused']})"
    return f"{run['seconds']:.0f} s (exit {run['exit']}, load {run['load'][0]:.1f} -> {run['load'][1]:.1f})"


def section(results: dict[str, dict], workers: int) -> str:
    """The RESULTS.md section: per world, cells compared, what differs, and the verdict."""
    rows, listed = [], []
    for world, r in results.items():
        runs = r["runs"]
        rows.append((world, r["compared"], len(r["differences"]),
                     *(describe(runs[d]) for d in DTYPES), ", ".join(f"{d}: {v}" for d, v in r["recorded_dtype"].items())))
        listed += [f"- {world}: `{key}`: float32 {a} / bfloat16 {b}" for key, a, b in r["differences"][:40]]
    changed = sum(len(r["differences"]) for r in results.values())
    verdict = "**met**" if not changed else "**not met**"
    return "\n".join([
        *common.heading("Precision and the record: bfloat16 against float32 verdicts and grades (issue 15)"),
        f"`pytest claims/ -n {workers}` cold in each precision; compared: every cell's status and grade (tier, "
        "diagnostic), every claim's status, every probe row's status and whether it holds, every numeric cell's status. "
        "The rehearsal is tests/rehearsal.py's stand-in of the paper world (real depths, image and token counts, "
        "widths 32/128/2 heads, random weights).",
        "",
        common.table(["world", "decisions compared", "differences", "float32 run", "bfloat16 run", "dtype in the provenance"], rows),
        "",
        *(["Differences:", "", *listed, ""] if listed else []),
        f"- bfloat16 keeps every verdict and grade of the record identical on {', '.join(results)}: {changed} "
        f"difference(s): {verdict}.",
    ])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worlds", default=",".join(WORLDS), help="comma-separated: toy, rehearsal (default both)")
    parser.add_argument("--work", type=Path, default=common.CACHE / "dtype-record", help="where the runs write")
    parser.add_argument("-n", dest="workers", type=int, default=None, help="xdist workers (default: the cores)")
    parser.add_argument("--reuse", action="store_true", help="read a record already under --work instead of running it again")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave RESULTS.md alone")
    args = parser.parse_args(argv)
    worlds = [w for w in args.worlds.split(",") if w]
    if set(worlds) - set(WORLDS):
        parser.error(f"--worlds: choose from {', '.join(WORLDS)}")
    workers = args.workers or common.machine()["cores"]
    results = {world: compare(world, args.work / world, workers, args.reuse) for world in worlds}
    return common.publish("bench_dtype_record", section(results, workers), write=not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
