"""Suite options: which world runs (auto, paper, toy) and which device each xdist worker takes."""
from __future__ import annotations

from pathlib import Path

import pytest

from jepa_claims.suite import options
from jepa_claims.suite.options import SuiteOptions, WorldUnavailable, resolve_world, worker_device


@pytest.fixture
def nothing_fetched(monkeypatch):
    """A machine without the paper's checkpoints and data."""
    monkeypatch.setattr(options, "paper_missing", lambda *selection: (["facebook/ijepa_vith14_1k: missing", "oxford-iiit-pet: missing"], []))


@pytest.fixture
def everything_fetched(monkeypatch):
    """A machine where `jepa-claims fetch` has run."""
    monkeypatch.setattr(options, "paper_missing", lambda *selection: ([], ["everything"]))


def test_auto_falls_back_to_the_toy_world_with_a_banner(nothing_fetched, tmp_path):
    """auto without the paper's files runs the toy world and says it is not a replication."""
    world = resolve_world(SuiteOptions(world="auto", cache_dir=tmp_path))
    assert world.name == "toy" and "not a replication" in world.banner and "jepa-claims fetch" in world.banner


def test_auto_runs_the_paper_world_when_everything_is_fetched(everything_fetched, tmp_path):
    """auto with the paper's files runs the paper's four checkpoints on the paper's five slices."""
    world = resolve_world(SuiteOptions(world="auto", data_root=str(tmp_path), cache_dir=tmp_path))
    assert world.name == "paper" and world.banner is None and world.data_root == tmp_path
    assert [c.key for c in world.checkpoints] == ["ijepa_1k", "ijepa_22k", "mae", "beit"]
    assert world.slices == ("4x3", "8x3", "12x3", "16x3", "voc8x3")


def test_paper_world_missing_files_is_an_error_naming_them_and_the_fix(nothing_fetched, tmp_path):
    """--world paper never falls back: the error lists what is missing and the fetch command."""
    with pytest.raises(WorldUnavailable, match="ijepa_vith14_1k: missing") as error:
        resolve_world(SuiteOptions(world="paper", data_root=str(tmp_path / "d"), cache_dir=tmp_path))
    assert f"jepa-claims fetch --data-root {tmp_path / 'd'}" in str(error.value)


def test_selection_and_policy_carry_into_the_world(everything_fetched, tmp_path):
    """--checkpoints, --slices and --skip-unreadable reach the world; unknown names are errors."""
    world = resolve_world(SuiteOptions(world="paper", checkpoints=("mae",), slices=("8x3",), skip_unreadable=True,
                                       data_root=str(tmp_path), cache_dir=tmp_path))
    assert [c.key for c in world.checkpoints] == ["mae"] and world.slices == ("8x3",) and world.skip_unreadable
    with pytest.raises(KeyError, match="no checkpoint 'vit_h'"):
        resolve_world(SuiteOptions(world="paper", checkpoints=("vit_h",), data_root=str(tmp_path), cache_dir=tmp_path))
    with pytest.raises(ValueError, match="unknown slices"):
        resolve_world(SuiteOptions(world="toy", slices=("5x3",), cache_dir=tmp_path))


@pytest.mark.parametrize(("requested", "worker", "count", "expected"), [
    ("cuda", "gw0", 4, "cuda:0"), ("cuda", "gw5", 4, "cuda:1"), ("cuda", "gw3", 1, "cuda"),
    ("cuda", None, 4, "cuda"), ("cuda:2", "gw0", 4, "cuda:2"), ("cpu", "gw1", 0, "cpu"),
])
def test_each_worker_takes_its_own_gpu(requested, worker, count, expected):
    """With several GPUs, worker gwN takes GPU N mod count; an explicit index or one GPU is kept."""
    assert worker_device(requested, worker, count) == expected


def test_cuda_without_a_gpu_is_a_clear_error():
    """--device cuda on a machine without CUDA fails before any test runs."""
    with pytest.raises(ValueError, match="no CUDA device"):
        worker_device("cuda", "gw0", 0)


def test_bad_suite_options_are_a_usage_error_not_a_traceback(tmp_path):
    """`pytest claims/` with an unknown checkpoint stops with pytest's usage error (exit 4) and one message."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    done = subprocess.run([sys.executable, "-m", "pytest", "claims/", "--world", "toy", "--checkpoints", "vit_h",
                           "--cache-dir", str(tmp_path), "-p", "no:cacheprovider", "-q"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr[-2000:]
    assert "ERROR: world 'toy' has no checkpoint 'vit_h'" in done.stderr and "INTERNALERROR" not in done.stderr


def test_collect_only_writes_no_record(tmp_path):
    """Listing the suite (`--collect-only`) writes no stats_summary.json (and no default HTML report)."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    done = subprocess.run([sys.executable, "-m", "pytest", "claims/", "--world", "toy", "--collect-only", "-q",
                           "--cache-dir", str(tmp_path / "cache"), f"--html={tmp_path / 'r' / 'replication.html'}",
                           "-p", "no:cacheprovider"], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "tests collected" in done.stdout
    assert not (tmp_path / "r" / "stats_summary.json").exists()


@pytest.mark.parametrize(("device", "count"), [("cpu", 0), ("cuda", 1), ("cuda:0", 1), ("cuda:1", 2)])
def test_devices_that_exist_pass_the_check(device, count):
    """The device check refuses only what is not here (tests/test_faults.py shows the refusals)."""
    options.check_device(device, count)


def test_good_values_pass_every_check(tmp_path):
    """Default threads, a positive tau, a new cache folder and an output under folders yet to be made all pass."""
    options.check_threads(None)
    options.check_threads(1)
    options.check_tau(0.05)
    options.check_cache_dir(tmp_path / "new" / "cache")
    options.check_output_file(tmp_path / "out" / "deeper" / "x.csv")
    assert (tmp_path / "new" / "cache").is_dir() and not (tmp_path / "out").exists()  # --out makes nothing until it writes
