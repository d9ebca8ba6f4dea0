"""The claims x grades summary: one row per claim, written to summary.md and appended to $GITHUB_STEP_SUMMARY."""
from __future__ import annotations

from jepa_claims.record.terminal import summary_lines, write_summary

RECORD = {"world": {"name": "toy"}, "claims_holding": 1, "claims_total": 2, "claims": {"C4": {}, "C12": {}},
          "matrix": {"a": {"claim": "C4", "grade": {"tier": "replicated"}}, "b": {"claim": "C4", "grade": {"tier": "partly"}},
                     "c": {"claim": "C12", "grade": {"tier": "not replicated"}}}}


def test_one_row_per_claim_with_its_grade_counts():
    """Each claim's row counts its cells per grade."""
    lines = summary_lines(RECORD)
    c4 = next(line for line in lines if line.startswith("| C4 "))
    assert c4.count("| 1 ") == 2 and len(lines) == 6


def test_summary_md_and_the_step_summary(tmp_path, monkeypatch):
    """summary.md is written, and the same text is appended to $GITHUB_STEP_SUMMARY."""
    step = tmp_path / "step.md"
    step.write_text("before\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    text = write_summary(RECORD, tmp_path / "reports")
    assert (tmp_path / "reports" / "summary.md").read_text() == text
    assert step.read_text() == "before\n" + text
