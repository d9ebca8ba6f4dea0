"""P1 random-init control (beyond the paper): the same architecture, untrained.

A claim that also holds on an untrained network is not evidence of a learned mechanism: it would
follow from the architecture and the masking alone. Each test evaluates a claim on the trained
checkpoint and on its architecture with Hugging Face's own random init (fixed seed); the report
states whether the verdict also holds untrained, and the test asserts that the effect the claim
rests on is larger in the trained network.
"""
import pytest

from jepa_claims.verdicts.checks import evaluate
from jepa_claims.tables.probes import random_world

pytestmark = pytest.mark.probe(
    "P1", checkpoints=("ijepa_1k",), slices=("8x3",),
    other_claims="C1 (onset depth), C5 and C8 (how the advantage varies across slices and object sizes), C10 and C12 "
                 "(other checkpoints), C11 (a proxy refit on whatever network it is given) and C13 (mask budgets, no "
                 "model) are not run untrained in this suite.")


# The effect each claim rests on, as named in its verdict's measured values.
EFFECT = {"C2": "bottleneck_rescue", "C3": "context_rescue", "C4": "advantage", "C6": "triple_rescue", "C7": "peak",
          "C9": "full_triple"}


@pytest.fixture(scope="module")
def untrained_store(store, world):
    """One store over the untrained world for every claim here: its encoder is built and loaded once."""
    return store.variant(world=random_world(world))


@pytest.mark.parametrize("claim", list(EFFECT))
def test_effect_is_larger_than_on_random_init_against_trained(claim, store, untrained_store, checkpoint, slice_name, record_probe):
    """The claim's effect is larger in the trained network than in its untrained architecture."""
    trained = evaluate(claim, store, checkpoint, slice_name)
    untrained = evaluate(claim, untrained_store, checkpoint, slice_name)
    meaning = ("also holds on the untrained architecture, so it is not evidence of a learned mechanism"
               if untrained.passed else "does not hold on the untrained architecture: the effect is learned")
    record_probe(claim, checkpoint, slice_name, untrained.passed,
                 f"{claim} {meaning} (trained: {'holds' if trained.passed else 'fails'}; untrained: {untrained.statement})")
    effect, baseline = trained.measured[EFFECT[claim]], untrained.measured[EFFECT[claim]]
    assert effect > baseline, f"{claim}: {EFFECT[claim]} trained {effect:.4f} <= untrained {baseline:.4f}"
