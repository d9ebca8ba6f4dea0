"""The cache's primitives: the code version keys measurements only; builds are atomic and happen once."""
from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from jepa_claims import cache
from jepa_claims.cache import COMPLETE, build_once, code_version, write_atomic


@pytest.fixture
def lib_copy(tmp_path, monkeypatch) -> Path:
    """A copy of the library that `code_version` reads instead of the real one (edits never touch the repo)."""
    copy = tmp_path / "lib"
    shutil.copytree(cache.LIB, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "LIB", copy)
    return copy


@pytest.mark.parametrize("edited", ["claim/evidence.py", "claim/unit.py", "paper/values.py", "grading/grades.py", "record/html.py", "cli.py"])
def test_code_that_only_reads_tables_keeps_the_version(lib_copy, edited):
    """Editing the claims' checks, the paper's values, the grades, the record or the CLI keeps every cached measurement."""
    assert (lib_copy / edited).is_file(), edited
    before = code_version()
    with (lib_copy / edited).open("a") as handle:
        handle.write("\n# edited\n")
    assert code_version() == before


@pytest.mark.parametrize("edited", ["engine/runs.py", "tables/protocols.py", "toy/models.py", "conventions.py", "cache.py"])
def test_measuring_code_changes_the_version(lib_copy, edited):
    """Editing code that computes a number invalidates the cached tables and toy checkpoints."""
    before = code_version()
    with (lib_copy / edited).open("a") as handle:
        handle.write("\n# edited\n")
    assert code_version() != before


def test_a_cut_build_leaves_nothing_and_is_built_again(tmp_path):
    """A build that dies halfway leaves no folder at the path and no temporary folder; the next call builds."""
    target = tmp_path / "thing"

    def dies(folder: Path) -> None:
        (folder / "weights").write_text("half")
        raise KeyboardInterrupt  # a kill between two files of the build

    with pytest.raises(KeyboardInterrupt):
        build_once(target, dies)
    assert not target.exists() and [p.name for p in tmp_path.iterdir()] == ["thing.lock"]
    build_once(target, lambda folder: (folder / "weights").write_text("whole"))
    assert (target / "weights").read_text() == "whole" and (target / COMPLETE).exists()


def test_a_folder_without_the_marker_is_rebuilt(tmp_path):
    """A folder left by an older, non-atomic build (no completion marker) is not trusted."""
    target = tmp_path / "thing"
    target.mkdir()
    (target / "model.safetensors").write_text("from a cut build")
    build_once(target, lambda folder: (folder / "preprocessor_config.json").write_text("{}"))
    assert sorted(p.name for p in target.iterdir()) == [COMPLETE, "preprocessor_config.json"]


def test_concurrent_builders_build_once(tmp_path):
    """Four builders at once: one builds under the lock, the others wait and take its folder."""
    builds, target = [], tmp_path / "thing"

    def build(folder: Path) -> None:
        builds.append(folder)
        time.sleep(0.3)
        (folder / "data").write_text("built")

    threads = [threading.Thread(target=build_once, args=(target, build)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1 and (target / "data").read_text() == "built"


def test_write_atomic_cut_before_the_rename_keeps_the_old_file(tmp_path, monkeypatch):
    """A write cut before its rename leaves the previous content and no temporary file."""
    path = tmp_path / "table.parquet"
    write_atomic(path, b"old")

    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cache.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, b"new")
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["table.parquet"]
