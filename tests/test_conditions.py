"""Each condition of the C4, C11 and C12 checks fails alone on a planted table (issue: every condition shown to fail).

A case names the claim's cell, the knobs of tests/planted.py that make exactly one condition false,
and words of that condition's name: the verdict must fail, with that condition (and only it) not held
(`Verdict.conditions`), and its account in words must say so.
"""
import pytest

from claim_modules import evaluate
from planted import Planted

WINS_18_OF_24 = [0.1] * 18 + [-0.002] * 6  # clearly positive, but 75% wins: not "nearly all"
SMALL_WINS_BIG_LOSSES = [0.01] * 20 + [-0.2] * 4  # 83% wins, negative mean: the paired test says no
# object - matched-area rectangle per image (the generic rectangle keeps its planted truth)
RECT_MOSTLY_LOSING = [0.1] * 6 + [-0.001] * 6  # larger by the paired test (p = 2/64), but wins 6 of 12: not most
RECT_MOSTLY_WINNING = [0.01] * 8 + [-0.05] * 4  # wins 8 of 12, but smaller on average

CASES = {
    "C4 significance": ("C4", "ijepa_1k", "8x3", {"advantages": {"8x3": SMALL_WINS_BIG_LOSSES}}, "significant (CI above 0"),
    "C4 nearly all": ("C4", "ijepa_1k", "8x3", {"advantages": {"8x3": WINS_18_OF_24}}, "wins on nearly all images"),
    "C4 rectangles larger": ("C4", "ijepa_1k", "4x3", {"rect_gaps": {"4x3": RECT_MOSTLY_WINNING}}, "larger than the matched-area rectangle"),
    "C4 rectangles most": ("C4", "ijepa_1k", "4x3", {"rect_gaps": {"4x3": RECT_MOSTLY_LOSING}}, "wins on most images against the matched-area"),
    "C11 clean fit": ("C11", "ijepa_1k", "16x3", {"clean_proxy": 0.1}, "clean fit"),
    "C11 object > background": ("C11", "ijepa_1k", "16x3", {"background_proxy_share": 1.5}, "object > background"),
    "C11 restore": ("C11", "ijepa_1k", "16x3", {"proxy_levels": {"single": 0.36, "pair": 0.31, "triple": 0.31}},
                    "pair and triple restore"),
    "C11 beyond single": ("C11", "ijepa_1k", "16x3", {"proxy_levels": {"single": 0.1}}, "pair and triple > single"),
    "C12 equivalence": ("C12", "mae", "8x3", {"mae_noise": 0.4}, "half of I-JEPA 1k's advantage"),
    "C12 no sweep": ("C12", "mae", "8x3", {"mae_advantage": 0.005, "mae_noise": 0.002}, "wins below 80%"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_condition_fails_alone(case):
    """The planted table breaks this condition only: the verdict fails and says which condition did."""
    claim, checkpoint, slice_name, knobs, words = CASES[case]
    assert evaluate(claim, Planted(), checkpoint, slice_name).passed
    verdict = evaluate(claim, Planted(knobs), checkpoint, slice_name)
    failed = verdict.failed()
    assert not verdict.passed and len(failed) == 1 and words in failed[0], verdict.statement
    assert f"{failed[0]}: False" in verdict.statement and verdict.statement.count(": False") == 1, verdict.statement


def test_c4_significance_case_keeps_nearly_all_wins():
    """The significance case wins on 20 of 24 images (nearly all) while its paired test fails."""
    verdict = evaluate("C4", Planted(CASES["C4 significance"][3]), "ijepa_1k", "8x3")
    assert verdict.measured["wins"] == 20 and verdict.measured["advantage"] < 0
