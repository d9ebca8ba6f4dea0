"""P2 MAE masking artifact (beyond the paper).

"MAE shows essentially no object-over-background advantage on this benchmark" (section 3.6, Table 3).
Hugging Face's ViTMAEModel masks 75% of the tokens at random and shuffles them on every forward unless
`mask_ratio = 0`; a token-wise drift on the default config compares different patches. This probe
measures what such a pipeline reports, beside the suite's default (mask_ratio 0, no shuffle).
"""
import pytest

from jepa_claims.claim.unit import Probe
from jepa_claims.stats.paired import compare_paired

PROBE = Probe(
    "P2", 'MAE masking artifact: the MAE claim with mask_ratio=0 versus the Hugging Face default',
    doc=__doc__,
    sentences=("3.6.18", "4.13"),
    checkpoints=("mae",), slices=("8x3",), reads=("mae_default",), reads_claims=("C12",),
    other_claims="P2 bears on the MAE half of the cross-family claim only: no other claim runs Hugging Face's random masking.",
    badges=("holds at mask_ratio 0", "fails at mask_ratio 0"),
)
pytestmark = pytest.mark.probe(PROBE)


def test_default_masking_moves_identical_inputs_against_mask_ratio_zero(store, catalogue, checkpoint, slice_name, record_probe):
    """Under HF's default masking two forwards of the same clean image already drift; with mask_ratio 0 they do not."""
    table = store.table("mae_default", checkpoint, slice_name)
    late = table.pivot(index="image_id", columns="mask", values="late_global_drift")
    artifact = compare_paired(late["object"].to_numpy(), late["background"].to_numpy())
    ours = catalogue.get("C12").evaluate(store, checkpoint, slice_name)
    noise = float(table["clean_vs_clean_drift"].mean())
    record_probe("C12", checkpoint, slice_name, ours.passed,
                 f"On HF defaults two forwards of the same clean image differ by late drift {noise:.4f}, so the "
                 f"object-background comparison measures shuffling noise (advantage {artifact.mean_diff:+.4f}, "
                 f"wins {artifact.wins}/{artifact.n}); with mask_ratio 0 the advantage is "
                 f"{ours.measured['advantage']:+.4f} and the cross-family claim's MAE verdict {'holds' if ours.passed else 'fails'}.",
                 clean_vs_clean_drift=noise, artifact_advantage=artifact.mean_diff, advantage=ours.measured["advantage"])
    assert noise > 1e-3, f"HF default masking no longer perturbs identical inputs (late drift {noise:.2e})"
