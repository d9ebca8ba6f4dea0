"""Memory: forward batches sized from memory leave every table as it is at batch 8 (rows in the same order, bit for
bit), an out-of-memory error halves a batch and changes nothing, one image that cannot fit is an error naming its
table, and workers on one GPU split it (the run's --gpu-memory cap first)."""
from __future__ import annotations

import json

import pandas as pd
import pytest
import torch
from tiny_world import tiny_world

from jepa_claims.conventions import Conventions
from jepa_claims.engine import tabulate
from jepa_claims.engine.batching import GB, Batch, as_batch, worker_budget, workers_on_device
from jepa_claims.engine.tabulate import ImageTooLarge, MaskJob, chunks, forward_groups
from jepa_claims.tables import proxy
from jepa_claims.tables.store import TableStore
from jepa_claims.worlds.world import World

CONV = Conventions()
# Drift (semantic), rescue with its groups and modes, a panel of three budgets (3 jobs an image: chunks straddle
# the image groups of 8 unless rows are laid out as at batch 8), the pathway and heads tables (their own values per
# job) and the proxy (two passes: clean runs first, for the ridge fits).
KINDS = ("semantic", "rescue", "panel", "pathway", "heads", "proxy")


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    """One tiny checkpoint (depth 4) and four synthetic pet breeds (12 images on 4x3)."""
    return tiny_world(tmp_path_factory.mktemp("world"))


def _tables(world: World, cache, batch, together: bool) -> dict[str, pd.DataFrame]:
    """Every table of KINDS at this batching, computed together (the suite's way) or each on its own."""
    source = world.checkpoints[0].source
    wanted = frozenset((kind, source, "4x3", CONV) for kind in KINDS) if together else frozenset()
    store = TableStore(world, cache, CONV, batch_size=batch, wanted=wanted)
    return {kind: store.table(kind, "ijepa_1k", "4x3") for kind in KINDS}


def _same(tables: dict[str, pd.DataFrame], reference: dict[str, pd.DataFrame]) -> None:
    """Equal exactly, rows in the same order."""
    for kind in KINDS:
        pd.testing.assert_frame_equal(tables[kind], reference[kind], check_exact=True, obj=kind)


@pytest.mark.parametrize("together", [True, False], ids=["together", "alone"])
def test_forward_batches_of_any_size_give_the_tables_of_batch_8(world, tmp_path, together):
    """1, 5 and 64 jobs a forward batch, and the memory-sized default, give the tables of batch 8 bit for bit, in the
    same row order (not only sorted: the record's statistics read rows in order)."""
    reference = _tables(world, tmp_path / "eight", 8, together)
    for jobs in (1, 5, 64, "auto"):
        _same(_tables(world, tmp_path / f"jobs{jobs}", Batch(rows=8, jobs=jobs), together), reference)


def test_a_late_window_of_five_layers_gives_each_job_the_same_means_in_any_batch(world, tmp_path):
    """The mean over a late window of 5 layers (every hidden state of the depth-4 encoder) is each job's own in a batch
    of 64 jobs as in one of 8: a mean taken on the device (torch's) gave rows that depend on the batch at 5 layers."""
    wide = Conventions(layer_indexing="hidden_states", late_window=(0, 1, 2, 3, 4), allow_inert_sites=True)
    source = world.checkpoints[0].source
    kinds = ("rescue", "pathway", "heads")
    at = {}
    for jobs in (8, 64):
        wanted = frozenset((kind, source, "4x3", wide) for kind in kinds)
        store = TableStore(world, tmp_path / f"jobs{jobs}", wide, batch_size=Batch(rows=8, jobs=jobs), wanted=wanted)
        at[jobs] = {kind: store.table(kind, "ijepa_1k", "4x3") for kind in kinds}
    for kind in kinds:
        pd.testing.assert_frame_equal(at[64][kind], at[8][kind], check_exact=True, obj=kind)


def test_an_out_of_memory_error_at_a_chosen_chunk_halves_it_and_changes_nothing(world, tmp_path, monkeypatch):
    """CUDA out-of-memory errors raised (on the CPU) at chosen forward batches of more than one image wherever a batch's
    inputs go to the device (every table's masked inputs: the 2nd and 3rd; the proxy's two passes, each one batch of
    all 12 images here: the 1st and, within it, its first half) and at a patched run part-way through a batch: each
    batch is halved and retried, and every table equals an undisturbed run's exactly."""
    reference = _tables(world, tmp_path / "undisturbed", Batch(rows=8, jobs=64), True)
    raised = {}

    def failing(module, name: str, images, chosen: tuple[int, int]):
        real = getattr(module, name)
        calls = {"batches": 0}

        def inputs(encoder, pixels, *args):
            if len(images(*args)) > 1:
                calls["batches"] += 1
                if calls["batches"] in chosen:
                    raised[f"{module.__name__}.{name}"] = raised.get(f"{module.__name__}.{name}", 0) + 1
                    raise torch.cuda.OutOfMemoryError("CUDA out of memory (injected)")
            return real(encoder, pixels, *args)

        monkeypatch.setattr(module, name, inputs)

    by_job = lambda jobs, conv: {job.image_id for job in jobs}
    # Part-way through a batch too: a patched run failing after the batch's clean, masked and first patched runs (in the
    # shared runs' memo, where the rescue tables read them) were computed. 8 jobs are more than one image's (3 at most).
    by_run = lambda resume, tokens, sources, group, mode: range(2 if tokens.shape[0] >= 8 else 1)
    failing(tabulate, "masked_inputs", by_job, (2, 3))
    failing(tabulate, "resumed_patch", by_run, (5,))
    failing(proxy, "masked_inputs", by_job, (1, 2))
    failing(proxy, "on_device", lambda names: names, (1, 2))
    failing(proxy, "resumed_patch", by_run, (1,))
    _same(_tables(world, tmp_path / "disturbed", Batch(rows=8, jobs=64), True), reference)
    assert raised == {f"jepa_claims.{name}": count for name, count in (
        ("engine.tabulate.masked_inputs", 2), ("engine.tabulate.resumed_patch", 1), ("tables.proxy.masked_inputs", 2),
        ("tables.proxy.on_device", 2), ("tables.proxy.resumed_patch", 1))}
    assert _retries(tmp_path / "undisturbed") == 0 and _retries(tmp_path / "disturbed") == sum(raised.values())


def test_the_proxy_takes_the_halves_of_a_clean_batch_one_by_one_never_joined_on_the_device(world, tmp_path, monkeypatch):
    """The proxy's clean pass keeps its states on the device: after an out-of-memory error its halves are taken one at
    a time (a join there would need the whole batch's memory again), and its table equals an undisturbed run's."""
    reference = TableStore(world, tmp_path / "undisturbed", CONV, batch_size=Batch(rows=8, jobs=64)).table("proxy", "ijepa_1k", "4x3")
    real_on_device, real_copies, real_join = proxy.on_device, proxy.host_copies, tabulate._join
    events, joined = [], []

    def on_device(encoder, images, names):
        events.append(f"run {len(names)}")
        if len(events) == 1:  # the clean pass's one batch of all 12 images
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (injected)")
        return real_on_device(encoder, images, names)

    monkeypatch.setattr(proxy, "on_device", on_device)
    monkeypatch.setattr(proxy, "host_copies", lambda values: events.append("to host") or real_copies(values))
    monkeypatch.setattr(tabulate, "_join", lambda parts: joined.append(type(parts[0])) or real_join(parts))
    disturbed = TableStore(world, tmp_path / "disturbed", CONV, batch_size=Batch(rows=8, jobs=64)).table("proxy", "ijepa_1k", "4x3")
    pd.testing.assert_frame_equal(disturbed, reference, check_exact=True)
    assert torch.Tensor not in joined and _retries(tmp_path / "disturbed") == 1
    # the second half runs only once the first is on the host: both halves never on the device at once
    assert events[:5] == ["run 12", "run 6", "to host", "run 6", "to host"]


def _retries(cache) -> int:
    """Forward batches halved after an out-of-memory error, summed over the model-work log of a cache."""
    return sum(json.loads(line)["oom_retries"] for line in (cache / "forwards.jsonl").read_text().splitlines())


def test_one_image_that_cannot_fit_is_an_error_naming_its_table_and_the_memory(world, tmp_path, monkeypatch):
    """Out of memory on every batch, down to one image: the error names the table, the image and the memory seen."""
    def masked_inputs(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory (injected)")

    monkeypatch.setattr(tabulate, "masked_inputs", masked_inputs)
    store = TableStore(world, tmp_path, CONV, batch_size=Batch(rows=8, jobs=64))
    with pytest.raises(ImageTooLarge, match=r"semantic table of ijepa_1k on 4x3 \(semantic-ijepa_1k-4x3-.*do not fit even "
                                            r"alone: .* GiB available on cpu"):
        store.table("semantic", "ijepa_1k", "4x3")


def _jobs(per_image: list[int]) -> list[MaskJob]:
    import numpy as np

    return [MaskJob(f"img{i}", f"m{k}", np.ones(4, dtype=bool)) for i, n in enumerate(per_image) for k in range(n)]


def test_forward_groups_are_whole_row_chunks():
    """A forward batch is consecutive row chunks (those of `chunks` at the row size), about per_forward jobs."""
    jobs = _jobs([3, 3, 3, 2, 5, 1, 3])
    rows = list(chunks(jobs, 8))
    for per_forward in (1, 8, 12, 100):
        groups = list(forward_groups(jobs, 8, per_forward))
        assert [chunk for group in groups for chunk in group] == rows
        assert all(len(group) == 1 or sum(map(len, group)) <= per_forward for group in groups)
    assert len(list(forward_groups(jobs, 8, 100))) == 1


def test_a_batch_size_runs_and_lays_out_rows_alike():
    """A number is both sizes (as before Batch); auto lays rows out at 8 and sizes forwards from memory."""
    assert as_batch(5) == Batch(rows=5, jobs=5)
    assert as_batch("auto") == as_batch(None) == Batch(rows=8, jobs="auto")
    with pytest.raises(ValueError, match="at least 1"):
        as_batch(0)


def test_workers_on_one_gpu_split_it_and_the_cap_comes_first():
    """Four workers on one 80 GB card: 20 GB each; capped at 16 GB: 4 GB each (3.5 GB less half a GB of CUDA context
    each); on two cards two workers each."""
    assert [workers_on_device(4, 1, 0), workers_on_device(4, 2, 0), workers_on_device(3, 2, 1)] == [4, 2, 1]
    assert worker_budget(80 * GB, 4) == 20 * GB
    assert worker_budget(80 * GB, 4, cap=16 * GB) == 4 * GB
    assert worker_budget(12 * GB, 1, cap=16 * GB) == 12 * GB  # a cap above the card is the card
    # each worker's CUDA context comes out of the card (or the cap) first: 4 workers and their contexts fit 16 GB
    assert worker_budget(80 * GB, 4, cap=16 * GB, context=GB // 2) == 3.5 * GB
    with pytest.raises(ValueError, match="1 GB shared by 4 workers leaves nothing once each holds its 0.5 GB"):
        worker_budget(80 * GB, 4, cap=GB, context=GB // 2)
    with pytest.raises(ValueError):
        worker_budget(GB, 0)
    with pytest.raises(ValueError):
        workers_on_device(4, 1, 1)


def test_tf32_on_a_cpu_computes_float32_under_its_own_key_and_the_log_says_who_and_when(world, tmp_path):
    """On a CPU tf32 computes IEEE float32's numbers (no TF32 kernels there) but is cached apart from float32; the
    model-work log names the worker and the span of each computation."""
    plain = TableStore(world, tmp_path, CONV, worker="gw3")
    tf32 = TableStore(world, tmp_path, CONV, tf32=True, worker="gw1")
    assert plain.path("semantic", "ijepa_1k", "4x3") != tf32.path("semantic", "ijepa_1k", "4x3")
    pd.testing.assert_frame_equal(tf32.table("semantic", "ijepa_1k", "4x3"), plain.table("semantic", "ijepa_1k", "4x3"),
                                  check_exact=True)
    entries = [json.loads(line) for line in (tmp_path / "forwards.jsonl").read_text().splitlines()]
    assert [e["worker"] for e in entries] == ["gw1", "gw3"]
    assert all(0 < e["start"] <= e["end"] and e["end"] - e["start"] >= e["seconds"] - 0.01 for e in entries)


def test_a_capped_gpu_holds_four_workers_and_their_contexts_within_the_cap(monkeypatch):
    """On a (faked) 80 GB card shared by 4 workers under --gpu-memory 16, each worker's allocator is held to 3.5 GB:
    with half a GB of CUDA context each, the four fit in 16 GB, as on a 16 GB card."""
    from types import SimpleNamespace

    from jepa_claims.engine import batching

    fractions = []
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda index: SimpleNamespace(total_memory=80 * GB))
    monkeypatch.setattr(torch.cuda, "set_per_process_memory_fraction", lambda fraction, index: fractions.append(fraction))
    budget = batching.process_budget("cuda", 16 * GB, 4)
    assert budget == 3.5 * GB and 4 * (budget + batching.CUDA_CONTEXT) == 16 * GB
    batching.enforce_budget("cuda", budget)
    assert fractions == [3.5 / 80]
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)  # two cards: spread, two workers each; cuda:1, all four
    assert batching.process_budget("cuda:1", 16 * GB, 4) == 7.5 * GB
    assert batching.process_budget("cuda:1", 16 * GB, 4, spread=False) == 3.5 * GB


def test_a_cap_that_leaves_the_workers_nothing_past_their_contexts_stops_the_run(monkeypatch):
    """--gpu-memory 1 under -n 4 on a (faked) GPU: four contexts of half a GB already pass it, so the run stops with a
    usage error naming the cap, before any test; 3 GB leaves each worker a quarter of a GB. The card is never asked."""
    from jepa_claims.suite.options import SuiteOptions
    from jepa_claims.suite.plugin import check_memory_split

    def no_card(*args):
        raise AssertionError("the check asked the card: xdist's controller would hold a CUDA context")

    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_properties", no_card)
    monkeypatch.setattr(torch.cuda, "mem_get_info", no_card)
    with pytest.raises(pytest.UsageError, match=r"give --gpu-memory more than 2 GB, or run fewer workers"):
        check_memory_split(SuiteOptions(device="cuda", gpu_memory=1.0), 4)
    check_memory_split(SuiteOptions(device="cuda", gpu_memory=3.0), 4)
    check_memory_split(SuiteOptions(device="cuda", gpu_memory=1.0), 1)  # one process: 0.5 GB left
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)  # two cards: two workers each
    check_memory_split(SuiteOptions(device="cuda", gpu_memory=1.5), 4)
    with pytest.raises(pytest.UsageError):
        check_memory_split(SuiteOptions(device="cuda", gpu_memory=1.0), 4)
    with pytest.raises(pytest.UsageError, match="shared by 4 workers"):  # --device cuda:1: all four on that card
        check_memory_split(SuiteOptions(device="cuda:1", gpu_memory=1.5, spread=False), 4)


def test_the_workers_counted_are_those_xdist_starts():
    """-n 8 under --maxprocesses 4 is four workers (xdist's --tx list), --tx 3*popen three, no distribution one, and a
    worker reads the count it was given."""
    from types import SimpleNamespace

    from jepa_claims.suite.plugin import run_workers

    config = lambda **option: SimpleNamespace(option=SimpleNamespace(**option))
    assert run_workers(config(dist="loadgroup", tx=["popen"] * 4, numprocesses=8)) == 4
    assert run_workers(config(dist="load", tx=["3*popen", "popen"])) == 4
    assert run_workers(config(dist="no", tx=[])) == 1 and run_workers(config(dist="loadgroup", tx=[])) == 1
    assert run_workers(config(dist="loadgroup", tx=["popen"] * 4, collectonly=True)) == 1  # collecting starts no workers
    worker = config(dist="loadgroup", tx=["popen"] * 4)
    worker.workerinput = {"workercount": 4, "workerid": "gw2"}
    assert run_workers(worker) == 4
