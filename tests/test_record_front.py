"""The record's front (one row per claim) and its escaping, on planted records."""
from __future__ import annotations

import json
from html.parser import HTMLParser

from test_report import WORLD, check_numbers_match

from jepa_claims.record import html as render
from jepa_claims.record.front import front_rows
from jepa_claims.record.summary import build_record

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _cell(claim: str, checkpoint: str, slice_name: str, status: str = "PASS", tier: str = "replicated",
          diagnostic: str = "diagnostic") -> dict:
    """A matrix cell as build_record leaves it, graded."""
    return {"claim": claim, "checkpoint": checkpoint, "slice": slice_name, "status": status,
            "headline": {"label": "object - background", "measured": 0.1, "paper": 0.14, "window": None},
            "grade": {"tier": tier, "diagnostic": diagnostic, "label": tier, "diagnostic_reason": "P1 said so"}}


def _record(cells: dict, untrained: dict) -> dict:
    """A record of one claim with these cells and this `untrained` definition."""
    claim = {"short": "Object beats background", "checkpoints": sorted({c["checkpoint"] for c in cells.values()}),
             "untrained": {"effect": "x", "expect": "y", "not_run": "", "by_nature": {}} | untrained}
    return {"claims": {"C4": claim}, "matrix": cells, "claim_status": {"C4": "PASS"}}


def test_front_has_a_row_per_claim_and_a_badge_per_cell_that_ran_against_the_planted_record(planted):
    """Every claim of the run has a row; cells not selected are counted, not shown as empty badges."""
    record = build_record(*planted, WORLD)
    rows = {row["claim"]: row for row in front_rows(record)}
    assert set(rows) == set(record["claims"])
    c4 = rows["C4"]
    assert [b["where"] for b in c4["badges"]] == ["4x3", "8x3", "12x3"]
    assert [b["word"] for b in c4["badges"]][1] == "not replicated"  # the planted FAIL on 8x3
    assert c4["headline"] == "C4|ijepa_1k|8x3"  # the paper's main slice, where it ran
    assert rows["C2"]["badges"] and all(b["word"] == "not run" for b in rows["C2"]["badges"])


def test_untrained_words_against_the_diagnostic_and_the_claims_by_nature():
    """Diagnostic cells say "needs training"; a claim that holds untrained by its nature says so; not run: not applicable."""
    cells = {"a": _cell("C4", "ijepa_1k", "8x3")}
    assert front_rows(_record(cells, {}))[0]["untrained"][0]["words"] == "needs training"
    by_nature = {"a": _cell("C4", "mae", "8x3", tier="partly", diagnostic="not diagnostic"), "b": _cell("C4", "beit", "8x3")}
    said = front_rows(_record(by_nature, {"by_nature": {"mae": "MAE's null names no learned effect"}}))[0]["untrained"]
    assert [(u["checkpoint"], u["by_nature"]) for u in said] == [("mae", True), ("beit", False)]
    assert said[0]["words"].startswith("holds untrained too, so not evidence of learning") and said[0]["hover"].startswith("MAE")
    na = {"a": _cell("C4", "ijepa_1k", "8x3", tier="protocol property", diagnostic="not applicable")}
    row = front_rows(_record(na, {"effect": None, "expect": "", "not_run": "mask budgets, no model"}))[0]
    assert row["untrained"] == [{"checkpoint": "", "words": "not applicable", "hover": "mask budgets, no model", "by_nature": False}]


def test_front_prints_the_records_numbers_and_every_claim_id(planted):
    """The front's headline numbers are the JSON's; each claim id is a row of #claim-front."""
    record = build_record(*planted, WORLD)
    html = render.render(record)
    front = html[html.index('id="claim-front"'):html.index('id="front-legend"')]
    assert all(f'data-claim="{claim}"' in front for claim in record["claims"])
    paths = {s["data-path"] for s in check_numbers_match(front, json.loads(json.dumps(record)))}
    assert "/matrix/C4|ijepa_1k|8x3/headline/measured" in paths and "/matrix/C4|ijepa_1k|8x3/ci_low" in paths


class Tags(HTMLParser):
    """Every start tag and attribute name of a page."""

    def __init__(self):
        super().__init__()
        self.tags, self.attributes = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]


def test_a_payload_in_a_checkpoint_folder_or_label_appears_only_escaped(planted):
    """A user's checkpoint folder name and label, a statement and a reason carrying markup reach the page as text."""
    world = WORLD | {"checkpoints": [{"key": "ijepa_1k", "label": f"mine {PAYLOAD}", "source": f"/data/{PAYLOAD}"},
                                     {"key": "mae", "label": "toy MAE"}]}
    record = build_record(*planted, world)
    record["matrix"]["C4|ijepa_1k|4x3"]["statement"] = PAYLOAD
    record["columns"][0]["label"] = f"mine {PAYLOAD}"
    record["figures"] = [{"id": "fig2", "title": PAYLOAD, "available": False, "reason": PAYLOAD}]
    html = render.render(record)
    assert PAYLOAD not in html and "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    tags = Tags()
    tags.feed(html)
    assert "script" not in tags.tags and "img" not in tags.tags and "onerror" not in tags.attributes


def test_a_cell_failing_trained_never_reads_holds_untrained_too():
    """Random weights fail the claim and P1 finds it failing untrained too: the front says so, not "holds untrained too"."""
    failed = _cell("C4", "ijepa_1k", "8x3", status="FAIL", tier="not replicated", diagnostic="not diagnostic")
    assert front_rows(_record({"a": failed}, {}))[0]["untrained"][0]["words"] == "moot: the claim fails trained"
    failed["probes"] = [{"probe": "P1", "holds": False, "status": "PASS", "sentence": "", "badges": ["", ""]}]
    assert front_rows(_record({"a": failed}, {}))[0]["untrained"][0]["words"] == "fails trained and untrained"
    failed["grade"]["untrained_passed"] = [True, False, False]
    assert front_rows(_record({"a": failed}, {}))[0]["untrained"][0]["words"] == "fails trained, holds untrained on 1 of 3 seeds"
