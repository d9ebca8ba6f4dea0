"""The claim registry: each claim of the paper defined once, by a decorator on its check.

A `Claim` holds everything the suite, the report and the probes need to know of one claim: its id,
the paper's sentence (with section or table), the checkpoints and slices it is tested on, every
slice and checkpoint its check reads beyond its own cell, the check itself, the headline number the
report's matrix shows, what P1's untrained control is expected to show, and its kind: a claim about the
model, or a property of the masking protocol that no model enters (C13's token budgets), which the grades
(lib/grading/grades.py) can never call "replicated". `Registry.register`
fills it from the check's definition in `checks.py`; the claim tests name that check in their
`claim` marker, and nothing else keeps a copy.
"""
from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Callable, Iterator

from jepa_claims.claim.common import Verdict
from jepa_claims.claim.source import TableSource

Check = Callable[[TableSource, str, str], Verdict]  # (source, checkpoint, slice_name) -> Verdict
MODEL, PROTOCOL = "model", "protocol"  # Claim.kind: what the claim is about
KINDS = (MODEL, PROTOCOL)


@dataclass(frozen=True)
class Headline:
    """The number a matrix cell leads with."""

    measured: str  # key in Verdict.measured (the last element when it is a per-bin list)
    paper: str | None  # key in Verdict.paper: a number, or a [low, high] layer range
    label: str
    window: str | None = None  # key in Verdict.measured of the layer window at this checkpoint's depth


@dataclass(frozen=True)
class Untrained:
    """What P1's random-init control does with a claim: the effect it compares, or why it is not run."""

    effect: str | None = None  # key in Verdict.measured that must be larger trained than untrained
    expect: str = ""  # what the untrained architecture should show when the effect is learned
    not_run: str = ""  # why P1 does not run the claim untrained (the report's words)

    def __post_init__(self) -> None:
        if (self.effect is None) == (not self.not_run) or (self.effect is not None and not self.expect):
            raise ValueError("Untrained needs either effect and expect, or not_run")


@dataclass(frozen=True)
class Claim:
    """One claim of the paper: its sentence, its cells, its check and how the report and P1 read it."""

    id: str
    quote: str
    checkpoints: tuple[str, ...]
    slices: tuple[str, ...]
    check: Check
    headline: Headline
    untrained: Untrained
    reads_slices: tuple[str, ...] = ()  # slices the check reads beyond its cell's own (C5)
    reads_checkpoints: tuple[str, ...] = ()  # checkpoints the check reads beyond its cell's own (C10)
    kind: str = MODEL  # PROTOCOL: a property of the masks, true or false whatever the weights (C13)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"claim {self.id}: kind {self.kind!r} is not one of {', '.join(KINDS)}")

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


class Registry:
    """Claims by id, in registration order; a claim or a check registered twice is an error."""

    def __init__(self) -> None:
        self._claims: dict[str, Claim] = {}

    def register(self, claim_id: str, *, quote: str, checkpoints: tuple[str, ...], slices: tuple[str, ...],
                 headline: Headline, untrained: Untrained, reads_slices: tuple[str, ...] = (),
                 reads_checkpoints: tuple[str, ...] = (), kind: str = MODEL) -> Callable[[Check], Check]:
        """Decorator: register the decorated check as claim `claim_id`."""

        def decorate(check: Check) -> Check:
            claim = Claim(claim_id, " ".join(quote.split()), tuple(checkpoints), tuple(slices), check, headline,
                          untrained, tuple(reads_slices), tuple(reads_checkpoints), kind)
            self.add(claim)
            return check

        return decorate

    def add(self, claim: Claim) -> None:
        """Add one claim, refusing a second claim with its id or its check, or a claim with no cell."""
        if claim.id in self._claims:
            raise ValueError(f"claim {claim.id} registered twice: by {_name(self._claims[claim.id].check)} and {_name(claim.check)}")
        twin = next((c.id for c in self if c.check is claim.check), None)
        if twin is not None:
            raise ValueError(f"{_name(claim.check)} is already the check of claim {twin}; it cannot also be {claim.id}'s")
        if not claim.cells():
            raise ValueError(f"claim {claim.id} names no checkpoint or no slice")
        self._claims[claim.id] = claim

    def get(self, claim_id: str) -> Claim:
        """The claim with this id, or an error naming the known ones."""
        if claim_id not in self._claims:
            raise KeyError(f"unknown claim {claim_id}; known: {', '.join(self._claims)}")
        return self._claims[claim_id]

    def of_check(self, check: Check) -> Claim:
        """The claim a check was registered for (what a test's `claim` marker names)."""
        for claim in self:
            if claim.check is check:
                return claim
        raise KeyError(f"{_name(check)} is the check of no registered claim; known: {', '.join(self._claims)}")

    def __iter__(self) -> Iterator[Claim]:
        return iter(self._claims.values())

    def __contains__(self, claim_id: object) -> bool:
        return claim_id in self._claims

    def ids(self) -> list[str]:
        """Registered claim ids, in registration order."""
        return list(self._claims)


def _name(check: Check) -> str:
    """A check's module-qualified name, for error messages."""
    return f"{getattr(check, '__module__', '?')}.{getattr(check, '__qualname__', repr(check))}"
