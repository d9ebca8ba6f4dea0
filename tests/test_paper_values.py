"""The paper's numbers (lib/paper/values.py): copied exactly, internally consistent, tolerances sane."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from jepa_claims.paper import values as pv


@pytest.fixture(scope="module")
def paper_text(request) -> str:
    """The paper's text (`--paper-text FILE`: the paper is not part of the repository), or a skip."""
    path = request.config.getoption("paper_text")
    if path is None:
        pytest.skip("the paper's own text is not given (pass --paper-text FILE to check these values against it)")
    if not Path(path).is_file():
        raise pytest.UsageError(f"--paper-text {path}: no such file")
    return Path(path).read_text(encoding="utf-8")


def _row(*cells: str) -> str:
    """Regex for table cells separated by whitespace, as the paper's text lays them out."""
    return r"\s+".join(re.escape(c) for c in cells)


@pytest.mark.parametrize("slice_,label", [("4x3", "4x3"), ("8x3", "8x3"), ("12x3", "12x3"),
                                          ("16x3", "16x3"), ("voc8x3", "VOC 8x3")])
def test_table1_rows_match_paper(paper_text, slice_, label):
    """Each Table 1 row, as printed: slice, object drift, background drift, +advantage."""
    row = pv.TABLE1[slice_]
    cells = [f"{row[k].value:.4f}" for k in ("object", "background")]
    assert re.search(_row(label, *cells, f"+{row['advantage'].value:.4f}"), paper_text)


@pytest.mark.parametrize("family", pv.FAMILIES)
def test_table3_rows_match_paper(paper_text, family):
    """Each Table 3 row: signed advantage followed by 'k / 24'."""
    adv, w = pv.TABLE3[family]["advantage"].value, pv.TABLE3[family]["wins"]
    assert re.search(_row(f"{adv:+.4f}", f"{w.wins}", "/", f"{w.n}"), paper_text)


def test_table2_rows_match_paper(paper_text):
    """Every Table 2 line 'group rescue fraction' appears, slice by slice in order."""
    pattern = []
    for slice_, label in (("8x3", "8x3"), ("12x3", "12x3"), ("16x3", "16x3"), ("voc8x3", "VOC 8x3")):
        rows = [_row(g, f"{r['rescue'].value:.4f}", f"{r['rescue_fraction'].value:.4f}")
                for g, r in pv.TABLE2[slice_].items()]
        pattern.append(_row(label) + r"\s+" + r"\s+".join(rows))
    assert re.search(r"\s+".join(pattern), paper_text)


def test_table4_rows_match_paper(paper_text):
    """Table 4's three rows with the 4x3, 8x3, 16x3 columns."""
    cols = ("4x3", "8x3", "16x3")
    for label, key in (("Object Token Mask", "object_tokens"),
                       ("Zero-Overlap Background", "background_tokens"),
                       ("Total Visible Context", "visible_context")):
        assert re.search(_row(label, *(f"{pv.TABLE4[c][key].value:.1f}" for c in cols)), paper_text)


def test_every_cell_and_text_number_is_printed(paper_text):
    """Every numeric cell, the proxy numbers, VOC 19 of 24 and the thresholds occur in the text."""
    counts = [pv.VOC_WINS, *(row["wins"] for row in pv.TABLE3.values())]
    for cell in pv.cells():
        if cell.count is not None:  # printed as "k / n" (Table 3) or "k of n images" (section 3.2)
            count = cell.count
            assert count in counts and count.fraction == cell.paper.value, cell.id
            assert f"{count.wins} / {count.n}" in paper_text or f"{count.wins} of {count.n} images" in paper_text, cell.id
            continue
        fmt = ".1f" if cell.floor == "tokens" else ".4f"
        assert format(abs(cell.paper.value), fmt) in paper_text, cell.id
    assert "19 of 24 images" in paper_text and "+0.0518" in paper_text
    assert "all 24 images" in paper_text
    assert r"\tau = 0.05" in paper_text
    assert "layers 23–29" in paper_text and "layers 28–30" in paper_text
    assert "10,000 bootstrap samples; 20,000 permutations" in paper_text
    assert "$p < 0.001$" in paper_text


def test_noted_inconsistencies_are_in_the_paper(paper_text):
    """The grid and layer-index notes quote what the paper actually says."""
    assert "14×14 ViT-H patch grid" in paper_text and "256 internal patches" in paper_text
    assert "layers 28–32" in paper_text and "`layer_32`" in paper_text
    assert "'mlp.fc1'" in paper_text and "'attn.proj'" in paper_text


@pytest.mark.parametrize("slice_", pv.SLICES)
def test_table1_object_minus_background_is_advantage(slice_):
    """object - background = advantage up to the 4-decimal rounding of each cell (NOTES['rounding'])."""
    row = pv.TABLE1[slice_]
    assert abs(row["object"].value - row["background"].value - row["advantage"].value) <= 1e-4 + 1e-9


def test_restated_numbers_agree_across_tables():
    """Numbers printed twice agree: Table 3 1k = Table 1 8x3; VOC text = Tables 1 and 2; 22k."""
    assert pv.TABLE3["ijepa_1k"]["advantage"].value == pv.TABLE1["8x3"]["advantage"].value
    assert pv.TABLE3["ijepa_22k"]["wins"].wins == pv.IJEPA_22K_WINS.wins == 24
    assert pv.IJEPA_22K_ADVANTAGE.value == 0.0938
    assert pv.TABLE2["voc8x3"][pv.TRIPLE]["rescue"].value == 0.1006
    assert pv.TABLE2["voc8x3"][pv.PAIR]["rescue"].value == 0.0948
    assert (pv.VOC_WINS.wins, pv.VOC_WINS.n) == (19, 24)
    assert pv.TABLE1["voc8x3"]["advantage"].value == 0.0518


@pytest.mark.parametrize("slice_", list(pv.TABLE4))
def test_table4_budgets_add_up(slice_):
    """Object and background budgets are equal and object + visible context = 256 tokens."""
    row = pv.TABLE4[slice_]
    assert row["object_tokens"].value == row["background_tokens"].value
    assert row["object_tokens"].value + row["visible_context"].value == pytest.approx(256)
    assert pv.TOTAL_TOKENS.value == (224 // 14) ** 2


@pytest.mark.parametrize("slice_", list(pv.TABLE2))
def test_table2_orders_triple_over_pair_over_single(slice_):
    """As printed, triple > pair > single in both rescue and rescue fraction (C6's data)."""
    rows = pv.TABLE2[slice_]
    for key in ("rescue", "rescue_fraction"):
        single, pair, triple = (rows[g][key].value for g in pv.GROUPS)
        assert triple > pair > single


def test_keys_are_exact():
    """Slice, group and family keys are the ones the claims use."""
    assert pv.SLICES == ("4x3", "8x3", "12x3", "16x3", "voc8x3")
    assert pv.GROUPS == ("29.intermediate", "29.intermediate + 30.intermediate",
                         "29.intermediate + 30.attn.out + 31.attn.out")
    assert set(pv.TABLE3) == {"ijepa_1k", "ijepa_22k", "beit", "mae"}
    assert all(set(rows) == set(pv.GROUPS) for rows in pv.TABLE2.values())
    assert pv.SLICE_N == {"4x3": 12, "8x3": 24, "12x3": 36, "16x3": 48, "voc8x3": 24}


def test_thresholds():
    """Protocol constants from sections 2.2-3.3."""
    assert pv.TAU.value == 0.05 and pv.P_THRESHOLD.value == 0.001
    assert pv.ONSET_RANGE == (23, 29) and pv.RESCUE_PEAK == (28, 30)
    assert pv.LATE_WINDOW == (30, 31) and pv.LATE_LAYERS == (28, 32)
    assert pv.BOOTSTRAP_RESAMPLES.value == 10_000 and pv.PERMUTATIONS.value == 20_000
    assert pv.PROXY["rescue_pair"].value > pv.PROXY["rescue_triple"].value > pv.PROXY["rescue_single"].value


def test_every_value_has_provenance():
    """Each cell names a table or section; ids are unique and floors exist."""
    cells = pv.cells()
    # Table 1 15, Table 2 24, Table 3 advantage 3 (1k's is Table 1's 8x3 row) and wins 4, VOC wins 1, Table 4 3
    # (object rows only), proxy 6
    assert len({c.id for c in cells}) == len(cells) == 15 + 24 + 3 + 4 + 1 + 3 + 6
    for c in cells:
        assert re.match(r"(Table [1-4]|section \d)", c.paper.source), c
        assert c.floor in pv.FLOORS


def test_restated_cells_are_left_out():
    """The same measurement twice is one cell: 1k's Table 3 advantage and Table 4's background / visible context."""
    ids = {c.id for c in pv.cells()}
    assert set(pv.RESTATED).isdisjoint(ids) and len(pv.RESTATED) == 1 + 2 * len(pv.TABLE4)
    assert {"table1/8x3/advantage", "table3/ijepa_1k/wins", "table4/8x3/object_tokens"} <= ids


def test_floors_have_provenance_and_reasons():
    """Every named floor is a positive share below 1 of the paper's value, names its source and says why."""
    for name, floor in pv.FLOORS.items():
        assert 0 < floor.relative < 1 and floor.source and len(floor.why) > 40, name
    assert {c.floor for c in pv.cells()} == set(pv.FLOORS)


def test_each_floor_is_below_the_papers_own_spread_over_oxford_rows():
    """A floor alone never lets one Oxford row's printed number stand for another's (the reason FLOORS states)."""
    oxford = ("4x3", "8x3", "16x3")
    for key, floor in (("object", "drift"), ("advantage", "drift")):
        values = [pv.TABLE1[s][key].value for s in oxford]
        assert pv.FLOORS[floor].relative * min(values) < max(values) - min(values), key
    tokens = [pv.TABLE4[s]["object_tokens"].value for s in oxford]
    assert pv.FLOORS["tokens"].relative * min(tokens) < max(tokens) - min(tokens)


def test_values_are_frozen():
    """Paper values cannot be edited by a test by accident."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        pv.TABLE1["4x3"]["object"].value = 0.0  # type: ignore[misc]


def test_notes_record_the_known_problems():
    """The grid and layer-index readings are recorded as data, with a resolution each."""
    assert {"grid", "layer_index", "site_vocabulary", "attainable_p"} <= set(pv.NOTES)
    assert "16 x 16" in pv.NOTES["grid"].resolution
    assert all(n.kind in {"inconsistency", "unstated"} and n.resolution for n in pv.NOTES.values())
