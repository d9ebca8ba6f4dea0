"""C19: "We sweep this intervention across MLP intermediate states ('mlp.fc1'), attention output streams
('attn.proj'), and value streams to construct causal impact maps across depths and layer types" (appendix
A.1), "with attention.output and value streams contributing more narrowly at the very end of the stack"
(section 3.3).

The paper states no result for value streams beyond these words, so this tests the stated profile of their
context-only rescue (object masks) in the full-depth sweep. Passes when (1) the best value site rescues less
than the best MLP intermediate site (by the paired test: "more narrowly"), and (2) no value site before the
late attention blocks (30, 31) rescues more than 10% of the bottleneck's mean rescue (`NEUTRAL_SHARE`, as for the bottleneck:
whatever value streams do sits "at the very end"). P1 runs it untrained (effect: the best MLP site's rescue
minus the best value site's). Whether they contribute there at all is tested jointly with the attention
outputs in the semantic-excess claim, as the sentence groups them. Toy negative `ijepa_1k:value_relay`: an attention block just
before the bottleneck re-reads the accumulated global means through its value stream.
"""
from __future__ import annotations

import pytest

from jepa_claims.claim.evidence import NEUTRAL_SHARE, single_site_rescue, sweep_per_image
from jepa_claims.claim.source import TableSource
from jepa_claims.claim.unit import Claim, Headline, Untrained
from jepa_claims.claim.verdict import Verdict
from jepa_claims.stats.family import DEFAULT_ALPHA, Family
from jepa_claims.stats.paired import compare_paired


def c19_value_streams(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """The value stream's depth profile: its best site rescues less than the best MLP intermediate (by the paired test),
    and before the very end (the late attention blocks) no value site rescues more than NEUTRAL_SHARE of the bottleneck."""
    roles = source.roles(checkpoint)
    rescue, per_image = single_site_rescue(source, checkpoint, slice_name), sweep_per_image(source, checkpoint, slice_name)
    values = rescue[[s for s in rescue.index if s.endswith(".value")]]
    best_value, best_mlp = str(values.idxmax()), str(rescue[[s for s in rescue.index if s.endswith(".intermediate")]].idxmax())
    before = values[[s for s in values.index if int(s.split(".")[0]) < min(roles.late_attention)]]
    limit = NEUTRAL_SHARE.value * float(rescue[f"{roles.bottleneck}.intermediate"])
    tests = Family(DEFAULT_ALPHA)
    label = f"{best_mlp} - {best_value}"
    narrower = tests.add(label, compare_paired(per_image[best_mlp].to_numpy(), per_image[best_value].to_numpy()), "narrower")
    holds = {"narrower than the MLP (by the paired test)": tests.holds(label), "no value site above the limit before the very end": bool(before.max() <= limit)}
    return Verdict.of(holds,
                      measured={"value_best": float(values[best_value]), "value_before_end": float(before.max()),
                                "mlp_best": float(rescue[best_mlp]), "limit": limit, "mlp_over_value": narrower.mean_diff,
                                "value_by_block": {int(s.split(".")[0]): float(v) for s, v in values.items()}},
                      stats=tests.stats(), details={"best value site": best_value, "best MLP site": best_mlp})


CLAIM = Claim(
    "C19",
    doc=__doc__,
    short="Value streams contribute only narrowly, at the very end of the stack",
    sentences=("3.3.1", "A.1.3"),
    checkpoints=("ijepa_1k",), slices=("8x3",),
    reads=("sweep",),
    check=c19_value_streams,
    headline=Headline("value_best", None, "best value-stream rescue"),
    untrained=Untrained("mlp_over_value", expect="no gap between the best MLP and the best value-stream rescue: "
                                                 "untrained blocks route no repair through the MLP"),
    planted=("ijepa_1k:value_relay",),
    thresholds={"neutral_share": NEUTRAL_SHARE},
)
pytestmark = pytest.mark.claim(CLAIM)


def test_value_streams_narrow_and_at_the_end_against_paper(verdict):
    """Value streams rescue less than the MLP intermediates and, before the late attention blocks, next to nothing."""
    assert verdict.passed, verdict.statement
