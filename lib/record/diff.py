"""`jepa-claims diff A.json B.json`: what changed between two records (stats_summary.json).

Grades and statuses per matrix cell, numeric agreement cells whose measured value moved beyond the cell's own
tolerance, the conventions and the package versions. Text only so far (the HTML form is still to come).
"""
from __future__ import annotations

import json
from pathlib import Path


def _cells(record: dict) -> dict[str, dict]:
    """Matrix cells by key, each with its status and grade tier."""
    return {key: {"status": c.get("status"), "grade": (c.get("grade") or {}).get("tier")}
            for key, c in record.get("matrix", {}).items()}


def _changed_cells(a: dict, b: dict) -> list[str]:
    """Lines for the cells whose status or grade differs, or that only one record has."""
    ca, cb = _cells(a), _cells(b)
    lines = []
    for key in sorted(set(ca) | set(cb)):
        x, y = ca.get(key), cb.get(key)
        if x != y:
            lines.append(f"cell {key}: {x or 'absent'} -> {y or 'absent'}")
    return lines


def _moved_numbers(a: dict, b: dict) -> list[str]:
    """Numeric cells whose measured value moved by more than the larger of the two records' tolerances."""
    rows_a = {r["cell"]: r for r in a.get("numeric", {}).get("cells", [])}
    rows_b = {r["cell"]: r for r in b.get("numeric", {}).get("cells", [])}
    lines = []
    for cell in sorted(set(rows_a) & set(rows_b)):
        x, y = rows_a[cell].get("measured"), rows_b[cell].get("measured")
        tolerance = max(rows_a[cell].get("tolerance") or 0.0, rows_b[cell].get("tolerance") or 0.0)
        if isinstance(x, (int, float)) and isinstance(y, (int, float)) and abs(x - y) > tolerance:
            lines.append(f"number {cell}: {x:.4g} -> {y:.4g} (moved {y - x:+.4g}, tolerance {tolerance:.4g})")
    return lines


def _changed_settings(a: dict, b: dict, name: str) -> list[str]:
    """Lines for the provenance entries (conventions, packages) that differ."""
    xa, xb = (a.get("provenance") or {}).get(name) or {}, (b.get("provenance") or {}).get(name) or {}
    return [f"{name} {k}: {xa.get(k)} -> {xb.get(k)}" for k in sorted(set(xa) | set(xb)) if xa.get(k) != xb.get(k)]


def diff_records(a: dict, b: dict) -> list[str]:
    """Every change from record a to record b, one line each (empty: nothing changed)."""
    return (_changed_cells(a, b) + _moved_numbers(a, b)
            + _changed_settings(a, b, "conventions") + _changed_settings(a, b, "packages"))


def diff_text(path_a: Path, path_b: Path) -> str:
    """The diff of two stats_summary.json files as text."""
    lines = diff_records(json.loads(Path(path_a).read_text()), json.loads(Path(path_b).read_text()))
    return "\n".join(lines) if lines else "nothing changed (grades, statuses, numbers within tolerance, conventions, versions)"
