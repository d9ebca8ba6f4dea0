"""The paper as data (lib/paper/sentences.toml, tables.toml): ids, texts, captions and tables well formed.

Whether every result sentence is covered by a claim, a probe or a numeric cell (or says why not) needs the
claims; `uncovered` is what that test calls, and its behaviour is checked here on planted sentences.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from jepa_claims.paper import sentences as paper
from jepa_claims.paper.sentences import CAPTIONS, PROTOCOL, SENTENCES, Sentence, caption, sentence, uncovered
from jepa_claims.paper.tables import TABLES

STORED = (*SENTENCES, *PROTOCOL)
ID = re.compile(r"(?P<section>abstract|figure[1-6]|table[1-4]|\d(?:\.\d)?|[AB](?:\.\d)?)\.(?P<n>[1-9]\d*)")


def _section_id(section: str) -> str:
    """A section as ids write it: "Figure 2" -> "figure2", "3.3" and "abstract" as they are."""
    return section.lower().replace(" ", "") if section.startswith(("Figure", "Table")) else section


def test_ids_are_unique_and_name_their_section():
    """`<section>.<n>`, the section the sentence is filed under, each id once."""
    assert len({s.id for s in STORED}) == len(STORED)
    for s in STORED:
        match = ID.fullmatch(s.id)
        assert match and match["section"] == _section_id(s.section), s


def test_ids_count_up_in_paper_order_within_each_section():
    """Sentences are stored in the paper's order, so within a section n only grows."""
    last: dict[str, int] = {}
    for s in SENTENCES:
        section, n = s.id.rsplit(".", 1)
        assert int(n) > last.get(section, 0), s.id
        last[section] = int(n)


def test_texts_are_single_spaced_whole_sentences():
    """Each text is non-empty, on one line with single spaces, and ends as a sentence does."""
    for s in (*STORED, *CAPTIONS):
        assert s.text and s.text == " ".join(s.text.split()) and s.text[-1] in ".:", s.id


def test_no_sentence_is_stored_twice_or_inside_another():
    """No text occurs in another sentence's (a duplicate, or a sentence split into overlapping parts)."""
    for s in STORED:
        assert [t.id for t in STORED if t is not s and s.text in t.text] == [], s.id


def test_the_data_names_no_claim_or_probe():
    """Claims name the sentences they test, never the other way, so adding a claim leaves the data as it is."""
    for path in (paper.DATA, Path(paper.DATA).with_name("tables.toml")):
        assert re.findall(r"\b[CP]\d+\b", path.read_text(encoding="utf-8")) == [], path.name


def test_captions_of_figures_1_to_6_and_tables_1_to_4():
    """Each caption is stored once, starts with its own label, and holds the sentences filed under it."""
    assert sorted(c.id for c in CAPTIONS) == [*(f"figure{i}" for i in range(1, 7)), *(f"table{i}" for i in range(1, 5))]
    for c in CAPTIONS:
        assert c.text.startswith(f"{c.id[:-1].capitalize()} {c.id[-1]}: "), c.id
        inside = [s for s in SENTENCES if _section_id(s.section) == c.id]
        assert all(s.text in c.text for s in inside), c.id


def test_tables_are_rectangular_with_named_rows_and_captions():
    """Tables 1-4: every row as wide as the header, each row named once, its caption stored."""
    assert sorted(TABLES) == ["table1", "table2", "table3", "table4"]
    for table in TABLES.values():
        assert all(len(row) == len(table.columns) for row in table.rows), table.id
        assert len(set(table.row_names())) == len(table.rows) and caption(table.caption).id == table.id


def test_a_blank_key_cell_repeats_the_row_above():
    """Table 2 prints each slice once: its second and third rows are the same slice's."""
    table = TABLES["table2"]
    assert table.rows[1][0] == "" and table.row_names()[1] == ("8x3", "29.intermediate + 30.intermediate")
    assert table.cell(("VOC 8x3", "29.intermediate"), "Context rescue fraction") == "0.3552"


def test_lookups_name_what_is_known():
    """An unknown sentence or caption id is an error listing the known ones."""
    assert sentence("3.2.7").section == "3.2" and sentence("2.2.6") in PROTOCOL
    with pytest.raises(KeyError, match=r"no sentence '3\.9\.1'; known: abstract\.2, "):
        sentence("3.9.1")
    with pytest.raises(KeyError, match="no caption 'figure7'; known: figure1"):
        caption("figure7")


def test_untested_names_a_shared_reason(tmp_path):
    """`untested` is a key of [reasons], resolved to its text; an unknown key fails at load."""
    assert sentence("4.1").untested.startswith("a summary of the results")
    assert all(s.untested == "" for s in PROTOCOL)
    planted = tmp_path / "sentences.toml"
    planted.write_text('protocol = []\ncaption = []\n\n[reasons]\nsummary = "why"\n\n'
                       '[[sentence]]\nid = "4.1"\nsection = "4"\ntext = "A finding."\nuntested = "sumary"\n')
    with pytest.raises(ValueError, match="untested = 'sumary' is no key of"):
        paper.load(planted)


def test_uncovered_lists_what_no_test_covers_and_no_reason_excuses():
    """Planted: one sentence covered, one with a reason, one with neither: only the last is uncovered."""
    planted = [Sentence("3.1.1", "3.1", "Covered."), Sentence("4.1", "4", "Excused.", "a summary"),
               Sentence("3.1.2", "3.1", "Neither.")]
    assert uncovered(planted, {"3.1.1"}) == ["3.1.2"]
    assert uncovered(planted, {"3.1.1", "3.1.2"}) == []
    assert len(uncovered(SENTENCES, set())) == sum(not s.untested for s in SENTENCES)
