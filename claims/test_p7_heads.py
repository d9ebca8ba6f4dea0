"""P7 the late pathway down to attention heads (the paper's stated next step).

"one could perform denser late-layer and submodule sweeps, or attempt to decompose the identified pathway
into more fine-grained attention heads and MLP features" (section 6). Each head of the late attention
blocks (its slice of the attention output before the output projection, e.g. `30.attn.head3`) is patched
context-only, alone and added to the bottleneck MLP (29.intermediate). A head carries the triple's gain over
the MLP-only pair when the bottleneck with this one head beats the pair: a paired test per head over the
images, Holm-adjusted over every late head at alpha 0.05. The bottleneck with all late heads must rescue
exactly what the triple does (the heads partition the attention outputs), else the probe fails.
"""
import pytest

from jepa_claims.claim.heads import head_findings
from jepa_claims.claim.unit import Probe

PROBE = Probe(
    "P7", "the late pathway down to attention heads (the paper's stated next step)",
    doc=__doc__,
    checkpoints=("ijepa_1k",), slices=("8x3",), reads=("heads",),
    other_claims='P7 decomposes the late attention of the three-site group into heads on the main cell; the other claims name no attention head.',
    badges=("a single head carries the triple's gain", "no single head carries the triple's gain"),
)
pytestmark = [
    pytest.mark.xdist_group("ijepa_1k"),
    pytest.mark.probe(PROBE),
]
PARTITION_TOLERANCE = 1e-5  # float32 rounding of the same patched run done two ways


def _sentence(report) -> str:
    """What the report says of the heads, in one sentence."""
    carriers = ", ".join(report.carriers) or "no single head"
    best = max(report.heads, key=lambda h: h.over_pair)
    return (f"{carriers} carries the triple's gain over the pair ({report.triple_over_pair:+.4f}): the bottleneck with "
            f"{best.site} gives {best.over_pair:+.4f} over the pair (Holm p {best.holm_p:.2g}; alone {best.alone:.4f}, "
            f"gain over the bottleneck {best.gain:+.4f}), over {len(report.heads)} heads of the late attention blocks.")


def test_heads_carrying_the_triples_gain_against_the_pair(store, checkpoint, slice_name, record_probe):
    """Which late attention heads carry the triple's gain over the pair is reported; the heads must add up to the triple."""
    report = head_findings(store, checkpoint, slice_name)
    record_probe("C6", checkpoint, slice_name, bool(report.carriers), _sentence(report), carriers=list(report.carriers),
                 triple_over_pair=report.triple_over_pair, partition_error=report.partition_error, heads=report.recorded())
    assert report.partition_error <= PARTITION_TOLERANCE, (
        f"the bottleneck with every late head rescues up to {report.partition_error:.3g} away from the triple: "
        "the head sites do not partition the attention outputs")


def test_p7_finds_the_planted_head_against_toy_truth(store, world, checkpoint, slice_name, record_probe):
    """On the toy world, the heads P7 reports are exactly the heads the toy's weights plant (lib/toy/models.py)."""
    source = world.checkpoint(checkpoint).source
    if world.name != "toy" or not source.startswith("toy:"):
        pytest.skip("the planted truth is known on the toy world only")
    from jepa_claims.toy.models import planted_heads

    planted = planted_heads(source.removeprefix("toy:"))
    found = head_findings(store, checkpoint, slice_name).carriers
    record_probe(None, checkpoint, slice_name, found == planted,
                 f"planted {', '.join(planted) or 'none'}; P7 found {', '.join(found) or 'none'}", planted=list(planted))
    assert found == planted, f"P7 found {found}, the toy plants {planted}"
