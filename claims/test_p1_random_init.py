"""P1 random-init control (beyond the paper): the same architecture, untrained.

A claim that also holds on an untrained network is not evidence of a learned mechanism: it would
follow from the architecture and the masking alone. Each test evaluates a claim on the trained
checkpoint and on its architecture with Hugging Face's own random init (fixed seed); the report
states whether the verdict also holds untrained, and the test asserts that the effect the claim
rests on is larger in the trained network.
"""
import pytest

from jepa_claims.tables.probes import random_world
from jepa_claims.verdicts.catalogue import CLAIMS

CONTROLLED = [c for c in CLAIMS if c.untrained.effect]  # claims whose effect P1 compares, trained vs untrained


def _not_run_untrained() -> str:
    """'C1 (why), C5 and C8 (why) ... are not run untrained in this suite', from the registry, in its order."""
    reasons: dict[str, list[str]] = {}
    for claim in CLAIMS:
        if claim.untrained.not_run:
            reasons.setdefault(claim.untrained.not_run, []).append(claim.id)
    parts = [f"{' and '.join(ids)} ({why})" for why, ids in reasons.items()]
    return f"{', '.join(parts[:-1])} and {parts[-1]} are not run untrained in this suite."


pytestmark = pytest.mark.probe("P1", checkpoints=("ijepa_1k",), slices=("8x3",), other_claims=_not_run_untrained())


@pytest.fixture(scope="module")
def untrained_store(store, world):
    """One store over the untrained world for every claim here: its encoder is built and loaded once."""
    return store.variant(world=random_world(world))


@pytest.mark.parametrize("claim", CONTROLLED, ids=[c.id for c in CONTROLLED])
def test_effect_is_larger_than_on_random_init_against_trained(claim, store, untrained_store, checkpoint, slice_name, record_probe):
    """The claim's effect is larger in the trained network than in its untrained architecture."""
    trained = claim.evaluate(store, checkpoint, slice_name)
    untrained = claim.evaluate(untrained_store, checkpoint, slice_name)
    meaning = ("also holds on the untrained architecture, so it is not evidence of a learned mechanism"
               if untrained.passed else "does not hold on the untrained architecture: the effect is learned")
    record_probe(claim.id, checkpoint, slice_name, untrained.passed,
                 f"{claim.id} {meaning} (trained: {'holds' if trained.passed else 'fails'}; untrained: {untrained.statement})")
    key = claim.untrained.effect
    effect, baseline = trained.measured[key], untrained.measured[key]
    assert effect > baseline, (f"{claim.id}: {key} trained {effect:.4f} <= untrained {baseline:.4f}; "
                               f"expected untrained: {claim.untrained.expect}")
