"""The record's grades: each matrix cell shows direction, magnitude, diagnostic and the grade; the front counts them."""
from __future__ import annotations

import json

import pytest

from jepa_claims.record import html as render
from jepa_claims.record.summary import build_record
from jepa_claims.grading import grades as g
from test_report import WORLD, check_numbers_match, matrix_cell

PAPER_WORLD = WORLD | {"name": "paper", "banner": None}
NUMERIC_NODE = "claims/test_numeric_agreement.py::test_cell[table1/4x3/advantage]"


def _diagnostic(slice_name: str, status: str) -> dict:
    """P1's record for C4 on ijepa_1k, as claims/test_p1_random_init.py records `Diagnostic.to_dict()`."""
    return {"kind": "diagnostic", "test": f"claims/test_p1.py::test_p1[C4-ijepa_1k-{slice_name}]", "outcome": "passed",
            "claim": "C4", "checkpoint": "ijepa_1k", "slice": slice_name, "status": status, "seeds": [0, 1, 2],
            "untrained_passed": [status != g.DIAGNOSTIC] * 3, "effect": "advantage", "trained_effect": 0.1,
            "untrained_effects": [0.0, 0.01, -0.01], "difference": {"mean": 0.1, "ci_low": 0.08, "ci_high": 0.12, "method": "t"},
            "reason": f"P1 sentence on {slice_name}"}


def _numeric(within: bool) -> dict:
    """The numeric test's record for Table 1's 4x3 advantage (numeric.Agreement.to_dict() and the source)."""
    return {"kind": "numeric", "test": NUMERIC_NODE, "outcome": "passed" if within else "failed",
            "cell": "table1/4x3/advantage", "measured": 0.1, "se": 0.01, "n": 12, "se_method": "s.e.", "paper": 0.1179,
            "paper_se": 0.01, "paper_se_source": "as measured", "floor_name": "drift", "floor": 0.1, "z": 1.96,
            "tolerance": 0.0395 if within else 0.001, "within": within, "diff": 0.1 - 0.1179, "source": "Table 1, row 4x3"}


def _with(planted, *records, outcome: str | None = None):
    """The planted catalogue, outcomes and records, plus more records (and the numeric test's outcome)."""
    catalogue, outcomes, base = planted
    outcomes = dict(outcomes)
    if outcome:
        outcomes[NUMERIC_NODE] = {"outcome": outcome, "when": "call", "reason": "" if outcome == "passed" else "AssertionError: off"}
    return catalogue, outcomes, [*base, *records]


def test_toy_cells_show_magnitude_not_applicable_and_direction_plus_diagnostic_is_replicated(planted):
    """Toy world: C4 4x3 with P1 diagnostic is replicated, 12x3 takes 4x3's P1 record (named), 8x3 (FAIL) is not
    replicated, MAE's skipped cell is not graded; without a P1 record a passing cell is "direction only"."""
    record = build_record(*_with(planted, _diagnostic("4x3", g.DIAGNOSTIC)), WORLD)
    m = record["matrix"]
    assert m["C4|ijepa_1k|4x3"]["grade"] | {"magnitude_cells": None} == {
        "direction": g.HOLDS, "magnitude": g.NOT_APPLICABLE_TOY, "diagnostic": g.DIAGNOSTIC, "label": g.REPLICATED,
        "tier": g.REPLICATED, "paper_cells": ["table1/4x3/advantage"], "diagnostic_from": "",
        "magnitude_cells": None, "diagnostic_reason": "P1 sentence on 4x3", "untrained_passed": [False] * 3}
    assert m["C4|ijepa_1k|12x3"]["grade"]["untrained_passed"] is None  # 4x3's seeds are not this cell's
    assert (m["C4|ijepa_1k|12x3"]["grade"]["label"], m["C4|ijepa_1k|12x3"]["grade"]["diagnostic_from"]) == (g.REPLICATED, "ijepa_1k / 4x3")
    assert m["C4|ijepa_1k|8x3"]["grade"]["label"] == g.NOT_REPLICATED
    assert m["C12|mae|8x3"]["grade"]["tier"] == g.NOT_GRADED
    assert record["grades"] == {g.REPLICATED: 2, g.PARTLY: 0, g.NOT_REPLICATED: 1, g.PROTOCOL_TIER: 0, g.NOT_GRADED: 5}
    bare = build_record(*planted, WORLD)["matrix"]["C4|ijepa_1k|4x3"]["grade"]
    assert bare["label"] == "direction only, diagnostic not tested"


@pytest.mark.parametrize(("within", "outcome", "label"), [
    (True, "passed", g.REPLICATED), (False, "failed", "direction + diagnostic, magnitude off"),
])
def test_paper_world_magnitude_comes_from_the_numeric_cell(planted, within, outcome, label):
    """Paper world: the C4 4x3 cell is replicated only while Table 1's 4x3 advantage agrees; its numbers ride along."""
    record = build_record(*_with(planted, _diagnostic("4x3", g.DIAGNOSTIC), _numeric(within), outcome=outcome), PAPER_WORLD)
    grade = record["matrix"]["C4|ijepa_1k|4x3"]["grade"]
    assert grade["label"] == label and grade["magnitude"] == (g.WITHIN if within else g.OFF)
    assert grade["magnitude_cells"] == [{"cell": "table1/4x3/advantage", "measured": 0.1, "paper": 0.1179,
                                         "tolerance": _numeric(within)["tolerance"], "within": within,
                                         "status": "PASS" if within else "FAIL"}]
    untested = build_record(*_with(planted, _diagnostic("4x3", g.DIAGNOSTIC)), PAPER_WORLD)
    assert untested["matrix"]["C4|ijepa_1k|4x3"]["grade"]["label"] == "direction + diagnostic, magnitude not measured"


def test_the_html_shows_each_cells_grade_the_counts_and_the_legend(planted):
    """The matrix cell carries its grade and three parts; the front counts grades (numbers = JSON); a legend says
    what each grade needs; the numeric table prints its derived tolerance and s.e."""
    record = build_record(*_with(planted, _diagnostic("4x3", g.NOT_DIAGNOSTIC), _numeric(True), outcome="passed"), PAPER_WORLD)
    html = render.render(record)
    cell = matrix_cell(html, "C4|ijepa_1k|4x3")
    assert '<div class="grade tier-partly">direction + magnitude, not diagnostic</div>' in cell
    assert "direction: holds &middot; magnitude: within tolerance &middot; diagnostic: not diagnostic" in cell
    front = html[html.index('id="grade-counts"'):]
    front = front[:front.index("</p>")]
    assert '<span class="grade tier-partly">partly</span>' in front and "replicated</span>" not in front.replace("not replicated", "")
    legend = html[html.index('id="grade-legend"'):]
    assert all(g.LEGEND[t] in legend.replace("&#39;", "'") for t in g.TIERS)
    document = json.loads(json.dumps(record))
    paths = {s["data-path"] for s in check_numbers_match(html, document)}
    assert {f"/grades/{g.PARTLY}", f"/grades/{g.NOT_REPLICATED}", "/numeric/cells/0/tolerance", "/numeric/cells/0/se"} <= paths


def test_p1_badge_never_says_needs_training_where_the_trained_cell_fails(planted):
    """C4 8x3 fails trained; P1 finds it failing untrained too: the badge says so, not "needs training"."""
    catalogue, outcomes, records = planted
    probe = {"kind": "probe", "test": "claims/test_p1.py::test_p1[C4-ijepa_1k-8x3]", "outcome": "passed", "probe": "P1",
             "claim": "C4", "checkpoint": "ijepa_1k", "slice": "8x3", "holds": False, "sentence": "fails untrained", "measured": {}}
    catalogue = {**catalogue, "items": {**catalogue["items"], probe["test"]: catalogue["items"]["claims/test_p1.py::test_p1[C4-ijepa_1k-4x3]"]}}
    html = render.render(build_record(catalogue, outcomes | {probe["test"]: {"outcome": "passed", "when": "call", "reason": ""}},
                                      [*records, probe], WORLD))
    cell = matrix_cell(html, "C4|ijepa_1k|8x3")
    assert ">P1: fails trained and untrained</span>" in cell and "needs training" not in cell


def test_the_grades_do_not_depend_on_the_order_records_arrive_in(planted):
    """Tests complete in another order under -n 4 than -n 0 (one test's own records keep theirs): the graded
    record and its HTML do not change."""
    catalogue, outcomes, records = _with(planted, _diagnostic("4x3", g.DIAGNOSTIC), _diagnostic("12x3", g.NOT_DIAGNOSTIC))
    forward = build_record(catalogue, outcomes, records, WORLD)
    backward = build_record(catalogue, outcomes, sorted(records, key=lambda r: r["test"], reverse=True), WORLD)
    assert forward == backward and render.render(forward) == render.render(backward)
    assert forward["matrix"]["C4|ijepa_1k|12x3"]["grade"]["label"] == "direction only, not diagnostic"


def test_p1_badge_counts_untrained_seeds(planted):
    """One untrained seed of three holds the claim: the badge says so, neither "also holds untrained" (its probe's
    any-seed flag) nor "needs training"."""
    diagnostic = _diagnostic("4x3", g.NOT_DIAGNOSTIC) | {"untrained_passed": [True, False, False]}
    html = render.render(build_record(*_with(planted, diagnostic), WORLD))
    cell = matrix_cell(html, "C4|ijepa_1k|4x3")
    assert ">P1: holds trained, holds untrained on 1 of 3 seeds</span>" in cell
