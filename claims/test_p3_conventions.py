"""P3 convention sensitivity (beyond the paper).

The paper leaves several readings implicit (docs/conventions.md): how its layer numbers index the network (the
layer reading: which block a site such as "31.attn.out" is, which hidden states "layers 30-31" are),
the fill of masked patches ("zeroed in pixel space"), the normalisation (the processor's
mean = std = 0.5 versus ImageNet's, used in I-JEPA training), and which trimap pixels are object
(1 and 3, or 1 only), and which zero-overlap region is the background control (the one farthest from
the object, a random one, or one as far from the image centre as the object). Each test re-runs a
claim under one alternative; the report says whether the verdict changes. The layer readings decide
the claims that name layers (C1, C2, C4, C6, C7), so those run under every reading; the background
regions re-run the claims at this cell that read the background (C4, C8, C18) and C6, which reads object
masks only, so the region must leave its numbers as they were; the other alternatives re-run the two
headline claims, C4 and C6.
"""
import pytest

from jepa_claims.claim.catalogue import evaluate
from jepa_claims.tables.probes import ALTERNATIVES, BACKGROUND_ALTERNATIVES, P3_BACKGROUND_BLIND, p3_claims, p3_conventions

CASES = [(claim, alternative) for alternative in ALTERNATIVES for claim in p3_claims(alternative)]

pytestmark = pytest.mark.probe(
    "P3", checkpoints=("ijepa_1k",), slices=("8x3",),
    other_claims="P3 re-runs the claims that name layers (C1, C2, C4, C6, C7) under every layer reading, and the two "
                 "headline claims (C4, C6) under each other alternative (C4, C6, C8, C18 under the background regions); every alternative recomputes the tables, so the "
                 "other claims keep the default conventions.")


@pytest.mark.parametrize("claim, alternative", CASES)
def test_convention_takes_effect_against_default_conventions(claim, alternative, store, checkpoint, slice_name, record_probe):
    """The alternative convention changes the measurement; whether the verdict changes is reported."""
    conv = p3_conventions(alternative, store.conv)
    if conv == store.conv:
        pytest.skip(f"this run's conventions (--convention) already are the {alternative} alternative")
    default = evaluate(claim, store, checkpoint, slice_name)
    other = evaluate(claim, store.variant(conv=conv), checkpoint, slice_name)
    same = other.passed == default.passed
    record_probe(claim, checkpoint, slice_name, other.passed,
                 f"under {alternative} {claim} {'holds' if other.passed else 'fails'} "
                 f"({'same verdict as' if same else 'DIFFERENT from'} the default): {other.statement}",
                 alternative=alternative)
    if alternative in BACKGROUND_ALTERNATIVES and claim in P3_BACKGROUND_BLIND:
        assert other.measured == pytest.approx(default.measured, rel=1e-6, abs=1e-9), \
            f"{alternative} changed {claim}, which reads object masks only: the background rule leaked into them"
    else:
        assert other.measured != default.measured, f"{alternative} changed no number of {claim}: the switch did not take effect"
