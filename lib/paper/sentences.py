"""Every sentence of the paper's result text, each a result with the tests that check it or the reason it has none.

The text is `paper_text.PASSAGES` (verbatim); SENTENCES splits each passage into its sentences, in order,
quoted exactly (sentences_results.py, sentences_scope.py), and says of each one what it is (sentence.py):
- a result (a statement of what the checkpoints do): the claims (C1...), probes (P1...) and numeric cells
  of paper_values.cells() (a cell id, or a table's prefix such as "table1/") that test it, or a concrete
  reason why nothing can, or both when the tests leave a part of it out;
- a method (what was done) or framing (a title, a motivation, a limitation): not a result, so no test.
A result may also name claims still to be added (`waits`): tests/test_sentences.py fails while any remain.
tests/test_sentences.py checks that the sentences rebuild every passage exactly (a dropped sentence
fails) and that every id named is a registered claim, a probe of the suite or a numeric cell.
"""
from __future__ import annotations

from jepa_claims.paper.sentence import Sentence, result
from jepa_claims.paper.sentences_results import RESULTS
from jepa_claims.paper.sentences_scope import SCOPE

__all__ = ["SENTENCES", "Sentence", "result", "unknown_ids", "unlisted"]

SENTENCES: tuple[Sentence, ...] = RESULTS + SCOPE

def unlisted(passages, sentences) -> list[str]:
    """What keeps the sentences from being the passages' text exactly: a passage's text no sentence of its
    section covers, and a sentence found in no passage of its section (both empty: the list is complete)."""
    problems, used = [], set()
    for passage in passages:
        rest = passage.text
        for index, sentence in enumerate(sentences):
            if sentence.section == passage.section and index not in used and sentence.text in rest:
                rest = rest.replace(sentence.text, " ", 1)
                used.add(index)
        if rest.strip():
            problems.append(f"section {passage.section}: not listed: {' '.join(rest.split())!r}")
    problems += [f"section {s.section}: not in the paper text: {s.text!r}" for i, s in enumerate(sentences) if i not in used]
    return problems


def unknown_ids(sentences, claims, probes, cells) -> list[str]:
    """Ids named by the sentences that are no registered claim, no probe of the suite and no numeric cell (or prefix)."""
    def known(ref: str) -> bool:
        if "/" in ref:
            return ref in cells or (ref.endswith("/") and any(cell.startswith(ref) for cell in cells))
        return ref in claims or ref in probes

    return sorted({ref for s in sentences for ref in s.tests if not known(ref)})
