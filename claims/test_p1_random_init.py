"""P1 random-init control (beyond the paper): the same architecture, untrained.

A claim that also holds on an untrained network is not evidence of a learned mechanism: it would
follow from the architecture and the masking alone. Each test evaluates a claim on the trained
checkpoint and on its architecture with Hugging Face's own random init (fixed seed).
"""
import pytest

from jepa_claims.checks import evaluate
from jepa_claims.probes import random_world

pytestmark = pytest.mark.probe("P1", checkpoints=("ijepa_1k",), slices=("8x3",))


@pytest.mark.parametrize("claim", ["C2", "C4", "C6", "C7"])
def test_claim_does_not_hold_on_random_init_against_trained(claim, store, world, checkpoint, slice_name, record_probe):
    """The claim does not also hold on the untrained architecture."""
    trained = evaluate(claim, store, checkpoint, slice_name)
    untrained = evaluate(claim, store.variant(world=random_world(world)), checkpoint, slice_name)
    meaning = ("also holds on the untrained architecture, so it is not evidence of a learned mechanism"
               if untrained.passed else "does not hold on the untrained architecture: the effect is learned")
    record_probe(claim, checkpoint, slice_name, untrained.passed,
                 f"{claim} {meaning} (trained: {'holds' if trained.passed else 'fails'}; untrained: {untrained.statement})")
    assert not untrained.passed, f"{claim} {meaning}: {untrained.statement}"
