"""The GPU section of RESULTS.md: the paper world at real width on one GPU, as last recorded in benchmarks/gpu/.

    .venv/bin/python benchmarks/gpu_section.py

A GPU run (`bench_paper_world_gpu.py --out benchmarks/gpu/<dtype> ...`, see benchmarks/gpu/README.md) records
its measurements in benchmarks/gpu/; this renders them on any machine, with the date and commit the README
names, and says whether this run had a GPU at hand. It never measures: without a recorded run the section
says that no GPU was at hand. Issue 25's targets are judged from `gpu_targets.py`'s stage files, recorded in
benchmarks/gpu/targets/; a target with no file there is "not measured", never met.
"""
from __future__ import annotations

import argparse
import json
import re
import sys

import common
from bench_paper_world_gpu import summarise

NAME = "bench_paper_world_gpu"
GPU_DIR = common.BENCH / "gpu"
TARGET_S = 180.0
TARGETS_DIR = GPU_DIR / "targets"
WALL_TARGETS = (("world-bfloat16", 60.0), ("world-tf32", 90.0), ("world-float32", 150.0))  # issue 25, one H100
NOT_MEASURED = "not measured"


def recorded_at() -> str:
    """'2026-11-30, commit 3356dcd' as benchmarks/gpu/README.md states it, or what is missing."""
    readme = GPU_DIR / "README.md"
    found = re.search(r"\((\d{4}-\d\d-\d\d), commit\s+([0-9a-f]{7,40})\)", readme.read_text()) if readme.is_file() else None
    return f"{found[1]}, commit {found[2]}" if found else "date and commit not recorded"


def recorded() -> list:
    """The folders of benchmarks/gpu/ holding a GPU run (one per dtype)."""
    return sorted(p for p in GPU_DIR.iterdir() if (p / "gpu_paper_world.json").is_file()) if GPU_DIR.is_dir() else []


def verdicts() -> list[str]:
    """One target line per recorded dtype: the suite's wall time against three minutes."""
    lines = []
    for folder in recorded():
        suite = json.loads((folder / "gpu_paper_world.json").read_text())["suite"]
        done = suite["exit"] is not None
        met = "**met**" if done and suite["seconds"] < TARGET_S else "**not met**"
        lines.append(f"- Paper world at real width on one GPU under {TARGET_S / 60:.0f} minutes, {folder.name}: "
                     + (f"{suite['seconds']:.0f} s" if done else f"stopped unfinished at {suite['seconds']:.0f} s") + f": {met}.")
    return lines


def stage_result(stage: str) -> dict | None:
    """A stage's JSON as `gpu_targets.py` wrote it into benchmarks/gpu/targets/ (None: not recorded)."""
    path = TARGETS_DIR / f"{stage}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _finished(result: dict) -> str | None:
    """Why a world run did not finish, or None where pytest ran to its end (claims failing on random weights is
    pytest's exit 1, still a finished run)."""
    if "skipped" in result or "error" in result or "child_exit" in result:
        return result.get("skipped") or result.get("error") or f"the stage's process ended with {result['child_exit']}"
    return None if result.get("exit") in (0, 1) else result.get("summary_line") or f"pytest exit {result.get('exit')}"


def _never_ran(result: dict) -> str | None:
    """The end of a target's line for a stage whose process never ran it (its file, written by the script's parent,
    names no card: skipped for the budget, the stand-in not built, the process dead before writing); else None."""
    if "card" in result:
        return None
    return f"did not run ({_finished(result) or 'no card named'}): **{NOT_MEASURED}**."


def _unfinished(result: dict | None, card: str = "H100") -> str | None:
    """The end of a target's line for a stage not recorded, never run, run on a card whose name lacks `card` (a CPU
    dry run too), failing in the script itself (an `error`: it measured nothing), or stopped before its end; None for
    a run that finished."""
    if result is None:
        return f"no run recorded in benchmarks/gpu/targets/: **{NOT_MEASURED}**."
    if (never := _never_ran(result)) is not None:
        return never
    if card not in result["card"] or result["card"] == "cpu":
        return f"run on {result['card']}, not an {card}: **{NOT_MEASURED}**."
    if "error" in result:
        return f"the stage failed ({result['error']}): **{NOT_MEASURED}**."
    why = _finished(result)
    return None if why is None else f"did not finish ({why}): **not met**."


def wall_line(stage: str, seconds: float) -> str:
    """Issue 25's wall-time target of one precision on one H100, judged from its recorded stage."""
    head = f"- Paper world cold on one H100, {stage.removeprefix('world-')}, under {seconds:.0f} s (issue 25): "
    result = stage_result(stage)
    if (end := _unfinished(result)) is not None:
        return head + end
    return head + f"{result['wall_s']:.0f} s: " + ("**met**." if result["wall_s"] < seconds else "**not met**.")


def cap_line(stage: str) -> str:
    """Issue 25's capped target: the run completes under the cap with the record of the uncapped run."""
    head = f"- Paper world under `--gpu-memory {stage.removeprefix('capped-')}` completes, record identical to uncapped (issue 25): "
    result = stage_result(stage)
    if (end := _unfinished(result)) is not None:
        return head + end
    same, ran = result.get("record_identical_to_uncapped"), f"{result['wall_s']:.0f} s on {result['card']}{_cap_use(result)}"
    if (elsewhere := result.get("reference_not_comparable")) is not None:
        return head + f"{ran}, its reference ran elsewhere ({elsewhere}): **{NOT_MEASURED}**."
    if same is None:
        return head + f"{ran}, no uncapped record to compare with: **{NOT_MEASURED}**."
    if same:
        return head + f"{ran}, record identical: **met**."
    verdicts = " (its verdicts identical)" if result.get("verdicts_identical_to_uncapped") else ""
    return head + f"{ran}, record differs from the uncapped run's{verdicts}: **not met**."


def spread_line() -> str:
    """Issue 25's two ways to spread the work on one GPU: one process (-n 0) against four workers, same record."""
    head = "- Paper world in one process (`-n 0`) gives the record of four workers (`-n 4`), bfloat16 (issue 25): "
    single, parallel = stage_result("single-bfloat16"), stage_result("world-bfloat16")
    if (end := _unfinished(single, card="")) is not None:  # any GPU: the two ways are compared on one card
        return head + end
    same = single.get("record_identical_to_parallel")
    timed = f"{single['wall_s']:.0f} s on {single['card']}" + (
        f" against {parallel['wall_s']:.0f} s for `-n {parallel.get('processes', '?')}`" if parallel
        and _unfinished(parallel, card="") is None and parallel.get("card") == single.get("card") else "")
    if (elsewhere := single.get("reference_not_comparable")) is not None or same is None:
        why = f"its reference ran elsewhere ({elsewhere})" if elsewhere else "no `-n 4` record to compare with"
        return head + f"{timed}, {why}: **{NOT_MEASURED}**."
    return head + f"{timed}, record " + ("identical: **met**." if same else "differs: **not met**.")


def invariance_line() -> str:
    """Batch invariance on CUDA: the together stage's 32-job tables against its 8-job ones, precision by precision."""
    head = "- Tables at 32 jobs a forward batch equal those at 8 on the GPU, bit for bit (issue 25): "
    result = stage_result("together")
    runs = [run for run in (result or {}).get("runs", []) if "equal_to_8_jobs" in run]
    if not runs:
        return head + f"no together stage recorded in benchmarks/gpu/targets/: **{NOT_MEASURED}**."
    if result["card"] == "cpu":
        return head + f"run on a CPU, not a GPU: **{NOT_MEASURED}**."
    each = ", ".join(f"{run['precision']} {'equal' if run['equal_to_8_jobs'] else 'differs'}" for run in runs)
    met = all(run["equal_to_8_jobs"] for run in runs)
    return head + f"{result['cell']} on {result['card']}: {each}: " + ("**met**." if met else "**not met**.")


def _cap_use(result: dict) -> str:
    """What a capped run used: its GPU memory peak and the forward batches it halved after out-of-memory errors."""
    peak = result.get("gpu_memory_peak_mib")
    retries = sum(worker.get("oom_retries", 0) for worker in result.get("workers", {}).values())
    return (f", peak {peak / 1024:.1f} GiB" if peak else "") + f", {retries} forward batches halved"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true", help="print the section, leave RESULTS.md alone")
    args = parser.parse_args(argv)
    import torch

    here = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    body = "\n".join([
        "## The paper world on one GPU at real width (issue 15)",
        "",
        f"Recorded by `benchmarks/bench_paper_world_gpu.py` ({recorded_at()}; machine and commands in "
        "benchmarks/gpu/README.md): the rehearsal stand-in at the published widths on random weights, "
        "`pytest claims/ --world paper` cold. Rendered "
        f"{common.stamp()} by `{common.command_line()}`: "
        + (f"a GPU ({here}) was at hand, but this section shows the recorded runs only (rerun the GPU benchmark "
           "into benchmarks/gpu/ to replace them)." if here else "no GPU at hand in this run; the numbers are the recorded ones."),
        "",
        summarise(GPU_DIR).rstrip() if recorded() else "No GPU run is recorded: no GPU was at hand.",
        "",
        *verdicts(),
        "",
        "Issue 25's targets, from `benchmarks/gpu_targets.py`'s stage files where a session recorded them in "
        "benchmarks/gpu/targets/ (the command and stages: benchmarks/gpu/README.md):",
        "",
        *[wall_line(stage, seconds) for stage, seconds in WALL_TARGETS],
        *[cap_line(stage) for stage in ("capped-24", "capped-16")],
        spread_line(),
        invariance_line(),
    ])
    return common.publish(NAME, body, write=not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
