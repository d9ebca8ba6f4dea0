"""The paper's Tables 1-4 rebuilt in the record, in the paper's own rows and columns, every printed cell beside its measurement.

Each printed cell shows the paper's string and value and what this run measured for it: the numeric agreement test's
row when that test ran (PASS / FAIL), else the cached tables read through `figures.CachedSource` (never a model run),
else why it was not measured. In a world that is not the paper's the paper column is shown but not compared.
The CI of a measured value is measured +/- z s.e. (z of the paper's 95% level); the tolerance is numeric.py's.
"""
from __future__ import annotations

from dataclasses import dataclass

from jepa_claims.grading.numeric import MEAN_SE, Z, Measurement, agreement, cell_location
from jepa_claims.paper import values as pv
from jepa_claims.paper.sentences import caption
from jepa_claims.paper.tables import TABLES, Table, TableCell, printed
from jepa_claims.record.figures import MAIN, NotCached
from jepa_claims.record.templating import render_template

TABLE_IDS = ("table1", "table2", "table3", "table4")
PAPER_TABLES = {"table1": pv.TABLE1, "table2": pv.TABLE2, "table3": pv.TABLE3, "table4": pv.TABLE4}
EMPTY = {"measured": None, "se": None, "n": None, "ci_low": None, "ci_high": None, "tolerance": None, "within": None}
PROTOCOL = "no tolerance: protocol property"


@dataclass(frozen=True)
class Reading:
    """How the record reads a printed cell that values.py gives no numeric cell of its own (values.RESTATED)."""

    cell: str | None  # the numeric cell measuring the same number, or None: read from the masks table
    mask: str | None  # "background" or "visible": what of the masks table
    why: str


# The printed cells values.RESTATED leaves out of the numeric cells (each would be the same measurement twice), and
# how each is still measured here, so the reviewer sees every paper cell. Table 4's two rows are properties of the
# masking protocol (equal budgets by construction, the grid's remainder), so they get no tolerance of their own.
READINGS: dict[str, Reading] = {
    "table3/ijepa_1k/advantage": Reading("table1/8x3/advantage", None,
                                         "the same number as Table 1's 8x3 advantage (same checkpoint, slice and "
                                         "images): that cell is read"),
    **{f"table4/{s}/background_tokens": Reading(None, "background",
                                                f"{PROTOCOL}: the zero-overlap background is token-matched to the object "
                                                "mask; mean tokens of the background masks, from the cached masks table")
       for s in pv.TABLE4},
    **{f"table4/{s}/visible_context": Reading(None, "visible",
                                              f"{PROTOCOL}: tokens not masked, the grid's tokens (the masks table's "
                                              "patches) minus the object mask's, per image, from the cached masks table")
       for s in pv.TABLE4},
}


@dataclass(frozen=True)
class Run:
    """What one record offers to fill the tables: numeric rows by cell, the selection, the source, the world."""

    numeric: dict
    checkpoints: tuple[str, ...]
    slices: tuple[str, ...]
    source: object  # figures.CachedSource, or None when the run had no store
    comparable: bool


def _paper_values(prefix: str, node: dict) -> dict[TableCell, tuple[str, float]]:
    """values.py's numbers of one table by where each is printed, with the id it has there and its value."""
    out = {}
    for key, value in node.items():
        if isinstance(value, dict):
            out |= _paper_values(f"{prefix}/{key}", value)
        else:  # a printed win count is compared as the share of images it is (values._win_share)
            out[value.source] = (f"{prefix}/{key}", value.fraction if isinstance(value, pv.PaperCount) else value.value)
    return out


PAPER = {ref: found for name, table in PAPER_TABLES.items() for ref, found in _paper_values(name, table).items()}
CELLS = {c.id: c for c in pv.cells()}


def _finite(value) -> float | None:
    """A finite float or None (JSON has no NaN)."""
    return None if value is None or value != value or abs(value) == float("inf") else float(value)


def _measured(m: Measurement) -> dict:
    """A measurement's value, s.e., n and 95% CI (measured +/- z s.e.)."""
    value, se = _finite(m.value), _finite(m.se)
    low, high = (value - Z * se, value + Z * se) if value is not None and se is not None else (None, None)
    return {"measured": value, "se": se, "n": m.n, "ci_low": low, "ci_high": high}


def _mask_tokens(source, slice_name: str, what: str) -> Measurement:
    """Mean background-mask tokens, or mean visible context (grid minus object tokens), per image of the masks table."""
    masks = source.table("masks", MAIN, slice_name)
    if what == "background":
        series = masks.loc[masks["mask"] == "background", "tokens"]
    else:
        objects = masks[masks["mask"] == "object"]
        series = objects["patches"] - objects["tokens"]
    return Measurement(float(series.mean()), float(series.sem()), int(series.size), MEAN_SE)


def _from_row(row: dict, run: Run) -> dict:
    """A cell from its numeric agreement test, which ran."""
    m = Measurement(row["measured"], row["se"], row["n"], "")
    status = row["status"] if run.comparable else "not comparable"
    return _measured(m) | {"tolerance": _finite(row["tolerance"]), "within": row["within"] if run.comparable else None,
                           "status": status, "note": f"numeric test: {row['test']}"}


def _unselected(vid: str, run: Run) -> str:
    """Why a cell's checkpoint or slice was not in this run ("" when both were)."""
    checkpoint, slice_name = cell_location(vid)
    left_out = [name for name, chosen in ((checkpoint, run.checkpoints), (slice_name, run.slices)) if name not in chosen]
    return f"{' and '.join(left_out)} not selected in this run" if left_out else ""


def _from_cache(vid: str, cell_id: str | None, reading: Reading | None, run: Run) -> dict:
    """A cell measured from the cached tables (no numeric test ran for it), or why it could not be."""
    row = run.numeric.get(cell_id, {})
    untested = f"numeric test {row['status']}: {row.get('reason') or 'no reason recorded'}" if row else "no numeric test collected"
    why = "no table store in this run" if run.source is None else _unselected(vid, run)
    if why:
        return EMPTY | {"status": f"not measured: {why}", "note": untested}
    try:
        if cell_id is None:
            found = _measured(_mask_tokens(run.source, cell_location(vid)[1], reading.mask)) | {"tolerance": None, "within": None}
        else:
            a = agreement(CELLS[cell_id], run.source)
            found = _measured(Measurement(a.measured, a.se, a.n, a.se_method)) | {"tolerance": a.tolerance, "within": a.within}
    except NotCached as exc:
        return EMPTY | {"status": f"not measured: {exc}", "note": untested}
    except Exception as exc:  # noqa: BLE001 - a cell that cannot be read must not stop the record
        return EMPTY | {"status": f"not measured: {type(exc).__name__}: {str(exc).strip()[:300]}", "note": untested}
    if not run.comparable:
        return found | {"within": None, "status": "not comparable", "note": f"measured from the cache; {untested}"}
    status = PROTOCOL if cell_id is None else "not tested"
    return found | {"status": status, "note": f"measured from the cache; {untested}"}


def _cell(ref: TableCell, run: Run) -> dict:
    """One printed cell: the paper's string and value beside what this run measured for it."""
    vid, paper = PAPER[ref]
    reading = READINGS.get(vid)
    cell_id = reading.cell if reading else vid
    head = {"column": ref.column, "printed": printed(ref), "paper": paper, "cell": cell_id}
    row = run.numeric.get(cell_id)
    found = _from_row(row, run) if row and row["status"] in ("PASS", "FAIL") else _from_cache(vid, cell_id, reading, run)
    if reading:
        found["note"] = f"{reading.why}; {found['note']}"
    if cell_id and "/wins" in cell_id and found["measured"] is not None and found.get("n"):
        found |= _share_interval(found["measured"], found["n"])
    return head | found


def _share_interval(share: float, n: int) -> dict:
    """A win share's 95% CI as a binomial proportion's (Wilson): measured +/- 1.96 s.e. would leave [0, 1] near 24 / 24."""
    from scipy.stats import binomtest

    interval = binomtest(round(share * n), n).proportion_ci(confidence_level=0.95, method="wilson")
    return {"ci_low": float(interval.low), "ci_high": float(interval.high)}


def _table(table: Table, run: Run, why_not: str) -> dict:
    """One table as printed, each row's key cells and value cells."""
    text = caption(table.caption).text
    rows = [{"keys": list(printed_row[:table.keys]),
             "cells": [_cell(TableCell(table.id, name, column), run) for column in table.columns[table.keys:]]}
            for printed_row, name in zip(table.rows, table.row_names())]
    return {"id": table.id, "title": text.split(":", 1)[0], "caption": text, "columns": list(table.columns),
            "key_columns": table.keys, "rows": rows, "tolerance": _tolerance_rule(table),
            "comparable": run.comparable, "why_not": why_not}


def _tolerance_rule(table: Table) -> str:
    """What the tolerance of this table's cells is, in words, from the floors values.py names for them."""
    floors = {CELLS[c].floor for c in CELLS if c.startswith(f"{table.id}/")}
    named = "; ".join(f"{name} floor {pv.FLOORS[name].relative:.0%} ({pv.FLOORS[name].why})" for name in sorted(floors))
    rule = (f"Tolerance: {Z:.2f} x sqrt(s.e.^2 + paper s.e.^2) + floor x |paper|, the paper's s.e. taken equal to the "
            f"measured one (for a win count, the binomial s.e. of its printed count). Floors: {named}.")
    return rule + (f" Rows read from the masks table have {PROTOCOL}." if table.id == "table4" else "")


def paper_tables(record: dict, source) -> list[dict]:
    """Tables 1-4 as the paper prints them, each printed cell with the paper's value and this run's (JSON-ready)."""
    world = record["world"]
    numeric = {row["cell"]: row for row in record.get("numeric", {}).get("cells", [])}
    run = Run(numeric, tuple(c["key"] for c in world["checkpoints"]), tuple(world["slices"]), source,
              world["name"] == "paper")
    why_not = "" if run.comparable else (
        f"this record's world is {world['name']!r}, not the paper's: the paper's numbers describe its own checkpoints "
        "and images, so they stand beside the measured values but are not compared with them")
    return [_table(TABLES[name], run, why_not) for name in TABLE_IDS]


def render_paper_tables(tables: list[dict]) -> str:
    """The tables' HTML section (numbers carry their place under record["paper_tables"])."""
    return render_template("paper_tables.html.j2", tables=tables)
