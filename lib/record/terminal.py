"""The record's summary at the end of the pytest run: claims x grades, in the terminal, reports/summary.md and
$GITHUB_STEP_SUMMARY (the GPU workflow's job page)."""
from __future__ import annotations

import os
from pathlib import Path

from jepa_claims.grading.grades import TIERS


def summary_lines(record: dict) -> list[str]:
    """A markdown table: one row per claim, how many of its cells reached each grade."""
    lines = [f"Replication record, world {record['world']['name']}: "
             f"{record.get('claims_holding')} of {record.get('claims_total')} claims hold in direction on every cell that ran",
             "", "| claim | " + " | ".join(TIERS) + " |", "|---" * (len(TIERS) + 1) + "|"]
    for claim in record.get("claims", {}):
        tiers = [(c.get("grade") or {}).get("tier") for c in record["matrix"].values() if c["claim"] == claim]
        lines.append(f"| {claim} | " + " | ".join(str(tiers.count(t) or "") for t in TIERS) + " |")
    return lines


def write_summary(record: dict, folder: Path) -> str:
    """Write summary.md into `folder` and append it to $GITHUB_STEP_SUMMARY when set; returns the text."""
    text = "\n".join(summary_lines(record)) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.md").write_text(text, encoding="utf-8")
    step = os.environ.get("GITHUB_STEP_SUMMARY")
    if step:
        with open(step, "a", encoding="utf-8") as out:
            out.write(text)
    return text
