"""The paper's result sentences and its figure and table captions, verbatim, read from sentences.toml.

Paper: "A Late Semantic Repair Pathway in I-JEPA's Visual World Model". Stored are only the sentences that state
a result (what the checkpoints do), the few method sentences a number of values.py is quoted from (PROTOCOL),
and the captions of Figures 1-6 and Tables 1-4 (the record quotes them beside the rebuilt figures and tables).
Motivation, method and framing are left out. A sentence names no test: a claim names the sentence ids it tests,
so the paper data never changes when a claim is added; `uncovered` is what no claim covers.

Sentence ids are `<section>.<n>`: the section as the paper numbers it ("3.3", "A.1", "abstract") or the caption
the sentence is in ("figure2", "table1"), and n the sentence's place in that section, counting from 1 every
sentence the paper prints there, stored or not (so judging a sentence differently renumbers nothing). A caption
is its own section and interrupts no other: section 3.6 is counted on across Figures 4-6 and Tables 1-3, and its
sentence broken by a page is one sentence. A bulleted list or a displayed equation belongs to the sentence it
completes. Ids are never renumbered; the part after the last dot is n ("4.2" is section 4's second sentence).
A caption's id is its figure or table ("figure2"), its text the whole caption.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).with_name("sentences.toml")


@dataclass(frozen=True)
class Sentence:
    """One sentence of the paper, quoted exactly, and why no test can check it (or a part of it), if so."""

    id: str
    section: str
    text: str
    untested: str = ""  # the reason's text (sentences.toml names it by a key of [reasons])


@dataclass(frozen=True)
class Caption:
    """A figure's or table's caption, verbatim."""

    id: str  # "figure2", "table1"
    text: str


@dataclass(frozen=True)
class Quote:
    """Where a number of values.py is printed in the text: a sentence id and the words as printed there."""

    sentence: str
    printed: str  # a substring of the sentence's text, e.g. "19 of 24", "10,000 bootstrap samples"

    def __str__(self) -> str:
        return f"sentence {self.sentence}: {self.printed!r}"


def _sentence(entry: dict, reasons: dict[str, str]) -> Sentence:
    """One [[sentence]] or [[protocol]] entry, its `untested` key resolved to the reason's text."""
    key = entry.get("untested", "")
    if key and key not in reasons:
        raise ValueError(f"sentence {entry['id']}: untested = {key!r} is no key of [reasons] ({', '.join(reasons)})")
    return Sentence(entry["id"], entry["section"], entry["text"], reasons.get(key, ""))


def load(path: Path = DATA) -> tuple[tuple[Sentence, ...], tuple[Sentence, ...], tuple[Caption, ...]]:
    """The result sentences, the protocol sentences and the captions stored in `path`."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    reasons = data["reasons"]
    return (tuple(_sentence(e, reasons) for e in data["sentence"]),
            tuple(_sentence(e, {}) for e in data["protocol"]),
            tuple(Caption(e["id"], e["text"]) for e in data["caption"]))


SENTENCES, PROTOCOL, CAPTIONS = load()


def sentence(sentence_id: str) -> Sentence:
    """The result or protocol sentence of this id."""
    for found in (*SENTENCES, *PROTOCOL):
        if found.id == sentence_id:
            return found
    raise KeyError(f"no sentence {sentence_id!r}; known: {', '.join(s.id for s in (*SENTENCES, *PROTOCOL))}")


def caption(caption_id: str) -> Caption:
    """The figure or table caption of this id ("figure2", "table1")."""
    for found in CAPTIONS:
        if found.id == caption_id:
            return found
    raise KeyError(f"no caption {caption_id!r}; known: {', '.join(c.id for c in CAPTIONS)}")


def uncovered(sentences: tuple[Sentence, ...] | list[Sentence], covered: set[str]) -> list[str]:
    """Ids of the sentences no test covers (not in `covered`) that give no reason why (empty: all accounted for)."""
    return [s.id for s in sentences if s.id not in covered and not s.untested]
