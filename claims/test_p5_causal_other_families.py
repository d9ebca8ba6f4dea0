"""P5 the causal protocol on MAE and BEiT (the paper's stated future work).

"Our causal mapping (late MLP bottleneck plus nonredundant attention) is so far unique to JEPA;
extending the same patching protocol to MAE and BEiT would clarify whether a similar late repair
pathway exists for those objectives" (section 5). Roles are the same relative positions at depth 12:
bottleneck MLP at block 9, late attention at blocks 10 and 11.
"""
import pytest

from jepa_claims.checks import evaluate

pytestmark = pytest.mark.probe("P5", checkpoints=("mae", "beit"), slices=("8x3",))


def test_late_pathway_is_unique_to_jepa_against_other_families(store, checkpoint, slice_name, record_probe):
    """The triple > pair > single late pathway (C6) does not also appear in MAE or BEiT."""
    pathway = evaluate("C6", store, checkpoint, slice_name)
    context = evaluate("C3", store, checkpoint, slice_name)
    record_probe("C6", checkpoint, slice_name, pathway.passed,
                 f"on {checkpoint} the late pathway ordering {'also holds' if pathway.passed else 'does not hold'} "
                 f"({pathway.statement}); context-dominant repair (C3) {'holds' if context.passed else 'fails'}.",
                 context_dominant=context.passed)
    assert not pathway.passed, f"the late pathway is not unique to JEPA: on {checkpoint} {pathway.statement}"
