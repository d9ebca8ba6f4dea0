"""The report builder on planted records: matrix, Holm (P6), banner, numbers HTML = JSON, figures."""
from __future__ import annotations

import base64
import json
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from claim_modules import CLAIMS, catalogued
from planted_records import C4_SLICES, P_RAW, WORLD, item

from jepa_claims.record import figures

from jepa_claims.record import html as render
from jepa_claims.record import markup
from jepa_claims.conventions import Conventions
from jepa_claims.record.summary import build_record, cell_key
from jepa_claims.stats.paired import holm
from jepa_claims.record.plugin import plain_id
from jepa_claims.roles import Roles
from planted import planted_heads_table

def test_matrix_has_one_cell_per_claim_and_wanted_column(planted):
    """One cell per claim and registered (checkpoint, slice); unselected ones say what they need."""
    record = build_record(*planted, WORLD)
    assert list(record["claims"]) == ["C2", "C4", "C12"]
    m = record["matrix"]
    assert {k: c["status"] for k, c in m.items()} == {
        "C2|ijepa_1k|8x3": "NOT SELECTED", "C4|ijepa_1k|4x3": "PASS", "C4|ijepa_1k|8x3": "FAIL", "C4|ijepa_1k|12x3": "PASS",
        "C4|ijepa_1k|16x3": "NOT SELECTED", "C4|ijepa_1k|voc8x3": "NOT SELECTED", "C12|mae|8x3": "SKIP",
        "C12|beit|8x3": "NOT SELECTED"}
    assert m["C4|ijepa_1k|16x3"]["reason"] == "not selected in this run: needs 16x3 (--checkpoints / --slices)"
    assert m["C12|beit|8x3"]["reason"] == "not selected in this run: needs beit (--checkpoints / --slices)"
    assert m["C2|ijepa_1k|8x3"]["reason"] == "not selected in this run (--checkpoints, --slices or -k)"
    cell = m["C4|ijepa_1k|4x3"]
    assert cell["headline"]["measured"] == 0.1 and cell["headline"]["paper"] == 0.1179
    assert (cell["ci_low"], cell["ci_high"], cell["p"], cell["wins"], cell["n"]) == (0.1 - 0.05, 0.1 + 0.05, 0.0004, 11, 12)
    assert m["C12|mae|8x3"]["reason"] == "mae weights missing"
    assert [(c["checkpoint"], c["slice"]) for c in record["columns"]][:4] == [("ijepa_1k", s) for s in (*C4_SLICES, "16x3")]
    assert record["counts"]["PASS"] == 2 and record["counts"]["FAIL"] == 1
    assert record["claim_status"] == {"C2": "NOT RUN", "C4": "FAIL", "C12": "SKIP"}


def test_holm_adjusts_across_slices_of_the_same_claim(planted):
    """P6 in the matrix: each cell's Holm p is the step-down over its claim's cells in this run."""
    record = build_record(*planted, WORLD)
    expected = holm({cell_key("C4", "ijepa_1k", s): P_RAW[s] for s in C4_SLICES})
    for key, value in expected.items():
        assert record["matrix"][key]["p_holm"] == pytest.approx(value)
        assert record["matrix"][key]["holm_family_size"] == 3
    assert record["matrix"]["C4|ijepa_1k|4x3"]["p_holm"] == pytest.approx(3 * 0.0004)
    assert record["holm"]["C4"]["size"] == 3 and "C12" not in record["holm"]


def test_probe_findings_reach_the_cell_and_the_probe_section(planted):
    """A probe finding shows in its claim's cell and in the probe's own section."""
    record = build_record(*planted, WORLD)
    assert record["matrix"]["C4|ijepa_1k|4x3"]["probes"] == [
        {"probe": "P1", "holds": True, "status": "FAIL", "sentence": "C4 also holds on the untrained architecture",
         "badges": ["claim holds", "claim fails"]}]
    assert record["probes"]["P1"]["rows"][0]["claim"] == "C4"
    html = render.render(record)
    assert "C4 also holds on the untrained architecture" in html and 'id="probe-P1"' in html
    assert '">P1: also holds untrained</span>' in html  # what the probe found, in words that say which way it cuts
    probe_section = html[html.index('id="probe-P1"'):]
    assert '<td>other claims</td><td colspan="5">C13 involves no model.</td>' in probe_section


def test_numeric_section_says_why_it_was_skipped(planted):
    """With no numeric cell run, the section says why instead of showing an empty table."""
    record = build_record(*planted, WORLD)
    assert record["numeric"]["ran"] == 0 and "toy world" in record["numeric"]["skip_reason"]
    assert "paper&#39;s checkpoints only (toy world)" in render.render(record)


def test_banner_in_toy_world_and_not_in_paper_world(planted):
    """The not-a-replication banner shows in the toy world only."""
    toy = render.render(build_record(*planted, WORLD))
    assert toy.index('id="world-banner"') < toy.index('id="claim-matrix"')
    assert "TOY WORLD - this is not a replication" in toy
    paper = render.render(build_record(*planted, WORLD | {"name": "paper", "banner": None}))
    assert 'id="world-banner"' not in paper and "TOY WORLD" not in paper


def test_toy_banner_carries_the_variant_table(planted, tmp_path):
    """Under the toy banner: each negative variant with the claims it breaks (from lib/toy/variants.py)."""
    from jepa_claims.worlds.world import toy_world

    variants = toy_world(tmp_path).notes["variants"]
    catalogue, outcomes, records = planted
    every_claim = catalogue | {"claims": {c.id: c.describe() for c in CLAIMS}}  # the claims name their falsehoods
    html = render.render(build_record(every_claim, outcomes, records, WORLD | {"variants": variants}))
    table = html[html.index('id="toy-variants"'):html.index("</details>")]
    assert html.index('id="world-banner"') < html.index('id="toy-variants"') < html.index('id="claim-matrix"')
    assert "<code>ijepa_1k:early_onset</code></td><td>C1</td>" in table
    assert "<code>ijepa_1k:bottleneck_elsewhere</code></td><td>C2, C3, C7, C14</td><td>the repair MLP sits in block 17" in table
    assert "<code>planted table</code></td><td>C13</td>" in table
    assert 'id="toy-variants"' not in render.render(build_record(*planted, WORLD))


def test_claim_texts_are_quoted(planted):
    """Each claim's quoted sentence (from the registry) is in the report."""
    from markupsafe import escape

    html = render.render(build_record(*planted, WORLD))
    assert escape(CLAIMS.get("C4").quote) in html and "On both 4x3 and 8x3" in CLAIMS.get("C4").quote


class Numbers(HTMLParser):
    """Every <span class="num"> with its attributes and text; rows of the claim matrix."""

    def __init__(self):
        super().__init__()
        self.spans, self._open, self.matrix_rows, self._in_matrix = [], None, 0, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "span" and attrs.get("class") == "num":
            self._open = attrs | {"text": ""}
        if tag == "table" and attrs.get("id") == "claim-matrix":
            self._in_matrix = True
        if self._in_matrix and tag == "tr" and "data-claim" in attrs:
            self.matrix_rows += 1

    def handle_endtag(self, tag):
        if tag == "span" and self._open is not None:
            self.spans.append(self._open)
            self._open = None
        if tag == "table":
            self._in_matrix = False

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data


def matrix_cell(html: str, key: str) -> str:
    """The HTML of one cell of the full claim matrix (the front's badges carry the same data-key)."""
    cell = html[html.index(f'data-key="{key}" data-status='):]
    return cell[:cell.index("</td>")]


def check_numbers_match(html: str, document: dict) -> list[dict]:
    """Every printed number equals the JSON value its data-path names, and prints in its format."""
    parser = Numbers()
    parser.feed(html)
    for span in parser.spans:
        value = markup.resolve(document, span["data-path"])
        assert isinstance(value, (int, float)) and float(span["data-value"]) == value, span
        assert span["text"] == markup.FORMATS[span["data-fmt"]](value), span
    return parser.spans


def test_every_number_in_the_html_equals_its_json_entry(planted):
    """Every printed number names its JSON path and equals the value there, in its format."""
    record = build_record(*planted, WORLD)
    document = json.loads(json.dumps(record))  # what stats_summary.json holds
    spans = check_numbers_match(render.render(record), document)
    paths = {s["data-path"] for s in spans}
    for sl in C4_SLICES:  # measured, paper, CI, p raw and Holm of every C4 cell are printed and checked
        for field in ("headline/measured", "headline/paper", "ci_low", "ci_high", "p", "p_holm", "min_attainable_p", "wins"):
            assert f"/matrix/C4|ijepa_1k|{sl}/{field}" in paths
    assert "/matrix/C4|ijepa_1k|4x3/measured/by_bin/1" in paths


def test_a_tampered_number_is_caught(planted):
    """The HTML = JSON check is not vacuous: one changed JSON number fails it."""
    record = build_record(*planted, WORLD)
    document = json.loads(json.dumps(record))
    document["matrix"]["C4|ijepa_1k|8x3"]["p_holm"] = 0.5
    with pytest.raises(AssertionError):
        check_numbers_match(render.render(record), document)


# ---------------------------------------------------------------- figures from planted tables

class PlantedTables:
    """A cached-table store double: planted tables, depth-6 roles, default conventions."""

    def __init__(self, missing=()):
        self.conv, self.missing = Conventions(), set(missing)
        self.roles_ = Roles.for_depth(6)
        rng = np.random.default_rng(0)
        self.images = [f"img{i:02d}" for i in range(12)]
        size = {i: 10 + 3 * n for n, i in enumerate(self.images)}
        self.tables = {
            "masks": pd.DataFrame([(i, f"class{n % 4}", m, size[i], 256) for n, i in enumerate(self.images)
                                   for m in ("object", "background")], columns=["image_id", "class_name", "mask", "tokens", "patches"]),
            "semantic": pd.DataFrame([(i, m, layer, 0.1 * layer, 0.2 * layer, (0.03 if m == "object" else 0.01) * layer + rng.normal(0, 0.001))
                                      for i in self.images for m in ("object", "background", "bg_rect", "rect") for layer in range(7)],
                                     columns=["image_id", "mask", "layer", "global_drift", "masked_drift", "context_drift"]),
        }
        groups = {n: " + ".join(s) for n, s in self.roles_.groups().items()}
        rows = [(i, m, groups[g], "context", 0.2, 0.1, r, r / 0.2) for i in self.images for m in ("object", "background")
                for g, r in (("single", 0.05), ("pair", 0.07), ("triple", 0.09))]
        columns = ["image_id", "mask", "sites", "mode", "late_context_drift_masked", "late_context_drift_patched", "rescue", "rescue_fraction"]
        self.tables["rescue"] = pd.DataFrame(rows, columns=columns)
        panel = pd.DataFrame([(i, f"object:{b}", groups[g], "context", 0.2, 0.1, r * f, 0.5) for i in self.images
                              for b, f in (("small", 0.5), ("medium", 1.0), ("full", 1.2)) for g, r in (("single", 0.05), ("pair", 0.07), ("triple", 0.09))],
                             columns=columns)
        self.tables["panel"] = panel.assign(budget=panel["mask"].str.split(":").str[1])
        self.tables["heads"] = planted_heads_table(0.05)  # P7: head 1 of block 30 carries the triple's gain

    def cached(self, kind, checkpoint, slice_name):
        return None if (kind, slice_name) in self.missing else self.tables.get(kind)

    def roles(self, checkpoint):
        return self.roles_


class World_:
    slices = ("4x3", "8x3", "12x3", "16x3")
    checkpoints = (type("Spec", (), {"key": "ijepa_1k"})(),)


def test_figures_from_planted_tables_plot_the_measured_numbers():
    """Figures are drawn from the tables and their plotted numbers are in the JSON."""
    source = figures.CachedSource(PlantedTables())
    data = {f["id"]: f for f in figures.figure_data(source, World_())}
    assert all(f["available"] for f in data.values()), data
    fig2 = data["figure2"]["data"]["rows"]
    assert [r["slice"] for r in fig2] == ["4x3", "8x3", "12x3"]  # the caption's Pet slices, not 16x3
    assert fig2[0]["advantage"] == pytest.approx(0.02 * 4.5, rel=0.05)  # late window: layers 4 and 5 of depth 6
    assert fig2[0]["ci_low"] < fig2[0]["advantage"] < fig2[0]["ci_high"]
    assert data["figure3"]["data"]["rows"][0]["triple"] == pytest.approx(0.09)
    assert [b["n"] for b in data["figure4"]["data"]["bins"]] == [4, 4, 4]
    assert data["figure6"]["data"]["rescue"]["triple"] == pytest.approx([0.045, 0.09, 0.108])
    assert len(data["figure5"]["data"]["images"]) == 3 and data["drift"]["data"]["images"][0]["layers"] == list(range(7))
    png = base64.b64decode(figures.draw(data["figure5"]))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    assert figures.draw(data["figure4"])  # bars and a twin axis
    assert data["heads"]["data"]["carriers"] == ["30.attn.head1"] and figures.draw(data["heads"])


def test_a_figure_whose_tables_are_not_cached_says_so_and_computes_nothing():
    """A figure without cached tables is marked NOT DRAWN and runs no model."""
    source = figures.CachedSource(PlantedTables(missing={("semantic", "16x3"), ("semantic", "12x3"), ("panel", "8x3")}))
    data = {f["id"]: f for f in figures.figure_data(source, World_())}
    assert not data["figure5"]["available"] and "semantic table of ijepa_1k / 16x3 is not in the cache" in data["figure5"]["reason"]
    assert not data["figure6"]["available"]
    assert [r["slice"] for r in data["figure2"]["data"]["rows"]] == ["4x3", "8x3"]
    assert data["figure2"]["data"]["missing"] == ["12x3: semantic table of ijepa_1k / 12x3 is not in the cache"]
    assert figures.draw(data["figure5"]) == ""


def test_a_figure_on_a_slice_not_selected_is_not_drawn_from_an_older_run():
    """A figure never shows a slice this run did not select, even if an older run cached it."""
    class Only4x3(World_):
        slices = ("4x3",)

    data = {f["id"]: f for f in figures.figure_data(figures.CachedSource(PlantedTables()), Only4x3())}
    assert not data["figure5"]["available"] and data["figure5"]["reason"] == "drawn on 16x3, which is not selected in this run"
    assert not data["figure3"]["available"] and data["figure3"]["reason"] == "8x3: not selected in this run; 12x3: not selected in this run"
    assert data["figure2"]["available"]


@pytest.mark.parametrize(("nodeid", "plain"), [
    ("claims/test_c04.py::test_x[ijepa_1k-8x3]@ijepa_1k", "claims/test_c04.py::test_x[ijepa_1k-8x3]"),
    ("claims/test_p6.py::test_holm@ijepa_1k", "claims/test_p6.py::test_holm"),
    ("claims/test_c04.py::test_x[ijepa_1k-8x3]", "claims/test_c04.py::test_x[ijepa_1k-8x3]"),
])
def test_plain_id_drops_only_the_xdist_group_suffix(nodeid, plain):
    """Under loadgroup workers report `id@group`; the record names the test as -n 0 does."""
    assert plain_id(nodeid) == plain


def test_every_check_reaches_the_matrix_with_its_tests_and_numbers():
    """All thirteen checks on planted tables: each cell names its paired test (and P4's second step) or why it has none,
    prints a paper range as numbers, and every printed number equals the JSON."""
    from claim_modules import evaluate
    from planted import Planted
    from test_checks import CASES, NO_TEST

    items, outcomes, records = {}, {}, []
    for claim, (ck, sl, _) in CASES.items():
        node = f"claims/test_{claim.lower()}.py::test_{claim.lower()}[{ck}-{sl}]"
        items[node] = item(f"test_{claim.lower()}", claim, ck, sl)
        outcomes[node] = {"outcome": "passed", "when": "call", "reason": ""}
        records.append({"kind": "verdict", "test": node, "outcome": "passed", **evaluate(claim, Planted(), ck, sl).to_dict()})
    world = {"name": "paper", "slices": ["4x3", "8x3", "16x3"],
             "checkpoints": [{"key": k, "label": k} for k in ("ijepa_1k", "ijepa_22k", "mae", "beit")]}
    record = build_record(catalogued(items), outcomes, records, world)
    document = json.loads(json.dumps(record))
    html = render.render(record)
    paths = {s["data-path"] for s in check_numbers_match(html, document)}
    for claim, (ck, sl, _) in CASES.items():
        cell = record["matrix"][cell_key(claim, ck, sl)]
        assert ("no_test" in cell) == (claim in NO_TEST), claim
        assert (f"/matrix/{cell_key(claim, ck, sl)}/p" in paths) == (claim not in NO_TEST), claim
    c6 = record["matrix"][cell_key("C6", "ijepa_1k", "8x3")]
    assert c6["p_label"] == "triple - pair" and [t["label"] for t in c6["more_tests"]][0] == "pair - single"
    assert {"/matrix/C6|ijepa_1k|8x3/more_tests/0/p", "/matrix/C6|ijepa_1k|8x3/more_tests/0/ci_low"} <= paths
    assert {"/matrix/C1|ijepa_1k|4x3/headline/paper/0", "/matrix/C1|ijepa_1k|4x3/headline/paper/1"} <= paths
    assert "no CI or p: an exact equality of token counts" in html
    assert "p~" in html  # 24 images are too many to enumerate: resampled p is marked


def test_a_window_scaled_to_the_checkpoint_depth_is_shown_beside_the_paper_window():
    """C1 on a shallower model is judged against its own window; the cell prints both windows as checked numbers."""
    from claim_modules import evaluate
    from planted import Planted

    node = "claims/test_c01.py::test_c1[ijepa_1k-4x3]"
    verdict = evaluate("C1", Planted(), "ijepa_1k", "4x3").to_dict()
    verdict["measured"]["onset_window"] = [15, 19]  # what Roles.for_depth(21) gives
    record = build_record(catalogued({node: item("test_c01", "C1", "ijepa_1k", "4x3")}),
                          {node: {"outcome": "passed", "when": "call", "reason": ""}},
                          [{"kind": "verdict", "test": node, "outcome": "passed", **verdict}], WORLD)
    html = render.render(record)
    paths = {s["data-path"] for s in check_numbers_match(html, json.loads(json.dumps(record)))}
    assert {"/matrix/C1|ijepa_1k|4x3/headline/window/0", "/matrix/C1|ijepa_1k|4x3/headline/paper/1"} <= paths
    assert "window here" in html


def test_a_cell_on_a_discovery_slice_says_so():
    """A checkpoint that discovers its roles on 12x3 reads only its other slices: its 12x3 cells (and C5, which reads
    12x3) say why they did not run, instead of naming --checkpoints / --slices."""
    from jepa_claims.record.summary import _not_selected

    world = {"slices": ["4x3", "8x3", "12x3", "16x3"],
             "checkpoints": [{"key": "ijepa_1k", "confirmation_slices": ["4x3", "8x3", "16x3"]}]}
    expected = ("not run: ijepa_1k's roles are discovered on 12x3, so its claims read only the other slices "
                "(no double dipping), and this cell needs 12x3")
    assert _not_selected(CLAIMS.get("C4").describe(), "ijepa_1k", "12x3", world) == expected
    assert _not_selected(CLAIMS.get("C5").describe(), "ijepa_1k", "4x3", world) == expected
    everywhere = {**world, "checkpoints": [{"key": "ijepa_1k", "confirmation_slices": world["slices"]}]}
    assert _not_selected(CLAIMS.get("C4").describe(), "ijepa_1k", "12x3", everywhere) == "not selected in this run (--checkpoints, --slices or -k)"
