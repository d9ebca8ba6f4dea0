"""The claim suite as a pytest plugin (entry point `pytest11`): options, world, parametrization, record.

Installed with the package, so pytest loads it for every run, the self-tests in tests/ included (and
any project's tests in the same environment); it does nothing costly unless the claim suite runs:
importing it imports neither torch nor the model code. The world is resolved at configure time when
the run's paths reach into the suite's folders (ini `claim_suite`, default `claims`), so that a bad
option stops the run with a usage error before anything starts; otherwise only when a claim or probe
test is collected. Resolving it registers the recorder, which writes the record; a run of the claim
suite also shares the cores and defaults its HTML report to reports/replication.html. State lives in
`config.stash` under `OPTIONS` and `WORLD`; the fixtures (the user's fixtures/ package) read it
through `suite_world` / `suite_store`.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, get_args, get_type_hints

import pytest

from jepa_claims.conventions import TRIMAP_OBJECT_RULES, Conventions
from jepa_claims.engine.hub import HUB_CACHE_HELP
from jepa_claims.suite.options import DEFAULT_UNTRAINED_SEEDS, MIN_UNTRAINED_SEEDS, SuiteOptions, WorldUnavailable, resolve_world, worker_device
from jepa_claims.worlds.world import World

if TYPE_CHECKING:
    from jepa_claims.claim.catalogue import Catalogue

OPTIONS = pytest.StashKey[SuiteOptions]()
WORLD = pytest.StashKey[World]()
CONVENTIONS = pytest.StashKey[Conventions]()
BUILDER = pytest.StashKey[object]()  # the process building P1's untrained checkpoints ahead of need

DEFAULT_HTML = "reports/replication.html"
MARKERS = (
    "claim(CLAIM): a test of the module's claim (lib/claim/unit.py Claim) over its checkpoints x slices",
    "probe(id, checkpoints, slices, other_claims, claims): a probe beyond the paper over checkpoints x slices, or with "
    "claims=True over every cell of each claim of the suite; other_claims says why the claims it skips are skipped",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """The suite's command-line options, and where the claim suite lives."""
    group = parser.getgroup("jepa-claims")
    group.addoption("--world", choices=["auto", "paper", "toy", "trained", "extended"], default="auto",
                    help="paper: the paper's checkpoints and data (error if missing); toy: built-in toy world; trained: small "
                         "I-JEPA, MAE and BEiT-style encoders trained here on first use (cached); auto: paper if present; "
                         "extended: other I-JEPA encoders and DINOv2 beside ijepa_1k, roles discovered")
    group.addoption("--checkpoints", default=None,
                    help="comma-separated checkpoint keys (ijepa_1k,ijepa_22k,mae,beit) and your own as NAME=ORG/REPO[@REV] "
                         "or NAME=FOLDER (tested on the claims of ijepa_1k)")
    group.addoption("--slices", default=None, help="comma-separated slices (4x3,8x3,12x3,16x3,voc8x3)")
    group.addoption("--device", default="cpu", help="cpu, cuda, cuda:N (with -n and several GPUs each worker takes its own)")
    group.addoption("--dtype", default="float32",
                    help="float32 (strict IEEE), tf32 (float32 whose CUDA matmuls round to TensorFloat-32; IEEE float32 "
                         "on a CPU, under its own cache key), bfloat16 or float16 (checked when the world resolves)")
    group.addoption("--gpu-memory", type=float, default=None, metavar="GB",
                    help="GB the run may use of each GPU, split among the workers on it (default: the whole card); "
                         "a batch that does not fit is halved")
    group.addoption("--data-root", default=None, help="folder holding oxford-iiit-pet/ and VOCdevkit/ (paper world)")
    group.addoption("--skip-unreadable", action="store_true",
                    help="paper world: list unreadable images in the slice manifests (next eligible ones taken) instead of stopping")
    group.addoption("--threads", type=int, default=None,
                    help="torch CPU threads per process (default: the cores shared among the xdist workers)")
    group.addoption("--untrained-seeds", type=int, default=DEFAULT_UNTRAINED_SEEDS, metavar="N",
                    help=f"P1: untrained architectures (Hugging Face init seeds) per checkpoint, at least "
                         f"{MIN_UNTRAINED_SEEDS} (default {DEFAULT_UNTRAINED_SEEDS}); each seed computes its own tables")
    group.addoption("--cache-dir", default=".cache/jepa-claims", help="measurement tables, toy data and toy checkpoints")
    group.addoption("--hf-cache", default=None, help=HUB_CACHE_HELP)
    group.addoption("--convention", action="append", default=[], metavar="NAME=VALUE",
                    help=f"a convention other than its default (repeatable; in the cache key and the record): {convention_help()}")
    parser.addini("claim_suite", type="args", default=["claims"],
                  help="folders (relative to the rootdir) holding the claim suite: a run reaching into them resolves the world")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Register the markers; for a run of the claim suite, resolve the world now (a bad option stops it here)."""
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    if not runs_claim_suite(config):
        return
    suite_conventions(config)
    suite_world(config)
    check_memory_split(suite_options(config), run_workers(config))
    _share_cores(config)
    _build_ahead(config)
    if config.option.tbstyle == "auto":
        # The long style prints each test's arguments (fixtures holding functions and streams) with their
        # memory addresses, so two runs with equal numbers would write different HTML records.
        config.option.tbstyle = "short"
    if not getattr(config.option, "htmlpath", None) and not hasattr(config, "workerinput") and not config.option.collectonly:
        config.option.htmlpath = DEFAULT_HTML
        config.option.self_contained_html = True


def runs_claim_suite(config: pytest.Config) -> bool:
    """True when a path of the run is, holds or lies in a folder of the claim suite (one that exists)."""
    suite = [folder for folder in suite_folders(config) if folder.is_dir()]
    paths = [(config.invocation_params.dir / str(arg).split("::")[0]).resolve() for arg in config.args]
    return any(p == s or s in p.parents or p in s.parents for p in paths for s in suite)


def suite_folders(config: pytest.Config) -> tuple[Path, ...]:
    """The folders of the claim suite (ini `claim_suite`, relative to the rootdir)."""
    return tuple((config.rootpath / folder).resolve() for folder in config.getini("claim_suite"))


def suite_catalogue(config: pytest.Config) -> Catalogue:
    """The claims and probes of the suite's folders (each claim one module; lib/claim/catalogue.py)."""
    from jepa_claims.claim.catalogue import load  # the claims import the table readers: only when the suite runs

    return load(*suite_folders(config))


def suite_options(config: pytest.Config) -> SuiteOptions:
    """The suite's options from the command line (built once per process)."""
    if OPTIONS not in config.stash:
        config.stash[OPTIONS] = SuiteOptions(
            world=config.getoption("--world"), checkpoints=_split(config.getoption("--checkpoints")),
            slices=_split(config.getoption("--slices")), device=_device(config.getoption("--device"), config),
            dtype=config.getoption("--dtype"), data_root=config.getoption("--data-root"),
            cache_dir=Path(config.getoption("--cache-dir")), run_id=_run_id(config),
            skip_unreadable=config.getoption("--skip-unreadable"), threads=config.getoption("--threads"),
            hf_cache=Path(config.getoption("--hf-cache")) if config.getoption("--hf-cache") else None,
            untrained_seeds=config.getoption("--untrained-seeds"), gpu_memory=config.getoption("--gpu-memory"),
            spread=config.getoption("--device") == "cuda")
    return config.stash[OPTIONS]


def convention_help() -> str:
    """Every field of Conventions with its allowed values (or its default where values are free), for --help."""
    hints = get_type_hints(Conventions)
    choices = {f.name: [a for a in get_args(hints[f.name]) if isinstance(a, str)] for f in fields(Conventions)}
    choices["trimap_object"] = list(TRIMAP_OBJECT_RULES)  # a str field checked against the rules' names
    choices["allow_inert_sites"] = ["false", "true"]
    choices["late_window"] = ["none|LAYER,LAYER..."]
    return "; ".join(f"{f.name}=" + ("|".join(choices[f.name]) or f"NUMBER (default {f.default})") for f in fields(Conventions))


def suite_conventions(config: pytest.Config) -> Conventions:
    """The run's conventions: the defaults changed by each --convention NAME=VALUE (a bad one is a usage error)."""
    if CONVENTIONS not in config.stash:
        try:
            config.stash[CONVENTIONS] = Conventions.from_pairs(config.getoption("--convention"))
        except ValueError as error:
            raise pytest.UsageError(str(error)) from error
    return config.stash[CONVENTIONS]


def suite_world(config: pytest.Config) -> World:
    """The world this run checks, resolved once per process (bad options or files are a usage error)."""
    if WORLD not in config.stash:
        try:
            options = suite_options(config)
            world = resolve_world(options)
        except (WorldUnavailable, ValueError, KeyError, OSError) as error:  # a message, not a traceback
            raise pytest.UsageError(str(error).strip("'\"")) from error
        use_world(config, options, world)
    return config.stash[WORLD]


def use_world(config: pytest.Config, options: SuiteOptions, world: World) -> None:
    """Run the suite on this world with these options (what resolving does; a self-test passes a planted world)."""
    from jepa_claims.record.plugin import PLUGIN_NAME, Recorder

    config.stash[OPTIONS], config.stash[WORLD] = options, world
    if not config.pluginmanager.has_plugin(PLUGIN_NAME):  # one recorder per config: pytester runs never share state
        config.pluginmanager.register(Recorder(config, lambda: _resolved(config), lambda: suite_store(config)), PLUGIN_NAME)


def run_workers(config: pytest.Config) -> int:
    """How many processes run the tests: xdist's workers (its --tx specs, `N*popen` counting N, as xdist starts them
    after --maxprocesses), or 1 without distribution (--collect-only does not distribute)."""
    worker = getattr(config, "workerinput", None)
    if worker:
        return int(worker["workercount"])
    specs = getattr(config.option, "tx", None) or []
    if getattr(config.option, "dist", "no") == "no" or not specs or getattr(config.option, "collectonly", False):
        return 1
    count = lambda spec: int(spec.partition("*")[0]) if "*" in spec and spec.partition("*")[0].isdigit() else 1
    return sum(count(spec) for spec in specs)


def check_memory_split(options: SuiteOptions, workers: int) -> None:
    """A --gpu-memory cap that leaves the workers sharing a GPU nothing past their CUDA contexts stops the run here
    (a usage error), not in every test. The cap alone is checked: asking the card its size would make this process
    (xdist's controller) hold a CUDA context of its own."""
    import torch

    from jepa_claims.engine.batching import CUDA_CONTEXT, GB, sharing_workers, worker_budget

    if options.gpu_memory is None or not options.device.startswith("cuda"):
        return
    cap = int(options.gpu_memory * GB)
    sharing = sharing_workers(workers, torch.cuda.device_count(), 0, options.spread)  # device 0 shares the most
    try:
        worker_budget(cap, sharing, None, CUDA_CONTEXT)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from error


def suite_store(config: pytest.Config):
    """A TableStore over the run's world with its options (tables computed once across workers, cached on disk)."""
    from jepa_claims.engine.batching import GB, Batch, enforce_budget, process_budget
    from jepa_claims.engine.precision import PRECISIONS, uses_tf32
    from jepa_claims.tables.census import TerminalStream
    from jepa_claims.suite.work import wanted_tables
    from jepa_claims.tables.store import TableStore

    options = suite_options(config)
    manager = getattr(config, "pluginmanager", None)
    capture = manager.getplugin("capturemanager") if manager else None
    stream = TerminalStream(capture) if capture else None  # a bar per table computed, on the terminal
    world, conv = suite_world(config), suite_conventions(config)
    wanted = wanted_tables(world, conv, options.untrained_seeds, suite_catalogue(config))  # the tables of a slice it reads are computed together
    worker = getattr(config, "workerinput", None)
    cap = None if options.gpu_memory is None else int(options.gpu_memory * GB)
    budget = process_budget(options.device, cap, int(worker["workercount"]) if worker else 1, options.spread)
    enforce_budget(options.device, budget)
    return TableStore(world, options.cache_dir, conv, options.device, PRECISIONS[options.dtype],
                      options.run_id, Batch(memory=budget), progress_stream=stream, wanted=wanted,
                      tf32=uses_tf32(options.dtype), worker=worker["workerid"] if worker else "main")


def _resolved(config: pytest.Config) -> tuple[SuiteOptions, World] | None:
    """(options, world) once this process resolved the world, else None (the recorder then writes nothing)."""
    return (config.stash[OPTIONS], config.stash[WORLD]) if WORLD in config.stash else None


def _split(text: str | None) -> tuple[str, ...] | None:
    """'a,b' -> ('a', 'b'); None stays None."""
    return tuple(p.strip() for p in text.split(",") if p.strip()) if text else None


def _device(requested: str, config: pytest.Config) -> str:
    """The device of this process: with several GPUs each xdist worker takes its own."""
    import torch

    worker = config.workerinput["workerid"] if hasattr(config, "workerinput") else None
    count = torch.cuda.device_count() if requested.startswith("cuda") else 0
    return worker_device(requested, worker, count)


def _build_ahead(config: pytest.Config) -> None:
    """On a CUDA run, one process (the controller's, under xdist) starts building P1's untrained checkpoints while the
    workers compute (lib/worlds/ahead.py); stopped when the run ends."""
    options = suite_options(config)
    if hasattr(config, "workerinput") or not options.device.startswith("cuda") or config.option.collectonly:
        return
    from jepa_claims.tables.probes import random_world, untrained_seeds
    from jepa_claims.worlds.ahead import build_ahead

    world, seeds = suite_world(config), untrained_seeds(options.untrained_seeds)
    copies = [random_world(world, seed).checkpoints for seed in seeds]  # checkpoint by checkpoint, each seed's copy
    config.stash[BUILDER] = build_ahead([specs[i] for i in range(len(world.checkpoints)) for specs in copies],
                                        options.cache_dir)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the builder of untrained checkpoints, if this process started one."""
    if BUILDER in config.stash:
        from jepa_claims.worlds.ahead import stop

        stop(config.stash[BUILDER])


def _share_cores(config: pytest.Config) -> None:
    """Give each xdist worker its share of the cores (lib/engine/cpu.py says why torch's default is a trap)."""
    from jepa_claims.engine.cpu import share_of_cores, use_threads

    threads = config.getoption("--threads")
    if threads is None:
        worker = getattr(config, "workerinput", None)
        threads = share_of_cores(int(worker.get("workercount", 1)) if worker else 1)
    use_threads(threads)


def _run_id(config: pytest.Config) -> str:
    """One id shared by the controller and all xdist workers of a run."""
    if hasattr(config, "workerinput"):
        return config.workerinput["testrunuid"]
    if os.environ.get("PYTEST_XDIST_TESTRUNUID"):
        return os.environ["PYTEST_XDIST_TESTRUNUID"]
    # xdist's testrunuid on the controller (it hands the same to workers), else a fresh one
    config.option.testrunuid = getattr(config.option, "testrunuid", None) or uuid.uuid4().hex
    return config.option.testrunuid


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which world runs, and shout when it is not the paper's (nothing when the suite is not run)."""
    if WORLD not in config.stash:
        return []
    world = config.stash[WORLD]
    lines = [f"jepa-claims world: {world.name}; checkpoints {[c.key for c in world.checkpoints]}; slices {list(world.slices)}"]
    if world.banner:
        bar = "!" * 100
        lines += [bar, world.banner, bar]
    lines += _conventions_line(config)
    if world.name in ("paper", "extended"):  # real checkpoints: say what the run will compute
        lines += _census(config)
    return lines


def _conventions_line(config: pytest.Config) -> list[str]:
    """The run header's line naming the conventions --convention changed (none under the defaults)."""
    from jepa_claims.record.summary import conventions_note

    note = conventions_note(suite_conventions(config).as_dict())
    return [f"jepa-claims conventions: {note}"] if note else []


def _census(config: pytest.Config) -> list[str]:
    """What this paper-world run will compute, and about how long it takes here (lib/suite/plan.py)."""
    from jepa_claims.engine.cpu import share_of_cores
    from jepa_claims.engine.precision import PRECISIONS, uses_tf32
    from jepa_claims.suite.plan import run_census
    from jepa_claims.tables.store import TableStore

    options = suite_options(config)
    threads = options.threads or share_of_cores(run_workers(config))
    store = TableStore(suite_world(config), options.cache_dir, suite_conventions(config), options.device, PRECISIONS[options.dtype],
                       tf32=uses_tf32(options.dtype))
    return run_census(store, threads, options.untrained_seeds, suite_catalogue(config)).lines()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize claim and probe tests over the selected cells, grouped per checkpoint for xdist."""
    from jepa_claims.record.plugin import marked_claim, marked_probe

    claim, probe = marked_claim(metafunc.definition), marked_probe(metafunc.definition)
    if "checkpoint" not in metafunc.fixturenames or not (probe or claim):
        return
    world = suite_world(metafunc.config)
    checkpoints, slices = [c.key for c in world.checkpoints], world.slices
    if probe is not None and probe.every_claim:  # a probe over every claim's own cells (P1)
        _parametrize_claim_cells(metafunc, list(suite_catalogue(metafunc.config)), checkpoints, world)
        return
    if claim is not None:  # a cell runs only when every table its check reads is selected
        cells = [(ck, sl) for ck, sl in world.with_stand_ins(claim.cells())
                 if not claim.missing(ck, sl, checkpoints, world.confirmation_slices(ck) if ck in checkpoints else slices)]
    else:
        cells = [(ck, sl) for ck in probe.checkpoints if ck in checkpoints for sl in probe.slices if sl in slices]
    params = [pytest.param(ck, sl, id=f"{ck}-{sl}", marks=pytest.mark.xdist_group(ck)) for ck, sl in cells]
    if not params:
        params = [pytest.param(None, None, id="not-selected",
                               marks=pytest.mark.skip(reason="no selected checkpoint/slice for this claim"))]
    metafunc.parametrize(("checkpoint", "slice_name"), params)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker under --dist loadgroup: each claim or probe test of a cell in the group of its unit of work,
    units spread over the workers longest first from the plan (lib/suite/assign.py), not one group per checkpoint."""
    worker = getattr(config, "workerinput", None)
    if worker is None or not config.getvalue("loadgroup") or WORLD not in config.stash:
        return
    from jepa_claims.suite.assign import plan_groups, unit_of_test
    from jepa_claims.suite.work import world_rows

    rows = world_rows(config.stash[WORLD], suite_conventions(config), suite_options(config).untrained_seeds,
                      suite_catalogue(config))  # the run's claims/, wherever this package is installed
    groups = plan_groups(rows, int(worker["workercount"])) if rows is not None else {}  # None: grouped per checkpoint
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        probe = item.get_closest_marker("probe")
        unit = unit_of_test(probe.args[0].id if probe else None, params.get("checkpoint"), params.get("slice_name"))
        if unit in groups and (probe or item.get_closest_marker("claim")):  # the suite's own tests only
            for node in item.listchain():  # the group marks per checkpoint (the parameter's and a module's) give way
                node.own_markers[:] = [mark for mark in node.own_markers if mark.name != "xdist_group"]
            item.add_marker(pytest.mark.xdist_group(groups[unit]))


def _parametrize_claim_cells(metafunc: pytest.Metafunc, claims, checkpoints, world: World) -> None:
    """(claim, checkpoint, slice_name) over every selected cell of each claim (a discovering checkpoint's on its
    confirmation slices, as the claims'), grouped per checkpoint for xdist."""
    params = [pytest.param(c, ck, sl, id=f"{c.id}-{ck}-{sl}", marks=pytest.mark.xdist_group(ck)) for c in claims
              for ck, sl in c.cells()
              if not c.missing(ck, sl, checkpoints, world.confirmation_slices(ck) if ck in checkpoints else world.slices)]
    if not params:
        params = [pytest.param(None, None, None, id="not-selected",
                               marks=pytest.mark.skip(reason="no selected checkpoint/slice for these claims"))]
    metafunc.parametrize(("claim", "checkpoint", "slice_name"), params)
