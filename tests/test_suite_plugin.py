"""The suite as a pytest plugin: loaded for every run, costly only for the claim suite, parametrized from each module's claim."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = ("--world", "--checkpoints", "--slices", "--device", "--dtype", "--data-root", "--skip-unreadable", "--threads",
           "--cache-dir")

PLANTED_HEAD = '''
import pytest

from jepa_claims.claim.unit import Claim, Headline, Untrained
from jepa_claims.claim.verdict import Verdict

FIELDS = {"doc": \'X: "planted" (nowhere).\', "short": "planted", "sentences": ("planted",), "checkpoints": ("ijepa_1k",),
          "reads": ("masks",), "headline": Headline("x", None, "planted x"), "untrained": Untrained(not_run="planted"),
          "planted": ("planted table: none",)}
'''
# One claim per module (lib/claim/catalogue.py): X1 on 4x3 and 8x3, X2 reading 16x3 beyond its 4x3 cell.
PLANTED = {
    "test_x1_planted.py": PLANTED_HEAD + '''

def planted(source, checkpoint, slice_name):
    return Verdict(True, f"planted on {checkpoint} {slice_name}", measured={"x": 1.5})


CLAIM = Claim("X1", slices=("4x3", "8x3"), check=planted, **FIELDS)
pytestmark = pytest.mark.claim(CLAIM)


def test_planted(verdict):
    assert verdict.passed and verdict.claim == "X1"
''',
    "test_x2_reads_16x3.py": PLANTED_HEAD + '''

def reads_16x3(source, checkpoint, slice_name):
    return Verdict(True, "never evaluated: its cell needs 16x3")


CLAIM = Claim("X2", slices=("4x3",), reads_slices=("16x3",), check=reads_16x3, **FIELDS)
pytestmark = pytest.mark.claim(CLAIM)


def test_reads_16x3(verdict):
    assert verdict.passed
''',
    "test_fixtures.py": '''
import pytest


def test_fixtures(world, slices, encoder_ijepa_1k):
    assert list(slices) == list(world.slices) == ["4x3", "8x3"] and len(slices["4x3"].records) > 0
    with pytest.raises(KeyError, match="16x3 is not selected"):
        slices["16x3"]
    model = encoder_ijepa_1k.model
    assert not model.training and not any(p.requires_grad for p in model.parameters())
''',
}


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """pytest in a fresh process (not this run's xdist worker), with the repository importable (fixtures/)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")} | {"PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_plugin_is_loaded_for_every_run_with_its_options(pytestconfig):
    """The entry point registers the plugin in this very run (tests/), and every suite option exists."""
    assert pytestconfig.pluginmanager.has_plugin("jepa_claims")
    values = {name: pytestconfig.getoption(name) for name in OPTIONS}
    assert values["--world"] == "auto" and values["--cache-dir"] == ".cache/jepa-claims" and values["--device"] == "cpu"


def test_loading_the_plugin_imports_no_model_code():
    """Every pytest run in the environment imports the plugin: it must not pull in torch, transformers or scipy."""
    probe = "import sys, jepa_claims.suite.plugin; print(sorted({'torch', 'transformers', 'scipy', 'pandas'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_a_dtype_the_engine_lacks_is_refused_when_the_world_resolves():
    """--dtype is checked against the engine's table (not as choices, which would import torch at load)."""
    from jepa_claims.suite.options import check_dtype

    check_dtype("bfloat16")
    with pytest.raises(ValueError, match="--dtype float8: choose one of float32, bfloat16, float16"):
        check_dtype("float8")


def test_each_checkpoint_has_a_session_scoped_encoder_fixture(request):
    """fixtures/world.py declares encoder_<key> for every checkpoint key, session-scoped (loaded once per worker)."""
    for key in ("ijepa_1k", "ijepa_22k", "mae", "beit"):
        (definition,) = request._fixturemanager.getfixturedefs(f"encoder_{key}", request.node)
        assert definition.scope == "session", key


def test_no_hook_left_behind_stays_active(request):
    """The root conftest's hook check still wraps every test (the claims included: same root conftest)."""
    assert "no_hook_left_behind" in request.fixturenames


def test_a_run_outside_the_claim_suite_resolves_no_world_and_writes_no_report(tmp_path):
    """A self-test run writes no reports/ and builds nothing; declared a claim suite, the same folder resolves the world
    (listed only, so that the control writes nothing either)."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    cache = tmp_path / "cache"
    plain = _pytest(tmp_path, "tests", "--world", "toy", "--cache-dir", str(cache))
    assert plain.returncode == 0, plain.stdout[-2000:] + plain.stderr[-2000:]
    assert "jepa-claims world" not in plain.stdout and not (tmp_path / "reports").exists() and not cache.exists()
    suite = _pytest(tmp_path, "tests", "--world", "toy", "--cache-dir", str(cache), "-o", "claim_suite=tests", "--collect-only")
    assert suite.returncode == 0, suite.stdout[-2000:] + suite.stderr[-2000:]
    assert "jepa-claims world: toy" in suite.stdout and (cache / "toy-data").exists()


def test_a_planted_claim_is_parametrized_over_its_selected_cells(tmp_path):
    """A claim module of a suite folder gets one test per selected cell; one that reads an unselected slice none, and the
    record names what it needs. The fixtures serve the selected slices and an encoder in eval mode, grads off."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text('pytest_plugins = ["fixtures.world", "fixtures.claims"]\n')
    for name, text in PLANTED.items():
        (suite / name).write_text(textwrap.dedent(text))
    done = _pytest(tmp_path, "suite", "-v", "--world", "toy", "--slices", "4x3,8x3", "--cache-dir", str(tmp_path / "cache"),
                   "-o", "claim_suite=suite")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for test in ("test_planted[ijepa_1k-4x3] PASSED", "test_planted[ijepa_1k-8x3] PASSED", "test_reads_16x3[not-selected] SKIPPED",
                 "test_fixtures PASSED"):
        assert test in done.stdout, done.stdout[-3000:]
    matrix = json.loads((tmp_path / "reports" / "stats_summary.json").read_text())["matrix"]
    assert {k: c["status"] for k, c in matrix.items()} == {
        "X1|ijepa_1k|4x3": "PASS", "X1|ijepa_1k|8x3": "PASS", "X2|ijepa_1k|4x3": "NOT SELECTED"}
    assert matrix["X1|ijepa_1k|8x3"]["headline"]["measured"] == 1.5
    assert matrix["X2|ijepa_1k|4x3"]["reason"] == "not selected in this run: needs 16x3 (--checkpoints / --slices)"


def test_a_claim_marker_without_its_claim_is_a_usage_error():
    """The marker carries the module's Claim; the old `claim(check=...)` form stops the run naming the fix."""
    from claim_modules import CLAIMS
    from jepa_claims.record.plugin import marked_claim

    class Node:
        nodeid = "claims/test_old.py::test_old"

        def __init__(self, marker):
            self.marker = marker

        def get_closest_marker(self, name):
            return self.marker if name == "claim" else None

    c6 = CLAIMS.get("C6")
    assert marked_claim(Node(pytest.mark.claim(c6).mark)) is c6 and marked_claim(Node(None)) is None
    with pytest.raises(pytest.UsageError, match=r"test_old: the claim marker carries the module's claim: CLAIM = Claim"):
        marked_claim(Node(pytest.mark.claim(check=c6.check).mark))


@pytest.mark.slow
def test_slices_4x3_computes_no_table_of_another_slice(tmp_path):
    """Issue 10: with --slices 4x3, C5 (which reads 12x3 and 16x3) is NOT SELECTED and no table of another slice is
    computed; C4 on 4x3 beside it computes its own, so the forwards log is not empty."""
    cache, report = tmp_path / "cache", tmp_path / "r" / "replication.html"
    done = _pytest(ROOT, "claims/test_c05_persists.py", "claims/test_c04_semantic_advantage.py", "--world", "toy",
                   "--checkpoints", "ijepa_1k", "--slices", "4x3", "--cache-dir", str(cache), f"--html={report}")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    computed = [json.loads(line) for line in (cache / "forwards.jsonl").read_text().splitlines()]
    assert computed and {entry["slice"] for entry in computed} == {"4x3"}, computed
    matrix = json.loads(report.with_name("stats_summary.json").read_text())["matrix"]
    assert matrix["C4|ijepa_1k|4x3"]["status"] == "PASS"
    assert matrix["C5|ijepa_1k|4x3"]["status"] == "NOT SELECTED"
    assert matrix["C5|ijepa_1k|4x3"]["reason"] == "not selected in this run: needs 12x3, 16x3 (--checkpoints / --slices)"
