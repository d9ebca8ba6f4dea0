"""The paper's numbers (lib/paper/values.py): each one as printed where its `source` says (a cell of Tables 1-4 or
the words of a stored sentence), internally consistent, with sane tolerances."""
from __future__ import annotations

import dataclasses
import math
import re

import pytest

from jepa_claims.paper import values as pv
from jepa_claims.paper.sentences import PROTOCOL, Quote, sentence
from jepa_claims.paper.tables import TABLES, TableCell, printed

NUMBER = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?%?")  # "10,000", "95%", "+0.2601", "23" of "layers 23–29"


def numbers(words: str) -> list[float]:
    """The numbers in printed words, in order ("95%" is 0.95; commas group thousands)."""
    return [float(n.rstrip("%").replace(",", "")) / (100 if n.endswith("%") else 1) for n in NUMBER.findall(words)]


def as_printed(value: float, like: str) -> str:
    """`value` written the way the printed cell `like` is: its decimals, and a sign where it shows one."""
    decimals = len(like.split(".")[1]) if "." in like else 0
    return f"{value:{'+' if like[0] in '+-' else ''}.{decimals}f}"


def _in_table(number: pv.PaperValue | pv.PaperCount) -> list[str]:
    """What keeps a number from being the table cell its source names."""
    try:
        cell = printed(number.source)
    except KeyError as error:
        return [str(error)]
    wanted = f"{number.wins} / {number.n}" if isinstance(number, pv.PaperCount) else as_printed(number.value, cell)
    return [] if cell == wanted else [f"{number.source} prints {cell!r}, not {wanted!r}"]


def _in_sentence(number: pv.PaperValue | pv.PaperCount) -> list[str]:
    """What keeps a number from being printed in the words its source quotes from a sentence."""
    try:
        text = sentence(number.source.sentence).text
    except KeyError as error:
        return [str(error)]
    if number.source.printed not in text:
        return [f"{number.source}: not in the sentence's text"]
    found, words = numbers(number.source.printed), number.source.printed
    if isinstance(number, pv.PaperCount):  # "19 of 24", or "all 24 images" (wins = n)
        ok = found == [number.wins, number.n] or (words.startswith("all ") and found == [number.n] == [number.wins])
    else:
        ok = found == [number.value]
    return [] if ok else [f"{number.source} reads {found}, not {number}"]


def problems(number: pv.PaperValue | pv.PaperCount) -> list[str]:
    """What keeps a number of values.py from being printed where its source says (empty: it is)."""
    if isinstance(number.source, TableCell):
        return _in_table(number)
    if isinstance(number.source, Quote):
        return _in_sentence(number)
    return [f"source {number.source!r} is neither a TableCell nor a Quote"]


def paper_numbers(obj: object, path: str) -> dict[str, pv.PaperValue | pv.PaperCount]:
    """Every PaperValue and PaperCount values.py holds, by where it is held ("pv.TABLE1/4x3/object")."""
    if isinstance(obj, (pv.PaperValue, pv.PaperCount)):
        return {path: obj}
    if isinstance(obj, dict):
        found = {}
        for key, value in obj.items():
            if not str(key).startswith("_"):  # the module's own __builtins__ and the like
                found |= paper_numbers(value, f"{path}{'.' if path == 'pv' else '/'}{key}")
        return found
    return {}


NUMBERS = paper_numbers(vars(pv), "pv")


@pytest.mark.parametrize("where", list(NUMBERS))
def test_each_number_is_printed_where_its_source_says(where):
    """A table's number is its cell formatted as printed; a sentence's number is in the words quoted from it."""
    assert problems(NUMBERS[where]) == []


def test_every_numeric_cell_is_a_number_of_values():
    """cells() holds the numbers above (a win share: the share of one of their counts), so each is checked too."""
    held = list(NUMBERS.values())
    for cell in pv.cells():
        assert (cell.count in held and cell.paper.value == cell.count.fraction) if cell.count else cell.paper in held, cell.id


def test_every_number_cell_of_tables_1_to_4_is_a_value():
    """No printed number of the tables is left out of values.py (its key cells name rows, not numbers)."""
    named = {(n.source.table, n.source.row, n.source.column) for n in NUMBERS.values() if isinstance(n.source, TableCell)}
    for table in TABLES.values():
        for row in table.row_names():
            for column in table.columns[table.keys:]:
                assert (table.id, row, column) in named, (table.id, row, column)


def _constant(name: str):
    """A plain constant of values.py by its SOURCES key ("ONSET_RANGE", "SLICE_N/8x3")."""
    attribute, _, key = name.partition("/")
    value = getattr(pv, attribute)
    return value[key] if key else value


@pytest.mark.parametrize("name", list(pv.SOURCES))
def test_each_plain_constant_is_printed_where_its_source_says(name):
    """Layer numbers are the quoted numbers in order; a slice's images are the product of its "a x b"."""
    quote, value = pv.SOURCES[name], _constant(name)
    assert quote.printed in sentence(quote.sentence).text, quote
    found = numbers(quote.printed)
    if name.startswith("SLICE_N/"):
        assert math.prod(found) == value
    else:
        assert found == list(value if isinstance(value, tuple) else (value,))


def test_every_slice_size_has_a_source():
    """Each slice of SLICE_N is quoted from section 2.1."""
    assert {k.partition("/")[2] for k in pv.SOURCES if k.startswith("SLICE_N/")} == set(pv.SLICE_N)


def test_each_protocol_sentence_is_quoted_by_a_value():
    """A method sentence is stored only because a number of values.py is quoted from it."""
    quoted = {n.source.sentence for n in NUMBERS.values() if isinstance(n.source, Quote)}
    assert {s.id for s in PROTOCOL} <= quoted | {q.sentence for q in pv.SOURCES.values()}


@pytest.mark.parametrize(("where", "planted", "problem"), [
    ("pv.TABLE1/4x3/advantage", {"value": 0.1178}, "prints '+0.1179', not '+0.1178'"),
    ("pv.TABLE1/4x3/advantage", {"source": TableCell("table1", ("8x3",), "Semantic advantage")}, "not '+0.1179'"),
    ("pv.TABLE1/4x3/advantage", {"source": TableCell("table1", ("4x3",), "Advantage")}, "no column 'Advantage'"),
    ("pv.TABLE2/8x3/29.intermediate/rescue", {"source": TableCell("table2", ("9x3", pv.SINGLE), "Absolute context rescue")},
     "no row ('9x3', '29.intermediate')"),
    ("pv.TABLE3/mae/wins", {"wins": 11}, "prints '10 / 24', not '11 / 24'"),
    ("pv.TABLE4/8x3/visible_context", {"value": 201.8}, "not '201.8'"),
    ("pv.VOC_WINS", {"wins": 18}, "reads [19.0, 24.0]"),
    ("pv.VOC_WINS", {"source": Quote("3.2.6", "19 of 24")}, "not in the sentence's text"),
    ("pv.IJEPA_22K_WINS", {"wins": 23}, "reads [24.0]"),
    ("pv.PROXY/rescue_single", {"value": 0.1101}, "reads [0.11]"),
    ("pv.PERMUTATIONS", {"source": Quote("9.9.9", "20,000 permutations")}, "no sentence '9.9.9'"),
    ("pv.TAU", {"source": "section 2.2"}, "neither a TableCell nor a Quote"),
])
def test_a_number_or_source_planted_wrong_fails(where, planted, problem):
    """Planted: a wrong digit, a wrong row, column or sentence, a count off by one, a source that is only words."""
    found = problems(dataclasses.replace(NUMBERS[where], **planted))
    assert len(found) == 1 and problem in found[0], found


def test_as_printed_keeps_the_cells_sign_and_decimals():
    """-0.0059 as '-0.0059', 0.2410 as '0.2410' (the trailing zero printed), 52.4 as '52.4'."""
    assert [as_printed(v, like) for v, like in ((-0.0059, "+0.1420"), (0.241, "0.2214"), (52.4, "55.8"))] == \
        ["-0.0059", "0.2410", "52.4"]
    assert numbers(r"10,000 bootstrap samples; 95%; layers 23–29; 4 classes \times 3") == [10000, 0.95, 23, 29, 4, 3]


def test_noted_inconsistencies_are_in_the_stored_text():
    """The grid and layer-index notes quote what the stored sentences say."""
    assert "14×14 ViT-H patch grid" in sentence("A.2.1").text and "256 internal patches" in sentence("A.2.1").text
    assert "layers 28–32" in sentence("2.2.7").text and "`layer_32`" in sentence("3.6.12").text
    assert "'mlp.fc1'" in sentence("A.1.3").text and "'attn.proj'" in sentence("A.1.3").text


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


def test_every_cell_has_provenance():
    """Each cell names a table cell or a quoted sentence; ids are unique and floors exist."""
    cells = pv.cells()
    # Table 1 15, Table 2 24, Table 3 advantage 3 (1k's is Table 1's 8x3 row) and wins 4, VOC wins 1, Table 4 3
    # (object rows only), proxy 6
    assert len({c.id for c in cells}) == len(cells) == 15 + 24 + 3 + 4 + 1 + 3 + 6
    for c in cells:
        assert isinstance(c.paper.source, (TableCell, Quote)), c
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
