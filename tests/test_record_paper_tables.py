"""The record's rebuilt Tables 1-4 (lib/record/paper_tables.py) against the paper's printed tables and planted records."""
from __future__ import annotations

import copy
import json
import re

import pytest
from planted import Planted
from test_report import check_numbers_match

from jepa_claims.grading.numeric import Z, measure_cell
from jepa_claims.paper import values as pv
from jepa_claims.paper.sentences import caption
from jepa_claims.paper.tables import TABLES
from jepa_claims.record.figures import CachedSource
from jepa_claims.record.paper_tables import PROTOCOL, paper_tables, render_paper_tables

TABLE_IDS = ("table1", "table2", "table3", "table4")
FAILING = "table2/8x3/29.intermediate/rescue"  # the planted numeric row that disagrees with the paper


class CacheOf:
    """A table store whose cache holds Planted's tables of some kinds only, and which says if asked to compute."""

    def __init__(self, kinds: set[str]):
        self.planted, self.kinds, self.conv = Planted(), kinds, Planted().conv
        self.computed: list[str] = []

    def cached(self, kind: str, checkpoint: str, slice_name: str):
        """Planted's table when its kind is cached, else None."""
        return self.planted.table(kind, checkpoint, slice_name) if kind in self.kinds else None

    def table(self, kind: str, checkpoint: str, slice_name: str):
        """Computing a table: noted, so a test can say it never happens."""
        self.computed.append(f"{kind}:{checkpoint}:{slice_name}")
        return self.planted.table(kind, checkpoint, slice_name)

    def roles(self, checkpoint: str):
        """Planted's roles."""
        return self.planted.roles(checkpoint)


def _numeric_row(cell: pv.Cell) -> dict:
    """A numeric agreement row as summary._numeric writes it: PASS within 1%, except FAILING at twice the paper."""
    failing = cell.id == FAILING
    measured = cell.paper.value * (2.0 if failing else 1.01)
    tolerance = 0.1 * abs(cell.paper.value) + 0.001
    return {"cell": cell.id, "test": f"claims/test_numeric_agreement.py::test_cell_against_paper[{cell.id}]",
            "measured": measured, "se": 0.002, "n": 24, "paper": cell.paper.value, "tolerance": tolerance,
            "within": not failing, "status": "FAIL" if failing else "PASS", "reason": ""}


def _record(world: str, rows: list[dict], slices=pv.SLICES) -> dict:
    """A record shaped as summary.build_record's, with only what the tables read."""
    return {"world": {"name": world, "slices": list(slices), "checkpoints": [{"key": k} for k in pv.FAMILIES]},
            "numeric": {"cells": rows}}


def _skipped(reason: str) -> list[dict]:
    """Every numeric cell's row, skipped for `reason`."""
    return [{"cell": c.id, "test": f"numeric[{c.id}]", "status": "SKIP", "reason": reason} for c in pv.cells()]


def _number(printed: str) -> float:
    """A printed cell as a number ("+0.1420", "23 / 24")."""
    if "/" in printed:
        wins, n = printed.split("/")
        return int(wins) / int(n)
    return float(printed)


def _cells(tables: list[dict]):
    """(table id, row keys as printed, cell) of every value cell."""
    return [(t["id"], row["keys"], cell) for t in tables for row in t["rows"] for cell in row["cells"]]


@pytest.fixture(scope="module")
def paper_world():
    """The paper world's tables with a PASS numeric row for every cell (one FAIL), masks cached for Table 4's rows."""
    store = CacheOf({"masks"})
    return paper_tables(_record("paper", [_numeric_row(c) for c in pv.cells()]), CachedSource(store)), store


def test_every_printed_cell_of_tables_1_to_4_is_in_the_paper_shape(paper_world):
    """Each table has the paper's caption, columns, rows and printed strings, and the paper's value of each string."""
    tables, _ = paper_world
    assert [t["id"] for t in tables] == list(TABLE_IDS)
    for t in tables:
        paper = TABLES[t["id"]]
        assert t["caption"] == caption(t["id"]).text and t["columns"] == list(paper.columns)
        assert [row["keys"] + [c["printed"] for c in row["cells"]] for row in t["rows"]] == [list(r) for r in paper.rows]
        assert all(c["paper"] == pytest.approx(_number(c["printed"]), abs=1e-12) for row in t["rows"] for c in row["cells"])


def test_paper_world_cells_show_the_numeric_rows_and_their_agreement(paper_world):
    """Every cell with a numeric cell shows that row's measured value, CI and tolerance; the FAIL row disagrees."""
    tables, _ = paper_world
    rows = {c.id: _numeric_row(c) for c in pv.cells()}
    for table, keys, cell in _cells(tables):
        if cell["cell"] is None:
            continue
        row = rows[cell["cell"]]
        assert (cell["measured"], cell["tolerance"], cell["within"], cell["status"]) == (
            row["measured"], row["tolerance"], row["within"], row["status"]), (table, keys, cell)
        if "/wins" in cell["cell"]:  # a share: the binomial (Wilson) interval, inside [0, 1] and around the share
            assert 0 <= cell["ci_low"] < cell["ci_high"] <= 1, cell  # (the planted shares lie just off the paper's)
            continue
        assert cell["ci_low"] == pytest.approx(row["measured"] - Z * row["se"])
        assert cell["ci_high"] == pytest.approx(row["measured"] + Z * row["se"])
    table1_8x3, table3_1k = tables[0]["rows"][1]["cells"][2], tables[2]["rows"][0]["cells"][0]
    assert table3_1k["cell"] == table1_8x3["cell"] == "table1/8x3/advantage"  # the same number, read once
    assert table3_1k["measured"] == table1_8x3["measured"] == rows["table1/8x3/advantage"]["measured"]
    failing = [c for _, _, c in _cells(tables) if c["cell"] == FAILING]
    assert len(failing) == 1 and failing[0]["within"] is False and failing[0]["status"] == "FAIL"
    assert all(t["comparable"] and t["why_not"] == "" for t in tables)
    html = render_paper_tables(tables)
    assert re.search(r'<td class="fail" title="FAIL[^"]*">\s*<span class="paper-printed">0\.1216</span>.*?<b>disagrees</b>', html, re.S)


def test_table4_protocol_rows_are_measured_from_the_masks_table_without_tolerance(paper_world):
    """Table 4's background row is the background masks' mean tokens, its visible context the grid minus the object's."""
    tables, _ = paper_world
    masks = Planted().table("masks", "ijepa_1k", "8x3")
    objects = masks[masks["mask"] == "object"]
    expected = {"Zero-Overlap Background": masks.loc[masks["mask"] == "background", "tokens"].mean(),
                "Total Visible Context": (objects["patches"] - objects["tokens"]).mean()}
    table4 = tables[3]
    for row in table4["rows"][1:]:
        cell = next(c for c in row["cells"] if c["column"] == "Mean Tokens (8x3)")
        assert cell["measured"] == pytest.approx(expected[row["keys"][0]])
        assert cell["cell"] is None and cell["tolerance"] is None and cell["within"] is None
        assert cell["status"] == PROTOCOL and PROTOCOL in cell["note"]


def test_toy_world_tables_are_not_comparable_and_measured_from_the_cache():
    """In the toy world each table is marked not comparable, and its values are measure_cell's on the cached tables."""
    store = CacheOf({"semantic", "rescue", "masks"})
    tables = paper_tables(_record("toy", _skipped("numeric agreement is tested on the paper's checkpoints only")),
                          CachedSource(store))
    for t in tables:
        assert t["comparable"] is False and "'toy'" in t["why_not"]
    for _, _, cell in _cells(tables):
        assert cell["status"] == "not comparable" and cell["within"] is None and cell["measured"] is not None
        if cell["cell"]:
            assert cell["measured"] == pytest.approx(measure_cell(cell["cell"], store.planted).value)
    assert store.computed == []
    html = render_paper_tables(tables)
    for name in TABLE_IDS:
        section = html.split(f'id="paper-{name}"', 1)[1].split('class="paper-table"', 1)[0]
        assert "The paper column is not comparable: this record&#39;s world is &#39;toy&#39;" in section


def test_a_missing_table_is_not_measured_with_its_reason_and_nothing_is_computed():
    """Without the semantic table Table 1 says which table is not cached; an unselected slice and no store say so."""
    store = CacheOf({"masks"})
    tables = paper_tables(_record("paper", [], slices=("4x3", "8x3", "12x3", "16x3")), CachedSource(store))
    table1 = {row["keys"][0]: row["cells"] for row in tables[0]["rows"]}
    for cell in table1["8x3"]:
        assert cell["status"] == "not measured: semantic table of ijepa_1k / 8x3 is not in the cache"
        assert cell["measured"] is None and cell["within"] is None
    assert all(c["status"] == "not measured: voc8x3 not selected in this run" for c in table1["VOC 8x3"])
    object_row = tables[3]["rows"][0]["cells"]
    assert all(c["status"] == "not tested" and isinstance(c["within"], bool) for c in object_row)
    assert store.computed == []
    bare = paper_tables(_record("paper", []), None)
    assert {c["status"] for _, _, c in _cells(bare)} == {"not measured: no table store in this run"}


def test_every_number_in_the_tables_html_equals_its_json_entry(paper_world):
    """Every printed number names its place under record["paper_tables"] and equals it; a changed value is caught."""
    tables, _ = paper_world
    document = json.loads(json.dumps({"paper_tables": tables}))  # what stats_summary.json would hold
    html = render_paper_tables(tables)
    paths = {span["data-path"] for span in check_numbers_match(html, document)}
    for i, t in enumerate(tables):
        for j, row in enumerate(t["rows"]):
            for k, cell in enumerate(row["cells"]):
                for field in ("measured", "ci_low", "ci_high", "tolerance"):
                    if cell[field] is not None:
                        assert f"/paper_tables/{i}/rows/{j}/cells/{k}/{field}" in paths
    document["paper_tables"][0]["rows"][1]["cells"][2]["measured"] += 1e-3
    with pytest.raises(AssertionError):
        check_numbers_match(html, document)


def test_cell_text_with_markup_comes_out_escaped(paper_world):
    """A printed string, note or caption holding "<script>" is text on the page, not markup."""
    tables = copy.deepcopy(paper_world[0])
    cell = tables[0]["rows"][0]["cells"][0]
    cell["printed"] = cell["note"] = "<script>alert(1)</script>"
    tables[1]["caption"] = "<script>alert(2)</script>"
    html = render_paper_tables(tables)
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2 and "&lt;script&gt;alert(2)" in html


def assert_tables_in_the_papers_shape(summary: dict) -> None:
    """Tables 1-4 as the paper prints them, every printed cell beside a measured value and compared where it has a tolerance."""
    tables = {t["id"]: t for t in summary["paper_tables"]}
    assert set(tables) == {"table1", "table2", "table3", "table4"} and all(t["comparable"] for t in tables.values())
    for name, table in tables.items():
        printed = [row[TABLES[name].keys:] for row in TABLES[name].rows]
        assert [[c["printed"] for c in row["cells"]] for row in table["rows"]] == [list(p) for p in printed], name
        unmeasured = [(name, c["column"], c["status"]) for row in table["rows"] for c in row["cells"] if c["measured"] is None]
        assert not unmeasured, unmeasured
        compared = [c for row in table["rows"] for c in row["cells"] if c["tolerance"] is not None]
        assert all(c["status"] in ("PASS", "FAIL") for c in compared), [c["status"] for c in compared]


def test_the_rehearsals_table_check_holds_on_the_planted_paper_world_and_fails_on_a_missing_cell(paper_world):
    """The check the rehearsal runs: the planted paper world's tables pass it; one cell left unmeasured fails it."""
    tables, _ = paper_world
    assert_tables_in_the_papers_shape({"paper_tables": tables})
    broken = copy.deepcopy(tables)
    broken[1]["rows"][0]["cells"][0]["measured"] = None
    with pytest.raises(AssertionError, match="table2"):
        assert_tables_in_the_papers_shape({"paper_tables": broken})
