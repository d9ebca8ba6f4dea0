"""The record's list of the paper's result sentences: each with the outcome of its tests in this run, or why it has none.

The sentences and what tests them are lib/paper/sentences.py's; this module reads, from a built record,
the status each named claim, probe and numeric cell reached (the claim's worst cell that ran, the probe's
worst row, the numeric cells' worst), so a reviewer sees every result sentence next to what became of it.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from jepa_claims.record.summary import STATUS_ORDER
from jepa_claims.paper.sentences import SENTENCES, Sentence


def _worst(statuses: list[str]) -> str:
    """The status several tests of one id show together (NOT RUN when none ran)."""
    return min(statuses, key=STATUS_ORDER.index) if statuses else "NOT RUN"


def outcome_of(record: dict, ref: str) -> str:
    """What became of one named test in this run: a claim, a probe, or numeric cells (an id or a table prefix)."""
    if "/" in ref:
        cells = record.get("numeric", {}).get("cells", [])
        return _worst([c["status"] for c in cells if c["cell"] == ref or (ref.endswith("/") and c["cell"].startswith(ref))])
    if ref in record.get("claim_status", {}):
        return record["claim_status"][ref]
    return _worst([row["status"] for row in record.get("probes", {}).get(ref, {}).get("rows", [])])


def _row(record: dict, sentence: Sentence, tests: Sequence[str]) -> dict:
    """One result sentence as the record shows it."""
    return {"section": sentence.section, "text": sentence.text, "reason": sentence.untested, "waits": [],
            "tests": [{"id": ref, "status": outcome_of(record, ref)} for ref in tests]}


def sentence_rows(record: dict, sentences: tuple[Sentence, ...] = SENTENCES,
                  tests: Mapping[str, Sequence[str]] | None = None) -> dict:
    """Every result sentence with its tests' outcomes (`tests`: sentence id -> the claims, probes and cells that
    name it), and counts: listed, tested, with a reason only; the paper data holds results only (waiting and
    not_results stay 0 for html.sentences_section)."""
    rows = [_row(record, s, (tests or {}).get(s.id, ())) for s in sentences]
    counts = {"results": len(rows), "tested": sum(bool(r["tests"]) for r in rows),
              "reason_only": sum(not r["tests"] and bool(r["reason"]) for r in rows),
              "waiting": 0, "not_results": 0}
    return {"rows": rows, "counts": counts}
