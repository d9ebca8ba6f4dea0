"""`jepa-claims diff`: two records of the same run differ in nothing; a planted grade and number are reported."""
from __future__ import annotations

import copy
import json

from jepa_claims.cli import main
from jepa_claims.record.diff import diff_records

RECORD = {"matrix": {"C4|ijepa_1k|8x3": {"status": "PASS", "grade": {"tier": "replicated"}}},
          "numeric": {"cells": [{"cell": "table1/8x3/advantage", "measured": 0.14, "tolerance": 0.02}]},
          "provenance": {"conventions": {"fill": "black"}, "packages": {"torch": "2.13.0"}}}


def test_the_same_record_has_nothing_changed(tmp_path, capsys):
    """diff of a record with itself says nothing changed."""
    (tmp_path / "a.json").write_text(json.dumps(RECORD))
    assert main(["diff", str(tmp_path / "a.json"), str(tmp_path / "a.json")]) == 0
    assert capsys.readouterr().out.startswith("nothing changed")


def test_a_planted_grade_and_number_beyond_tolerance_are_reported():
    """A grade changed and a number moved beyond its tolerance are named; a move within it is not."""
    other = copy.deepcopy(RECORD)
    other["matrix"]["C4|ijepa_1k|8x3"]["grade"]["tier"] = "partly"
    other["numeric"]["cells"][0]["measured"] = 0.20
    lines = diff_records(RECORD, other)
    assert any("C4|ijepa_1k|8x3" in line and "partly" in line for line in lines)
    assert any(line.startswith("number table1/8x3/advantage") for line in lines)
    within = copy.deepcopy(RECORD)
    within["numeric"]["cells"][0]["measured"] = 0.15
    assert diff_records(RECORD, within) == []
