"""How a verdict's directions are decided (lib/stats/family.py) and the trend test behind C5 and C8.

A direction holds only with the claimed sign, the CI on that side, and the Holm-adjusted p below
alpha; Holm runs over the deciding tests only; the trend test is Jonckheere-Terpstra by relabelling.
"""
import numpy as np
import pytest
import scipy.stats

from jepa_claims.roles import Roles
from jepa_claims.stats.family import DEFAULT_ALPHA, PAPER_ALPHA, Family
from jepa_claims.stats.paired import compare_paired, holm
from jepa_claims.stats.groups import compare_independent, trend_test

RNG = np.random.default_rng(3)
BASE = RNG.normal(0.0, 1.0, 24)


def _paired(shift: float, noise: float = 0.3):
    """A paired comparison of BASE + shift (+ noise) against BASE."""
    return compare_paired(BASE + shift + noise * RNG.standard_normal(24), BASE)


def test_alphas_name_their_source():
    assert PAPER_ALPHA.value == 0.001 and "p < 0.001" in PAPER_ALPHA.wording
    assert DEFAULT_ALPHA.value == 0.05 and "no threshold" in DEFAULT_ALPHA.wording


def test_direction_needs_sign_ci_and_holm_p():
    tests = Family(DEFAULT_ALPHA)
    tests.add("clear", _paired(0.5), "up")
    tests.add("wrong way", _paired(-0.5), "up")
    tests.add("claimed down", _paired(-0.5), "down", sign=-1)
    tests.add("noise", _paired(0.0), "up")
    assert tests.holds("clear") and tests.holds("claimed down")
    assert not tests.holds("wrong way") and not tests.holds("noise")


def test_holm_over_the_deciding_tests_only():
    """A test significant alone (0.0125 < p < 0.05) fails once four deciding tests share the family; shown tests do not count."""
    differences = np.r_[[0.2] * 17, [-0.2] * 7] + np.linspace(-0.01, 0.01, 24)  # 17 of 24 up
    borderline = compare_paired(differences, np.zeros(24))
    assert 0.0125 < borderline.p < 0.05 and borderline.ci_low > 0
    alone = Family(DEFAULT_ALPHA)
    alone.add("b", borderline, "up")
    for i in range(3):
        alone.show(f"shown {i}", _paired(0.0), "shown")
    assert alone.holds("b") and alone.adjusted() == {"b": borderline.p}
    crowded = Family(DEFAULT_ALPHA)
    crowded.add("b", borderline, "up")
    for i in range(3):
        crowded.add(f"other {i}", _paired(0.0), "up")
    assert not crowded.holds("b")
    assert crowded.adjusted() == holm({label: crowded._entries[label].test.p for label in crowded.deciding()})


def test_stats_record_what_each_test_decides():
    tests = Family(DEFAULT_ALPHA)
    tests.add("a", _paired(0.5), "up")
    tests.show("s", _paired(0.5), "shown: context")
    stats = tests.stats()
    assert stats["a"]["decides"] == "up" and stats["a"]["holm_family_size"] == 1 and stats["a"]["holds"] is True
    assert stats["a"]["alpha"] == 0.05 and stats["a"]["holm_p"] == stats["a"]["p"]
    assert stats["s"]["decides"] is None and "holm_p" not in stats["s"]
    with pytest.raises(ValueError):
        tests.holds("s")
    with pytest.raises(ValueError):
        tests.add("a", _paired(0.1), "up")


def test_trend_test_matches_kendall_tau_against_the_group_index():
    """The statistic is Kendall's tau-a across groups; the permutation p agrees with scipy's asymptotic one."""
    groups = [RNG.normal(mu, 1.0, 8) for mu in (0.0, 0.4, 0.8)]
    result = trend_test(groups)
    index, values = np.repeat([0, 1, 2], 8), np.concatenate(groups)
    concordant = sum(np.sign(index[j] - index[i]) * np.sign(values[j] - values[i])
                     for i in range(24) for j in range(i + 1, 24) if index[i] != index[j])
    assert result.statistic == pytest.approx(concordant / (3 * 64))
    assert result.p == pytest.approx(scipy.stats.kendalltau(index, values).pvalue, abs=0.02)


def test_trend_test_is_exact_on_small_groups_and_two_sided():
    rising = trend_test([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert rising.p_exact and rising.statistic == 1.0 and rising.p == pytest.approx(2 / 90)  # 90 relabellings
    falling = trend_test([[5.0, 6.0], [3.0, 4.0], [1.0, 2.0]])
    assert falling.statistic == -1.0 and falling.p == rising.p


def test_independent_difference_is_not_a_trend():
    """Two groups: the trend's p is the rank test's, the difference of means has its own CI (both recorded)."""
    a, b = RNG.normal(0.0, 1.0, 8), RNG.normal(1.0, 1.0, 8)
    assert trend_test([a, b]).statistic > 0 and compare_independent(b, a).mean_diff > 0


def test_late_sites_are_the_papers_late_layers():
    """C2 competes the sites of the paper's late layers 28-32, read as blocks 28-31 at depth 32."""
    assert Roles.for_depth(32).late_sites == (28, 29, 30, 31)
    assert Roles.for_depth(21).late_sites == (17, 18, 19, 20)
