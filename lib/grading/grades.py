"""Graded verdicts: what held of one claim cell (direction, magnitude, diagnostic) and the grade they make.

A claim cell (claim x checkpoint x slice) is judged on three parts:

- direction: the claim's check passed (`Verdict.passed`: its paired tests, Holm within the claim);
- magnitude: every number the paper prints for what the claim states on the cell lies within its derived
  tolerance of the measured value (lib/grading/numeric.py: sampling error plus a named relative floor);
  "no paper number" where the paper prints none (its sentence is all the direction test needs), "n/a (toy)"
  in a world whose checkpoints have no paper values, "not measured" where the numeric test did not run;
- diagnostic: P1's untrained control fails the claim where the trained checkpoint passes it ("diagnostic"),
  as its record (lib/grading/diagnostic.py's `Diagnostic.to_dict()`) says; "not measured" without one.

The grade they make (`grade`):

- "replicated": direction and diagnostic hold, and magnitude holds or has nothing to match ("no paper
  number", "n/a (toy)"). So on the paper world every printed number must agree, and on the toy world
  replicated means direction + diagnostic, its magnitude shown "n/a (toy)".
- direction held, something else did not: the parts that held, then what did not, e.g.
  "direction + magnitude, not diagnostic", "direction only, magnitude off, diagnostic not tested".
- "not replicated": the direction fails, whatever else held (a number near the paper's without the
  claimed ordering or significance replicates nothing).
- "not graded": the check did not run (skipped, errored or not selected).
- a protocol claim (`Claim.kind == PROTOCOL`, such as the masks' token budgets) holds for any weights, so it
  is graded "protocol property holds" or "protocol property fails", never "replicated".
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from jepa_claims.grading.diagnostic import DIAGNOSTIC, NOT_APPLICABLE, NOT_DIAGNOSTIC
from jepa_claims.claim.unit import MODEL, PROTOCOL

# direction
HOLDS, FAILS, NOT_RUN = "holds", "fails", "not run"
# magnitude
WITHIN, OFF, NO_PAPER_NUMBER, NOT_APPLICABLE_TOY, NOT_MEASURED = (
    "within tolerance", "off", "no paper number", "n/a (toy)", "not measured")
NOTHING_TO_MATCH = (NO_PAPER_NUMBER, NOT_APPLICABLE_TOY)
# diagnostic: the statuses of lib/grading/diagnostic.py, and none recorded
DIAGNOSTIC_STATUSES = (DIAGNOSTIC, NOT_DIAGNOSTIC, NOT_APPLICABLE, NOT_MEASURED)
# tiers: how the record counts grades
REPLICATED, PARTLY, NOT_REPLICATED, PROTOCOL_TIER, NOT_GRADED = (
    "replicated", "partly", "not replicated", "protocol property", "not graded")
TIERS = (REPLICATED, PARTLY, NOT_REPLICATED, PROTOCOL_TIER, NOT_GRADED)
LEGEND = {
    REPLICATED: "direction holds (the claim's paired tests), every number the paper prints for the cell lies within "
                "its derived tolerance (or the paper prints none; or the toy world, which has no paper values), and "
                "P1's untrained control fails where the trained checkpoint passes (diagnostic)",
    PARTLY: "the direction holds but magnitude or diagnostic did not hold or was not tested: the grade names what held",
    NOT_REPLICATED: "the direction fails, whatever else held",
    PROTOCOL_TIER: "a property of the masks, not of the model: it holds or fails whatever the weights, so it is "
                   "never graded replicated",
    NOT_GRADED: "the check did not run (skipped, errored or not selected)",
}
_STATUS_DIRECTION = {"PASS": HOLDS, "FAIL": FAILS}


@dataclass(frozen=True)
class Grade:
    """One claim cell's three parts, its grade in words (`label`) and how the record counts it (`tier`)."""

    direction: str
    magnitude: str
    diagnostic: str
    label: str
    tier: str
    paper_cells: tuple[str, ...] = ()  # the numeric cells behind magnitude (empty: the paper prints none)
    diagnostic_from: str = ""  # "checkpoint / slice" of the P1 record used when it is not the cell's own

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self) | {"paper_cells": list(self.paper_cells)}


def grade(direction: str, magnitude: str, diagnostic: str, kind: str = MODEL) -> tuple[str, str]:
    """(label, tier) of one cell from its three parts and its claim's kind."""
    if direction not in (HOLDS, FAILS):
        return NOT_GRADED, NOT_GRADED
    if kind == PROTOCOL:
        return f"protocol property {direction}", PROTOCOL_TIER
    if direction == FAILS:
        return NOT_REPLICATED, NOT_REPLICATED
    if (magnitude == WITHIN or magnitude in NOTHING_TO_MATCH) and diagnostic == DIAGNOSTIC:
        return REPLICATED, REPLICATED
    held = ["direction"] + ["magnitude"] * (magnitude == WITHIN) + ["diagnostic"] * (diagnostic == DIAGNOSTIC)
    missed = [f"magnitude {magnitude}"] if magnitude in (OFF, NOT_MEASURED) else []
    if diagnostic != DIAGNOSTIC:
        missed.append(NOT_DIAGNOSTIC if diagnostic == NOT_DIAGNOSTIC else "diagnostic not tested")
    head = "direction only" if held == ["direction"] else " + ".join(held)
    return f"{head}, {', '.join(missed)}", PARTLY


def direction_of(status: str) -> str:
    """A matrix cell's status as the direction part: PASS holds, FAIL fails, anything else did not run."""
    return _STATUS_DIRECTION.get(status, NOT_RUN)


def magnitude_of(wanted: Iterable[str], numeric_status: Mapping[str, str], world: str) -> str:
    """The magnitude part from the numeric cells the claim cell rests on and their statuses (PASS / FAIL / ...)."""
    wanted = list(wanted)
    if not wanted:
        return NO_PAPER_NUMBER
    if world != "paper":
        return NOT_APPLICABLE_TOY
    statuses = [numeric_status.get(cell) for cell in wanted]
    if "FAIL" in statuses:
        return OFF
    return WITHIN if all(s == "PASS" for s in statuses) else NOT_MEASURED


def diagnostic_of(found: dict | None) -> str:
    """The diagnostic part from P1's recorded `Diagnostic.to_dict()` (None: P1 recorded none for the cell)."""
    if found is None:
        return NOT_MEASURED
    status = found.get("status")
    if status not in DIAGNOSTIC_STATUSES:
        raise ValueError(f"P1 diagnostic status {status!r} is not one of {', '.join(DIAGNOSTIC_STATUSES)}")
    return status


def p1_wording(trained_passed: bool, untrained_passed: bool | Sequence[bool]) -> str:
    """What P1 found, in words that never overstate: "needs training" only where trained passes and every untrained
    seed fails, "also holds untrained" only where trained and every seed pass."""
    seeds = [untrained_passed] if isinstance(untrained_passed, bool) else [bool(p) for p in untrained_passed]
    held = sum(seeds)
    if 0 < held < len(seeds):
        return f"{'holds' if trained_passed else 'fails'} trained, holds untrained on {held} of {len(seeds)} seeds"
    if trained_passed:
        return "also holds untrained" if held else "needs training"
    return "holds untrained only" if held else "fails trained and untrained"


def p1_record(claim: str, checkpoint: str, slice_name: str, diagnostics: Iterable[dict]) -> tuple[dict | None, str]:
    """P1's diagnostic for a cell: its own, else the claim's on the same checkpoint and another slice (whether
    an effect needs training is a property of the checkpoint; the slice is another draw of images), named."""
    same = sorted((d for d in diagnostics if d.get("claim") == claim and d.get("checkpoint") == checkpoint),
                  key=lambda d: str(d.get("slice")))
    own = [d for d in same if d.get("slice") == slice_name]
    if own or not same:
        return (own or [None])[0], ""
    return same[0], f"{checkpoint} / {same[0].get('slice')}"


def grade_cell(cell: Mapping, numeric_status: Mapping[str, str], diagnostics: Iterable[dict], world: str,
               claim: Mapping) -> Grade:
    """Grade one matrix cell (claim, checkpoint, slice, status) from the numeric cells' statuses (cell id -> PASS /
    FAIL / SKIP ...) and P1's diagnostic dicts, in a world ("paper" has paper values; any other does not); `claim` is
    the cell's claim as the record holds it (lib/claim/unit.py `Claim.describe`), the cell's `paper_cells` the numeric
    cells that state its magnitude (`Claim.numeric_cells`)."""
    wanted = tuple(cell.get("paper_cells", ()))
    found, elsewhere = p1_record(cell["claim"], cell["checkpoint"], cell["slice"], diagnostics)
    direction = direction_of(cell["status"])
    magnitude = magnitude_of(wanted, numeric_status, world)
    kind = claim.get("kind", MODEL)
    diagnostic = NOT_APPLICABLE if kind == PROTOCOL else diagnostic_of(found)
    label, tier = grade(direction, magnitude, diagnostic, kind)
    return Grade(direction, magnitude, diagnostic, label, tier, wanted, elsewhere if found else "")


def grade_cells(matrix: Mapping[str, Mapping], numeric_status: Mapping[str, str], diagnostics: Iterable[dict],
                world: str, claims: Mapping[str, Mapping]) -> dict[str, Grade]:
    """Grade every matrix cell by its key: what the record shows, and what a check on a run's record (e.g. that
    random weights replicate nothing) reads."""
    diagnostics = list(diagnostics)
    return {key: grade_cell(cell, numeric_status, diagnostics, world, claims[cell["claim"]]) for key, cell in matrix.items()}
