"""P5 the causal protocol on MAE and BEiT (the paper's stated future work).

"Our causal mapping (late MLP bottleneck plus nonredundant attention) is so far unique to JEPA;
extending the same patching protocol to MAE and BEiT would clarify whether a similar late repair
pathway exists for those objectives" (section 5). Roles are the same relative positions at depth 12:
bottleneck MLP at block 9, late attention at blocks 10 and 11.
"""
import pytest

from jepa_claims.claim.unit import Probe

PROBE = Probe(
    "P5", "the causal protocol on MAE and BEiT (the paper's stated future work)",
    doc=__doc__,
    sentences=("table3.3", "4.19", "5.7"),
    checkpoints=("mae", "beit"), slices=("8x3",), reads_claims=("C6", "C3"),
    other_claims="P5 asks whether the late pathway's ordering (and the context-dominant repair) appears on MAE and BEiT; the other claims concern I-JEPA's depth schedule and data, or are the cross-family claim itself.",
    badges=("holds on this family", "absent on this family"),
)
pytestmark = pytest.mark.probe(PROBE)


def test_causal_protocol_runs_on_other_families_against_ijepa(store, catalogue, checkpoint, slice_name, record_probe):
    """The late groups are patched on MAE and BEiT as on I-JEPA; whether the late pathway's ordering appears is reported."""
    pathway = catalogue.get("C6").evaluate(store, checkpoint, slice_name)
    context = catalogue.get("C3").evaluate(store, checkpoint, slice_name)
    record_probe("C6", checkpoint, slice_name, pathway.passed,
                 f"on {checkpoint} the late pathway ordering {'also holds' if pathway.passed else 'does not hold'} "
                 f"({pathway.statement}); context-dominant repair {'holds' if context.passed else 'fails'}.",
                 context_dominant=context.passed)
    table = store.table("rescue", checkpoint, slice_name)
    assert set(table["mode"]) == {"context", "masked"} and table["sites"].nunique() == 3
    # A finding needs a protocol that ran: patches that never reached the model would leave every rescue at 0.
    moved = table.groupby("sites")["rescue"].apply(lambda r: bool((r.abs() > 0).any()))
    assert moved.all(), f"patching {list(moved.index[~moved])} on {checkpoint} changed no late drift: the patch did not take effect"
