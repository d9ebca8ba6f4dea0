"""Faults a user's machine suffers, done to one small toy run: nothing wrong is ever served.

Kills mid-write, damaged tables, a cut checkpoint build, a torn model-work log, read-only, misplaced
and full cache folders, and bad options. After a recoverable fault the record equals the clean one
number for number and says what was repaired; otherwise the run stops with one line naming the path
or option. The toy run is shared by the module (one clean suite run, then in-process calls).
"""
from __future__ import annotations

import errno
import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from jepa_claims.conventions import Conventions
from jepa_claims.record.diff import RUN_OWN
from jepa_claims.suite import options
from jepa_claims.suite.options import SuiteOptions, resolve_world
from jepa_claims.tables.files import DAMAGED, hash_path
from jepa_claims.tables.store import TableStore
from jepa_claims.tables.worklog import LOG_NAME, forwards_of_run

pytestmark = pytest.mark.xdist_group("faults")  # one worker builds the shared toy run once
ROOT = Path(__file__).resolve().parents[1]
SELECTION = ["--world", "toy", "--slices", "4x3", "--checkpoints", "ijepa_1k"]


def run_suite(cache: Path, report: Path, *extra: str) -> subprocess.CompletedProcess:
    """`pytest claims/` on the shared toy selection, in a fresh process (as a user runs it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    return subprocess.run([sys.executable, "-m", "pytest", "claims/", *SELECTION, "--cache-dir", str(cache),
                           f"--html={report}", "-p", "no:cacheprovider", "-q", "-n", "0", *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def record_of(report: Path) -> dict:
    """The JSON record written beside an HTML report."""
    return json.loads((report.parent / "stats_summary.json").read_text())


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, dict]:
    """One clean toy run: its cache folder and its record."""
    root = tmp_path_factory.mktemp("faults")
    done = run_suite(root / "cache", root / "clean" / "r.html")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return root / "cache", record_of(root / "clean" / "r.html")


def store_of(cache: Path, run_id: str) -> TableStore:
    """A table store on the shared toy run's world and cache."""
    world = resolve_world(SuiteOptions(world="toy", checkpoints=("ijepa_1k",), slices=("4x3",), cache_dir=cache))
    return TableStore(world, cache, Conventions(), run_id=run_id)


def table_file(cache: Path, kind: str) -> Path:
    """The shared run's cached table of this kind on ijepa_1k, 4x3 (the trained one: P1's untrained seeds have their own)."""
    path = store_of(cache, "lookup").path(kind, "ijepa_1k", "4x3")
    assert path.exists(), path
    return path


def alter_numbers(path: Path) -> None:
    """Rewrite a table with every float scaled: a file that still reads, with numbers nobody computed."""
    frame = pd.read_parquet(path)
    floats = frame.select_dtypes("float").columns
    frame[floats] = frame[floats] * 1.5 + 0.01
    frame.to_parquet(path)


def truncate(path: Path) -> None:
    """Cut a file to half its bytes (a copy or a disk that stopped halfway)."""
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def garbage(path: Path) -> None:
    """Replace a file's bytes with noise."""
    path.write_bytes(os.urandom(path.stat().st_size))


def drop_hash(path: Path) -> None:
    """Remove the hash written beside a table."""
    hash_path(path).unlink()


@pytest.mark.parametrize("damage", [alter_numbers, truncate, garbage, drop_hash], ids=lambda f: f.__name__)
def test_a_damaged_table_is_moved_aside_recomputed_and_named(clean, damage):
    """The store never serves a damaged table: it keeps it in damaged/, computes it again, and logs why."""
    cache, _ = clean
    store = store_of(cache, f"damage-{damage.__name__}")
    sound = store.table("semantic", "ijepa_1k", "4x3")
    path = table_file(cache, "semantic")
    damage(path)
    assert store.cached("semantic", "ijepa_1k", "4x3") is None  # the record's figures never read it either
    pd.testing.assert_frame_equal(store.table("semantic", "ijepa_1k", "4x3"), sound, check_exact=True)
    work = forwards_of_run(cache, store.run_id)
    [repair] = work["recomputed"]
    assert repair["table"] == path.name and work["tables_computed"] == 1
    assert (cache / repair["moved_to"]).parent.name == DAMAGED and (cache / repair["moved_to"]).exists()


def _killed_while_writing(cache: str) -> None:
    """Child process: compute a table and die (like kill -9) the moment its file would be renamed into place."""
    from jepa_claims import cache as cache_module

    real_replace = cache_module.os.replace

    def die_on_table(source, target):
        if str(target).endswith(".parquet"):
            os._exit(9)
        real_replace(source, target)

    cache_module.os.replace = die_on_table
    store_of(Path(cache), "killed").table("masks", "ijepa_1k", "4x3")


def test_a_run_killed_while_writing_a_table_is_recomputed_identically(clean):
    """A kill after the hash and before the table leaves no table: the next run computes the same one."""
    cache, _ = clean
    path = table_file(cache, "masks")
    sound = pd.read_parquet(path)
    path.unlink()
    child = multiprocessing.get_context("spawn").Process(target=_killed_while_writing, args=(str(cache),))
    child.start()
    child.join(300)
    assert child.exitcode == 9 and not path.exists() and hash_path(path).exists()
    store = store_of(cache, "after-kill")
    pd.testing.assert_frame_equal(store.table("masks", "ijepa_1k", "4x3"), sound, check_exact=True)
    assert forwards_of_run(cache, "after-kill")["tables_computed"] == 1


def test_a_torn_log_line_is_skipped_and_said_never_dropping_the_count(clean):
    """A kill mid-append leaves half a line; later entries still count and the skipped line is named."""
    cache, _ = clean
    log = cache / LOG_NAME
    with log.open("a") as handle:
        handle.write('{"run": "torn", "table": "semantic-ijepa_1k-4')  # the kill came here
    torn_line = len(log.read_text().splitlines())
    store = store_of(cache, "after-torn")
    table_file(cache, "semantic").unlink()
    store.table("semantic", "ijepa_1k", "4x3")
    work = forwards_of_run(cache, "after-torn")
    assert work["tables_computed"] == 1 and work["forwards"] > 0
    assert work["log_lines_skipped"] == [torn_line]


@pytest.mark.slow
def test_altered_and_truncated_tables_give_the_clean_record_number_for_number(clean, tmp_path):
    """The issue's test: tables damaged on disk between two runs; the second record equals the clean one
    (every number), and its provenance names each table recomputed and why."""
    cache, clean_record = clean
    altered, cut = table_file(cache, "semantic"), table_file(cache, "rescue")
    alter_numbers(altered)
    truncate(cut)
    done = run_suite(cache, tmp_path / "r.html")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    record = record_of(tmp_path / "r.html")
    # what differs between two runs by design (when, which run, its own model work and repairs) left out
    assert {k: v for k, v in record.items() if k not in RUN_OWN} == {k: v for k, v in clean_record.items() if k not in RUN_OWN}
    repairs = record["provenance"]["cache_repairs"]["tables_recomputed"]
    assert sorted(r["table"] for r in repairs) == sorted([altered.name, cut.name])
    assert all("hash" in r["reason"] for r in repairs)
    assert "recomputed " + altered.name in (tmp_path / "r.html").read_text()


def test_a_checkpoint_build_cut_between_its_files_is_built_again(tmp_path, monkeypatch):
    """A toy checkpoint build killed after its weights and before its processor config is rebuilt, not
    reported as a broken checkpoint on every later run."""
    from jepa_claims.worlds import checkpoints
    from jepa_claims.worlds.world import TOY_CHECKPOINTS

    real_save = checkpoints.save_pretrained_layout

    def cut(model, folder, geometry):
        real_save(model, folder, geometry)
        (Path(folder) / "preprocessor_config.json").unlink()
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoints, "save_pretrained_layout", cut)
    with pytest.raises(KeyboardInterrupt):
        checkpoints.load_checkpoint(TOY_CHECKPOINTS[0], tmp_path)
    monkeypatch.setattr(checkpoints, "save_pretrained_layout", real_save)
    encoder = checkpoints.load_checkpoint(TOY_CHECKPOINTS[0], tmp_path)
    assert encoder.depth > 0 and (checkpoints.checkpoint_folder(TOY_CHECKPOINTS[0], tmp_path) / "preprocessor_config.json").exists()


@pytest.fixture
def refuse_writes(monkeypatch):
    """Make file creation under a folder fail with an errno, as a read-only mount or a full disk does."""
    from fault_helpers import refuse_writes

    return lambda folder, code: refuse_writes(monkeypatch, folder, code)


def _toy(cache: Path, **changes) -> SuiteOptions:
    return SuiteOptions(world="toy", checkpoints=("ijepa_1k",), slices=("4x3",), cache_dir=cache, **changes)


def test_a_read_only_cache_folder_is_one_line(tmp_path, refuse_writes):
    """A read-only cache folder stops the run before any work, naming the folder."""
    refuse_writes(tmp_path, errno.EROFS)
    with pytest.raises(ValueError) as error:
        resolve_world(_toy(tmp_path))
    assert str(error.value) == f"--cache-dir {tmp_path}: cannot write there (Read-only file system)"


def test_a_full_disk_at_start_is_one_line(tmp_path, refuse_writes, monkeypatch):
    """No space at the start (the probe write fails, or too little is free) stops the run, naming the folder."""
    refuse_writes(tmp_path / "full", errno.ENOSPC)
    (tmp_path / "full").mkdir()
    with pytest.raises(ValueError, match=r"^--cache-dir .*full: cannot write there \(No space left on device\)$"):
        resolve_world(_toy(tmp_path / "full"))
    monkeypatch.setattr(options.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 2**20})())
    with pytest.raises(ValueError, match=r"^--cache-dir .*roomy: only 1.0 MiB free, at least 64 MiB needed"):
        resolve_world(_toy(tmp_path / "roomy"))


@pytest.mark.parametrize("where", ["file", "under-file"])
def test_a_cache_path_that_is_a_file_is_one_line(tmp_path, where):
    """A cache path that is a file, or lies under one, is an error naming it, not a traceback."""
    (tmp_path / "cache").write_text("not a folder")
    path = tmp_path / "cache" if where == "file" else tmp_path / "cache" / "sub"
    with pytest.raises(ValueError) as error:
        resolve_world(_toy(path))
    assert str(error.value).startswith(f"--cache-dir {path}: ") and "\n" not in str(error.value)


@pytest.mark.parametrize(("changes", "message"), [
    ({"device": "banana"}, "--device banana: expected cpu, cuda or cuda:N"),
    ({"device": "cuda:7"}, "--device cuda:7: torch sees 1 CUDA device(s) here (cuda:0..cuda:0)"),
    ({"threads": 0}, "--threads 0: must be at least 1"),
    ({"threads": -3}, "--threads -3: must be at least 1"),
])
def test_bad_suite_options_are_refused_before_any_work(tmp_path, monkeypatch, changes, message):
    """Bad options are one line naming the option, raised before the cache folder is even made."""
    monkeypatch.setattr("torch.cuda.device_count", lambda: 1)
    with pytest.raises(ValueError) as error:
        resolve_world(_toy(tmp_path / "cache", **changes))
    assert str(error.value) == message and not (tmp_path / "cache").exists()


@pytest.mark.parametrize("argument", [["--device", "banana"], ["--threads", "0"], ["--cache-dir", "IS_A_FILE"]])
def test_bad_options_stop_the_suite_with_one_usage_line(tmp_path, argument):
    """Through pytest: exit 4 (usage error), one `ERROR:` line, no INTERNALERROR, no test run."""
    (tmp_path / "file").write_text("x")
    argument = [a.replace("IS_A_FILE", str(tmp_path / "file")) for a in argument]
    extra = argument if "--cache-dir" in argument else [*argument, "--cache-dir", str(tmp_path / "cache")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    done = subprocess.run([sys.executable, "-m", "pytest", "claims/", *SELECTION, *extra, "-p", "no:cacheprovider", "-q"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith(f"ERROR: {argument[0]} ") and "INTERNALERROR" not in done.stderr


def test_a_cell_over_several_checkpoints_gives_each_its_roles(clean):
    """P6's cell names its checkpoints joined by commas: provenance reads each one's roles, no error text."""
    from jepa_claims.record.provenance import checkpoint_keys, role_rows

    cache, clean_record = clean
    assert checkpoint_keys({"beit,ijepa_1k,ijepa_22k", "mae", None}) == {"beit", "ijepa_1k", "ijepa_22k", "mae"}
    roles = role_rows(store_of(cache, "roles"), checkpoint_keys({"ijepa_1k,ijepa_1k"}))
    assert list(roles) == ["ijepa_1k"] and "error" not in roles["ijepa_1k"]
    assert all("error" not in row for row in clean_record["provenance"]["roles"].values())
