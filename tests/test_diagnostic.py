"""P1's per-cell diagnostic on planted verdicts: diagnostic only when trained holds, every untrained seed
fails and the effect's difference CI lies above 0; each of those alone breaks it."""
from __future__ import annotations

import dataclasses
import json

import pytest

from claim_modules import CLAIMS
from jepa_claims.claim.verdict import Verdict
from jepa_claims.grading.diagnostic import (
    DIAGNOSTIC, EQUAL_SEEDS, NOT_APPLICABLE, NOT_DIAGNOSTIC, SEED_CI, Diagnostic, diagnose, seed_difference,
)

C4 = CLAIMS.get("C4")  # effect "advantage"
SEEDS = (1234, 1235, 1236)


def _verdict(passed: bool, effect: float, claim=C4) -> Verdict:
    """A planted verdict on ijepa_1k 8x3 with the claim's effect measured."""
    return Verdict(passed, "planted", {claim.untrained.effect: effect}, claim=claim.id, checkpoint="ijepa_1k", slice="8x3")


def _untrained(passed=(False, False, False), effects=(0.010, 0.012, 0.008)) -> dict[int, Verdict]:
    return {s: _verdict(p, e) for s, p, e in zip(SEEDS, passed, effects)}


def test_diagnostic_when_trained_holds_untrained_fails_and_the_difference_lies_above_zero():
    """The planted positive: status diagnostic, P1's "needs training", the difference over seeds."""
    d = diagnose(C4, _verdict(True, 0.12), _untrained())
    assert d.status == DIAGNOSTIC and d.reason.startswith("needs training")
    assert d.seeds == SEEDS and d.untrained_passed == (False, False, False) and d.effect == "advantage"
    assert d.difference["mean"] == pytest.approx(0.11) and 0 < d.difference["ci_low"] < 0.11 < d.difference["ci_high"]
    assert d.difference["method"] == SEED_CI


def test_an_untrained_seed_that_passes_breaks_it():
    """One seed of three holds untrained: not diagnostic, however large the difference."""
    d = diagnose(C4, _verdict(True, 0.12), _untrained(passed=(False, True, False)))
    assert d.status == NOT_DIAGNOSTIC and "untrained on 1 of 3 seeds" in d.reason and "needs training" not in d.reason


def test_every_untrained_seed_passing_is_also_holds_untrained():
    """Both hold: P1 says "also holds untrained"."""
    d = diagnose(C4, _verdict(True, 0.12), _untrained(passed=(True, True, True)))
    assert d.status == NOT_DIAGNOSTIC and d.reason.startswith("also holds untrained")


def test_a_difference_ci_crossing_zero_breaks_it():
    """Untrained fails on every seed but one seed's effect exceeds the trained one: the CI crosses 0."""
    d = diagnose(C4, _verdict(True, 0.12), _untrained(effects=(0.02, 0.05, 0.25)))
    assert d.difference["mean"] > 0 and d.difference["ci_low"] < 0
    assert d.status == NOT_DIAGNOSTIC and "does not lie above 0" in d.reason and "needs training" not in d.reason


def test_a_trained_check_that_fails_breaks_it():
    """Nothing to diagnose when the trained checkpoint does not show the claim."""
    d = diagnose(C4, _verdict(False, 0.12), _untrained())
    assert d.status == NOT_DIAGNOSTIC and d.reason.startswith("the trained check fails")


def test_seeds_that_agree_exactly_give_an_exact_difference():
    """Equal untrained effects: a degenerate interval at the difference, said so, not a NaN."""
    d = seed_difference(0.1, (0.02, 0.02, 0.02))
    assert d == {"mean": pytest.approx(0.08), "ci_low": pytest.approx(0.08), "ci_high": pytest.approx(0.08), "method": EQUAL_SEEDS}


def test_a_non_finite_effect_is_not_diagnostic():
    """A NaN effect (a peak that does not exist) gives no difference and no diagnostic."""
    d = diagnose(C4, _verdict(True, float("nan")), _untrained())
    assert d.status == NOT_DIAGNOSTIC and d.difference is None and "not finite" in d.reason


def test_one_seed_is_refused():
    """A CI over seeds needs two."""
    with pytest.raises(ValueError, match="at least two untrained seeds"):
        seed_difference(0.1, (0.02,))


@pytest.mark.parametrize("claim", [c for c in CLAIMS if c.untrained.not_run], ids=lambda c: c.id)
def test_claims_not_run_untrained_are_not_applicable_with_the_reason(claim):
    """C13 (a property of the masks) and the others P1 does not run: not applicable, and why."""
    d = diagnose(claim, Verdict(True, "planted", checkpoint="ijepa_1k", slice="8x3"), {})
    assert d.status == NOT_APPLICABLE and d.difference is None and claim.untrained.not_run in d.reason


def test_fields_and_json():
    """The record reads exactly these fields; to_dict is JSON-ready."""
    assert [f.name for f in dataclasses.fields(Diagnostic)] == [
        "claim", "checkpoint", "slice", "status", "seeds", "untrained_passed", "effect", "trained_effect",
        "untrained_effects", "difference", "reason"]
    d = diagnose(C4, _verdict(True, 0.12), _untrained())
    assert json.loads(json.dumps(d.to_dict()))["seeds"] == list(SEEDS)


def test_a_per_bin_effect_is_read_at_its_largest_bin():
    """C8's advantage by size bin: the diagnostic compares the largest bin, as the matrix's headline does."""
    c8 = CLAIMS.get("C8")
    trained = Verdict(True, "planted", {"advantage_by_bin": [0.5, 0.0, 0.2]}, claim="C8", checkpoint="ijepa_1k", slice="8x3")
    untrained = {s: Verdict(False, "planted", {"advantage_by_bin": [0.9, 0.9, e]}) for s, e in zip(SEEDS, (0.01, 0.02, 0.0))}
    d = diagnose(c8, trained, untrained)
    assert d.trained_effect == 0.2 and d.untrained_effects == (0.01, 0.02, 0.0) and d.status == DIAGNOSTIC
