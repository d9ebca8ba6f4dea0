"""docs/claims.md is written from the claims (`jepa-claims catalogue`): the committed page is what the claims say."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from claim_modules import CLAIMS

from jepa_claims.claim.catalogue import Catalogue
from jepa_claims.claim.docs import catalogue_markdown
from jepa_claims.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "claims.md"


def test_the_committed_catalogue_is_the_claims_own():
    """docs/claims.md equals the page the claims write (run `jepa-claims catalogue` after changing a claim)."""
    assert PAGE.read_text(encoding="utf-8") == catalogue_markdown(CLAIMS), "docs/claims.md is stale: run jepa-claims catalogue"


def test_every_part_of_a_claim_reaches_its_section():
    """A claim's sentence, cells, tables, thresholds, untrained control, P3 groups and planted falsehoods are on the page."""
    page = catalogue_markdown(CLAIMS)
    section = page.split("### C2: ", 1)[1].split("\n### ", 1)[0]
    claim = CLAIMS.get("C2")
    for text in (claim.short, "ijepa_1k x 8x3", "`sweep`", "`min_neutral_sites` = 2", claim.untrained.expect,
                 "layer reading", "ijepa_1k:attention_everywhere", "`table2/8x3/29.intermediate/rescue`"):
        assert text in section, text


def test_a_changed_claim_makes_the_page_stale(tmp_path, capsys):
    """The check is not vacuous: a claim whose cells change writes another page, and --check says so."""
    changed = [dataclasses.replace(c, slices=("4x3",)) if c.id == "C6" else c for c in CLAIMS]
    assert catalogue_markdown(Catalogue(tuple(changed), tuple(CLAIMS.probes()))) != catalogue_markdown(CLAIMS)
    stale = tmp_path / "claims.md"
    stale.write_text(PAGE.read_text(encoding="utf-8").replace("### C6", "### C6 edited by hand"), encoding="utf-8")
    assert main(["catalogue", "--check", "--out", str(stale)]) == 1
    assert "differs from the claims" in capsys.readouterr().err
