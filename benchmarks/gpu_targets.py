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

    python benchmarks/gpu_targets.py --out "$OUT" --budget 540 --commit C      # on a GPU, one call
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
import dataclasses
import hashlib
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

from stage_files import kill_listed, read_json, record_hashes, remove_parts, run_group, same_run_conditions, write_json  # noqa: E402

# Seconds each stage may take: the first four fit one 540 s call, world-tf32 and world-float32 a second, capped-24 and
# single-bfloat16 (one process with the whole GPU, against -n 4's four) a third.
LIMITS = {"micro": 60, "together": 150, "world-bfloat16": 150, "capped-16": 180, "world-tf32": 200,
          "world-float32": 300, "capped-24": 180, "single-bfloat16": 240}
PRECISIONS = ("float32", "tf32", "bfloat16")
CAPS = {"capped-16": 16, "capped-24": 24}
ALONE = ("heads", "proxy")  # tables the together stage computes on their own (not in SHARED), beside the shared ones
DRY_SLOWER = 4
AFTER_LIMIT = 30  # seconds a stage's process has past its deadline to write its file, before it is killed


def card(commit: str) -> dict:
    """What ran it: the GPU (or CPU), torch, the commit and the date."""
    import torch

    name = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    return {"card": name, "torch": torch.__version__, "commit": commit, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def checkout_commit(repo: Path = REPO) -> str | None:
    """This checkout's commit (short), with "+changes." and the first 8 hex digits of the sha256 of `git diff HEAD`
    where tracked files differ from it (as benchmarks/gpu/prepare writes it: two trees with other changes never
    compare as the same code); None without git."""
    git = lambda *words: subprocess.run(["git", *words], cwd=repo, capture_output=True)
    head = git("rev-parse", "--short", "HEAD")
    if head.returncode:
        return None
    changes = git("diff", "HEAD").stdout
    return head.stdout.decode().strip() + (f"+changes.{hashlib.sha256(changes).hexdigest()[:8]}" if changes else "")


def _sync(device: str) -> None:
    """Wait for the device's queued work (timings on a GPU need it)."""
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _fastest(call, device: str, repeats: int = 3) -> float:
    """The fastest of a few timed calls (after one warm-up): other load only ever slows a call down."""
    call()
    _sync(device)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        _sync(device)
        times.append(time.perf_counter() - started)
    return min(times)


def _micro_encoder(dry: bool, device: str, dtype):
    """A random I-JEPA encoder of ViT-H's shape (tiny on a dry run), built in memory."""
    from transformers import IJepaConfig

    from jepa_claims.engine.builders import build_model
    from jepa_claims.engine.models import _describe
    from jepa_claims.engine.processor import ProcessorGeometry

    size = dict(hidden_size=32, intermediate_size=128, num_attention_heads=2, num_hidden_layers=32) if dry else \
        dict(hidden_size=1280, intermediate_size=5120, num_attention_heads=16, num_hidden_layers=32)
    config = IJepaConfig(image_size=224, patch_size=14, **size)
    model = build_model("ijepa", config, seed=0).to(device, dtype)
    geometry = ProcessorGeometry(size=224, resample=2, mean=(0.5,) * 3, std=(0.5,) * 3)
    return _describe(model, "ijepa", "micro", None, geometry, config, None)


def micro(args) -> dict:
    """Seconds per image of one block and of the run resumed at block 29, per precision and batch."""
    import torch

    from jepa_claims.engine.precision import PRECISIONS as DTYPES, float32_maths, uses_tf32
    from jepa_claims.engine.runs import run
    from jepa_claims.tables.census import Shape

    rows, outside = [], _outside_torch_mib(args.device)
    encoder = _micro_encoder(args.dry_run, args.device, torch.float32)  # built once (CPU init), cast per precision
    for precision in PRECISIONS:  # float32 and tf32 before bfloat16: a cast down is never undone
        encoder.model.to(DTYPES[precision])
        config = encoder.model.config
        shape = Shape(32, 256, config.hidden_size, config.intermediate_size, config.num_attention_heads)
        with float32_maths(uses_tf32(precision)):
            for batch in args.batches:
                if time.time() + 5 > args.stage_deadline:  # a batch more might not end before the deadline
                    return {"outside_torch_mib": outside, "rows": rows, "stopped": f"{precision} at batch {batch} and after"}
                pixels = torch.randn(batch, 3, 224, 224, device=args.device)
                hidden = torch.randn(batch, 256, config.hidden_size, device=args.device, dtype=DTYPES[precision])
                with torch.inference_mode():
                    block = _fastest(lambda: encoder.run_block(0, hidden, tuple(pixels.shape)), args.device) / batch
                trace = run(encoder, pixels)
                resumed = _fastest(lambda: run(encoder, pixels, resume=trace, start=29), args.device) / batch
                rows.append({"precision": precision, "batch": batch, "block_s": block, "block_tflops": shape.flops / block / 1e12,
                             "resumed_s": resumed})
                args.partial({"outside_torch_mib": outside, "rows": rows})
    # again once every kernel the loop used is loaded: their code also lies outside the allocator
    return {"outside_torch_mib": outside, "outside_torch_mib_after_kernels": _outside_torch_mib(args.device), "rows": rows}


def _outside_torch_mib(device: str) -> float | None:
    """GPU memory in use that torch's allocator does not hold, with only this process's CUDA context made: the context
    (what a --gpu-memory cap does not count), plus whatever another process left on the card."""
    import torch

    if not device.startswith("cuda"):
        return None
    torch.zeros(1, device=device)
    free, total = torch.cuda.mem_get_info()
    return (total - free - torch.cuda.memory_reserved()) / 2**20


def stand_in(args) -> Path:
    """The stand-in hub cache and data sets in --work (built once per call)."""
    import rehearsal

    work = args.work / "stand-in"
    if not (work / "done").exists():
        if not args.dry_run:  # the published widths: rehearsal_config overlays nothing
            rehearsal.WIDTHS.clear()
            rehearsal.MAE_DECODER_WIDTHS.clear()
        shutil.rmtree(work, ignore_errors=True)
        rehearsal.write_hub_cache(work / "hub")
        rehearsal.write_data(work / "data")
        (work / "done").write_text("ok\n")
    return work


def together(args, limit: float) -> dict:
    """A cell's SHARED tables computed together, and its heads and proxy tables on their own, at forward batches of 8
    and 32 jobs in each precision; each run is written as it ends (`args.partial`), and a run that would not end
    before the stage's deadline (judged by the longest so far) is not started."""
    from jepa_claims.conventions import Conventions
    from jepa_claims.engine.batching import Batch
    from jepa_claims.engine.precision import PRECISIONS as DTYPES, uses_tf32
    from jepa_claims.tables.store import TableStore
    from jepa_claims.tables.together import SHARED
    from jepa_claims.worlds.world import paper_world

    os.environ["HF_HUB_OFFLINE"] = "1"
    deadline, longest = args.stage_deadline - 5, 0.0
    work, (checkpoint, slice_name) = stand_in(args), args.cell
    world = dataclasses.replace(paper_world(work / "data", work / "hub").select((checkpoint,), (slice_name,)),
                                skip_unreadable=True)
    source, conv = world.checkpoints[0].source, Conventions()
    # Every kind the stage computes is wanted: the store keeps the encoder until the last of them is (one load a run).
    wanted = frozenset((kind, source, slice_name, conv) for kind in (*SHARED, *ALONE))
    runs, reference, at_8 = [], None, None
    for precision, jobs in [(precision, jobs) for precision in PRECISIONS for jobs in (8, 32)]:
        if time.time() + longest > deadline:
            return {"cell": f"{checkpoint} {slice_name}", "runs": runs,
                    "stopped": f"{precision} at {jobs} jobs and after not started: the stage's {limit:.0f} s would not hold it"}
        store = TableStore(world, args.work / f"together-{precision}-{jobs}", conv, args.device, DTYPES[precision],
                           batch_size=Batch(rows=8, jobs=jobs), wanted=wanted, tf32=uses_tf32(precision))
        started = time.perf_counter()
        store.encoder(checkpoint)
        loaded = time.perf_counter()
        tables = {kind: store.table(kind, checkpoint, slice_name) for kind in (*SHARED, *ALONE)}
        _sync(args.device)
        reference = reference or tables  # float32 at 8 jobs, the first computed
        run = {"precision": precision, "jobs": jobs, "load_s": loaded - started, "tables_s": time.perf_counter() - loaded,
               "max_difference_from_float32": {kind: _max_difference(tables[kind], reference[kind]) for kind in tables}}
        if jobs == 8:
            at_8 = tables
        else:  # batch invariance on this device: the same rows, bit for bit
            run["equal_to_8_jobs"] = all(table.equals(at_8[kind]) for kind, table in tables.items())
        runs.append(run)
        longest = max(longest, time.perf_counter() - started)
        args.partial({"cell": f"{checkpoint} {slice_name}", "runs": runs})
    try:  # measured last, on its own: a failure here leaves the runs above standing
        if time.time() + runs[-1]["load_s"] + runs[-1]["tables_s"] > deadline:
            raise TimeoutError(f"not started: the stage's {limit:.0f} s would not hold it")
        waits = sync_waits(args, world, conv, wanted, checkpoint, slice_name)
    except Exception as error:  # noqa: BLE001
        waits = {"error": f"{type(error).__name__}: {error}"[:1000]}
    return {"cell": f"{checkpoint} {slice_name}", "runs": runs, "waits_for_the_gpu": waits}


def sync_waits(args, world, conv, wanted, checkpoint: str, slice_name: str) -> dict:
    """Where the cell's tables (bfloat16, 32 jobs, cold) wait for the GPU, by torch's sync debug mode: warnings by the
    line that raised them, beside the forward batches run (each should wait once, in engine/host.py)."""
    import warnings

    import torch

    from jepa_claims.engine import tabulate
    from jepa_claims.engine.batching import Batch
    from jepa_claims.tables import proxy
    from jepa_claims.tables.store import TableStore
    from jepa_claims.tables.together import SHARED

    if not args.device.startswith("cuda"):
        return {"skipped": "sync debug mode needs CUDA"}
    batches = {"forward_batches": 0, "synchronize_calls": 0}
    real, real_synchronize = tabulate.fit_pieces, torch.cuda.synchronize

    def counted(jobs, compute, device):  # every forward batch runs through fit_pieces (fit_memory's too)
        batches["forward_batches"] += 1
        return real(jobs, compute, device)

    def synchronize(device=None):  # the designed waits (engine/host.py): sync debug mode does not report them
        batches["synchronize_calls"] += 1
        return real_synchronize(device)

    store = TableStore(world, args.work / "together-sync", conv, args.device, torch.bfloat16,
                       batch_size=Batch(rows=8, jobs=32), wanted=wanted)
    store.encoder(checkpoint)
    tabulate.fit_pieces, proxy.fit_pieces, torch.cuda.synchronize = counted, counted, synchronize
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for kind in (*SHARED, *ALONE):
                store.table(kind, checkpoint, slice_name)
    finally:
        torch.cuda.set_sync_debug_mode("default")
        tabulate.fit_pieces, proxy.fit_pieces, torch.cuda.synchronize = real, real, real_synchronize
    where: dict[str, int] = {}
    for warning in (w for w in caught if "synchroniz" in str(w.message)):  # torch's words for a wait; other warnings aside
        source = Path(warning.filename)
        line = f"{source.relative_to(REPO) if REPO in source.parents else source}:{warning.lineno}"
        where[line] = where.get(line, 0) + 1
    # waits: the implicit ones (a copy or a read that made the host wait), by the line that made them
    return batches | {"waits": sum(where.values()), "by_line": dict(sorted(where.items(), key=lambda kv: -kv[1])[:40])}


def _max_difference(table, reference) -> float:
    """The largest absolute difference between two tables' float columns (rows in the same order)."""
    floats = [c for c in reference.columns if reference[c].dtype.kind == "f"]
    return float((table[floats] - reference[floats]).abs().max().max()) if floats else 0.0


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
    return result | record_hashes(folder / "stats_summary.json")


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
                             "(AFTER_LIMIT), so the call ends within --budget + 30 s (a dry run: no budget)")
    parser.add_argument("--dry-run", action="store_true", help="CPU, tiny sizes, a one-cell world: that every stage runs")
    parser.add_argument("--reference", type=Path, default=None,
                        help="an earlier call's world-bfloat16.json, for the capped and one-process stages to compare with")
    parser.add_argument("--commit", default=None,
                        help="the commit the files name (default: this checkout's; a copy without git must pass it)")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)  # a child process running one stage
    parser.add_argument("--deadline", type=float, default=None, help=argparse.SUPPRESS)  # its end, in epoch seconds
    args = parser.parse_args()
    unknown = [stage for stage in args.stages.split(",") if stage and stage not in LIMITS]
    if unknown:
        parser.error(f"no stage {', '.join(unknown)}: the stages are {', '.join(LIMITS)}")
    args.commit = args.commit or checkout_commit()
    if args.commit is None:
        parser.error("this tree is not a git checkout: pass --commit (the commit it is a copy of)")
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
    args.card = card(args.commit)
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
    """What a stage file the parent writes names: the stage, its limit, the commit and torch's package version (not
    the card: asking torch for it would make this process hold a CUDA context through every stage)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        package = version("torch")
    except PackageNotFoundError:
        package = None
    return {"stage": stage, "commit": args.commit, "torch_package": package, "limit_s": limit}


def _run_child(args, stage: str, limit: float) -> None:
    """One stage in a process of its own, killed (with any group it started) `AFTER_LIMIT` s past its deadline; its
    file says how it ended where the process could not."""
    path, groups = args.out / f"{stage}.json", args.work / f"{stage}.groups"
    groups.unlink(missing_ok=True)
    path.unlink(missing_ok=True)  # an earlier call's file in a reused folder is not this call's result
    deadline = time.time() + limit
    # the call's commit, read once: a tree edited during the call would otherwise name another in each stage
    done = run_group([sys.executable, __file__, *sys.argv[1:], "--one", stage, "--deadline", f"{deadline:.3f}",
                      "--commit", args.commit], limit + AFTER_LIMIT, capture=False)
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
