"""End to end: a tiny claims-like suite under xdist writes the HTML record and its JSON; Chromium renders it.

The tiny suite records planted verdicts, a probe and skipped numeric cells exactly as the real claims
do (`record_property`), through the real plugin (`jepa_claims.suite.plugin`, which parametrizes the claims
from the registry and wires the recorder), the real pytest-html and two xdist workers; no model runs. Chromium (headless) then opens the self-contained HTML.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from record_page import assert_fits_the_reviewers_screen, chromium_binary

from jepa_claims.record.screenshot import run_chromium


CONFTEST = '''
import os
from pathlib import Path

from jepa_claims.suite.options import SuiteOptions
from jepa_claims.suite.plugin import use_world
from jepa_claims.worlds.world import TOY_BANNER, CheckpointSpec, World


def pytest_configure(config):
    cache = Path(os.environ["E2E_CACHE"])
    use_world(config, SuiteOptions(world="toy", cache_dir=cache, run_id="e2e-run"),
              World("toy", (CheckpointSpec("ijepa_1k", "ijepa", "planted:ijepa_1k", "planted I-JEPA"),),
                    ("4x3", "8x3"), cache / "no-data", banner=TOY_BANNER))
'''

CLAIM = '''
"""C4: "the semantic object masks still induce a substantially larger late context drift" (section 3.2)."""
import pytest

from jepa_claims.claim.catalogue import load, repository_suite

pytestmark = pytest.mark.claim(load(repository_suite()).get("C4"))  # the real claim, its test planted
P = {"4x3": 0.0004, "8x3": 0.02}


def test_semantic_advantage(checkpoint, slice_name, record_property):
    """Object masks drive more late context drift than matched background."""
    passed = slice_name == "4x3"
    stats = {"object - background": {"n": 12, "mean_diff": 0.12, "ci_low": 0.07, "ci_high": 0.17, "p": P[slice_name],
                                     "p_exact": True, "min_attainable_p": 0.00048828125, "wins": 11, "confidence": 0.95}}
    record_property("verdict", {"claim": "C4", "checkpoint": checkpoint, "slice": slice_name, "passed": passed,
                                "statement": f"planted statement {slice_name}", "measured": {"advantage": 0.12, "wins": 11, "n": 12},
                                "paper": {"advantage": 0.1179}, "stats": stats})
    assert passed, "planted failure"
'''

C13 = '''
"""C13: "token-matched zero-overlap background" (appendix A.2)."""
import pytest

from jepa_claims.claim.catalogue import load, repository_suite

pytestmark = pytest.mark.claim(load(repository_suite()).get("C13"))


def test_budgets(checkpoint, slice_name, record_property):
    """Object and background budgets are equal."""
    record_property("verdict", {"claim": "C13", "checkpoint": checkpoint, "slice": slice_name, "passed": True,
                                "statement": "budgets equal", "measured": {"object_tokens": 52.25}, "paper": {"object_tokens": 52.4}, "stats": {}})
'''

PROBE = '''
"""P1 random-init control (planted)."""
import pytest

from jepa_claims.claim.unit import Probe

pytestmark = pytest.mark.probe(Probe("P1", "random-init control (planted)", checkpoints=("ijepa_1k",), slices=("4x3",)))


@pytest.mark.parametrize("claim", ["C4"])
def test_random_init(claim, record_property):
    """The claim does not hold untrained."""
    record_property("probe", {"probe": "P1", "claim": claim, "checkpoint": "ijepa_1k", "slice": "4x3", "holds": False,
                              "sentence": "C4 does not hold on the untrained architecture: the effect is learned", "measured": {"advantage": 0.001}})
'''

NUMERIC = '''
"""Numeric agreement (planted)."""
import pytest

from jepa_claims.paper import values as pv


@pytest.mark.parametrize("cell", [pytest.param(c, id=c.id) for c in pv.cells()[:3]])
def test_cell(cell, record_property):
    """Within tolerance."""
    pytest.skip("numeric agreement is tested on the paper's checkpoints only (toy world)")
'''


def run_tiny_suite(root: Path) -> subprocess.CompletedProcess:
    """Write the tiny suite under root/suite and run it with two xdist workers."""
    suite = root / "suite"
    suite.mkdir()
    for name, text in (("conftest.py", CONFTEST), ("test_c04_planted.py", CLAIM), ("test_c13_planted.py", C13),
                       ("test_p1_planted.py", PROBE), ("test_numeric_planted.py", NUMERIC)):
        (suite / name).write_text(textwrap.dedent(text).lstrip())
    cache = root / "cache"
    cache.mkdir()
    (cache / "forwards.jsonl").write_text("".join(json.dumps(e) + "\n" for e in (
        {"run": "e2e-run", "table": "semantic-a.pkl", "forwards": 2.5, "kind": "semantic", "checkpoint": "ijepa_1k", "slice": "4x3", "seconds": 1.0},
        {"run": "e2e-run", "table": "masks-a.pkl", "forwards": 1.5, "kind": "masks", "checkpoint": "ijepa_1k", "slice": "4x3", "seconds": 0.1},
        {"run": "another-run", "table": "masks-b.pkl", "forwards": 99.0, "kind": "masks", "checkpoint": "ijepa_1k", "slice": "8x3", "seconds": 0.1})))
    env = os.environ | {"E2E_CACHE": str(cache), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "suite", "-n", "2", "-p", "no:cacheprovider", "-q",
                           "--rootdir", str(root), "-o", "claim_suite=suite", "--html", "reports/replication.html",
                           "--self-contained-html"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The tiny suite, run once per session even when several xdist workers ask for it.

    (xdist's recipe: a file lock in the session's shared base folder; a group would only order the
    tests that use it, while the lock also holds for tests of other modules.)
    """
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "report-e2e"
    done = root / "run.json"
    with FileLock(str(root) + ".lock"):
        if not done.exists():
            root.mkdir(exist_ok=True)
            result = run_tiny_suite(root)
            done.write_text(json.dumps({"returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr}))
    result = json.loads(done.read_text())
    html, summary = root / "reports" / "replication.html", root / "reports" / "stats_summary.json"
    assert html.exists() and summary.exists(), result["stdout"][-3000:] + result["stderr"][-3000:]
    return {"root": root, "result": result, "html": html, "json": json.loads(summary.read_text())}


def test_tiny_suite_writes_html_and_json(tiny_run):
    """A real xdist run of a tiny claim suite writes the record: statuses, Holm, quotes, probes, provenance."""
    result, record = tiny_run["result"], tiny_run["json"]
    assert result["returncode"] == 1, result["stdout"][-2000:]  # the planted failure fails the run; the record is still written
    assert {k: c["status"] for k, c in record["matrix"].items()} == {  # the registry's cells the world selects, and the rest
        "C4|ijepa_1k|4x3": "PASS", "C4|ijepa_1k|8x3": "FAIL", "C4|ijepa_1k|12x3": "NOT SELECTED", "C4|ijepa_1k|16x3": "NOT SELECTED",
        "C4|ijepa_1k|voc8x3": "NOT SELECTED", "C13|ijepa_1k|4x3": "PASS", "C13|ijepa_1k|8x3": "PASS", "C13|ijepa_1k|16x3": "NOT SELECTED"}
    c4 = record["matrix"]["C4|ijepa_1k|4x3"]
    assert c4["p"] == 0.0004 and c4["p_holm"] == pytest.approx(0.0008) and c4["headline"]["paper"] == 0.1179
    assert record["claims"]["C4"]["quote"].startswith('"On both 4x3 and 8x3, the semantic object masks')  # the registry's
    assert record["claims"]["C4"]["test_doc"] == "Object masks drive more late context drift than matched background."
    assert record["probes"]["P1"]["rows"][0]["sentence"].startswith("C4 does not hold")
    assert record["numeric"]["skipped"] == 3 and "toy world" in record["numeric"]["skip_reason"]
    work = record["provenance"]["model_work"]
    assert work["forwards"] == 4.0 and work["tables_computed"] == 2 and work["computed_twice"] == []  # this run's only
    assert record["provenance"]["world"] == "toy" and record["provenance"]["run_id"] == "e2e-run"
    assert record["provenance"]["packages"]["pytest-html"]
    assert {m["slice"] for m in record["provenance"]["manifests"]} == {"4x3", "8x3"}
    processes = record["provenance"]["processes"]  # each xdist worker says where it ran
    assert set(processes) == {"gw0", "gw1"} and all(p["torch_threads"] >= 1 for p in processes.values()), processes
    assert "BCa" in record["provenance"]["statistics"]["ci"]


def test_record_tops_the_html_report_and_its_numbers_match_the_json(tiny_run):
    """The record sits above pytest-html's table and its numbers equal the JSON's."""
    from test_report import check_numbers_match

    html = tiny_run["html"].read_text()
    assert html.index('id="world-banner"') < html.index('id="claim-matrix"') < html.index('id="results-table"')
    assert "TOY WORLD (not a replication)" in html.split("</title>")[0]
    spans = check_numbers_match(html, tiny_run["json"])
    assert any(s["data-path"] == "/matrix/C4|ijepa_1k|8x3/p_holm" for s in spans)
    assert any(s["data-path"] == "/provenance/model_work/forwards" for s in spans)


def chromium(html: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    """Run headless Chromium on a local HTML file, offline and with a fresh profile."""
    return run_chromium(chromium_binary(), html, tmp / "profile", *args)


def test_chromium_renders_the_matrix(tiny_run, tmp_path):
    """Headless Chromium renders the report; the screenshot shows the matrix."""
    from PIL import Image

    from test_report import Numbers

    dom = chromium(tiny_run["html"], tmp_path, "--dump-dom", "--virtual-time-budget=3000")
    parser = Numbers()
    parser.feed(dom.stdout)
    assert parser.matrix_rows == len(tiny_run["json"]["claims"]) == 2, dom.stderr[-2000:]
    assert 'id="world-banner"' in dom.stdout
    assert dom.stdout.count('class="results-table-row ') == 8  # pytest-html's script built its per-test table

    png = tmp_path / "top.png"
    shot = chromium(tiny_run["html"], tmp_path, f"--screenshot={png}", "--window-size=1400,1000", "--virtual-time-budget=3000")
    assert png.exists(), shot.stderr[-2000:]
    image = Image.open(png).convert("RGB")
    assert image.size == (1400, 1000)
    assert len(image.getcolors(1 << 20) or []) > 50, "the screenshot is blank"
    assert_fits_the_reviewers_screen(tiny_run["html"], tiny_run["json"], tmp_path)
    top = image.crop((0, 0, 1400, 260))
    banner = sum(count for count, rgb in top.getcolors(1 << 20) if abs(rgb[0] - 176) + abs(rgb[1] - 58) + abs(rgb[2] - 46) < 30)
    assert banner > 20_000, "the toy-world banner is not at the top of the rendered page"


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_missing_chromium_fails_in_ci_and_skips_locally(monkeypatch, tmp_path, ci, outcome):
    """Without Chromium the screenshot test fails under CI=true and skips elsewhere."""
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="apt-get install -y chromium"):
        chromium(tmp_path / "r.html", tmp_path, "--dump-dom")


def test_screenshot_command_writes_the_readme_picture(tiny_run, tmp_path):
    """`jepa-claims screenshot` turns a report into the PNG the README shows, at the size asked for."""
    from PIL import Image

    from jepa_claims.cli import main

    chromium_binary()
    out = tmp_path / "shot.png"
    assert main(["screenshot", "--html", str(tiny_run["html"]), "--out", str(out), "--width", "900", "--height", "700"]) == 0
    assert Image.open(out).size == (900, 700)


def test_screenshot_of_a_missing_report_says_what_to_run(tmp_path, capsys):
    """No report yet: exit 2 and the command that makes one."""
    from jepa_claims.cli import main

    assert main(["screenshot", "--html", str(tmp_path / "none.html"), "--out", str(tmp_path / "x.png")]) == 2
    assert "run `pytest claims/ -n 4` first" in capsys.readouterr().err

