"""Issue 25's GPU targets in one call: each stage under its own time limit, most valuable first, one JSON each.

Stages (in this order unless --stages says otherwise; each writes OUT/<stage>.json with the card, date and commit):
  micro            one ViT-H block, and the run resumed at block 29, at batch 2..64 in float32, tf32 and bfloat16
  together         ijepa_1k 8x3's tables computed together (its heads and proxy tables on their own) at forward
                   batches of 8 and 32 jobs in each precision: seconds, whether batch 32 equals batch 8 exactly, the
                   largest difference from float32, and where the tables still wait for the GPU (sync debug mode)
  world-bfloat16   the whole paper world, cold, `-n 4` (the stand-in at real width, random weights)
  capped-16        the same under --gpu-memory 16: completes, record identical to world-bfloat16's
  world-tf32       the whole world in tf32
  world-float32    the whole world in strict IEEE float32
  capped-24        as capped-16 at 24 GB
  single-bfloat16  world-bfloat16 in one process (-n 0): the other way to spread the work, record identical

    python benchmarks/gpu_targets.py --out "$OUT" --budget 540 --commit C --code T   # on a GPU, one call
    python benchmarks/gpu_targets.py --out /tmp/dry --dry-run                  # on a CPU: tiny sizes, every stage runs

benchmarks/gpu/prepare (run where the package registry answers) writes the wheels the GPU machine lacks into .whl/
and prints the whole device command, --commit included (the device's copy of the tree has no git).

A stage starts only when the budget left covers its limit (else its JSON says "skipped"), so one call never runs
past the device's limit; rerun with --stages for the ones left (--reference names an earlier call's
world-bfloat16.json to compare records with). A stage writes its JSON as it goes, so one stopped at its limit
keeps what it measured. The stand-in (tests/rehearsal.py) is built once per call in --work, before the stages.
Nothing else is written to OUT (the HTML records stay in --work).
"""
from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

from gpu_micro import micro  # noqa: E402
from gpu_together import together  # noqa: E402
from stage_files import (kill_listed, read_json, record_hashes, remove_parts, run_group, same_run_conditions,  # noqa: E402
                         stand_in, write_json)

# Seconds each stage may take: the first four fit one 540 s call, world-tf32 and world-float32 a second, capped-24 and
# single-bfloat16 (one process with the whole GPU, against -n 4's four) a third.
LIMITS = {"micro": 60, "together": 150, "world-bfloat16": 150, "capped-16": 180, "world-tf32": 200,
          "world-float32": 300, "capped-24": 180, "single-bfloat16": 240}
CAPS = {"capped-16": 16, "capped-24": 24}
DRY_SLOWER = 4
AFTER_LIMIT = 30  # seconds a stage's process has past its deadline to write its file, before it is killed


def card(commit: str, code: str) -> dict:
    """What ran it: the GPU (or CPU), torch, the commit, the code (benchmarks/gpu/code-tree) and the date."""
    import torch

    name = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    return {"card": name, "torch": torch.__version__, "commit": commit, "code": code,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def checkout_commit(repo: Path = REPO) -> str | None:
    """This checkout's commit (short), with "+changes" where tracked files differ from it; None without git."""
    git = lambda *words: subprocess.run(["git", *words], cwd=repo, capture_output=True, text=True)
    head = git("rev-parse", "--short", "HEAD")
    if head.returncode:
        return None
    return head.stdout.strip() + ("+changes" if git("status", "--porcelain", "--untracked-files=no").stdout.strip() else "")


def checkout_code(repo: Path = REPO) -> str | None:
    """The code this tree runs, as benchmarks/gpu/code-tree names it (what stage files are compared by); None
    without git."""
    done = subprocess.run(["bash", str(REPO / "benchmarks" / "gpu" / "code-tree"), str(repo)], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def world_run(args, precision: str, cap: int | None, limit: float, workers: str | None = None) -> dict:
    """`pytest claims/ --world paper` on the stand-in, cold, under `limit` (`-n workers`, default the stage's): wall
    time, memory, workers, record hash."""
    from bench_paper_world_gpu import _memory_peak, _sampler

    work = stand_in(args)
    workers = workers or args.workers
    name = f"{precision}-{cap or 'all'}-n{workers}"
    cache, folder = args.work / f"cache-{name}", args.work / f"run-{name}"
    shutil.rmtree(cache, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pytest", str(REPO / "claims"), "--world", "paper", "--device", args.device,
               "-n", workers, "--dtype", precision, "--skip-unreadable", "--hf-cache", str(work / "hub"),
               "--data-root", str(work / "data"), "--cache-dir", str(cache), "-p", "no:cacheprovider", "-q",
               "--html", str(folder / "replication.html"), *(["--gpu-memory", str(cap)] if cap else []), *args.select]
    sampler = _sampler(folder)
    started, left = time.perf_counter(), max(1.0, args.stage_deadline - time.time())
    try:
        done = run_group(command, left, groups=args.groups, cwd=folder, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    finally:
        if sampler is not None:
            sampler.terminate()
    exit_code, tail = (None, f"stopped at the stage's limit of {limit:.0f} s") if done is None else \
        (done.returncode, (done.stdout.strip().splitlines() or [""])[-1])
    result = {"precision": precision, "gpu_memory_cap_gb": cap, "processes": workers, "wall_s": time.perf_counter() - started,
              "exit": exit_code, "summary_line": tail, "gpu_memory_peak_mib": _memory_peak(folder),
              "workers": _worker_spans(cache)}
    try:  # what the run measured stands whatever reading its record does
        return result | record_hashes(folder / "stats_summary.json")
    except Exception as error:  # noqa: BLE001
        return result | {"record_error": f"{type(error).__name__}: {error}"[:1000]}


def _worker_spans(cache: Path) -> dict:
    """Per worker from the forward log: tables, block evaluations, busy seconds, forward batches halved after an
    out-of-memory error, first start and last end."""
    from jepa_claims.tables.worklog import read_entries

    spans: dict[str, dict] = {}
    for entry in read_entries(cache)[0]:  # a line torn by the stage's stop is skipped
        mine = spans.setdefault(entry.get("worker", "?"), {"tables": 0, "blocks": 0, "busy_s": 0.0, "oom_retries": 0,
                                                            "first": entry["start"], "last": 0})
        mine["tables"] += 1
        mine["blocks"] += entry["blocks"]
        mine["oom_retries"] += entry.get("oom_retries", 0)
        mine["busy_s"] += entry["seconds"]
        mine["first"], mine["last"] = min(mine["first"], entry["start"]), max(mine["last"], entry["end"])
    return spans


def run_stage(args, stage: str, limit: float) -> dict:
    """One stage's result."""
    if stage == "micro":
        return micro(args)
    if stage == "together":
        return together(args, limit)
    if stage.startswith("world-"):
        return world_run(args, stage.removeprefix("world-"), None, limit)
    if stage == "single-bfloat16":  # one process per GPU, its batches sized from the whole card
        return _compared(args, world_run(args, "bfloat16", None, limit, workers="0"), "record_identical_to_parallel")
    return _compared(args, world_run(args, "bfloat16", CAPS[stage], limit), "record_identical_to_uncapped")


def _compared(args, result: dict, name: str) -> dict:
    """The run's result with `name`: whether its record (and, apart, its verdicts) hash as world-bfloat16's did, this
    call's or else --reference's (None where neither recorded one, this run recorded none, or the reference ran on
    another card, torch or commit: its record may then differ for reasons of its own)."""
    reference = _reference_run(args)
    differs = same_run_conditions(args.card, reference) if reference else None
    if differs:
        result["reference_not_comparable"] = differs
    for key, field in ((name, "record_sha256"), (name.replace("record", "verdicts"), "verdicts_sha256")):
        mine, theirs = result.get(field), reference.get(field)
        result[key] = None if mine is None or theirs is None or differs else mine == theirs
    return result


def _reference_run(args) -> dict:
    """The uncapped bfloat16 run to compare with: this call's if it recorded a record, else --reference's, else {}."""
    for path in (args.out / "world-bfloat16.json", args.reference):
        if path is not None and path.exists():
            run = read_json(path)
            if run.get("record_sha256"):
                return run
    return {}


def _arguments() -> argparse.Namespace:
    """The command line, with what --dry-run changes."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/gpu-targets"))
    parser.add_argument("--stages", default=",".join(LIMITS), help=f"comma-separated, of {', '.join(LIMITS)}")
    parser.add_argument("--budget", type=float, default=540.0,
                        help="seconds the stages may take in all; a stage started within it may end up to 30 s after it "
                             "(AFTER_LIMIT), and each kill waits up to 10 s for what it killed, so the call ends within "
                             "about --budget + 50 s (a dry run: no budget)")
    parser.add_argument("--dry-run", action="store_true", help="CPU, tiny sizes, a one-cell world: that every stage runs")
    parser.add_argument("--reference", type=Path, default=None,
                        help="an earlier call's world-bfloat16.json, for the capped and one-process stages to compare with")
    parser.add_argument("--commit", default=None,
                        help="the commit the files name (default: this checkout's; a copy without git must pass it)")
    parser.add_argument("--code", default=None,
                        help="the code's name, benchmarks/gpu/code-tree's (default: this checkout's; a copy without git "
                             "must pass it): runs are compared with --reference by it")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)  # a child process running one stage
    parser.add_argument("--deadline", type=float, default=None, help=argparse.SUPPRESS)  # its end, in epoch seconds
    args = parser.parse_args()
    unknown = [stage for stage in args.stages.split(",") if stage and stage not in LIMITS]
    if unknown:
        parser.error(f"no stage {', '.join(unknown)}: the stages are {', '.join(LIMITS)}")
    if args.reference is not None and not args.reference.is_file():  # a typo would only read "not measured" later
        parser.error(f"--reference {args.reference}: no such file (an earlier call's world-bfloat16.json)")
    args.commit, args.code = args.commit or checkout_commit(), args.code or checkout_code()
    if args.commit is None or args.code is None:
        parser.error("this tree is not a git checkout: pass --commit and --code (benchmarks/gpu/prepare prints both)")
    args.device = "cpu" if args.dry_run else "cuda"
    args.workers = "2" if args.dry_run else "4"
    args.batches = (2, 4) if args.dry_run else (2, 4, 8, 16, 32, 64)
    args.cell = ("beit", "4x3") if args.dry_run else ("ijepa_1k", "8x3")
    args.scale = DRY_SLOWER if args.dry_run else 1  # a CPU at tiny sizes is slower than the GPU at real width
    args.budget = math.inf if args.dry_run else args.budget
    args.select = ["--checkpoints", "beit", "--slices", "8x3", "--untrained-seeds", "2"] if args.dry_run else []
    return args


def _child(args, stage: str, limit: float) -> None:
    """Run one stage in this (child) process and write its JSON (a failure is its result, beside what it measured)."""
    args.card = card(args.commit, args.code)
    result = {"stage": stage, **args.card, "limit_s": limit}
    started = time.perf_counter()
    path, progress = args.out / f"{stage}.json", {}
    # the parent's clock: this process's own start-up (torch, CUDA) already spent part of the limit
    args.stage_deadline = args.deadline if args.deadline is not None else time.time() + limit
    args.groups = args.work / f"{stage}.groups"  # the parent kills the groups listed, should it have to kill this one

    def partial(so_far: dict) -> None:
        """What the stage has measured so far, in its file: a stage stopped at its limit or failing later keeps it."""
        progress.update(so_far)
        write_json(path, result | progress | {"partial": True, "seconds": time.perf_counter() - started})

    args.partial = partial
    try:
        result |= run_stage(args, stage, limit)
    except Exception as error:  # noqa: BLE001  (one stage's failure is its result; the next still runs)
        result |= progress | {"error": f"{type(error).__name__}: {error}"[:2000]}
    result["seconds"] = time.perf_counter() - started
    write_json(path, result)


def _build_stand_in(args, stages: list[str]) -> str | None:
    """Build the stand-in before the stages that use it (no stage's limit pays for it); why it failed, or None."""
    if all(stage == "micro" for stage in stages):
        return None
    started = time.perf_counter()
    try:
        stand_in(args)
    except Exception as error:  # noqa: BLE001  (micro needs no stand-in and still runs)
        return f"the stand-in could not be built: {type(error).__name__}: {error}"[:2000]
    print("stand-in", f"{time.perf_counter() - started:.1f}", flush=True)
    return None


def _parent_file(args, stage: str, limit: float) -> dict:
    """What a stage file the parent writes names: the stage, its limit, the commit, the code and torch's package
    version (not the card: asking torch for it would make this process hold a CUDA context through every stage)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        package = version("torch")
    except PackageNotFoundError:
        package = None
    return {"stage": stage, "commit": args.commit, "code": args.code, "torch_package": package, "limit_s": limit}


def _run_child(args, stage: str, limit: float) -> None:
    """One stage in a process of its own, killed (with any group it started) `AFTER_LIMIT` s past its deadline; its
    file says how it ended where the process could not."""
    path, groups = args.out / f"{stage}.json", args.work / f"{stage}.groups"
    groups.unlink(missing_ok=True)
    path.unlink(missing_ok=True)  # an earlier call's file in a reused folder is not this call's result
    deadline = time.time() + limit
    # the call's commit, read once: a tree edited during the call would otherwise name another in each stage
    done = run_group([sys.executable, __file__, *sys.argv[1:], "--one", stage, "--deadline", f"{deadline:.3f}",
                      "--commit", args.commit, "--code", args.code], limit + AFTER_LIMIT, capture=False)
    kill_listed(groups)  # the stage's pytest, left running if its process was killed
    code = "timed out" if done is None else done.returncode
    written, torn = read_json(path), remove_parts(args.out)
    ending = {"child_exit": code} | ({"torn_files_removed": torn} if torn else {})
    if not written:  # the child died or was stopped before writing anything whole
        write_json(path, _parent_file(args, stage, limit) | ending)
    elif written.get("partial") or torn:  # stopped part-way: what it measured, and how it ended
        write_json(path, written | ending)


def main() -> None:
    """Run the stages in order, each in a process of its own under its limit, while the budget lasts."""
    args = _arguments()
    args.out.mkdir(parents=True, exist_ok=True)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.one:
        _child(args, args.one, LIMITS[args.one] * args.scale)
        return
    deadline, stages = time.perf_counter() + args.budget, [s for s in args.stages.split(",") if s]
    unbuilt = _build_stand_in(args, stages)
    for stage in stages:
        limit, left, path = LIMITS[stage] * args.scale, deadline - time.perf_counter(), args.out / f"{stage}.json"
        if unbuilt and stage != "micro":
            write_json(path, _parent_file(args, stage, limit) | {"error": unbuilt})
        elif left < limit:
            write_json(path, _parent_file(args, stage, limit) | {
                "skipped": f"{left:.0f} s of the budget left, the stage may take {limit} s"})
        else:
            _run_child(args, stage, limit)
        print(stage, read_json(path).get("seconds", "-"), flush=True)


if __name__ == "__main__":
    main()
