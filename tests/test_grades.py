"""Graded verdicts (lib/grading/grades.py) on planted parts: every grade reachable, each part failing alone."""
from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest

from jepa_claims.grading import grades as g
from jepa_claims.paper import values as pv
from claim_modules import CLAIMS
from jepa_claims.grading.diagnostic import not_applicable
from jepa_claims.claim.unit import MODEL, PROTOCOL

MAGNITUDES = (g.WITHIN, g.OFF, g.NO_PAPER_NUMBER, g.NOT_APPLICABLE_TOY, g.NOT_MEASURED)
DEFINITIONS = {c.id: c.describe() for c in CLAIMS}  # the claims as the record holds them
C4_8X3_CELLS = {"table1/8x3/advantage": "PASS", "table3/ijepa_1k/wins": "PASS"}


def _diagnostic(claim: str, slice_name: str, status: str = g.DIAGNOSTIC, checkpoint: str = "ijepa_1k") -> dict:
    """A P1 record in the shape of lib/grading/diagnostic.py's Diagnostic.to_dict()."""
    return {"claim": claim, "checkpoint": checkpoint, "slice": slice_name, "status": status, "seeds": [0, 1, 2],
            "untrained_passed": [status != g.DIAGNOSTIC] * 3, "effect": "advantage", "trained_effect": 0.14,
            "untrained_effects": [0.01, 0.0, -0.01], "difference": {"mean": 0.14, "ci_low": 0.1, "ci_high": 0.18, "method": "t"},
            "reason": ""}


def _cell(claim: str, slice_name: str, status: str = "PASS", checkpoint: str = "ijepa_1k") -> dict:
    """A matrix cell as the record holds it, with the paper cells of its magnitude (`Claim.numeric_cells`)."""
    return {"claim": claim, "checkpoint": checkpoint, "slice": slice_name, "status": status,
            "paper_cells": CLAIMS.get(claim).numeric_cells(checkpoint, slice_name)}


def test_all_three_parts_holding_is_replicated():
    """Direction, magnitude within tolerance and diagnostic: replicated."""
    assert g.grade(g.HOLDS, g.WITHIN, g.DIAGNOSTIC) == (g.REPLICATED, g.REPLICATED)


@pytest.mark.parametrize(("parts", "label", "tier"), [
    ((g.FAILS, g.WITHIN, g.DIAGNOSTIC), "not replicated", g.NOT_REPLICATED),
    ((g.HOLDS, g.OFF, g.DIAGNOSTIC), "direction + diagnostic, magnitude off", g.PARTLY),
    ((g.HOLDS, g.WITHIN, g.NOT_DIAGNOSTIC), "direction + magnitude, not diagnostic", g.PARTLY),
    ((g.HOLDS, g.NOT_MEASURED, g.DIAGNOSTIC), "direction + diagnostic, magnitude not measured", g.PARTLY),
    ((g.HOLDS, g.WITHIN, g.NOT_APPLICABLE), "direction + magnitude, diagnostic not tested", g.PARTLY),
    ((g.HOLDS, g.WITHIN, g.NOT_MEASURED), "direction + magnitude, diagnostic not tested", g.PARTLY),
])
def test_each_part_failing_alone_names_what_held(parts, label, tier):
    """One part missing, the others held: never replicated, and the grade says which parts held."""
    assert g.grade(*parts) == (label, tier)


@pytest.mark.parametrize(("parts", "label"), [
    ((g.HOLDS, g.OFF, g.NOT_DIAGNOSTIC), "direction only, magnitude off, not diagnostic"),
    ((g.HOLDS, g.NO_PAPER_NUMBER, g.NOT_DIAGNOSTIC), "direction only, not diagnostic"),
    ((g.HOLDS, g.NOT_APPLICABLE_TOY, g.NOT_MEASURED), "direction only, diagnostic not tested"),
])
def test_direction_only(parts, label):
    """Only the direction held: "direction only", then what did not."""
    assert g.grade(*parts) == (label, g.PARTLY)


@pytest.mark.parametrize("magnitude", [g.NO_PAPER_NUMBER, g.NOT_APPLICABLE_TOY])
def test_nothing_to_match_does_not_block_replicated(magnitude):
    """The toy world (no paper values) and a claim the paper gives no number for: direction + diagnostic suffice."""
    assert g.grade(g.HOLDS, magnitude, g.DIAGNOSTIC)[0] == g.REPLICATED
    assert g.grade(g.HOLDS, magnitude, g.NOT_DIAGNOSTIC)[0] != g.REPLICATED


def test_a_protocol_claim_is_never_replicated():
    """C13-like claims hold or fail as protocol properties, whatever the other parts say."""
    for magnitude, diagnostic in itertools.product(MAGNITUDES, g.DIAGNOSTIC_STATUSES):
        assert g.grade(g.HOLDS, magnitude, diagnostic, PROTOCOL) == ("protocol property holds", g.PROTOCOL_TIER)
        assert g.grade(g.FAILS, magnitude, diagnostic, PROTOCOL) == ("protocol property fails", g.PROTOCOL_TIER)


def test_a_cell_that_did_not_run_is_not_graded():
    """SKIP, ERROR and NOT SELECTED cells have no direction, so no grade, even with the other parts planted."""
    for status in ("SKIP", "ERROR", "NOT RUN", "NOT SELECTED"):
        assert g.direction_of(status) == g.NOT_RUN
        assert g.grade(g.direction_of(status), g.WITHIN, g.DIAGNOSTIC) == (g.NOT_GRADED, g.NOT_GRADED)


def test_every_tier_is_reachable_and_has_a_legend():
    """Each tier comes out of some combination of parts, and the legend says what it needs."""
    reached = {g.grade(d, m, x, kind)[1] for d, m, x, kind in itertools.product(
        (g.HOLDS, g.FAILS, g.NOT_RUN), MAGNITUDES, g.DIAGNOSTIC_STATUSES, (MODEL, PROTOCOL))}
    assert reached == set(g.TIERS) == set(g.LEGEND)


def test_magnitude_from_the_numeric_cells():
    """Every cell PASS: within; one FAIL: off; one not run: not measured; no cells: no paper number; toy: n/a."""
    cells = list(C4_8X3_CELLS)
    assert g.magnitude_of(cells, C4_8X3_CELLS, "paper") == g.WITHIN
    assert g.magnitude_of(cells, C4_8X3_CELLS | {cells[1]: "FAIL"}, "paper") == g.OFF
    assert g.magnitude_of(cells, {cells[0]: "PASS", cells[1]: "SKIP"}, "paper") == g.NOT_MEASURED
    assert g.magnitude_of(cells, {cells[0]: "PASS"}, "paper") == g.NOT_MEASURED
    assert g.magnitude_of([], C4_8X3_CELLS, "paper") == g.NO_PAPER_NUMBER
    assert g.magnitude_of(cells, {}, "toy") == g.NOT_APPLICABLE_TOY


def test_diagnostic_status_is_read_from_p1s_record():
    """P1's status is taken as recorded; no record is "not measured"; an unknown status is an error."""
    assert g.diagnostic_of(None) == g.NOT_MEASURED
    assert g.diagnostic_of(_diagnostic("C4", "8x3")) == g.DIAGNOSTIC
    assert g.diagnostic_of(_diagnostic("C4", "8x3", g.NOT_DIAGNOSTIC)) == g.NOT_DIAGNOSTIC
    with pytest.raises(ValueError, match="not one of"):
        g.diagnostic_of(_diagnostic("C4", "8x3", "learned"))


@pytest.mark.parametrize(("trained", "untrained", "words"), [
    (True, False, "needs training"), (True, True, "also holds untrained"),
    (False, True, "holds untrained only"), (False, False, "fails trained and untrained"),
])
def test_p1_wording_says_needs_training_only_when_trained_passes_and_untrained_fails(trained, untrained, words):
    """P1's words per cell: "needs training" and "also holds untrained" only where the trained checkpoint passes."""
    assert g.p1_wording(trained, untrained) == words
    assert g.p1_wording(trained, [untrained] * 3) == words


def test_p1_wording_on_seeds_that_disagree():
    """Some untrained seeds pass and some fail: neither "needs training" nor "also holds untrained"."""
    assert g.p1_wording(True, [True, False, False]) == "holds trained, holds untrained on 1 of 3 seeds"
    assert g.p1_wording(False, [True, True, False]) == "fails trained, holds untrained on 2 of 3 seeds"


def test_grade_cells_on_the_paper_world():
    """A planted record: C4 replicated on 8x3, C4 on 4x3 graded with 8x3's P1 record (named), C3 with no paper
    number, C13 a protocol property, C4 on 12x3 off in magnitude, a FAIL not replicated, a SKIP not graded."""
    matrix = {"C4|8x3": _cell("C4", "8x3"), "C4|4x3": _cell("C4", "4x3"), "C4|12x3": _cell("C4", "12x3"),
              "C4|16x3": _cell("C4", "16x3", "FAIL"), "C4|voc": _cell("C4", "voc8x3", "SKIP"),
              "C3|4x3": _cell("C3", "4x3"), "C13|8x3": _cell("C13", "8x3")}
    numeric = C4_8X3_CELLS | {"table1/4x3/advantage": "PASS", "table1/12x3/advantage": "FAIL", "table4/8x3/object_tokens": "PASS"}
    grades = g.grade_cells(matrix, numeric, [_diagnostic("C4", "8x3"), _diagnostic("C3", "4x3")], "paper", DEFINITIONS)
    assert grades["C4|8x3"].label == g.REPLICATED and grades["C4|8x3"].diagnostic_from == ""
    assert grades["C4|8x3"].paper_cells == ("table1/8x3/advantage", "table3/ijepa_1k/wins")
    assert grades["C4|4x3"].label == g.REPLICATED and grades["C4|4x3"].diagnostic_from == "ijepa_1k / 8x3"
    assert grades["C4|12x3"].label == "direction + diagnostic, magnitude off"
    assert grades["C4|16x3"].tier == g.NOT_REPLICATED and grades["C4|voc"].tier == g.NOT_GRADED
    assert (grades["C3|4x3"].magnitude, grades["C3|4x3"].label) == (g.NO_PAPER_NUMBER, g.REPLICATED)
    assert grades["C13|8x3"].label == "protocol property holds" and grades["C13|8x3"].diagnostic == g.NOT_APPLICABLE
    assert grades["C4|8x3"].to_dict()["paper_cells"] == ["table1/8x3/advantage", "table3/ijepa_1k/wins"]


def test_random_weights_shaped_record_replicates_nothing():
    """What a rehearsal on random weights gives (directions pass, P1 finds them untrained too, numbers off): no
    cell is replicated, and the same record with diagnostics that hold would be (the check is not vacuous)."""
    matrix = {f"{c}|{s}": _cell(c, s) for c, s in (("C3", "4x3"), ("C6", "8x3"), ("C9", "8x3"), ("C13", "8x3"))}
    numeric = {cell: "FAIL" for cell in ("table4/8x3/object_tokens", *(f"table2/8x3/{gr}/{k}" for gr in
               ("29.intermediate", "29.intermediate + 30.intermediate", "29.intermediate + 30.attn.out + 31.attn.out")
               for k in ("rescue", "rescue_fraction")))}
    untrained_too = [_diagnostic(c, s, g.NOT_DIAGNOSTIC) for c, s in (("C3", "4x3"), ("C6", "8x3"), ("C9", "8x3"))]
    assert not [k for k, v in g.grade_cells(matrix, numeric, untrained_too, "paper", DEFINITIONS).items() if v.tier == g.REPLICATED]
    learned = [d | {"status": g.DIAGNOSTIC} for d in untrained_too]
    assert {k for k, v in g.grade_cells(matrix, numeric, learned, "paper", DEFINITIONS).items() if v.tier == g.REPLICATED} == {"C3|4x3", "C9|8x3"}


def test_c13_is_the_protocol_claim_of_the_catalogue():
    """C13 (token budgets) is the one protocol property; every other claim is about the model; no third kind."""
    assert {c.id for c in CLAIMS if c.kind == PROTOCOL} == {"C13"} and {c.kind for c in CLAIMS} == {MODEL, PROTOCOL}
    with pytest.raises(ValueError, match="kind 'mask'"):
        dataclasses.replace(CLAIMS.get("C4"), kind="mask")


def test_the_grade_reads_the_kind_and_paper_cells_the_record_holds():
    """The cell is graded from its claim's definition and its own paper_cells: a protocol claim without P1, a model claim with."""
    cell, numeric = _cell("C13", "8x3"), {"table4/8x3/object_tokens": "PASS"}
    assert cell["paper_cells"] == ["table4/8x3/object_tokens"]
    protocol = g.grade_cell(cell, numeric, [], "paper", DEFINITIONS["C13"])
    model = g.grade_cell(cell, numeric, [], "paper", DEFINITIONS["C13"] | {"kind": MODEL})
    assert (protocol.diagnostic, protocol.label, protocol.magnitude) == (g.NOT_APPLICABLE, "protocol property holds", g.WITHIN)
    assert model.diagnostic == g.NOT_MEASURED and model.tier != protocol.tier
    assert g.grade_cell(cell | {"paper_cells": []}, numeric, [], "paper", DEFINITIONS["C13"]).magnitude == g.NO_PAPER_NUMBER


def test_the_grading_page_states_every_floor():
    """docs/grading.md lists each named floor with its share, as paper_values.FLOORS defines it."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "grading.md").read_text(encoding="utf-8")
    for name, floor in pv.FLOORS.items():
        assert f"| {name} | {floor.relative:.0%} |" in page, name


def test_p1s_own_records_are_read():
    """lib/grading/diagnostic.py's records grade as they say: a claim P1 does not run untrained is not tested."""
    record = not_applicable(CLAIMS.get("C1"), "ijepa_1k", "4x3").to_dict()
    assert g.diagnostic_of(record) == g.NOT_APPLICABLE
    grade = g.grade_cells({"C1": _cell("C1", "4x3")}, {}, [record], "paper", DEFINITIONS)["C1"]
    assert (grade.magnitude, grade.label) == (g.NO_PAPER_NUMBER, "direction only, diagnostic not tested")
