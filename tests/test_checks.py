"""Every claim's verdict passes on planted tables where the claim holds and fails where it is false.

| claim | planted falsehood (knob)                                     |
|-------|--------------------------------------------------------------|
| C1    | onset_layer=10: large squares reach onset before the window  |
| C2    | attention_rescue=0.2: an attention output beats the MLP      |
| C3    | masked_share=1.5: masked-only beats context-only             |
| C4    | advantage_scale=-1: background beats object                  |
| C5    | large_slice_scale=0.5: the advantage weakens on 12x3, 16x3   |
| C6    | triple_deficit=0.06: the triple falls below the pair          |
| C7    | peak_block=3: the rescue peaks early                         |
| C8    | advantage_scale=-1: advantage falls with size                |
| C9    | panel_medium_deficit=0.1: the pair wins at medium budget     |
| C10   | advantage_scale=-1: 22k object loses to background           |
| C11   | background_proxy_share=1.5: background degrades the proxy more |
| C12   | mae_advantage=0.1: MAE shows an advantage                    |
| C13   | unequal_budget=3: background budgets differ from object ones |
| C14   | final_share=0.1: the bottleneck removes a tenth of the final drift |
| C15   | masked-only rescue 0.06: it removes a quarter of the drift   |
| C16   | pathway_rescue triple = single: late attention adds nothing   |
| C17   | BEiT's advantage 0.05 against I-JEPA's 0.12                  |
| C18   | excess 30.attn.out 0.1: an attention output carries the most |
| C19   | value_by_block {20: 0.02}: a mid-stack value stream rescues   |

Each condition of C14 onwards fails alone in tests/test_text_claims.py.
"""
import pytest

from claim_modules import CLAIMS, evaluate
from planted import Planted

CASES = {
    "C1": ("ijepa_1k", "4x3", {"onset_layer": 10}),
    "C2": ("ijepa_1k", "8x3", {"attention_rescue": 0.2}),
    "C3": ("ijepa_1k", "4x3", {"masked_share": 1.5}),
    "C4": ("ijepa_1k", "8x3", {"advantage_scale": -1.0}),
    "C5": ("ijepa_1k", "4x3", {"large_slice_scale": 0.5}),
    "C6": ("ijepa_1k", "8x3", {"triple_deficit": 0.06}),
    "C7": ("ijepa_1k", "8x3", {"peak_block": 3}),
    "C8": ("ijepa_1k", "8x3", {"advantage_scale": -1.0}),
    "C9": ("ijepa_1k", "8x3", {"panel_medium_deficit": 0.1}),
    "C10": ("ijepa_22k", "8x3", {"advantage_scale": -1.0}),
    "C11": ("ijepa_1k", "16x3", {"background_proxy_share": 1.5}),
    "C12": ("mae", "8x3", {"mae_advantage": 0.1}),
    "C13": ("ijepa_1k", "4x3", {"unequal_budget": 3}),
    "C14": ("ijepa_1k", "8x3", {"final_share": 0.1}),
    "C15": ("ijepa_1k", "8x3", {"pathway_rescue": {("single", "masked"): 0.06}}),
    "C16": ("ijepa_1k", "8x3", {"pathway_rescue": {("triple", "context"): 0.15}}),
    "C17": ("beit", "8x3", {"advantages": {("beit", "8x3"): [0.05] * 24}}),
    "C18": ("ijepa_1k", "8x3", {"excess": {"30.attn.out": 0.1}}),
    "C19": ("ijepa_1k", "8x3", {"value_by_block": {20: 0.02}}),
}


def test_every_claim_has_a_planted_falsehood():
    """No claim escapes the fail-where-false check."""
    assert list(CASES) == CLAIMS.ids()


@pytest.mark.parametrize("claim", list(CASES))
def test_verdict_passes_on_planted_truth(claim):
    """With the claim planted true, its verdict passes."""
    checkpoint, slice_name, _ = CASES[claim]
    verdict = evaluate(claim, Planted(), checkpoint, slice_name)
    assert verdict.passed, verdict.statement


@pytest.mark.parametrize("claim", list(CASES))
def test_verdict_fails_on_planted_falsehood(claim):
    """With the claim planted false, its verdict fails."""
    checkpoint, slice_name, knobs = CASES[claim]
    verdict = evaluate(claim, Planted(knobs), checkpoint, slice_name)
    assert not verdict.passed, verdict.statement


def test_beit_needs_a_significant_advantage():
    """C12 on BEiT fails when its advantage vanishes."""
    assert evaluate("C12", Planted(), "beit", "8x3").passed
    assert not evaluate("C12", Planted({"advantage_scale": 0.0}), "beit", "8x3").passed


def test_c4_on_4x3_also_needs_the_rectangles_beaten():
    """On 4x3, C4 also compares object masks with both rectangle controls."""
    verdict = evaluate("C4", Planted(), "ijepa_1k", "4x3")
    assert verdict.passed and {"bg_rect", "rect"} <= set(verdict.measured)


NO_TEST = {"C1", "C13"}  # a layer window and an exact equality: no sampling test


@pytest.mark.parametrize("claim", list(CASES))
def test_every_verdict_carries_a_paired_test_or_says_why_not(claim):
    """The matrix cell gets a CI and p from the verdict's first paired test, or the reason there is none."""
    checkpoint, slice_name, _ = CASES[claim]
    stats = evaluate(claim, Planted(), checkpoint, slice_name).stats
    tests = [t for t in stats.values() if isinstance(t, dict)]
    if claim in NO_TEST:
        assert not tests and len(stats["no_test"]) > 20
    else:
        # the first test is the cell's (a difference with its CI); a trend test (C5, C8) carries its tau instead
        assert tests and {"mean_diff", "ci_low", "ci_high", "p", "n"} <= set(tests[0])
        assert all({"p", "n"} <= set(t) and ({"mean_diff", "ci_low", "ci_high"} <= set(t) or "statistic" in t) for t in tests)


@pytest.mark.parametrize(("claim", "checkpoint"), [("C6", "ijepa_1k"), ("C10", "ijepa_22k")])
def test_p4_orders_every_step_against_planted_truth(claim, checkpoint):
    """P4: triple - pair and pair - single are both tested per image; both CIs lie above 0 when planted so."""
    stats = evaluate(claim, Planted(), checkpoint, "8x3").stats
    for step in ("triple - pair", "pair - single"):
        assert stats[step]["mean_diff"] > 0 and stats[step]["ci_low"] > 0, step


def test_p4_pair_below_single_fails_c6_and_shows_in_its_test():
    """With the pair planted below the single site, C6 fails and P4's pair - single difference is negative."""
    verdict = evaluate("C6", Planted({"pair_deficit": 0.04}), "ijepa_1k", "8x3")
    assert not verdict.passed
    assert verdict.stats["pair - single"]["mean_diff"] < 0 < verdict.stats["triple - pair"]["mean_diff"]


def test_c7_test_is_the_difference_its_cell_reports():
    """C7's paired test uses the sites the verdict chose from the means: its mean is peak - early third."""
    verdict = evaluate("C7", Planted(), "ijepa_1k", "8x3")
    expected = verdict.measured["peak"] - verdict.measured["early"]
    assert verdict.stats["peak block - early third"]["mean_diff"] == pytest.approx(expected, abs=1e-12)


def test_c8_tests_the_rise_with_size_between_independent_tertiles():
    """C8's test compares the largest with the smallest size tertile (different images: not paired)."""
    rising = evaluate("C8", Planted(), "ijepa_1k", "8x3").stats["largest - smallest size tertile"]
    falling = evaluate("C8", Planted({"advantage_scale": -1.0}), "ijepa_1k", "8x3").stats["largest - smallest size tertile"]
    assert rising["n_a"] == rising["n_b"] == 8 and rising["p_exact"]
    assert rising["ci_low"] > 0 and rising["p"] < 0.01
    assert falling["ci_high"] < 0
