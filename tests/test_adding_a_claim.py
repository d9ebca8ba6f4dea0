"""Adding a claim is one new file: a throwaway claim in a test folder is planned, run, graded and shown.

The claim below is written as a contributor would write one (docs/adding-a-claim.md): a module of a suite folder
that defines `CLAIM` with its check and its planted falsehood, and one test. Nothing else names it, yet the
census plans its table, the run parametrizes and grades it, the record shows it and the catalogue lists it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from jepa_claims.claim.catalogue import load
from jepa_claims.claim.docs import catalogue_markdown
from jepa_claims.suite.plan import PlannedTable, plan

ROOT = Path(__file__).resolve().parents[1]
THROWAWAY = '''
    """C99: "the selected background mask contains exactly the same area (number of patches) as the respective
    object" (a throwaway claim of tests/test_adding_a_claim.py).

    Passes when every object mask hides at least one token.
    """
    import pytest

    from jepa_claims.claim.evidence import no_test
    from jepa_claims.claim.unit import PROTOCOL, Claim, Headline, Untrained
    from jepa_claims.claim.verdict import Verdict


    def c99_objects_visible(source, checkpoint, slice_name):
        """Every object mask hides at least one token."""
        masks = source.table("masks", checkpoint, slice_name)
        objects = masks[masks["mask"] == "object"]["tokens"]
        return Verdict(bool((objects > 0).all()), f"smallest object mask {int(objects.min())} tokens",
                       measured={"smallest_object": int(objects.min())}, stats=no_test("a count on every image"))


    CLAIM = Claim(
        "C99", doc=__doc__, short="Every object mask hides a token", sentences=("B.2",),
        checkpoints=("ijepa_1k",), slices=("4x3",), reads=("masks",), check=c99_objects_visible,
        headline=Headline("smallest_object", None, "smallest object mask"), untrained=Untrained(not_run="masks, no model"),
        planted=("planted table: a masks table with an empty object mask",), kind=PROTOCOL,
    )
    pytestmark = pytest.mark.claim(CLAIM)


    def test_objects_visible_against_throwaway(verdict):
        """Every object mask hides at least one token."""
        assert verdict.passed, verdict.statement
'''


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Path:
    """A suite folder holding the throwaway claim alone (with the suite's fixtures)."""
    folder = tmp_path_factory.mktemp("added") / "suite"
    folder.mkdir()
    (folder / "conftest.py").write_text('pytest_plugins = ["fixtures.world", "fixtures.claims"]\n')
    (folder / "test_c99_objects_visible.py").write_text(textwrap.dedent(THROWAWAY))
    return folder


def test_the_catalogue_finds_and_documents_the_new_claim(suite):
    """The folder's catalogue holds the claim; the catalogue page gives it a section with its sentence and falsehood."""
    catalogue = load(suite)
    assert catalogue.ids() == ["C99"] and catalogue.module_of("C99") == "test_c99_objects_visible"
    page = catalogue_markdown(catalogue)
    assert "### C99: Every object mask hides a token" in page and "an empty object mask" in page


def test_the_census_plans_the_tables_the_new_claim_reads(suite):
    """The plan of a run with the throwaway claim has its masks table, and no claim of the repository."""
    planned = plan(("ijepa_1k",), ("4x3",), untrained_seeds=1, claims=load(suite))
    assert PlannedTable("", "masks", "ijepa_1k", "4x3") in planned
    assert {t.kind for t in planned if t.variant == ""} >= {"masks"}


def test_the_new_claim_fails_on_its_planted_falsehood(suite):
    """The claim's planted table (an object mask hiding nothing) fails its check."""
    claim = load(suite).get("C99")

    class Planted:
        def table(self, kind, checkpoint, slice_name):
            return pd.DataFrame({"image_id": ["a", "a", "b", "b"], "mask": ["object", "background"] * 2, "tokens": [3, 3, 0, 0]})

    assert not claim.evaluate(Planted(), "ijepa_1k", "4x3").passed


@pytest.mark.slow
def test_the_new_claim_is_run_graded_and_shown_in_the_record(suite, tmp_path):
    """On the toy world the claim's cell runs and passes, gets a grade, and the record's front and JSON name it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")} | {"PYTHONPATH": str(ROOT)}
    report = tmp_path / "report" / "replication.html"
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(suite), "-q", "--world", "toy",
                           "--checkpoints", "ijepa_1k", "--slices", "4x3", "-o", f"claim_suite={suite}",
                           "--cache-dir", str(tmp_path / "cache"), f"--html={report}"],
                          cwd=suite.parent, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    record = json.loads(report.with_name("stats_summary.json").read_text())
    cell = record["matrix"]["C99|ijepa_1k|4x3"]
    assert cell["status"] == "PASS" and cell["grade"]["tier"] == "protocol property"
    assert record["claims"]["C99"]["short"] == "Every object mask hides a token"
    assert "C99" in report.read_text()
