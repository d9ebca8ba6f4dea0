"""Is a claim diagnostic of training? P1's untrained control over several seeds, per claim cell.

A claim is evidence of a learned mechanism only when the trained checkpoint shows it and the same
architecture with random weights does not. `diagnose` reads the trained verdict and one untrained
verdict per init seed (Hugging Face's own init under a fixed torch seed) and says "diagnostic" only
when all three hold:
- the trained check passes;
- the untrained check fails on every seed;
- the claim's effect (the registry's `Untrained.effect`, a key of `Verdict.measured`; of a per-bin
  list its last bin, as the matrix's headline reads it) is larger trained than untrained: the 95% CI
  of trained minus untrained lies above 0.

The CI is a t interval over seeds (`scipy.stats.ttest_1samp` of the per-seed differences). Its
randomness is the init seed: all seeds run on the trained checkpoint's own images, so it answers
"does training, rather than the architecture, give this effect on these images", and the image
sampling behind the trained effect is the direction test's business (the claim's own paired test).
Per-image paired differences would need per-image effects the verdicts do not carry.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
import scipy.stats

from jepa_claims.claim.verdict import Verdict
from jepa_claims.claim.unit import Claim

CONFIDENCE = 0.95
DIAGNOSTIC, NOT_DIAGNOSTIC, NOT_APPLICABLE = "diagnostic", "not diagnostic", "not applicable"
SEED_CI = "t interval over seeds (scipy.stats.ttest_1samp of trained - untrained, one difference per seed)"
EQUAL_SEEDS = "degenerate: every seed's untrained effect is the same, so the difference is exact"


@dataclass(frozen=True)
class Diagnostic:
    """P1's finding on one claim cell: does the untrained architecture fail where the trained one holds?"""

    claim: str
    checkpoint: str
    slice: str
    status: str  # DIAGNOSTIC, NOT_DIAGNOSTIC or NOT_APPLICABLE
    seeds: tuple[int, ...]
    untrained_passed: tuple[bool, ...]  # the claim's check on the untrained architecture, one per seed
    effect: str | None  # key of Verdict.measured compared trained vs untrained (None: not applicable)
    trained_effect: float | None
    untrained_effects: tuple[float, ...]  # one per seed
    difference: dict | None  # trained - untrained: mean, ci_low, ci_high, method (None: not applicable)
    reason: str  # the record's sentence: P1's words and the numbers behind them

    def to_dict(self) -> dict:
        """JSON-ready dict (tuples as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def not_applicable(claim: Claim, checkpoint: str, slice_name: str) -> Diagnostic:
    """The cell of a claim P1 does not run untrained (a property of masks or protocol, or not run yet), and why."""
    return Diagnostic(claim.id, checkpoint, slice_name, NOT_APPLICABLE, (), (), None, None, (), None,
                      f"{claim.id} is not run untrained: {claim.untrained.not_run}")


def seed_difference(trained: float, untrained: tuple[float, ...]) -> dict:
    """Trained minus untrained effect: mean over seeds and its 95% t interval over seeds."""
    diffs = trained - np.asarray(untrained, dtype=float)
    mean = float(diffs.mean())
    if len(diffs) < 2:
        raise ValueError("a CI over seeds needs at least two untrained seeds")
    if np.ptp(diffs) == 0:
        return {"mean": mean, "ci_low": mean, "ci_high": mean, "method": EQUAL_SEEDS}
    ci = scipy.stats.ttest_1samp(diffs, 0.0).confidence_interval(CONFIDENCE)
    return {"mean": mean, "ci_low": float(ci.low), "ci_high": float(ci.high), "method": SEED_CI}


def effect_of(verdict: Verdict, key: str) -> float:
    """The verdict's effect under `key`: a number, or the last (largest) bin of a per-bin list."""
    value = verdict.measured[key]
    return float(value[-1] if isinstance(value, (list, tuple)) else value)


def diagnose(claim: Claim, trained: Verdict, untrained: Mapping[int, Verdict]) -> Diagnostic:
    """P1's diagnostic of one cell from the trained verdict and the untrained verdicts by init seed."""
    if claim.untrained.not_run:
        return not_applicable(claim, trained.checkpoint, trained.slice)
    key, seeds = claim.untrained.effect, tuple(sorted(untrained))
    passed = tuple(bool(untrained[s].passed) for s in seeds)
    effect = effect_of(trained, key)
    effects = tuple(effect_of(untrained[s], key) for s in seeds)
    finite = math.isfinite(effect) and all(map(math.isfinite, effects))
    difference = seed_difference(effect, effects) if finite else None
    above = difference is not None and difference["ci_low"] > 0
    status = DIAGNOSTIC if trained.passed and not any(passed) and above else NOT_DIAGNOSTIC
    return Diagnostic(claim.id, trained.checkpoint, trained.slice, status, seeds, passed, key, effect, effects,
                      difference, _reason(claim, bool(trained.passed), passed, key, effect, effects, difference))


def _reason(claim: Claim, trained: bool, passed: tuple[bool, ...], key: str, effect: float,
            effects: tuple[float, ...], difference: dict | None) -> str:
    """P1's sentence: "needs training" only when trained holds, every seed fails and the effect is larger trained;
    "also holds untrained" only when trained and every seed hold; otherwise what happened; then the numbers."""
    n, held = len(passed), sum(passed)
    larger = difference is not None and difference["ci_low"] > 0
    if trained and not held:
        finding = (f"needs training: {claim.id} holds on the trained checkpoint and fails untrained on all {n} seeds"
                   if larger else f"{claim.id} holds on the trained checkpoint and fails untrained on all {n} seeds, "
                                  "but its effect is not shown larger trained")
    elif trained and held == n:
        finding = f"also holds untrained: {claim.id} holds on the trained checkpoint and untrained on all {n} seeds"
    elif trained:
        finding = f"{claim.id} holds on the trained checkpoint and untrained on {held} of {n} seeds"
    else:
        finding = f"the trained check fails, so P1 has nothing to diagnose ({claim.id} holds untrained on {held} of {n} seeds)"
    numbers = f"{key} trained {effect:.4g}, untrained " + ", ".join(f"{e:.4g}" for e in effects)
    if difference is None:
        return f"{finding}; {numbers}: an effect is not finite, so no difference is tested"
    ci = f"difference {difference['mean']:+.4g} (95% CI {difference['ci_low']:+.4g} to {difference['ci_high']:+.4g}, over seeds)"
    return f"{finding}; {numbers}; {ci}: " + ("the effect is larger trained" if larger else "the difference's CI does not lie above 0")
