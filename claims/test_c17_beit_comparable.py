"""C17: "BEiT shows a strong correlational semantic effect (+0.2601, 23/24 wins), comparable to or larger than
JEPA's drift-level advantage" (section 4; Table 3).

Per image of the slice, BEiT's object-minus-background late context drift minus I-JEPA 1k's, on the same
images. Passes when I-JEPA's mean advantage is positive and that difference plus 25% of it is above 0 by the
paired test (`COMPARABLE_SHARE`: a non-inferiority test; "comparable" allows BEiT to be a little smaller, "or
larger" anything above). BEiT's own strong advantage is the cross-family claim's. P1 runs it untrained (both families untrained;
effect: the difference plus the margin).
"""
from __future__ import annotations

import pandas as pd
import pytest

from jepa_claims.claim.evidence import late_context
from jepa_claims.claim.source import TableSource
from jepa_claims.claim.unit import Claim, Headline, Threshold, Untrained
from jepa_claims.claim.verdict import Verdict
from jepa_claims.paper import values as pv
from jepa_claims.stats.family import DEFAULT_ALPHA, Family
from jepa_claims.stats.paired import compare_paired

COMPARABLE_SHARE = Threshold(0.25, '"comparable to or larger than JEPA\'s drift-level advantage": BEiT\'s per-image advantage minus I-JEPA 1k\'s on the same images is not below -25% of I-JEPA\'s mean advantage at its 95% CI lower bound')


def c17_beit_comparable(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """Non-inferiority: BEiT's per-image advantage minus I-JEPA 1k's on the same images, plus 25% of I-JEPA's mean
    advantage, is above 0 by the paired test (I-JEPA's advantage must be positive for the margin to mean anything)."""
    advantages = {}
    for ck in (checkpoint, "ijepa_1k"):
        late = late_context(source, ck, slice_name)
        advantages[ck] = late["object"] - late["background"]
    both = pd.DataFrame(advantages).dropna()
    margin = COMPARABLE_SHARE.value * float(both["ijepa_1k"].mean())
    label = f"BEiT - I-JEPA 1k advantage + {COMPARABLE_SHARE.value:.0%} of I-JEPA's"
    tests = Family(DEFAULT_ALPHA)
    versus = tests.add(label, compare_paired(both[checkpoint].to_numpy() + margin, both["ijepa_1k"].to_numpy()), "comparable or larger")
    passed = margin > 0 and tests.holds(label)
    return Verdict.of({f"not smaller beyond {COMPARABLE_SHARE.value:.0%} of I-JEPA's advantage": passed},
                      measured={"beit_minus_ijepa": versus.mean_diff - margin, "above_margin": versus.mean_diff,
                                "beit_advantage": float(both[checkpoint].mean()), "ijepa_advantage": float(both["ijepa_1k"].mean()),
                                "margin": margin},
                      paper={"beit_advantage": pv.TABLE3["beit"]["advantage"].value,
                             "ijepa_advantage": pv.TABLE3["ijepa_1k"]["advantage"].value},
                      stats=tests.stats(), details={"shared images": len(both)})


CLAIM = Claim(
    "C17",
    doc=__doc__,
    short="BEiT's semantic advantage is comparable to or larger than I-JEPA's",
    sentences=("4.16",),
    checkpoints=("beit",), slices=("8x3",),
    reads_checkpoints=("ijepa_1k",),
    reads=("semantic",),
    check=c17_beit_comparable,
    headline=Headline("beit_minus_ijepa", None, "BEiT - I-JEPA advantage"),
    untrained=Untrained("above_margin", expect="BEiT's advantage no longer above the line at -25% of I-JEPA's: untrained "
                                               "features of either family know no objects"),
    planted=("beit:no_object_signal",),
    thresholds={"comparable_share": COMPARABLE_SHARE},
)
pytestmark = pytest.mark.claim(CLAIM)


def test_beit_advantage_comparable_to_or_larger_than_ijepa_against_paper(verdict):
    """BEiT's per-image advantage is not smaller than I-JEPA 1k's beyond a quarter of I-JEPA's advantage."""
    assert verdict.passed, verdict.statement
