"""The record's front: one row per claim that fits one screen, read from the built record.

Each row names the claim (its `short` sentence), shows a badge per cell (checkpoint / slice: replicated,
partly, not replicated, protocol property, not run), the headline number of one cell against the paper's
with the primary paired test's CI, and in words what P1's untrained control says. The rows hold the
record's keys, not copies of its numbers: the template prints each number from its place in the record.
"""
from __future__ import annotations

from jepa_claims.grading.diagnostic import DIAGNOSTIC, NOT_APPLICABLE, NOT_DIAGNOSTIC
from jepa_claims.grading.grades import NOT_GRADED, NOT_REPLICATED, PARTLY, PROTOCOL_TIER, REPLICATED, p1_wording

MAIN_SLICE = "8x3"  # the paper's main slice: the headline is read there when that cell ran
RAN = ("PASS", "FAIL")
BADGE_WORDS = {REPLICATED: "replicated", PARTLY: "partly", NOT_REPLICATED: "not replicated", PROTOCOL_TIER: "protocol",
               NOT_GRADED: "not graded"}
SYMBOLS = {"replicated": "\u2713", "partly": "\u25d0", "not replicated": "\u2717", "protocol": "\u25a3", "not graded": "?",
           "not run": "\u25cb"}  # the front's badges: the slice and one mark, coloured by grade
UNTRAINED_WORDS = {
    DIAGNOSTIC: "needs training",
    NOT_DIAGNOSTIC: "holds untrained too, so not evidence of learning",
    NOT_APPLICABLE: "not applicable",
    "not measured": "untrained control not run in this run",
}


def _badge(key: str, cell: dict, one_checkpoint: bool) -> dict:
    """A cell's compact badge: where (the slice, or checkpoint / slice), the word, the hover text."""
    where = cell["slice"] if one_checkpoint else f'{cell["checkpoint"]} / {cell["slice"]}'
    grade = cell.get("grade") or {}
    if cell["status"] not in RAN:
        word, tier = "not run", "not-run"
    else:
        tier = NOT_REPLICATED if cell["status"] == "FAIL" else grade.get("tier", NOT_GRADED)
        word = BADGE_WORDS[tier]
    hover = "; ".join(t for t in (cell["status"], grade.get("label", ""), cell.get("statement") or cell.get("reason") or "") if t)
    return {"key": key, "where": where, "word": word, "tier": tier.replace(" ", "-"), "hover": hover}


def _headline_cell(keys: list[str], matrix: dict) -> str | None:
    """The cell the row's headline is read from: the main slice's when it ran, else the first that ran."""
    ran = [k for k in keys if matrix[k]["status"] in RAN and (matrix[k].get("headline") or {}).get("measured") is not None]
    main = [k for k in ran if matrix[k]["slice"] == MAIN_SLICE]
    return (main or ran or [None])[0]


def _untrained(claim: dict, cells: list[dict]) -> list[dict]:
    """What the untrained control says, per checkpoint where the checkpoints differ (C12's MAE and BEiT)."""
    by_nature = claim.get("untrained", {}).get("by_nature", {})
    not_run = claim.get("untrained", {}).get("not_run", "")
    said: dict[str, dict] = {}
    for cell in cells:
        if cell["status"] not in RAN:
            continue
        diagnostic = (cell.get("grade") or {}).get("diagnostic", "not measured")
        why = by_nature.get(cell["checkpoint"], "") if diagnostic == NOT_DIAGNOSTIC else ""
        words = UNTRAINED_WORDS.get(diagnostic, diagnostic) + (" (by its nature)" if why else "")
        if cell["status"] == "FAIL" and diagnostic != NOT_APPLICABLE:
            words, why = _failed_trained(cell), ""
        hover = why or (not_run if diagnostic == NOT_APPLICABLE else (cell.get("grade") or {}).get("diagnostic_reason", ""))
        said.setdefault(cell["checkpoint"], {"checkpoint": cell["checkpoint"], "words": words, "hover": hover,
                                             "by_nature": bool(why)})
    entries = list(said.values())
    if len({e["words"] for e in entries}) <= 1:
        return entries[:1] and [entries[0] | {"checkpoint": ""}]
    return entries


def _failed_trained(cell: dict) -> str:
    """What the untrained control says where the claim fails on the trained checkpoint: P1's words for the cell (its
    untrained seeds counted), else that it cannot show the claim needs training."""
    found = [p for p in cell.get("probes", []) if p["probe"] == "P1"]
    if not found:
        return "moot: the claim fails trained"
    seeds = (cell.get("grade") or {}).get("untrained_passed")
    return p1_wording(False, seeds or found[0]["holds"])


def front_rows(record: dict) -> list[dict]:
    """One row per claim of the run, in the record's order."""
    rows = []
    for claim_id, claim in record["claims"].items():
        keys = [k for k, c in record["matrix"].items() if c["claim"] == claim_id]
        cells = [record["matrix"][k] for k in keys]
        one_checkpoint = len({c["checkpoint"] for c in cells}) == 1
        shown = [k for k in keys if record["matrix"][k]["status"] != "NOT SELECTED"] or keys
        rows.append({"claim": claim_id, "short": claim.get("short") or claim.get("test_doc", ""),
                     "badges": [_badge(k, record["matrix"][k], one_checkpoint) for k in shown],
                     "hidden": len(keys) - len(shown), "headline": _headline_cell(keys, record["matrix"]),
                     "untrained": _untrained(claim, cells), "status": record["claim_status"].get(claim_id, "NOT RUN")})
    return rows
