"""C5: "Figure 2 summarizes this strict semantic advantage and shows that it persists and slightly strengthens
as we scale to 12 classes" (section 3.2; Table 1: 4x3 +0.1179, 12x3 +0.1451, 16x3 +0.1501).

One cell that reads three slices (disjoint images). Passes when (1) the advantage persists: it is significant
on 4x3, 12x3 and 16x3 (as the semantic advantage: mean > 0, CI lower bound > 0, p < 0.001, the paper's per-slice statement,
unadjusted); (2) it "slightly strengthens", tested as the direction of the point estimates with
non-significance allowed: the 12x3 and the 16x3 advantages each exceed 4x3's (the estimate of the
independent-groups difference) and the trend test's tau over the three slices (4x3, 12x3, 16x3 in that order)
is positive. The two differences' CIs and p and the trend test's p are recorded beside the verdict, not
required. Why: the paper claims a slight rise (+0.027 and +0.032 on 12 against 36 and 48 images, per-image
spreads near 0.1), which no test at these sizes can resolve; requiring significance would test a stronger
claim than the paper's. This is the one direction of the catalogue decided by estimates, and the verdict's
statement says so. Each condition fails alone on a planted table (`tests/test_conditions_each.py`).
"""
from __future__ import annotations

import pytest

from jepa_claims.claim.evidence import advantage, per_image_advantage, significant
from jepa_claims.claim.source import TableSource
from jepa_claims.claim.unit import Claim, Headline, Untrained
from jepa_claims.claim.verdict import Verdict
from jepa_claims.paper import values as pv
from jepa_claims.stats.family import DEFAULT_ALPHA, Family
from jepa_claims.stats.groups import compare_independent, trend_test

PERSIST_SLICES = ("4x3", "12x3", "16x3")  # the slices whose advantages it compares, smallest first
SLIGHT_RISE = "shown: 'slightly strengthens' is decided by the sign of the estimates, significance not required"


def c5_persists(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """The advantage persists: significant on 4x3, 12x3 and 16x3 as the paper states it (CI above 0, p < 0.001 per
    slice, as the semantic advantage). It "slightly strengthens": tested as the direction of the point estimates, non-significance
    allowed. The 12x3 and 16x3 advantages each exceed 4x3's in the estimate of the independent-groups difference,
    and the trend over the three slices has a positive tau; their CIs and the trend test's p are recorded, not
    required. Why not a significant trend: the paper claims a slight rise (+0.027 and +0.032 on 12 against 36 and
    48 images, with per-image spreads near 0.1), which no test at this n can resolve; requiring significance
    would test a stronger claim than the paper makes. This is the one direction in the catalogue decided by
    estimates, and the verdict says so."""
    tests = {s: advantage(source, checkpoint, s) for s in reversed(PERSIST_SLICES)}  # the largest slice is the headline test
    adv = {s: tests[s].mean_diff for s in PERSIST_SLICES}
    persists = all(significant(c) for c in tests.values())
    rise = Family(DEFAULT_ALPHA)  # every test here is shown: "slightly" asks for the direction of the estimates
    trend = rise.show("advantage trend over slices", trend_test([per_image_advantage(source, checkpoint, s) for s in PERSIST_SLICES]),
                      SLIGHT_RISE)
    steps = {s: rise.show(f"advantage {s} - {PERSIST_SLICES[0]}", compare_independent(per_image_advantage(source, checkpoint, s),
                          per_image_advantage(source, checkpoint, PERSIST_SLICES[0])), SLIGHT_RISE) for s in PERSIST_SLICES[1:]}
    strengthens = trend.statistic > 0 and all(t.mean_diff > 0 for t in steps.values())
    return Verdict.of({"significant on every slice": persists, "strengthens": strengthens},
                      measured=adv | {"trend_tau": trend.statistic}, paper={s: pv.TABLE1[s]["advantage"].value for s in adv},
                      stats={f"object - background ({s})": c.to_dict() for s, c in tests.items()} | rise.stats())


CLAIM = Claim(
    "C5",
    doc=__doc__,
    short="The semantic advantage persists and slightly strengthens from 4x3 to 12x3 and 16x3",
    sentences=("figure2.3", "3.2.8"),
    figures=("figure2",),
    checkpoints=("ijepa_1k",), slices=("4x3",),
    reads_slices=PERSIST_SLICES,
    reads=("semantic",),
    check=c5_persists,
    headline=Headline("16x3", "16x3", "advantage on 16x3"),
    untrained=Untrained("16x3", expect="a smaller advantage on the largest slice: untrained features know no objects, so none persists"),
    planted=("ijepa_1k:hue_neutral",),
    paper_cells=lambda ck, sl: [f"table1/{s}/advantage" for s in PERSIST_SLICES],
)
pytestmark = pytest.mark.claim(CLAIM)


def test_advantage_persists_across_slices_against_paper(verdict):
    """The semantic advantage stays positive and is no smaller on 12x3 and 16x3 than on 4x3."""
    assert verdict.passed, verdict.statement
