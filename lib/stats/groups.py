"""Comparisons across independent groups of images: a difference of two groups' means, an ordered trend.

The budgets, seed and input checks are those of lib/stats/paired.py, so every CI and p of the record
is made the same way; only the resampling differs, images being relabelled among groups, not paired:

- Two independent groups (the largest vs the smallest object-size tertile): the bootstrap resamples
  each group, and `permutation_test(permutation_type='independent')` relabels images, exactly while
  the relabellings fit the same budget.
- Ordered trend over independent groups (the advantage over size bins, or over slices): the
  Jonckheere-Terpstra statistic, written as a Kendall-type tau (concordant minus discordant pairs
  across groups, over all such pairs; -1..1), with `permutation_test(permutation_type='independent')`
  relabelling images among the groups, exactly while the relabellings fit the budget. scipy has no
  Jonckheere-Terpstra test; its `kendalltau` against the group index is the same statistic but only
  with an asymptotic p.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import scipy.stats

from jepa_claims.stats.paired import (
    BOOTSTRAP_RESAMPLES, EXACT_LIMIT, PERMUTATIONS, SEED, MeanDifference, bca_interval, finite_1d, seeded,
)


@dataclass(frozen=True)
class GroupComparison(MeanDifference):
    """Two independent groups of images (the largest vs the smallest size tertile)."""

    n_a: int
    n_b: int


@dataclass(frozen=True)
class Trend:
    """An ordered trend across independent groups, smallest first (Jonckheere-Terpstra, as a tau)."""

    n: int
    group_sizes: list[int]
    group_means: list[float]
    statistic: float  # (concordant - discordant) / pairs across groups: +1 every later group's values above
    p: float
    p_exact: bool
    min_attainable_p: float
    n_permutations: int
    test: str = "Jonckheere-Terpstra (permutation)"

    def to_dict(self) -> dict:
        """Plain JSON-ready dict of every field."""
        return asdict(self)


@dataclass(frozen=True)
class _Relabelled:
    """A two-sided permutation test over relabellings of images among groups, with how it was got."""

    statistic: float
    p: float
    exact: bool
    used: int  # relabellings behind p
    floor: float  # smallest p this test can return


def _relabel(xs: Sequence[np.ndarray], statistic, n_permutations: int, exact_limit: int, seed: int,
             **options) -> _Relabelled:
    """scipy's independent permutation test of statistic: every relabelling while they fit the budget, else random ones."""
    sizes = [int(x.size) for x in xs]
    relabellings = math.factorial(sum(sizes)) // math.prod(math.factorial(k) for k in sizes)
    exact = relabellings <= max(exact_limit, n_permutations)
    test = scipy.stats.permutation_test(
        xs, statistic, permutation_type="independent", vectorized=True, axis=-1, alternative="two-sided",
        n_resamples=relabellings if exact else n_permutations, **options, **seeded(scipy.stats.permutation_test, seed))
    used = int(np.size(test.null_distribution))
    floor = min(1.0, 2.0 / relabellings) if exact else 2.0 / (used + 1)
    return _Relabelled(float(test.statistic), float(test.pvalue), exact, used, floor)


def _mean_gap(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    """mean(a) - mean(b) along axis (vectorised for scipy's resamplers)."""
    return np.mean(a, axis=axis) - np.mean(b, axis=axis)


def compare_independent(a, b, n_resamples: int = BOOTSTRAP_RESAMPLES, n_permutations: int = PERMUTATIONS,
                        exact_limit: int = EXACT_LIMIT, confidence: float = 0.95, seed: int = SEED) -> GroupComparison:
    """mean(a) - mean(b) of two independent groups: BCa bootstrap CI (each group resampled) and a two-sided
    permutation p over relabellings, exact while they fit the budget (8 + 8 images: 12,870)."""
    x, y = finite_1d(a, "a"), finite_1d(b, "b")
    method, low, high = bca_interval((x, y), _mean_gap, n_resamples, confidence, seed)
    test = _relabel((x, y), _mean_gap, n_permutations, exact_limit, seed)
    return GroupComparison(
        n=int(x.size + y.size), mean_a=float(x.mean()), mean_b=float(y.mean()), mean_diff=float(x.mean() - y.mean()),
        ci_low=low, ci_high=high, p=test.p, p_exact=test.exact, min_attainable_p=test.floor,
        confidence=confidence, ci_method=method, n_resamples=n_resamples, n_permutations=test.used,
        n_a=int(x.size), n_b=int(y.size),
    )


def _jonckheere(*groups, axis: int = -1) -> np.ndarray:
    """(concordant - discordant) / pairs over every pair of groups in order, vectorised over leading axes."""
    groups = [np.moveaxis(g, axis, -1) for g in groups]
    total, pairs = 0.0, 0
    for i, lower in enumerate(groups):
        for upper in groups[i + 1:]:
            total = total + np.sign(upper[..., None, :] - lower[..., :, None]).sum(axis=(-2, -1))
            pairs += lower.shape[-1] * upper.shape[-1]
    return total / pairs


def trend_test(groups: Sequence, n_permutations: int = PERMUTATIONS, exact_limit: int = EXACT_LIMIT,
               seed: int = SEED) -> Trend:
    """Two-sided Jonckheere-Terpstra test of an ordered trend across independent groups (smallest group first)."""
    xs = [finite_1d(g, f"group {i}") for i, g in enumerate(groups)]
    test = _relabel(xs, _jonckheere, n_permutations, exact_limit, seed, batch=500)
    return Trend(n=sum(int(x.size) for x in xs), group_sizes=[int(x.size) for x in xs],
                 group_means=[float(x.mean()) for x in xs], statistic=test.statistic, p=test.p, p_exact=test.exact,
                 min_attainable_p=test.floor, n_permutations=test.used)
