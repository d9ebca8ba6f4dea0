"""The GPU script's together stage (benchmarks/gpu_targets.py): one cell's tables computed together at forward batches
of 8 and 32 jobs in each precision, and where they still wait for the GPU (torch's sync debug mode)."""
from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

from gpu_micro import PRECISIONS, sync_device
from stage_files import stand_in

REPO = Path(__file__).resolve().parent.parent
ALONE = ("heads", "proxy")  # tables the together stage computes on their own (not in SHARED), beside the shared ones


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
        sync_device(args.device)
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
