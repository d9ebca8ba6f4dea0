"""Provenance: the git state recorded in the report names the changed files exactly."""
from __future__ import annotations

import subprocess
from pathlib import Path

from jepa_claims.record.provenance import git_state


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True, capture_output=True)


def test_changed_files_keep_their_first_character(tmp_path):
    """A file modified in the work tree only (status ' M') is named whole, and a rename names its target."""
    _git(tmp_path, "init", "-q")
    (tmp_path / "claims").mkdir()
    (tmp_path / "claims" / "test_a.py").write_text("a = 1\n")
    (tmp_path / "old.py").write_text("b = 2\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "init")
    (tmp_path / "claims" / "test_a.py").write_text("a = 2\n")
    _git(tmp_path, "mv", "old.py", "new.py")
    state = git_state(tmp_path)
    assert state["dirty"] is True
    assert sorted(state["changed_files"]) == ["claims/test_a.py", "new.py"]
    assert len(state["commit"]) == 40 and state["branch"] in ("main", "master")


def test_clean_tree_is_not_dirty(tmp_path):
    """A fresh commit with nothing changed records dirty = False and no files."""
    _git(tmp_path, "init", "-q")
    (tmp_path / "a.py").write_text("a = 1\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "init")
    assert git_state(tmp_path)["changed_files"] == [] and git_state(tmp_path)["dirty"] is False
