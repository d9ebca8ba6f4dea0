"""Every result sentence of the paper is listed with its tests or a reason (lib/paper/sentences.py).

The sentences must rebuild the stored paper text (lib/paper/text.py) exactly, so a dropped or
altered sentence fails; every id they name must be a registered claim, a probe of the suite or a numeric
cell; and no sentence may still wait for a claim that has not been added.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from claim_modules import CLAIMS as CLAIM_FOLDER, claim_function
from jepa_claims.paper import values as pv
from claim_modules import CLAIMS
from jepa_claims.paper.text import PASSAGES, Passage
from jepa_claims.paper.sentences import SENTENCES, Sentence, result, unknown_ids, unlisted


def suite_probes() -> set[str]:
    """Probe ids the suite's probe modules declare (their `probe` marker)."""
    ids = set()
    for path in sorted(CLAIM_FOLDER.glob("test_p*.py")):
        marks = claim_function(path.stem, "pytestmark")
        ids |= {mark.args[0] for mark in (marks if isinstance(marks, list) else [marks]) if mark.name == "probe"}
    return ids


CELLS = {cell.id for cell in pv.cells()}


def _unknown(sentences) -> list[str]:
    return unknown_ids(sentences, CLAIMS.ids(), suite_probes(), CELLS)


def test_the_sentences_are_the_stored_paper_text_exactly():
    """Each passage is its sentences, in order, and nothing else; each sentence is in its section's text."""
    assert unlisted(PASSAGES, SENTENCES) == []
    assert len({s.text for s in SENTENCES}) == len(SENTENCES), "a sentence is listed twice"


def test_a_dropped_or_altered_sentence_fails():
    """Planted: one sentence left out, one with a word changed, one filed under another section."""
    dropped = SENTENCES[:20] + SENTENCES[21:]
    assert unlisted(PASSAGES, dropped) == [f"section {SENTENCES[20].section}: not listed: {SENTENCES[20].text!r}"]
    altered = dataclasses.replace(SENTENCES[20], text=SENTENCES[20].text.replace("a", "the", 1))
    problems = unlisted(PASSAGES, (*SENTENCES[:20], altered, *SENTENCES[21:]))
    assert len(problems) == 2 and "not listed" in problems[0] and "not in the paper text" in problems[1]
    moved = dataclasses.replace(SENTENCES[20], section="7")
    assert len(unlisted(PASSAGES, (*SENTENCES[:20], moved, *SENTENCES[21:]))) == 2


def test_a_passage_no_sentence_covers_fails():
    """Planted: a passage added to the text with no sentence for it."""
    extra = Passage("3.9", "Planted sentence one. Planted sentence two.")
    assert unlisted((*PASSAGES, extra), SENTENCES) == [f"section 3.9: not listed: {extra.text!r}"]


def test_every_id_named_is_a_claim_a_probe_or_a_numeric_cell():
    """Claims from the registry, probes from claims/test_p*.py's markers, cells from paper_values.cells()."""
    assert {"P1", "P2", "P3", "P5", "P6"} <= suite_probes()
    assert _unknown(SENTENCES) == []


def test_an_unknown_id_fails():
    """Planted: a claim that is not registered, a probe the suite lacks, a cell and a table prefix that do not exist."""
    planted = result("3.1", ("C99", "P99", "table1/4x3/nothing", "table9/", "C1", "table1/"), SENTENCES[16].text)
    assert _unknown([planted]) == ["C99", "P99", "table1/4x3/nothing", "table9/"]


def test_every_result_has_a_test_or_a_reason():
    """A result sentence names tests, a reason or a claim to come; method and framing sentences name none."""
    with pytest.raises(ValueError, match="result sentence without a test or a reason"):
        result("3.1", (), "A planted finding.")
    with pytest.raises(ValueError, match="a method sentence is not tested"):
        Sentence("2.4", "A planted method.", "method", ("C1",))
    assert all(s.tests or s.reason or s.waits for s in SENTENCES if s.kind == "result")


def waiting(sentences) -> dict[str, int]:
    """Claims the sentences still wait for, with how many sentences wait for each."""
    topics = [topic for s in sentences for topic in s.waits]
    return {topic: topics.count(topic) for topic in dict.fromkeys(topics)}


def test_no_sentence_still_waits_for_a_claim():
    """Every claim a sentence waited for has been added and is named by its id (fails while one is missing)."""
    assert waiting(SENTENCES) == {}, "claims not yet added (sentences waiting): " + str(waiting(SENTENCES))


def test_a_sentence_still_waiting_fails():
    """Planted: one sentence that waits for a claim not yet added is what the check above reports."""
    planted = (*SENTENCES, result("3.9", (), "A planted finding.", waits=("a claim to come",)))
    assert waiting(planted) == {"a claim to come": 1}
