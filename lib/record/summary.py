"""The replication record: test outcomes and recorded properties in, one JSON-ready dict out.

Pure functions, no pytest and no model: `build_record` takes what the report plugin gathered (the
catalogue of collected claim, probe and numeric tests; their outcomes; the `verdict`, `numeric` and
`probe` properties they recorded) and returns the record the HTML shows and `stats_summary.json`
holds: a claim x (checkpoint, slice) matrix with Holm-adjusted p (P6) and each cell's grade (direction,
magnitude, diagnostic: lib/grading/grades.py), the numeric agreement cells, the probes, and counts. Every number the HTML prints is a value of this dict.
"""
from __future__ import annotations

import copy
import math
import re

from jepa_claims.conventions import Conventions
from jepa_claims.grading.grades import TIERS, grade_cells, p1_record
from jepa_claims.worlds.world import PAPER_SLICES

STATUS_ORDER = ("ERROR", "FAIL", "PASS", "SKIP", "NOT RUN", "NOT SELECTED")
CHECKPOINT_ORDER = ("ijepa_1k", "ijepa_22k", "mae", "beit")
def claim_sort_key(claim: str):
    """Numbered ids in number order (2 before 10); anything else after, by name."""
    match = re.fullmatch(r"[A-Z]+(\d+)", claim or "")
    return (claim[:1], int(match.group(1))) if match else ("~", claim)


def cell_key(claim: str, checkpoint: str, slice_name: str) -> str:
    """Key of a matrix cell in the record."""
    return f"{claim}|{checkpoint}|{slice_name}"


def clean(value):
    """JSON-safe copy: non-finite floats become None, tuples lists, numpy scalars Python numbers."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def conventions_note(conventions: dict | None) -> str | None:
    """The sentence the record opens with when the run's conventions are not the defaults (None when they are)."""
    if not conventions or "error" in conventions:
        return None
    default = clean(Conventions().as_dict())
    changed = [f"{name}={value} (default {default[name]})" for name, value in clean(conventions).items()
               if name in default and value != default[name]]
    if not changed:
        return None
    return (f"This run used non-default conventions: {', '.join(changed)}. Every table and verdict below was measured "
            "under them, so they may differ from a run under the defaults.")


def _scalar(value):
    """A number for a headline (the last element of a per-bin list), else the value itself."""
    if isinstance(value, list):
        return value[-1] if value else None
    return value


def _comparisons(stats: dict) -> list[tuple[str, dict]]:
    """The paired tests behind a verdict as (label, test), the claim's primary test first."""
    return [(label, test) for label, test in stats.items() if isinstance(test, dict) and "p" in test]


NUMERIC_FIELDS = ("measured", "se", "n", "paper", "paper_se", "paper_se_source", "source", "floor_name", "floor", "z",
                  "tolerance", "diff", "within")
TEST_FIELDS = ("mean_diff", "ci_low", "ci_high", "p", "p_exact", "min_attainable_p", "wins", "n", "confidence")


def _reason(outcome: dict | None) -> str:
    """Why a test was skipped or errored, in one line."""
    return (outcome or {}).get("reason") or ""


def _status(outcome: dict | None, verdicts: list[dict]) -> str:
    """PASS / FAIL / ERROR / SKIP / NOT RUN of one test."""
    if outcome is None:
        return "NOT RUN"
    if outcome["outcome"] == "skipped":
        return "SKIP"
    if outcome["when"] != "call" and outcome["outcome"] == "failed":
        return "ERROR"
    if verdicts:
        return "PASS" if all(v.get("passed") for v in verdicts) and outcome["outcome"] == "passed" else "FAIL"
    if outcome["outcome"] == "passed":
        return "PASS"
    return "FAIL" if outcome.get("reason", "").startswith("AssertionError") else "ERROR"


def _worst(statuses: list[str]) -> str:
    """The status a cell shows when several tests cover it."""
    return min(statuses, key=STATUS_ORDER.index) if statuses else "NOT RUN"


def _columns(claims: dict, world: dict) -> list[dict]:
    """(checkpoint, slice) columns: every pair some claim asks for, in the world's and paper's order."""
    wanted = {(ck, sl) for c in claims.values() for ck in c["checkpoints"] for sl in c["slices"]}
    order_ck = [c["key"] for c in world["checkpoints"]] + [c for c in CHECKPOINT_ORDER if c not in
                                                            [w["key"] for w in world["checkpoints"]]]
    order_sl = list(world["slices"]) + [s for s in PAPER_SLICES if s not in world["slices"]]

    def rank(pair):
        ck, sl = pair
        return (order_ck.index(ck) if ck in order_ck else 99, ck, order_sl.index(sl) if sl in order_sl else 99, sl)

    labels = {c["key"]: c.get("label", c["key"]) for c in world["checkpoints"]}
    return [{"checkpoint": ck, "slice": sl, "label": labels.get(ck, ck),
             "selected": ck in labels and sl in world["slices"]} for ck, sl in sorted(wanted, key=rank)]


def _claims(items: dict, definitions: dict) -> dict:
    """Per claim collected: its definition (lib/claim/unit.py `Claim.describe`), the test's docstring and its tests."""
    claims: dict[str, dict] = {}
    for nodeid, item in items.items():
        claim = item.get("claim")
        if not claim:
            continue
        entry = claims.setdefault(claim, {**copy.deepcopy(definitions[claim]), "module": item["module"],
                                          "test_doc": (item.get("doc") or "").strip(), "tests": []})
        entry["tests"].append(nodeid)
    return dict(sorted(claims.items(), key=lambda kv: claim_sort_key(kv[0])))


def missing(claim: dict, checkpoint: str, slice_name: str, checkpoints, slices) -> list[str]:
    """What a cell of a claim (as the record holds it) needs beyond the selected checkpoints and slices."""
    needed_ck = {checkpoint, *claim.get("reads_checkpoints", ())}
    needed_sl = {slice_name, *claim.get("reads_slices", ())}
    return sorted({ck for ck in needed_ck if ck not in checkpoints} | {sl for sl in needed_sl if sl not in slices})


def _not_selected(claim: dict, checkpoint: str, slice_name: str, world: dict) -> str:
    """Why a cell did not run: what it needs that --checkpoints / --slices left out, a discovery slice, or -k."""
    selected = [c["key"] for c in world["checkpoints"]]
    needs = missing(claim, checkpoint, slice_name, selected, world["slices"])
    if needs:
        return f"not selected in this run: needs {', '.join(needs)} (--checkpoints / --slices)"
    held_out = _discovery_slices(checkpoint, world)
    confirmation = [s for s in world["slices"] if s not in held_out]
    needs = missing(claim, checkpoint, slice_name, selected, confirmation) if held_out else []
    if needs:
        return (f"not run: {checkpoint}'s roles are discovered on {', '.join(held_out)}, so its claims read only the "
                f"other slices (no double dipping), and this cell needs {', '.join(needs)}")
    return "not selected in this run (--checkpoints, --slices or -k)"


def _discovery_slices(checkpoint: str, world: dict) -> list[str]:
    """The selected slices a checkpoint's claims may not read, because its roles are discovered there."""
    entry = next((c for c in world["checkpoints"] if c["key"] == checkpoint), {})
    return [s for s in world["slices"] if s not in entry.get("confirmation_slices", world["slices"])]


def _headline(claim: dict, measured: dict, paper: dict) -> dict:
    """The number the cell leads with, the paper's beside it, and the layer window it is judged in (the onset and peak windows)."""
    headline = claim["headline"]
    return {"label": headline["label"], "measured_key": headline["measured"], "measured": _scalar(measured.get(headline["measured"])),
            "paper_key": headline["paper"], "paper": paper.get(headline["paper"]) if headline["paper"] else None,
            "window": measured.get(headline["window"]) if headline["window"] else None}


def _matrix(claims, columns, items, outcomes, verdicts, probes_by_cell, world) -> dict:
    """One cell per claim and (checkpoint, slice) it asks for."""
    matrix = {}
    for claim, info in claims.items():
        for col in columns:
            ck, sl = col["checkpoint"], col["slice"]
            if ck not in info["checkpoints"] or sl not in info["slices"]:
                continue
            key = cell_key(claim, ck, sl)
            tests = [n for n in info["tests"] if items[n].get("checkpoint") == ck and items[n].get("slice") == sl]
            cell = {"claim": claim, "checkpoint": ck, "slice": sl, "tests": tests, "probes": probes_by_cell.get(key, []),
                    "paper_cells": items[tests[0]].get("paper_cells", []) if tests else []}
            if not tests:
                matrix[key] = cell | {"status": "NOT SELECTED", "reason": _not_selected(info, ck, sl, world)}
                continue
            found = [v for n in tests for v in verdicts.get(n, [])]
            statuses = [_status(outcomes.get(n), verdicts.get(n, [])) for n in tests]
            cell["status"] = _worst(statuses)
            cell["reason"] = "; ".join(r for r in (_reason(outcomes.get(n)) for n in tests) if r)
            if found:
                v = found[0]
                cell |= {"statement": v.get("statement", ""), "measured": clean(v.get("measured", {})),
                         "paper": clean(v.get("paper", {})), "stats": clean(v.get("stats", {}))}
                cell["headline"] = _headline(info, cell["measured"], cell["paper"])
                tests = _comparisons(cell["stats"])
                if tests:
                    (p_label, primary), more = tests[0], tests[1:]
                    cell |= {"p_label": p_label, **{k: primary.get(k) for k in TEST_FIELDS}}
                    cell["more_tests"] = [{"label": lab, **{k: t.get(k) for k in TEST_FIELDS}} for lab, t in more]
                else:
                    cell["no_test"] = cell["stats"].get("no_test", "no paired test recorded")
            matrix[key] = cell
    return matrix


def apply_holm(matrix: dict) -> dict:
    """P6: Holm step-down across every checkpoint and slice of the same claim; returns the families."""
    from jepa_claims.stats.paired import holm

    families: dict[str, dict[str, float]] = {}
    for key, cell in matrix.items():
        if cell.get("p") is not None:
            families.setdefault(cell["claim"], {})[key] = float(cell["p"])
    out = {}
    for claim, pvalues in families.items():
        adjusted = holm(pvalues)
        for key, value in adjusted.items():
            matrix[key]["p_holm"] = float(value)
            matrix[key]["holm_family_size"] = len(pvalues)
        out[claim] = {"cells": list(pvalues), "size": len(pvalues), "raw": pvalues, "adjusted": adjusted}
    return out


def _numeric(items, outcomes, numeric_records) -> dict:
    """The numeric agreement cells and, when none ran, why."""
    rows = []
    for nodeid, item in items.items():
        if not item.get("cell"):
            continue
        outcome = outcomes.get(nodeid)
        found = numeric_records.get(nodeid, [])
        row = {"cell": item["cell"], "test": nodeid}
        if found:
            row |= {k: clean(found[0].get(k)) for k in NUMERIC_FIELDS}
        row["status"] = _status(outcome, [])
        if found and row["status"] in ("PASS", "ERROR"):
            row["status"] = "PASS" if row["within"] and outcome["outcome"] == "passed" else "FAIL"
        row["reason"] = _reason(outcome)
        rows.append(row)
    ran = [r for r in rows if r["status"] in ("PASS", "FAIL")]
    reasons = sorted({r["reason"] for r in rows if r["status"] == "SKIP"})
    return {"cells": rows, "ran": len(ran), "passed": sum(r["status"] == "PASS" for r in rows),
            "skipped": sum(r["status"] == "SKIP" for r in rows),
            "skip_reason": reasons[0] if len(reasons) == 1 and not ran else "; ".join(reasons)}


def _probes(items, modules, outcomes, probe_records) -> dict:
    """Per probe: what it is (module docstring) and, per claim, what it found."""
    probes: dict[str, dict] = {}
    for nodeid, item in items.items():
        probe = item.get("probe")
        if not probe:
            continue
        entry = probes.setdefault(probe, {"id": probe, "module": item["module"], "rows": [],
                                          "about": (modules.get(item["module"], {}).get("doc") or "").strip(),
                                          "other_claims": item.get("other_claims"),
                                          "title": (item.get("probe_unit") or {}).get("about", ""),
                                          "badges": (item.get("probe_unit") or {}).get("badges", ["claim holds", "claim fails"])})
        outcome = outcomes.get(nodeid)
        status = _status(outcome, [])
        found = probe_records.get(nodeid, [])
        for rec in found:
            entry["rows"].append(clean({k: rec.get(k) for k in ("claim", "checkpoint", "slice", "holds", "sentence", "measured")})
                                 | {"test": nodeid, "status": status})
        if not found:
            entry["rows"].append({"claim": item.get("param_claim"), "checkpoint": item.get("checkpoint"),
                                  "slice": item.get("slice"), "holds": None, "test": nodeid, "status": status,
                                  "sentence": _reason(outcome) or "no finding recorded", "measured": {}})
    return dict(sorted(probes.items(), key=lambda kv: claim_sort_key(kv[0])))


def _probes_by_cell(probes: dict) -> dict:
    """Probe findings that bear on one matrix cell (same claim, checkpoint and slice)."""
    out: dict[str, list] = {}
    for probe in probes.values():
        for row in probe["rows"]:
            if row.get("claim") and row.get("holds") is not None:
                out.setdefault(cell_key(row["claim"], row["checkpoint"], row["slice"]), []).append(
                    {"probe": probe["id"], "holds": row["holds"], "status": row["status"], "sentence": row["sentence"],
                     "badges": probe["badges"]})
    return out


def _magnitude_cells(cells: list[str], numeric_rows: dict) -> list[dict]:
    """The numeric cells behind a grade's magnitude, with what each showed (absent: its test did not run)."""
    keys = ("measured", "paper", "tolerance", "within", "status")
    return [{"cell": c, **{k: numeric_rows[c].get(k) for k in keys}} if c in numeric_rows else {"cell": c, "status": "NOT RUN"}
            for c in cells]


def grade_matrix(matrix: dict, numeric: dict, diagnostics: list[dict], world: dict, claims: dict) -> dict[str, int]:
    """Each cell's grade, with the numbers behind magnitude and P1's sentence; returns how many cells per tier."""
    rows = {row["cell"]: row for row in numeric["cells"]}
    grades = grade_cells(matrix, {cell: row["status"] for cell, row in rows.items()}, diagnostics, world["name"], claims)
    for key, grade in grades.items():
        cell = matrix[key]
        found, elsewhere = p1_record(cell["claim"], cell["checkpoint"], cell["slice"], diagnostics)
        own_seeds = (found or {}).get("untrained_passed") if not elsewhere else None  # P1's badge words, per seed
        cell["grade"] = clean(grade.to_dict() | {"magnitude_cells": _magnitude_cells(list(grade.paper_cells), rows),
                                                 "diagnostic_reason": (found or {}).get("reason", ""),
                                                 "untrained_passed": own_seeds or None})
    return {tier: sum(g.tier == tier for g in grades.values()) for tier in TIERS}


def _group(records: list[dict], kind: str) -> dict[str, list[dict]]:
    """Recorded properties of one kind, by test node id."""
    out: dict[str, list[dict]] = {}
    for rec in records:
        if rec.get("kind") == kind:
            out.setdefault(rec["test"], []).append(rec)
    return out


def planted_rows(variants: list[dict], claims: dict) -> list[dict]:
    """The world's variants, each with the claims that name it as their planted falsehood (`Claim.planted`), and each
    planted table a claim names; variants no collected claim names are left out."""
    rows = [row | {"breaks": [c for c, info in claims.items() if row["variant"] in info.get("planted", ())]} for row in variants]
    tables = [{"variant": "planted table", "breaks": [c], "how": p.split(":", 1)[1].strip()}
              for c, info in claims.items() for p in info.get("planted", ()) if p.startswith("planted table:")]
    return [row for row in rows if row["breaks"]] + tables


def build_record(catalogue: dict, outcomes: dict, records: list[dict], world: dict) -> dict:
    """The replication record (without provenance and figures, which the plugin adds)."""
    items, modules = catalogue.get("items", {}), catalogue.get("modules", {})
    if world.get("variants"):
        world = world | {"variants": planted_rows(world["variants"], catalogue.get("claims", {}))}
    claims = _claims(items, catalogue.get("claims", {}))
    for info in claims.values():  # a user's own checkpoint is asked what the paper checkpoint it stands in for is
        info["checkpoints"] += [c["key"] for c in world["checkpoints"] if c.get("stands_for") in info["checkpoints"]]
    columns = _columns(claims, world)
    probes = _probes(items, modules, outcomes, _group(records, "probe"))
    matrix = _matrix(claims, columns, items, outcomes, _group(records, "verdict"), _probes_by_cell(probes), world)
    holm_families = apply_holm(matrix)
    numeric = _numeric(items, outcomes, _group(records, "numeric"))
    diagnostics = sorted((r for r in records if r.get("kind") == "diagnostic"), key=lambda r: r["test"])
    grades = grade_matrix(matrix, numeric, diagnostics, world, claims)
    counts = {s: sum(c["status"] == s for c in matrix.values()) for s in STATUS_ORDER}
    per_claim = {claim: _worst([matrix[k]["status"] for k in matrix if matrix[k]["claim"] == claim
                                and matrix[k]["status"] not in ("NOT SELECTED",)]) for claim in claims}
    return {
        "schema": 1,
        "world": clean(world),
        "claims": claims,
        "columns": columns,
        "matrix": matrix,
        "holm": holm_families,
        "counts": counts,
        "claim_status": per_claim,
        "claims_holding": sum(status == "PASS" for status in per_claim.values()),
        "claims_total": len(per_claim),
        "grades": grades,
        "numeric": numeric,
        "probes": probes,
        # in completion order they would differ between -n 4 and -n 0; sorted (stably) they do not
        "records": clean(sorted(records, key=lambda r: r["test"])),
    }


def sentence_tests(catalogue: dict) -> dict[str, list[str]]:
    """Paper sentence id -> the claims, probes and numeric cells that test it, from what each unit names."""
    tests: dict[str, list[str]] = {}
    units = [(c["id"], c.get("sentences", ())) for c in catalogue.get("claims", {}).values()]
    units += [(i["probe_unit"]["id"], i["probe_unit"].get("sentences", ())) for i in catalogue.get("items", {}).values()
              if i.get("probe_unit")]
    units += [(prefix, [sid]) for i in catalogue.get("items", {}).values() for sid, prefix in (i.get("sentences") or {}).items()]
    for unit, sentences in units:
        for sid in sentences:
            if unit not in tests.setdefault(sid, []):
                tests[sid].append(unit)
    return tests
