"""C8: "As object size increases, both the mean semantic advantage and the fraction of images where object
masks beat background controls increase, and the three-site group shows the strongest advantage over the
MLP-only pair in the largest bin" (section 3.4; Figure 4).

Images sorted by object token count (stable) and cut into three near-equal tertiles (`numpy.array_split`):
small, medium, large. Passes when (1) the advantage rises in order over the tertiles by the trend test
(Jonckheere-Terpstra on the per-image advantages); (2) triple minus pair rescue rises over the tertiles by the
same trend test and its mean is largest in the large tertile (one Holm family of these two tests, alpha 0.05);
(3) the win rate does not fall: the tau of the trend test on the per-image win indicators (advantage > 0: 1,
else 0) is >= 0. The paper says the win rate increases; that is not required, because at the win counts the
paper reports no test can show a rise: a slice where every image wins, which the semantic advantage's "nearly all" allows, sits at
the ceiling (the toy's 8x3 wins 24 of 24), and at the paper's 23 of 24 the most extreme arrangement, the one
loss in the small tertile, gives the trend test p = 0.66 (two-sided; three losses placed 2, 1, 0 still give
0.27). So the win rate's trend is shown with its p, and only a fall fails. What is tested as a trend over
independent groups: the advantage and triple minus pair, each by the Jonckheere-Terpstra test over the three
tertiles in order (images relabelled among independent groups); "largest in the largest bin" adds the large
tertile's mean being the largest, read from the means beside that test. Shown beside the family: the large
minus small tertile's advantage and triple minus pair's large minus small and large minus medium differences
(independent groups, BCa CI, permutation p; 8 against 8 images each, too few to decide the ordering pair by
pair), and the win-rate trend's p.
"""
from __future__ import annotations

import numpy as np
import pytest

from jepa_claims.claim.evidence import late_context, per_image_rescue
from jepa_claims.claim.source import TableSource
from jepa_claims.claim.unit import BACKGROUND_REGION, Claim, Headline, Untrained
from jepa_claims.claim.verdict import Verdict
from jepa_claims.stats.family import DEFAULT_ALPHA, Family
from jepa_claims.stats.groups import compare_independent, trend_test


def c8_size_strata(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """Across object-size tertiles (small, medium, large): the advantage rises in order (a Jonckheere-Terpstra trend
    test); triple - pair rises over the tertiles by the same test and its mean is largest in the large tertile (the
    pairwise large - small and large - medium tests are shown: 8 against 8 images). One Holm family of two. The win
    rate must not fall (its trend's tau >= 0, the test shown): the paper's "increase" is not required, because a
    slice where every image wins (as the semantic advantage's "nearly all" allows) sits at the ceiling, where no rise can be shown."""
    masks = source.table("masks", checkpoint, slice_name)
    size = masks[masks["mask"] == "object"].set_index("image_id")["tokens"].sort_values(kind="stable")
    late = late_context(source, checkpoint, slice_name)
    diff = (late["object"] - late["background"]).loc[size.index]
    gap = (per_image_rescue(source, checkpoint, slice_name, "triple") - per_image_rescue(source, checkpoint, slice_name, "pair")).loc[size.index]
    bins = np.array_split(np.arange(len(size)), 3)
    adv, won, tp = ([series.iloc[b].to_numpy() for b in bins] for series in (diff, (diff > 0).astype(float), gap))
    tests = Family(DEFAULT_ALPHA)
    tests.show("largest - smallest size tertile", compare_independent(adv[-1], adv[0]), "shown: the trend test decides")
    tests.add("advantage trend over size tertiles", trend_test(adv), "advantage rises")
    tests.add("triple - pair trend over size tertiles", trend_test(tp), "triple - pair largest in the largest")
    for i, name in enumerate(("small", "medium")):
        tests.show(f"triple - pair: large - {name} tertile", compare_independent(tp[-1], tp[i]), "shown: the trend test decides")
    win_trend = tests.show("win-rate trend over size tertiles", trend_test(won), "shown: the win rate must not fall (tau >= 0)")
    means = {k: [float(x.mean()) for x in v] for k, v in (("advantage_by_bin", adv), ("win_rate_by_bin", won), ("triple_minus_pair_by_bin", tp))}
    top = int(np.argmax(means["triple_minus_pair_by_bin"])) == len(bins) - 1
    conditions = {"advantage rises": tests.holds("advantage trend over size tertiles"), "win rate holds": win_trend.statistic >= 0,
                  "triple - pair largest in the largest": tests.holds("triple - pair trend over size tertiles") and top}
    return Verdict.of(conditions,
                      measured=means | {"bin_edges_tokens": [int(size.iloc[b].min()) for b in bins], "win_rate_tau": win_trend.statistic},
                      stats=tests.stats())


CLAIM = Claim(
    "C8",
    doc=__doc__,
    short="The advantage, its win rate and triple - pair rise with object size",
    sentences=("abstract.5", "3.4.3", "figure4.3", "4.5", "7.3"),
    figures=("figure4",),
    checkpoints=("ijepa_1k",), slices=("8x3",),
    reads=("masks", "rescue", "semantic"),
    check=c8_size_strata,
    headline=Headline("advantage_by_bin", None, "advantage, largest size bin"),
    untrained=Untrained("advantage_by_bin", expect="a smaller advantage in the largest size bin: untrained features know no objects"),
    planted=("ijepa_1k:size_flat",),
    rerun_under=(BACKGROUND_REGION,),
)
pytestmark = pytest.mark.claim(CLAIM)


def test_advantage_rises_with_object_size_against_paper(verdict):
    """Advantage and win rate rise with object size; triple minus pair is largest for the largest objects."""
    assert verdict.passed, verdict.statement
