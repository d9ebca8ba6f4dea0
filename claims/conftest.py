"""The replication check: options, the world, the shared table store, parametrization, the report."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from jepa_claims.conventions import Conventions
from jepa_claims.engine.cpu import share_of_cores, use_threads
from jepa_claims.engine.models import DTYPES
from jepa_claims.suite.options import SuiteOptions, WorldUnavailable, resolve_world, worker_device

pytest_plugins = ["jepa_claims.record.plugin"]



def pytest_addoption(parser: pytest.Parser) -> None:
    """The suite's command-line options."""
    group = parser.getgroup("jepa-claims")
    group.addoption("--world", choices=["auto", "paper", "toy"], default="auto",
                    help="paper: the paper's checkpoints and data (error if missing); toy: built-in toy world; auto: paper if present")
    group.addoption("--checkpoints", default=None, help="comma-separated checkpoint keys (ijepa_1k,ijepa_22k,mae,beit)")
    group.addoption("--slices", default=None, help="comma-separated slices (4x3,8x3,12x3,16x3,voc8x3)")
    group.addoption("--device", default="cpu", help="cpu, cuda, cuda:N (with -n and several GPUs each worker takes its own)")
    group.addoption("--dtype", choices=sorted(DTYPES), default="float32")
    group.addoption("--data-root", default=None, help="folder holding oxford-iiit-pet/ and VOCdevkit/ (paper world)")
    group.addoption("--skip-unreadable", action="store_true",
                    help="paper world: list unreadable images in the slice manifests (next eligible ones taken) instead of stopping")
    group.addoption("--threads", type=int, default=None,
                    help="torch CPU threads per process (default: the cores shared among the xdist workers)")
    group.addoption("--cache-dir", default=".cache/jepa-claims", help="measurement tables, toy data and toy checkpoints")


def _split(text: str | None) -> tuple[str, ...] | None:
    """'a,b' -> ('a', 'b'); None stays None."""
    return tuple(p.strip() for p in text.split(",") if p.strip()) if text else None


def _device(requested: str, config: pytest.Config) -> str:
    """The device of this process: with several GPUs each xdist worker takes its own."""
    worker = config.workerinput["workerid"] if hasattr(config, "workerinput") else None
    count = torch.cuda.device_count() if requested.startswith("cuda") else 0
    return worker_device(requested, worker, count)


def _share_cores(config: pytest.Config) -> None:
    """Give each xdist worker its share of the cores (lib/engine/cpu.py says why torch's default is a trap)."""
    threads = config.getoption("--threads")
    if threads is None:
        worker = getattr(config, "workerinput", None)
        threads = share_of_cores(int(worker.get("workercount", 1)) if worker else 1)
    use_threads(threads)


def _suite_options(config: pytest.Config) -> SuiteOptions:
    """The suite's options from the command line."""
    return SuiteOptions(
        world=config.getoption("--world"), checkpoints=_split(config.getoption("--checkpoints")),
        slices=_split(config.getoption("--slices")), device=_device(config.getoption("--device"), config),
        dtype=config.getoption("--dtype"), data_root=config.getoption("--data-root"),
        cache_dir=Path(config.getoption("--cache-dir")), run_id=_run_id(config),
        skip_unreadable=config.getoption("--skip-unreadable"),
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Resolve the world once, and make the HTML report the replication record."""
    try:
        options = _suite_options(config)
        config.jepa_options = options
        _share_cores(config)
        config.jepa_world = resolve_world(options)
    except (WorldUnavailable, ValueError, KeyError) as error:  # bad options or files: a message, not a traceback
        raise pytest.UsageError(str(error).strip("'\"")) from error
    if not getattr(config.option, "htmlpath", None) and not hasattr(config, "workerinput") and not config.option.collectonly:
        config.option.htmlpath = "reports/replication.html"
        config.option.self_contained_html = True


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which world runs, and shout when it is not the paper's."""
    world = config.jepa_world
    lines = [f"jepa-claims world: {world.name}; checkpoints {[c.key for c in world.checkpoints]}; slices {list(world.slices)}"]
    if world.banner:
        bar = "!" * 100
        lines += [bar, world.banner, bar]
    return lines


def _run_id(config: pytest.Config) -> str:
    """One id shared by the controller and all xdist workers of a run."""
    if hasattr(config, "workerinput"):
        return config.workerinput["testrunuid"]
    return os.environ.get("PYTEST_XDIST_TESTRUNUID") or _controller_uid(config)


def _controller_uid(config: pytest.Config) -> str:
    """xdist's testrunuid on the controller (it hands the same to workers), else a fresh one."""
    import uuid

    uid = getattr(config.option, "testrunuid", None) or uuid.uuid4().hex
    config.option.testrunuid = uid
    return uid


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize claim tests over the world's checkpoints x slices, grouped per checkpoint for xdist."""
    marker = metafunc.definition.get_closest_marker("claim") or metafunc.definition.get_closest_marker("probe")
    if marker is None or "checkpoint" not in metafunc.fixturenames:
        return
    world = metafunc.config.jepa_world
    wanted_ck = marker.kwargs.get("checkpoints", ())
    wanted_sl = marker.kwargs.get("slices", ())
    have_ck = [c.key for c in world.checkpoints]
    params = [
        pytest.param(ck, sl, id=f"{ck}-{sl}", marks=pytest.mark.xdist_group(ck))
        for ck in wanted_ck if ck in have_ck for sl in wanted_sl if sl in world.slices
    ]
    if not params:
        params = [pytest.param(None, None, id="not-selected",
                               marks=pytest.mark.skip(reason="no selected checkpoint/slice for this claim"))]
    metafunc.parametrize(("checkpoint", "slice_name"), params)


@pytest.fixture(scope="session")
def world(pytestconfig):
    """The world this run checks."""
    return pytestconfig.jepa_world


@pytest.fixture(scope="session")
def store(pytestconfig):
    """The shared table store (tables computed once across workers, cached on disk)."""
    from jepa_claims.tables.store import TableStore

    options: SuiteOptions = pytestconfig.jepa_options
    return TableStore(pytestconfig.jepa_world, options.cache_dir, Conventions(), options.device,
                      DTYPES[options.dtype], options.run_id)


@pytest.fixture
def verdict(request, store, checkpoint, slice_name, record_property):
    """The verdict of the test's claim (its `claim` marker) on this checkpoint and slice, recorded for the report."""
    from jepa_claims.verdicts.checks import evaluate

    claim = request.node.get_closest_marker("claim").args[0]
    result = evaluate(claim, store, checkpoint, slice_name)
    record_property("verdict", result.to_dict())
    return result


@pytest.fixture
def record_probe(request, record_property):
    """Record what a probe found for a claim, with the sentence the report shows."""
    probe = request.node.get_closest_marker("probe").args[0]

    def record(claim: str, checkpoint: str, slice_name: str, holds: bool, sentence: str, **measured) -> None:
        record_property("probe", {"probe": probe, "claim": claim, "checkpoint": checkpoint, "slice": slice_name,
                                  "holds": bool(holds), "sentence": sentence, "measured": measured})
    return record
