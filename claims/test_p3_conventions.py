"""P3 convention sensitivity (beyond the paper).

The paper leaves several readings implicit (docs/conventions.md): how its layer numbers index the network (the
layer reading: which block a site such as "31.attn.out" is, which hidden states "layers 30-31" are),
the fill of masked patches ("zeroed in pixel space"), the normalisation (the processor's
mean = std = 0.5 versus ImageNet's, used in I-JEPA training), and which trimap pixels are object
(1 and 3, or 1 only), and which zero-overlap region is the background control (the one farthest from
the object, a random one, or one as far from the image centre as the object). Each test re-runs a
claim under one alternative; the report says whether the verdict changes. Each claim names the groups of
alternatives it is rerun under (`Claim.rerun_under`): the layer readings for the claims that name layers,
the background regions for those that read the background control (and a claim that reads no background
row, `reads_background=False`, whose numbers the region must leave exactly as they were), the fill,
normalisation and patch labels for the headline claims.
"""
import pytest

from jepa_claims.claim.unit import Probe
from jepa_claims.suite.plan import p3_claims
from jepa_claims.suite.plugin import suite_catalogue
from jepa_claims.tables.probes import ALTERNATIVES, BACKGROUND_ALTERNATIVES, p3_conventions

PROBE = Probe(
    "P3", "convention sensitivity: layer indexing, fill, normalisation, patch-label rule, background region",
    doc=__doc__,
    sentences=("abstract.4", "4.5", "B.3"),
    checkpoints=("ijepa_1k",), slices=("8x3",), reruns_conventions=True,
    other_claims='P3 reruns each claim under the groups of alternatives its rerun_under names; every alternative recomputes the tables, so the other claims keep the default conventions.',
    badges=("holds under an alternative", "fails under an alternative"),
)
pytestmark = pytest.mark.probe(PROBE)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """(claim, alternative): every claim of the suite under each alternative of the groups it names."""
    if "alternative" in metafunc.fixturenames:
        claims = suite_catalogue(metafunc.config)
        cases = [(claim, alternative) for alternative in ALTERNATIVES for claim in p3_claims(claims, alternative)]
        metafunc.parametrize(("claim", "alternative"), cases, ids=[f"{c.id}-{a}" for c, a in cases])


def test_convention_takes_effect_against_default_conventions(claim, alternative, store, checkpoint, slice_name, record_probe):
    """The alternative convention changes the measurement; whether the verdict changes is reported."""
    conv = p3_conventions(alternative, store.conv)
    if conv == store.conv:
        pytest.skip(f"this run's conventions (--convention) already are the {alternative} alternative")
    default = claim.evaluate(store, checkpoint, slice_name)
    other = claim.evaluate(store.variant(conv=conv), checkpoint, slice_name)
    same = other.passed == default.passed
    record_probe(claim.id, checkpoint, slice_name, other.passed,
                 f"under {alternative} {claim.id} {'holds' if other.passed else 'fails'} "
                 f"({'same verdict as' if same else 'DIFFERENT from'} the default): {other.statement}",
                 alternative=alternative)
    if alternative in BACKGROUND_ALTERNATIVES and not claim.reads_background:
        assert other.measured == pytest.approx(default.measured, rel=1e-6, abs=1e-9), \
            f"{alternative} changed {claim.id}, which reads object masks only: the background rule leaked into them"
    else:
        assert other.measured != default.measured, f"{alternative} changed no number of {claim.id}: the switch did not take effect"
