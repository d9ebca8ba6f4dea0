"""What a claim is: one unit that holds everything that is the claim's.

A claim module in the suite's folder (`claims/test_cNN_*.py`) defines one `Claim` as its module-level
`CLAIM`: the ids of the paper sentences it tests, its cells (checkpoints x slices) and what it reads beyond
them, the table kinds its check reads, the paper cells it is compared with, its thresholds with the reason
for each, the check itself, the number the record leads with, what P1's untrained control does with it, the
conventions P3 reruns it under and the planted falsehoods (toy variants, or a planted table) that must break
it. The census, numeric agreement, P1, P3, the record and the catalogue in docs read these; none keeps a
list of its own. `lib/claim/catalogue.py` finds the claims of a folder.
"""
from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from typing import Callable, Mapping

from jepa_claims.claim.source import TableSource
from jepa_claims.conventions import BACKGROUND_REGION, LAYER_READING, MASKING, P3_GROUPS  # noqa: F401  (for the claims)
from jepa_claims.claim.verdict import Verdict
from jepa_claims.paper import values as pv

Check = Callable[[TableSource, str, str], Verdict]  # (source, checkpoint, slice_name) -> Verdict
PaperCells = Callable[[str, str], list[str]]  # (checkpoint, slice_name) -> numeric cell ids of the paper's values
MODEL, PROTOCOL = "model", "protocol"  # Claim.kind: what the claim is about
KINDS = (MODEL, PROTOCOL)


@dataclass(frozen=True)
class Headline:
    """The number a claim's cell leads with."""

    measured: str  # key in Verdict.measured (the last element when it is a per-bin list)
    paper: str | None  # key in Verdict.paper: a number, or a [low, high] layer range
    label: str
    window: str | None = None  # key in Verdict.measured of the layer window at this checkpoint's depth


@dataclass(frozen=True)
class Untrained:
    """What P1's random-init control does with a claim: the effect it compares, or why it is not run."""

    effect: str | None = None  # key in Verdict.measured that must be larger trained than untrained
    expect: str = ""  # what the untrained architecture should show when the effect is learned
    not_run: str = ""  # why P1 does not run the claim untrained (the record's words)
    # checkpoint -> why the claim holds on that untrained architecture by its nature (a finding the record
    # states; on the toy world P1's test of it is a strict expected failure)
    by_nature: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.effect is None) == (not self.not_run) or (self.effect is not None and not self.expect):
            raise ValueError("Untrained needs either effect and expect, or not_run")


@dataclass(frozen=True)
class Threshold:
    """A bound that turns a word of the paper into a number, with the reason for its value."""

    value: float
    why: str


@dataclass(frozen=True)
class Claim:
    """One claim of the paper: its sentences, cells, tables, check, thresholds and how the record, P1 and P3 read it."""

    id: str
    doc: str  # the claim module's docstring: the paper's words it tests (first paragraph), then how it is checked
    short: str  # one line for the record's front
    sentences: tuple[str, ...]  # ids of the paper's sentences it tests (lib/paper/sentences.toml)
    checkpoints: tuple[str, ...]
    slices: tuple[str, ...]
    reads: tuple[str, ...]  # table kinds its check reads (lib/tables/protocols.py)
    check: Check
    headline: Headline
    untrained: Untrained
    planted: tuple[str, ...]  # toy variants (lib/toy/variants.py) that must break it, or "planted table: ..."
    thresholds: Mapping[str, Threshold] = field(default_factory=dict)
    paper_cells: PaperCells | None = None  # the paper's numbers that state its magnitude (numeric agreement)
    rerun_under: tuple[str, ...] = ()  # P3_GROUPS P3 reruns it under
    reads_background: bool = True  # False: no background row enters its check, so P3's background regions leave it exact
    reads_slices: tuple[str, ...] = ()  # slices the check reads beyond its cell's own
    reads_checkpoints: tuple[str, ...] = ()  # checkpoints the check reads beyond its cell's own
    kind: str = MODEL  # PROTOCOL: a property of the masks, true or false whatever the weights
    figures: tuple[str, ...] = ()  # ids of the record's figures (lib/record/figures.py) that show what it tests

    def __post_init__(self) -> None:
        problems = [f"kind {self.kind!r} is not one of {', '.join(KINDS)}"] if self.kind not in KINDS else []
        problems += [f"P3 group {g!r} is not one of {', '.join(P3_GROUPS)}" for g in self.rerun_under if g not in P3_GROUPS]
        problems += ["names no checkpoint or no slice"] if not self.cells() else []
        problems += ["names no planted falsehood that breaks it"] if not self.planted else []
        problems += ["names no paper sentence"] if not self.sentences else []
        if problems:
            raise ValueError(f"claim {self.id}: " + "; ".join(problems))

    @property
    def quote(self) -> str:
        """The paper's words the claim tests, with section or table (the docstring's first paragraph, on one line)."""
        first = (self.doc or "").strip().partition("\n\n")[0]
        return " ".join(first.removeprefix(f"{self.id}:").split())

    @property
    def about(self) -> str:
        """How the check reads those words (the docstring after its first paragraph)."""
        return (self.doc or "").strip().partition("\n\n")[2].strip()

    def cells(self) -> list[tuple[str, str]]:
        """Every (checkpoint, slice) the claim is tested on."""
        return list(itertools.product(self.checkpoints, self.slices))

    def needs(self, checkpoint: str, slice_name: str) -> set[tuple[str, str]]:
        """Every (checkpoint, slice) whose tables the check reads for this cell."""
        checkpoints = dict.fromkeys((checkpoint, *self.reads_checkpoints))
        slices = dict.fromkeys((slice_name, *self.reads_slices))
        return set(itertools.product(checkpoints, slices))

    def missing(self, checkpoint: str, slice_name: str, checkpoints, slices) -> list[str]:
        """What the cell needs beyond the selected checkpoints and slices (empty: the cell can run)."""
        needed = self.needs(checkpoint, slice_name)
        return sorted({ck for ck, _ in needed if ck not in checkpoints} | {sl for _, sl in needed if sl not in slices})

    def evaluate(self, source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
        """The claim's verdict on one checkpoint and slice."""
        verdict = self.check(source, checkpoint, slice_name)
        return dataclasses.replace(verdict, claim=self.id, checkpoint=checkpoint, slice=slice_name)

    def numeric_cells(self, checkpoint: str, slice_name: str) -> list[str]:
        """The paper's numeric cells that state this cell's magnitude (empty where the paper prints none)."""
        known = {cell.id for cell in pv.cells()}
        return [c for c in self.paper_cells(checkpoint, slice_name) if c in known] if self.paper_cells else []

    def describe(self) -> dict:
        """The claim as plain JSON (what the record and the docs catalogue read)."""
        return {"id": self.id, "quote": self.quote, "about": self.about, "short": self.short, "sentences": list(self.sentences),
                "checkpoints": list(self.checkpoints), "slices": list(self.slices), "reads": list(self.reads),
                "reads_slices": list(self.reads_slices), "reads_checkpoints": list(self.reads_checkpoints),
                "headline": dataclasses.asdict(self.headline),
                "untrained": {"effect": self.untrained.effect, "expect": self.untrained.expect,
                              "not_run": self.untrained.not_run, "by_nature": dict(self.untrained.by_nature)},
                "thresholds": {k: dataclasses.asdict(t) for k, t in self.thresholds.items()},
                "rerun_under": list(self.rerun_under), "reads_background": self.reads_background,
                "planted": list(self.planted), "kind": self.kind, "figures": list(self.figures)}


@dataclass(frozen=True)
class Probe:
    """A probe beyond the paper: what it changes, where it runs, and how the record words what it found."""

    id: str
    about: str  # one line: what the probe changes (the record's heading)
    doc: str = ""  # the probe module's docstring
    sentences: tuple[str, ...] = ()  # ids of the paper's sentences it speaks to (lib/paper/sentences.toml)
    checkpoints: tuple[str, ...] = ()
    slices: tuple[str, ...] = ()
    every_claim: bool = False  # True: over every cell of each claim of the suite (P1), not checkpoints x slices
    reads: tuple[str, ...] = ()  # table kinds it reads on its own cells (the census plans them)
    reads_claims: tuple[str, ...] = ()  # claims whose tables it reads on its own cells (it runs their checks there)
    reruns_conventions: bool = False  # True: it reruns claims under P3's alternative conventions on its cells
    other_claims: str = ""  # why the claims it does not run are not run (the record's words)
    badges: tuple[str, str] = ("claim holds", "claim fails")  # a cell's badge when the claim holds / fails under it

    def __post_init__(self) -> None:
        object.__setattr__(self, "doc", (self.doc or "").strip())
        if not self.every_claim and not (self.checkpoints and self.slices):
            raise ValueError(f"probe {self.id}: names no checkpoint or no slice (or every_claim=True)")

    def describe(self) -> dict:
        """The probe as plain JSON (what the record and the docs catalogue read)."""
        return {"id": self.id, "about": self.about, "sentences": list(self.sentences),
                "checkpoints": list(self.checkpoints), "slices": list(self.slices),
                "every_claim": self.every_claim, "reads": list(self.reads), "reads_claims": list(self.reads_claims), "other_claims": self.other_claims, "badges": list(self.badges)}
