"""Tests of one checkpoint share one xdist worker under the project's own configuration (`--dist loadgroup`).

With pytest 9.2 and pytest-xdist 3.8 the groups silently scatter (pytest-dev/pytest-xdist#1386); the
project pins pytest below 9.2 and this test fails if grouping stops working again.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MODULE = '''
import json, os

def test_cell(checkpoint, slice_name):
    with open(os.environ["GROUP_LOG"], "a") as log:
        log.write(json.dumps([checkpoint, os.environ.get("PYTEST_XDIST_WORKER")]) + "\\n")
'''

# the way the suite plugin (jepa_claims.suite.plugin) groups: one xdist_group mark per checkpoint on each parameter set
GROUPED = '''
import pytest

def pytest_generate_tests(metafunc):
    cells = [(ck, sl) for ck in ("ijepa_1k", "mae") for sl in ("4x3", "8x3", "12x3", "16x3", "voc8x3", "x")]
    metafunc.parametrize(("checkpoint", "slice_name"),
                         [pytest.param(ck, sl, marks=pytest.mark.xdist_group(ck)) for ck, sl in cells])
'''


def test_each_checkpoint_group_runs_on_one_worker(tmp_path):
    """12 tests of two checkpoints over 2 workers: each checkpoint's tests all run on one worker."""
    (tmp_path / "test_cells.py").write_text(MODULE)
    (tmp_path / "conftest.py").write_text(GROUPED)
    log = tmp_path / "groups.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")} | {"GROUP_LOG": str(log)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path),
         "-n", "2", "-p", "no:cacheprovider", "-q", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(rows) == 12
    workers = {ck: {w for c, w in rows if c == ck} for ck in ("ijepa_1k", "mae")}
    assert all(len(w) == 1 for w in workers.values()), f"a checkpoint's tests ran on several workers: {workers}"
