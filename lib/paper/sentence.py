"""What a sentence of the paper is (a result with its tests or reason, a method, a framing), and the shared reasons.

The sentences themselves, quoted, are in sentences_results.py (abstract to section 3.3) and sentences_scope.py
(section 3.4 to appendix B); sentences.py joins them and checks them against the paper's text.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["result", "method", "framing"]


@dataclass(frozen=True)
class Sentence:
    """One sentence of the paper, quoted exactly, with what tests it (or why nothing does)."""

    section: str  # the passage's section, figure or table (paper_text.Passage.section)
    text: str
    kind: Kind
    tests: tuple[str, ...] = ()  # claim ids, probe ids and numeric cell ids (or table prefixes)
    reason: str = ""  # why no test can check it, or which part of it the tests leave out
    waits: tuple[str, ...] = ()  # claims still to be added that will test it (none may remain)

    def __post_init__(self) -> None:
        if self.kind == "result" and not (self.tests or self.reason or self.waits):
            raise ValueError(f"result sentence without a test or a reason: {self.text[:60]!r}")
        if self.kind != "result" and (self.tests or self.reason or self.waits):
            raise ValueError(f"a {self.kind} sentence is not tested: {self.text[:60]!r}")


def result(section: str, tests: tuple[str, ...], text: str, reason: str = "", waits: tuple[str, ...] = ()) -> Sentence:
    """A result sentence with the ids that test it and, where they leave something out, why."""
    return Sentence(section, text, "result", tests, reason, waits)


def method(section: str, text: str) -> Sentence:
    """A sentence that says what was done, not what was found."""
    return Sentence(section, text, "method")


def framing(section: str, text: str) -> Sentence:
    """A title, motivation or limitation: not a finding."""
    return Sentence(section, text, "framing")


# Reasons a result sentence (or a part of it) has no test.
SUMMARY = "a summary of the results stated (and tested) in section 3; it adds no measurement of its own"
INTERPRETATION = "an interpretation of the measured pattern; it adds no measurement of its own"
PREDICTOR = ("speaks of the predictor, which needs the predictor/target towers; the released checkpoints hold "
             "the encoder only (C11's ridge proxy stands in for it)")
OBJECTIVE = "a statement about the training objective, not about what the released checkpoint's activations do"
STATS_FILE = ("the paper's `paper/stats_summary.json` and its slices' image ids are not published: the CIs and p "
              "are recomputed on this suite's slices")
VOC_SMALLER = ("that VOC's effect is smaller than Oxford's is read from the numeric cells side by side, not "
               "tested as a comparison")
FIG5 = ("the two example images are not identified; the record draws the per-layer curves of this run's images, "
        "and C4 counts the images where the object mask wins")
GRID = "the '14×14 patch grid' contradicts 224 / 14 = 16 (a 16×16 grid, 256 tokens): paper_values NOTES['grid']"
NOT_RUN = "the paper says it did not run this; P5 runs the causal protocol on MAE and BEiT"

STRONGEST = ("that context-only is the strongest selection is not tested against full (every-token) patching: a "
             "full patch contains the context-only one, and on the toy's planted positive, whose repair is read back "
             "from the masked tokens, it restores more, so such a claim would fail where the mechanism is known to "
             "hold; C3 and C15 test context-only against masked-only")
FOOTPRINTS = ("the background footprints are swept but no result is stated for them (Figure 6 shows object masks "
              "only); the result, the three-site group best at medium and full budgets, is C9's, and P9 measures "
              "the background arm beside it with no claim")
