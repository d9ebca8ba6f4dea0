"""C2: "Patching the layer-29 MLP intermediate state (context-only) yields strong late context rescue ...,
while many attention outputs at similar depths are neutral or even harmful" (section 3.1).

The late sites are the paper's late layers 28-32 read as blocks 28-31 (`Roles.late_sites`), every site type
(MLP intermediate, attention output, value stream): 11 sites besides `29.intermediate`. Per image,
context-only rescue of each. Passes when (1) `29.intermediate` beats every other late site by the paired test
(bottleneck minus site, by a test), and (2) at least 2 late attention outputs (`N.attn.out`;
`MIN_NEUTRAL_SITES`) are neutral or harmful: the site's rescue minus 10% of the bottleneck's
(`NEUTRAL_SHARE`), per image, is below 0 by the paired test. The rule asks for evidence of neutrality (a
rescue shown below 10% of the bottleneck's), not for the absence of evidence of a rescue: a noisy site is not
counted neutral. One Holm family of 15 tests (11 + 4), alpha 0.05; the first recorded test is the bottleneck
against the site with the next largest mean. Each condition fails alone on a planted table, one of them with
the bottleneck's mean still the largest (`tests/test_conditions_each.py`).
"""
from __future__ import annotations

import pytest

from jepa_claims.claim.evidence import NEUTRAL_SHARE, sweep_per_image, table2_rescue
from jepa_claims.claim.source import TableSource
from jepa_claims.claim.unit import LAYER_READING, Claim, Headline, Threshold, Untrained
from jepa_claims.claim.verdict import Verdict
from jepa_claims.paper import values as pv
from jepa_claims.stats.family import DEFAULT_ALPHA, Family
from jepa_claims.stats.paired import compare_paired

MIN_NEUTRAL_SITES = Threshold(2, '"many attention outputs": at least two')


def c2_bottleneck(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """The bottleneck MLP intermediate beats every other single late site (every site type) by a paired test;
    at least MIN_NEUTRAL_SITES late attention outputs are neutral or harmful: their per-image rescue is below
    NEUTRAL_SHARE of the bottleneck's by a paired test. One Holm family over all of these tests."""
    roles = source.roles(checkpoint)
    per_image = sweep_per_image(source, checkpoint, slice_name)
    late = [s for s in per_image.columns if int(s.split(".")[0]) in roles.late_sites]
    bottleneck = f"{roles.bottleneck}.intermediate"
    attention = [s for s in late if s.endswith("attn.out")]
    tests = Family(DEFAULT_ALPHA)
    best, means = per_image[bottleneck].to_numpy(), per_image[late].mean()
    for site in means.drop(bottleneck).sort_values(ascending=False).index:  # the runner-up's test first: the cell's p
        tests.add(f"{bottleneck} - {site}", compare_paired(best, per_image[site].to_numpy()), "bottleneck best")
    for site in attention:
        tests.add(f"{site} - {NEUTRAL_SHARE.value:.0%} of {bottleneck}", compare_paired(per_image[site].to_numpy(), NEUTRAL_SHARE.value * best),
                  "attention neutral", sign=-1)
    beaten = [s for s in late if s != bottleneck and tests.holds(f"{bottleneck} - {s}")]
    neutral = [s for s in attention if tests.holds(f"{s} - {NEUTRAL_SHARE.value:.0%} of {bottleneck}")]
    best_beats_all, many_neutral = len(beaten) == len(late) - 1, len(neutral) >= MIN_NEUTRAL_SITES.value
    return Verdict.of({f"{bottleneck} beats every other late site by a paired test": best_beats_all,
                       f"at least {MIN_NEUTRAL_SITES.value} attention outputs neutral or harmful": many_neutral},
                      measured={"bottleneck_rescue": float(means[bottleneck]), "sites_beaten": len(beaten),
                                "late_sites_other": len(late) - 1, "neutral_attention": len(neutral),
                                "best_other_site": means.drop(bottleneck).idxmax()},
                      paper={"bottleneck": f"{pv.BOTTLENECK_BLOCK}.intermediate"} | table2_rescue(slice_name, pv.SINGLE, "bottleneck_rescue"),
                      stats=tests.stats(), details={"neutral or harmful attention outputs": neutral})


CLAIM = Claim(
    "C2",
    doc=__doc__,
    short="The block-29 MLP intermediate is the best single late site; late attention outputs are neutral or harmful",
    sentences=("abstract.3", "figure1.2", "3.1.4", "3.1.5", "3.1.6", "3.6.20", "4.2", "4.18", "4.20", "7.1", "A.1.3"),
    checkpoints=("ijepa_1k",), slices=("8x3",),
    reads=("sweep",),
    check=c2_bottleneck,
    headline=Headline("bottleneck_rescue", "bottleneck_rescue", "bottleneck MLP rescue"),
    untrained=Untrained("bottleneck_rescue", expect="a smaller bottleneck rescue: untrained weights route no repair through the bottleneck MLP"),
    planted=("ijepa_1k:bottleneck_elsewhere", "ijepa_1k:attention_everywhere"),
    thresholds={"neutral_share": NEUTRAL_SHARE, "min_neutral_sites": MIN_NEUTRAL_SITES},
    paper_cells=lambda ck, sl: [f"table2/{sl}/{pv.SINGLE}/rescue"],
    rerun_under=(LAYER_READING,),
)
pytestmark = pytest.mark.claim(CLAIM)


def test_bottleneck_is_best_single_late_site_against_paper(verdict):
    """The bottleneck MLP intermediate is the best single late site; several late attention outputs are neutral or harmful."""
    assert verdict.passed, verdict.statement
