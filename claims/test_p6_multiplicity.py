"""P6 multiplicity (beyond the paper).

"paired sign-flip tests are significant (p < 0.001) in every slice we tested" (section 3.2). The paper
tests five slices and two more checkpoints without correction; this probe applies Holm's step-down
correction across every semantic-advantage test of the run that claims an advantage: I-JEPA 1k on every
slice, and I-JEPA 22k and BEiT on 8x3 (MAE's claim is the absence of one).
"""
import pytest

from jepa_claims.claim.evidence import advantage
from jepa_claims.claim.unit import Probe
from jepa_claims.paper import values as pv
from jepa_claims.stats.paired import holm

OTHER_CHECKPOINTS = {"ijepa_22k": "8x3", "beit": "8x3"}  # Table 3 / section 3.6: one slice each

PROBE = Probe(
    "P6", "multiplicity: Holm correction across slices and checkpoints",
    doc=__doc__,
    sentences=("2.4.4", "3.2.9"),
    checkpoints=("ijepa_1k", *OTHER_CHECKPOINTS), slices=pv.SLICES,
    other_claims="P6 bears on the claims of significance: the semantic advantage's 'p < 0.001 in every slice', and the advantages of the second checkpoint and of BEiT in the same family. Separately, every p of the matrix (these included) gets Holm across the cells of its own claim.",
)
pytestmark = [
    pytest.mark.xdist_group("ijepa_1k"),
    pytest.mark.probe(PROBE),
]



def _family(world) -> list[tuple[str, str]]:
    """(checkpoint, slice) of every advantage test in this run's selection."""
    keys = [c.key for c in world.checkpoints]
    family = [("ijepa_1k", s) for s in world.slices] if "ijepa_1k" in keys else []
    return family + [(ck, sl) for ck, sl in OTHER_CHECKPOINTS.items() if ck in keys and sl in world.slices]


def test_semantic_advantage_survives_holm_against_paper(store, world, record_property):
    """After Holm correction across slices and checkpoints, every claimed semantic advantage stays below p = 0.001."""
    family = _family(world)
    if not family:
        pytest.skip("no checkpoint with a claimed advantage selected in this run")
    raw = {f"{ck} {sl}": advantage(store, ck, sl).p for ck, sl in family}
    adjusted = holm(raw)
    record_property("probe", {"probe": "P6", "claim": "C4", "checkpoint": ",".join(sorted({ck for ck, _ in family})),
                              "slice": ",".join(sorted({sl for _, sl in family})),
                              "holds": all(p < pv.P_THRESHOLD.value for p in adjusted.values()),
                              "sentence": f"Holm over {len(raw)} advantage tests: "
                                          + ", ".join(f"{k} {adjusted[k]:.2g} (raw {raw[k]:.2g})" for k in raw),
                              "measured": {"raw": raw, "holm": adjusted}})
    failing = {k: p for k, p in adjusted.items() if p >= pv.P_THRESHOLD.value}
    assert not failing, f"not significant after Holm correction: {failing}"
