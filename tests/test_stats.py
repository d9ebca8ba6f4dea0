"""Statistics behind the verdicts (lib/stats/paired.py, stats_groups.py): CIs, sign-flip tests, wins, Holm, comparisons."""
from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import scipy.stats

from jepa_claims.stats import paired as stats
from jepa_claims.stats.paired import bootstrap_ci, compare_paired, holm, paired_ordering, sign_flip_test, wins
from jepa_claims.stats.groups import compare_independent


def brute_force_sign_flip(d: np.ndarray) -> float:
    """Two-sided exact sign-flip p by enumerating all 2^n sign vectors: P(|mean| >= |observed|)."""
    d = np.asarray(d, dtype=float)
    observed = abs(d.mean())
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=d.size)))
    null = np.abs((signs * d).mean(axis=1))
    return float(np.mean(null >= observed * (1 - 1e-12)))


# ---- bootstrap -------------------------------------------------------------------------------

def test_bootstrap_ci_positive_sample_excludes_zero():
    """A clearly positive sample: the CI holds the mean and lies above 0."""
    x = np.random.default_rng(1).normal(0.12, 0.05, size=24)
    ci = bootstrap_ci(x)
    assert ci.method == "BCa" and ci.n == 24 and ci.n_resamples == 10_000
    assert ci.low < x.mean() < ci.high and ci.contains(x.mean())
    assert ci.low > 0 and ci.excludes_zero


def test_bootstrap_ci_symmetric_sample_includes_zero():
    """A sample symmetric about 0 gives a CI around 0."""
    x = np.array([-3.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0])
    ci = bootstrap_ci(x)
    assert ci.estimate == 0.0 and ci.low < 0 < ci.high and not ci.excludes_zero


def test_bootstrap_ci_is_deterministic_and_seeded():
    """Same seed, same interval; another seed moves it slightly."""
    x = np.random.default_rng(2).exponential(size=30)
    assert bootstrap_ci(x, seed=3) == bootstrap_ci(x, seed=3)
    assert bootstrap_ci(x, seed=3) != bootstrap_ci(x, seed=4)


def test_bootstrap_ci_wider_at_lower_confidence_is_narrower():
    """A 99% interval contains the 90% one."""
    x = np.random.default_rng(5).normal(size=20)
    wide, narrow = bootstrap_ci(x, confidence=0.99), bootstrap_ci(x, confidence=0.90)
    assert wide.low < narrow.low < narrow.high < wide.high


@pytest.mark.parametrize("values", [[0.3], [0.2, 0.2, 0.2], np.full(12, -1.5)])
def test_bootstrap_ci_degenerate_data_gives_point_interval(values):
    """n = 1 or constant data: [value, value], flagged degenerate, no NaN, no warning."""
    with np.errstate(all="raise"):
        ci = bootstrap_ci(values)
    v = float(np.mean(values))
    assert (ci.low, ci.estimate, ci.high) == (v, v, v)
    assert ci.degenerate and ci.method == "degenerate"


def test_bootstrap_ci_falls_back_to_percentile_when_bca_is_undefined(monkeypatch):
    """If scipy's BCa interval comes back NaN, the percentile interval of the same resamples is used."""
    real = scipy.stats.bootstrap

    def nan_bca(*args, **kwargs):
        res = real(*args, **kwargs)
        if kwargs.get("method") == "BCa":
            res.confidence_interval = type(res.confidence_interval)(np.nan, np.nan)
        return res

    monkeypatch.setattr(scipy.stats, "bootstrap", nan_bca)
    x = np.arange(10.0)
    ci = bootstrap_ci(x)
    assert ci.method == "percentile" and ci.low < x.mean() < ci.high


@pytest.mark.parametrize("bad", [[], [1.0, np.nan], [np.inf, 1.0]])
def test_bootstrap_ci_rejects_empty_and_non_finite(bad):
    """Empty or non-finite input is a caller bug, not a silent NaN."""
    with pytest.raises(ValueError):
        bootstrap_ci(bad)


# ---- sign flip -------------------------------------------------------------------------------

def test_sign_flip_all_positive_n12_is_exactly_the_floor():
    """12 of 12 positive: exact p = 2 / 4096 = the smallest attainable (0.00049)."""
    r = sign_flip_test(np.linspace(0.05, 0.3, 12))
    assert r.exact and r.n == 12 and r.n_resamples == 4096
    assert r.p == 2 / 4096 == r.min_attainable_p
    assert round(r.min_attainable_p, 5) == 0.00049


def test_sign_flip_11_of_12_with_the_smallest_loss():
    """11 wins and a loss smaller than every win: p = 4/4096 < 0.001; a larger loss: 6/4096 > 0.001."""
    smallest = np.r_[np.arange(1.0, 12.0), -0.5]
    assert sign_flip_test(smallest).p == 4 / 4096 < 0.001
    second = np.r_[np.arange(1.0, 12.0), -1.5]  # larger than the win of 1 only
    assert sign_flip_test(second).p == 6 / 4096 > 0.001


@pytest.mark.parametrize("seed", range(4))
def test_sign_flip_exact_matches_brute_force(seed):
    """Exact path equals itertools enumeration for n = 10, mixed signs and a tie in magnitude."""
    rng = np.random.default_rng(seed)
    d = rng.normal(0.3, 1.0, size=10)
    d[3] = -d[7]
    r = sign_flip_test(d)
    assert r.exact and r.n_resamples == 1024 and r.min_attainable_p == 2 / 1024
    assert r.p == pytest.approx(brute_force_sign_flip(d), abs=1e-12)


@pytest.mark.parametrize("n", [2, 5, 9, 13])
def test_sign_flip_exact_matches_scipy_enumeration(n):
    """On small n the meet-in-the-middle p equals scipy.stats.permutation_test's own exact enumeration."""
    d = np.random.default_rng(n).normal(0.2, 1.0, size=n)
    reference = scipy.stats.permutation_test((d,), np.mean, permutation_type="samples", vectorized=True, axis=-1,
                                             n_resamples=2**n, alternative="two-sided")
    assert sign_flip_test(d).p == pytest.approx(reference.pvalue, rel=1e-12)


def test_sign_flip_is_exact_up_to_40_and_matches_brute_force_at_24():
    """n = 24 (the 8x3 slices) is enumerated exactly and equals a brute-force count of all 2^24 sign vectors;
    n = 40 is still exact; all positive sits at the floor 2 / 2^n."""
    d = np.random.default_rng(24).normal(0.05, 0.3, size=24)
    r = sign_flip_test(d)
    assert r.exact and r.n_resamples == 2**24 and r.min_attainable_p == 2 / 2**24
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=12)))  # every sign vector of 12 items
    high, low = signs @ d[:12], signs @ d[12:]
    reaching = sum(int(np.count_nonzero(np.abs(h + low[None, :]) >= abs(d.sum()) * (1 - 1e-12)))
                   for h in np.array_split(high[:, None], 8))  # all 2^24 sums, 8 chunks of 2^21
    assert r.p == reaching / 2**24
    forty = sign_flip_test(np.linspace(0.1, 1.0, 40))
    assert forty.exact and forty.p == 2 / 2**40 == forty.min_attainable_p


def test_sign_flip_resampled_beyond_40_with_a_floor_far_below_every_threshold():
    """n = 48 (16x3): 2^20 random sign vectors; the floor lies far below p < 0.001 after Holm over 7 tests."""
    r = sign_flip_test(np.linspace(0.1, 1.0, 48))
    assert not r.exact and r.n_resamples == stats.MC_RESAMPLES == 2**20
    assert r.p == r.min_attainable_p == 1 / (2**20 + 1)
    assert r.min_attainable_p < (0.001 / 7) / 100


def test_sign_flip_resampled_close_to_exact():
    """Where both are possible, resampled p is close to the exact one (n = 14, exact limit lowered)."""
    d = np.random.default_rng(7).normal(0.25, 1.0, size=14)
    exact = sign_flip_test(d)
    approx = sign_flip_test(d, exact_max_n=10, n_resamples=2**16)
    assert exact.exact and not approx.exact
    assert approx.p == pytest.approx(exact.p, abs=0.005)


def test_sign_flip_at_n_24_and_48_is_fast():
    """The exact n = 24 and resampled n = 48 tests each take well under a second (they run for every cell)."""
    import time

    d = np.random.default_rng(0).normal(0.1, 0.5, size=48)
    for n in (24, 40, 48):
        start = time.perf_counter()
        sign_flip_test(d[:n])
        assert time.perf_counter() - start < 2.0, f"n = {n}"


def test_sign_flip_null_and_edge_cases():
    """All-zero differences give p = 1; a single pair gives p = 1 (two equally likely signs)."""
    assert sign_flip_test(np.zeros(6)).p == 1.0
    one = sign_flip_test([0.4])
    assert (one.p, one.n, one.exact) == (1.0, 1, True)
    with pytest.raises(ValueError):
        sign_flip_test([])


def test_sign_flip_is_deterministic_and_symmetric():
    """Same seed, same p; flipping every sign leaves the two-sided p unchanged."""
    d = np.random.default_rng(8).normal(0.2, 1.0, size=30)
    assert sign_flip_test(d, seed=1) == sign_flip_test(d, seed=1)
    assert sign_flip_test(-d, seed=1).p == sign_flip_test(d, seed=1).p


# ---- wins ------------------------------------------------------------------------------------

def test_wins_counts_strictly_greater_and_reports_ties():
    """Ties are not wins; they are counted apart; losses are the rest."""
    w = wins([3, 2, 5, 1, 4], [1, 2, 6, 0, 4])
    assert (w.wins, w.ties, w.losses, w.n) == (2, 2, 1, 5)
    assert str(w) == "2 / 5"
    with pytest.raises(ValueError):
        wins([1, 2], [1])


# ---- Holm ------------------------------------------------------------------------------------

def test_holm_hand_example():
    """Sorted 0.005, 0.01, 0.03, 0.04 scale by 4, 3, 2, 1 to 0.02, 0.03, 0.06, 0.04 -> max-so-far 0.06."""
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    assert isinstance(adjusted, np.ndarray)
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_mapping_keeps_keys_and_caps_at_one():
    """A mapping comes back as a dict with the same keys in the same order; values cap at 1."""
    adjusted = holm({"4x3": 0.0005, "8x3": 0.0001, "voc8x3": 0.6, "16x3": 0.4})
    assert list(adjusted) == ["4x3", "8x3", "voc8x3", "16x3"]
    # sorted 0.0001, 0.0005, 0.4, 0.6 scale by 4, 3, 2, 1; the last is lifted to the running max
    assert adjusted == pytest.approx({"4x3": 0.0015, "8x3": 0.0004, "voc8x3": 0.8, "16x3": 0.8})
    assert holm([0.6, 0.7]) == pytest.approx([1.0, 1.0])  # 1.2 and 0.7 -> capped, then max


def test_holm_is_monotone_and_never_below_raw():
    """Adjusted p follows the order of raw p, is >= raw, <= 1, and Bonferroni bounds it above."""
    p = np.random.default_rng(9).uniform(0, 0.2, size=25)
    adjusted = holm(p)
    order = np.argsort(p)
    assert np.all(np.diff(adjusted[order]) >= 0)
    assert np.all(adjusted >= p) and np.all(adjusted <= np.minimum(1.0, p * p.size) + 1e-15)
    assert holm([0.2]) == pytest.approx([0.2])


def test_holm_rejects_non_p_values():
    """Values outside [0, 1] or NaN are refused."""
    for bad in ([0.1, 1.5], [np.nan], [-0.1]):
        with pytest.raises(ValueError):
            holm(bad)


# ---- paired comparisons ----------------------------------------------------------------------

def test_paired_ordering_triple_minus_pair():
    """P4-style ordering: per-image difference, CI, exact p and wins agree with each other."""
    rng = np.random.default_rng(10)
    pair = rng.uniform(0.15, 0.2, size=12)
    triple = pair + rng.uniform(0.002, 0.02, size=12)
    r = paired_ordering(triple, pair)
    assert r.n == 12 and r.mean_diff == pytest.approx(float(np.mean(triple - pair)))
    assert r.ci.low > 0 and r.test.exact and r.test.p == 2 / 4096
    assert (r.wins.wins, r.wins.n) == (12, 12)


def test_compare_paired_fields_are_consistent():
    """Comparison's fields agree with the pieces computed separately, and it serialises to JSON."""
    rng = np.random.default_rng(11)
    bg = rng.normal(0.10, 0.02, size=24)
    obj = bg + rng.normal(0.14, 0.05, size=24)
    c = compare_paired(obj, bg, seed=0)
    assert c.n == 24 and c.mean_a == pytest.approx(obj.mean()) and c.mean_b == pytest.approx(bg.mean())
    assert c.mean_diff == pytest.approx(c.mean_a - c.mean_b)
    assert c.ci_low < c.mean_diff < c.ci_high and c.ci_excludes_zero
    ci = bootstrap_ci(obj - bg, seed=0)
    assert (c.ci_low, c.ci_high, c.ci_method) == (ci.low, ci.high, ci.method)
    test = sign_flip_test(obj - bg, seed=0)
    assert (c.p, c.p_exact, c.min_attainable_p, c.n_permutations) == (
        test.p, test.exact, test.min_attainable_p, test.n_resamples)
    assert c.wins == wins(obj, bg).wins and c.ties == 0
    d = c.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert {"n", "mean_a", "mean_b", "mean_diff", "ci_low", "ci_high", "p", "p_exact",
            "min_attainable_p", "wins"} <= set(d)


def test_compare_paired_no_effect_is_not_significant():
    """Pure noise: the CI covers 0 and p is large (a test that can fail)."""
    rng = np.random.default_rng(12)
    a, b = rng.normal(size=24), rng.normal(size=24)
    a = a - (a - b).mean()  # exactly zero mean difference
    c = compare_paired(a, b)
    assert not c.ci_excludes_zero and c.p > 0.5


def test_compare_paired_rejects_mismatched_lengths():
    """Paired data of different lengths is an error, not a silent truncation."""
    with pytest.raises(ValueError):
        compare_paired([1.0, 2.0, 3.0], [1.0, 2.0])


def test_module_uses_paper_resampling_counts():
    """Bootstrap: the paper's 10,000 samples (section 2.4); sign flip exact on every slice up to 12x3 (n = 36)."""
    assert stats.BOOTSTRAP_RESAMPLES == 10_000 and stats.PERMUTATIONS == 20_000
    assert stats.EXACT_MAX_N >= 36 and stats.MC_RESAMPLES >= 2**20


def test_independent_groups_exact_p_equals_every_relabelling():
    """Two groups of 4: scipy's exact p is the share of the 70 relabellings at least as extreme (two-sided)."""
    a, b = np.array([2.0, 2.5, 3.1, 2.2]), np.array([1.0, 1.4, 2.1, 0.7])
    pooled = np.concatenate([a, b])
    observed = a.mean() - b.mean()
    gaps = [pooled[list(i)].mean() - np.delete(pooled, list(i)).mean() for i in itertools.combinations(range(8), 4)]
    one_sided = min(np.mean(np.array(gaps) >= observed - 1e-12), np.mean(np.array(gaps) <= observed + 1e-12))
    result = compare_independent(a, b)
    assert result.p_exact and result.n_permutations == 70
    assert result.p == pytest.approx(min(1.0, 2 * one_sided))
    assert result.min_attainable_p == pytest.approx(2 / 70)
    assert result.ci_low < observed < result.ci_high and result.mean_diff == pytest.approx(observed)


def test_independent_groups_beyond_the_budget_are_resampled():
    """16 + 16 images have 601 million relabellings: p comes from 20,000 random ones and says so."""
    rng = np.random.default_rng(1)
    result = compare_independent(rng.normal(0.5, 1, 16), rng.normal(0, 1, 16))
    assert not result.p_exact and result.n_permutations == stats.PERMUTATIONS
    assert result.min_attainable_p == pytest.approx(2 / (stats.PERMUTATIONS + 1))
