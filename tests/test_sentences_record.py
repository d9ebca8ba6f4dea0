"""The record's list of result sentences (lib/record/sentences.py, html.sentences_section) on planted records."""
from __future__ import annotations

import json
from markupsafe import escape

from test_report import WORLD, check_numbers_match
from jepa_claims.record import html as render
from jepa_claims.record.sentences import outcome_of, sentence_rows
from jepa_claims.record.summary import build_record
from jepa_claims.paper.sentences import SENTENCES, Sentence

RECORD = {
    "claim_status": {"C4": "FAIL", "C1": "PASS"},
    "probes": {"P3": {"rows": [{"status": "PASS"}, {"status": "FAIL"}]}},
    "numeric": {"cells": [{"cell": "table1/4x3/advantage", "status": "SKIP"}, {"cell": "table1/8x3/advantage", "status": "ERROR"}]},
}


def test_each_named_test_shows_its_outcome_in_the_run():
    """A claim its status, a probe its worst row, a cell or a table prefix its worst cell; absent: NOT RUN."""
    assert [outcome_of(RECORD, ref) for ref in ("C4", "C1", "C2", "P3", "P1")] == ["FAIL", "PASS", "NOT RUN", "FAIL", "NOT RUN"]
    assert outcome_of(RECORD, "table1/4x3/advantage") == "SKIP" and outcome_of(RECORD, "table1/") == "ERROR"
    assert outcome_of(RECORD, "table2/") == "NOT RUN"


def test_rows_list_every_result_and_count_them():
    """Each result sentence is a row with the tests that name it; one with a reason and no test counts as reason only."""
    planted_rows = (Sentence("3.1.1", "3.1", "Tested."), Sentence("3.2.1", "3.2", "Not testable.", "why"),
                    Sentence("3.3.1", "3.3", "Not yet named by a test."))
    listed = sentence_rows(RECORD, planted_rows, {"3.1.1": ("C4", "P3")})
    assert listed["counts"] == {"results": 3, "tested": 1, "reason_only": 1, "waiting": 0, "not_results": 0}
    assert listed["rows"][0]["tests"] == [{"id": "C4", "status": "FAIL"}, {"id": "P3", "status": "FAIL"}]
    assert sentence_rows(RECORD)["counts"]["results"] == len(SENTENCES)


def test_the_html_quotes_every_result_sentence_and_its_numbers_are_the_json(planted):  # noqa: F811
    """Each result sentence is quoted with its tests; the counts printed are the JSON's."""
    record = build_record(*planted, WORLD)
    record["sentences"] = sentence_rows(record, tests={"abstract.4": ("C4",)})  # as a claim would name it
    html = render.render(record)
    for sentence in SENTENCES:
        assert escape(sentence.text) in html, sentence.text
    assert "C4 <span class=\"status fail\">FAIL</span>" in html
    spans = check_numbers_match(html, json.loads(json.dumps(record)))
    assert {"/sentences/counts/results", "/sentences/counts/waiting"} <= {s["data-path"] for s in spans}
