"""C14: "Patching the layer-29 MLP intermediate state (context-only) yields strong late context rescue and
substantially reduces drift toward the clean final representation" (section 3.1).

The final output's global drift per image, masked and with the bottleneck patched context-only. Passes when
(1) masked minus patched drift is positive by the paired test (as every direction here: the claimed sign, CI
above 0, Holm within the verdict, alpha 0.05, since the paper states no threshold for these comparisons), and
(2) the mean fraction of the final drift removed is at least 0.2 (`SUBSTANTIAL_FINAL`: the final output counts
the masked tokens, which a context-only patch leaves corrupted, so the bound sits well below Table 2's
late-window fraction 0.44). The late window's strong rescue is the bottleneck's and the late pathway's claims'.
"""
from __future__ import annotations

import pytest

from jepa_claims.claim.evidence import pathway_series
from jepa_claims.claim.source import TableSource
from jepa_claims.claim.unit import Claim, Headline, Threshold, Untrained
from jepa_claims.claim.verdict import Verdict
from jepa_claims.stats.family import DEFAULT_ALPHA, Family
from jepa_claims.stats.paired import compare_paired

SUBSTANTIAL_FINAL = Threshold(0.2, '"substantially reduces drift toward the clean final representation": at least a fifth of the final output\'s drift removed. The final output counts the masked tokens too, which a context-only patch leaves corrupted, so the bound sits well below Table 2\'s late-window context fraction (0.44 on 8x3)')


def c14_final_state(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """Context-only patching of the bottleneck lowers the final output's drift (by the paired test) by at least a fifth."""
    masked = pathway_series(source, checkpoint, slice_name, "single", "context", "final_drift_masked")
    patched = pathway_series(source, checkpoint, slice_name, "single", "context", "final_drift_patched")
    fraction = float(pathway_series(source, checkpoint, slice_name, "single", "context", "final_rescue_fraction").mean())
    tests = Family(DEFAULT_ALPHA)
    versus = tests.add("masked - patched final drift", compare_paired(masked.to_numpy(), patched.to_numpy()), "lowered")
    lowers, substantial = tests.holds("masked - patched final drift"), fraction >= SUBSTANTIAL_FINAL.value
    return Verdict.of({"lowered (by the paired test)": lowers, f"mean fraction removed >= {SUBSTANTIAL_FINAL.value}": substantial},
                      measured={"final_rescue": versus.mean_diff, "final_rescue_fraction": fraction,
                                "final_drift_masked": float(masked.mean()), "final_drift_patched": float(patched.mean())},
                      stats=tests.stats())


CLAIM = Claim(
    "C14",
    doc=__doc__,
    short="Context-only bottleneck patching substantially reduces the final output's drift",
    sentences=("abstract.3", "figure1.2", "3.1.5", "4.18"),
    checkpoints=("ijepa_1k",), slices=("8x3",),
    reads=("pathway",),
    check=c14_final_state,
    headline=Headline("final_rescue_fraction", None, "final-output drift removed (fraction)"),
    untrained=Untrained("final_rescue", expect="a smaller final-output rescue: untrained blocks carry no learned repair"),
    planted=("ijepa_1k:bottleneck_elsewhere",),
    thresholds={"substantial_final": SUBSTANTIAL_FINAL},
)
pytestmark = pytest.mark.claim(CLAIM)


def test_bottleneck_patch_restores_the_final_output_against_paper(verdict):
    """Context-only patching of the bottleneck lowers the final output's drift from the clean one, by at least a fifth."""
    assert verdict.passed, verdict.statement
