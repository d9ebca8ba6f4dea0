"""Statistics behind the claim verdicts: bootstrap CIs, paired sign-flip tests, wins, Holm.

The paper (section 2.4) reports bootstrap 95% CIs from 10,000 resamples and paired sign-flip tests
from 20,000 permutations, and claims "p < 0.001 in every slice". Choices made here, all recorded in
the result objects so the report can state them:

- Bootstrap: `scipy.stats.bootstrap` of the mean, method BCa (scipy's default; corrects the
  percentile interval for bias and skew, which matters for 12-48 images). Where BCa is undefined it
  falls back to the percentile interval of the same resamples; n = 1 or constant data give a
  degenerate interval [value, value], flagged `degenerate`.
- Sign flip: two-sided, over the 2^n sign vectors of the paired differences. Exact up to
  n = EXACT_MAX_N = 40 (every slice but 16x3: 12, 24, 36 images) by meet in the middle: the 2^(n/2)
  signed sums of each half, one half sorted, the pairs whose total reaches the observed |sum|
  counted by binary search (n = 40: 2 x 2^20 sums, well under a second). scipy's
  `permutation_test` enumerates in Python and stops being practical near n = 20; it is the reference
  the tests check this against on small n, with a brute-force enumeration. Beyond n = 40,
  MC_RESAMPLES = 2^20 random sign vectors (vectorised in chunks): the Monte Carlo floor 1 / (2^20 + 1)
  = 9.5e-7 lies 150x below the strictest threshold a p meets (p < 0.001 after Holm over P6's 7 tests,
  i.e. raw p < 1.4e-4), and the resampling s.e. there is under 9% of it. The paper's 20,000 flips
  would put the floor at 1e-4, next to that threshold. An exact two-sided test cannot go below
  2 / 2^n (n = 12 gives 0.00049), so that floor is returned beside p, and `exact` says
  which p were enumerated.
- Wins count strict a > b; ties are not wins (they are counted separately).
- Independent groups (size tertiles, slices): lib/stats/groups.py, which draws
  on the budgets, seed and helpers below.
- Holm: scipy has no family-wise correction (`false_discovery_control` offers only BH/BY FDR),
  so the step-down adjustment is written out below in three vectorised lines.
"""
from __future__ import annotations

import inspect
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import overload

import numpy as np
import scipy.stats

BOOTSTRAP_RESAMPLES = 10_000  # paper, section 2.4
PERMUTATIONS = 20_000  # paper, section 2.4: the independent-groups test beyond its exact budget (the paired one uses MC_RESAMPLES)
EXACT_LIMIT = 2**16  # most relabellings of two independent groups enumerated exactly (scipy enumerates in Python)
EXACT_MAX_N = 40  # paired sign-flip: all 2^n sign vectors enumerated up to n = 40 (meet in the middle)
MC_RESAMPLES = 2**20  # paired sign-flip beyond EXACT_MAX_N: random sign vectors (floor 9.5e-7)
MC_CHUNK = 2**15  # random sign vectors drawn at a time (chunk x n int8 signs)
SEED = 0  # every resampler is seeded: a rerun gives the same CI and p


@dataclass(frozen=True)
class CI:
    """A bootstrap confidence interval of the mean, with how it was made."""

    estimate: float
    low: float
    high: float
    confidence: float
    method: str  # "BCa", "percentile" (BCa undefined) or "degenerate" (n < 2 or constant data)
    n: int
    n_resamples: int

    @property
    def degenerate(self) -> bool:
        """True when the data could not be resampled meaningfully (n < 2 or all values equal)."""
        return self.method == "degenerate"

    def contains(self, x: float) -> bool:
        """Whether x lies in the closed interval."""
        return self.low <= x <= self.high

    @property
    def excludes_zero(self) -> bool:
        """Whether 0 lies outside the interval (a degenerate interval at 0 does not exclude it)."""
        return not self.contains(0.0)


@dataclass(frozen=True)
class SignFlip:
    """A paired two-sided sign-flip test of mean difference = 0."""

    p: float
    exact: bool  # True: all 2^n sign vectors enumerated; False: n_resamples random ones
    n: int
    n_resamples: int  # sign vectors behind p (2^n when exact)
    min_attainable_p: float  # smallest p this test can return (exact: 2 / 2^n)
    statistic: float  # the observed mean difference


@dataclass(frozen=True)
class Wins:
    """How many pairs have a > b strictly; ties are not wins and are counted apart."""

    wins: int
    n: int
    ties: int = 0

    @property
    def losses(self) -> int:
        """Pairs with a < b."""
        return self.n - self.wins - self.ties

    def __str__(self) -> str:
        return f"{self.wins} / {self.n}"


@dataclass(frozen=True)
class Paired:
    """Everything about a paired ordering "a > b" per item: difference, CI, test, wins."""

    n: int
    mean_diff: float
    ci: CI
    test: SignFlip
    wins: Wins


@dataclass(frozen=True)
class MeanDifference:
    """A tested difference of means, flat for the JSON report: estimate, bootstrap CI, p and how they were got."""

    n: int
    mean_a: float
    mean_b: float
    mean_diff: float
    ci_low: float
    ci_high: float
    p: float
    p_exact: bool
    min_attainable_p: float
    confidence: float
    ci_method: str
    n_resamples: int  # bootstrap resamples
    n_permutations: int  # sign vectors or relabellings behind p

    @property
    def ci_excludes_zero(self) -> bool:
        """Whether the CI of the mean difference lies strictly on one side of 0."""
        return not (self.ci_low <= 0.0 <= self.ci_high)

    def to_dict(self) -> dict[str, float | int | bool | str]:
        """Plain JSON-ready dict of every field."""
        return asdict(self)


@dataclass(frozen=True)
class Comparison(MeanDifference):
    """A paired comparison such as object > background on the same images, with its win count."""

    wins: int
    ties: int


def seeded(func, seed: int) -> dict[str, np.random.Generator]:
    """Keyword that seeds a scipy resampler: `rng` since scipy 1.15, `random_state` before."""
    name = "rng" if "rng" in inspect.signature(func).parameters else "random_state"
    return {name: np.random.default_rng(seed)}


def finite_1d(values, what: str) -> np.ndarray:
    """Values as a 1-D float array; empty or non-finite input is a caller bug and raises."""
    x = np.asarray(values, dtype=float).ravel()
    if x.size == 0:
        raise ValueError(f"{what}: no values")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{what}: non-finite values (drop or fix them before testing)")
    return x


def bca_interval(samples: tuple[np.ndarray, ...], statistic, n_resamples: int, confidence: float,
                 seed: int) -> tuple[str, float, float]:
    """(method, low, high): scipy's BCa bootstrap of statistic over samples, its percentile interval where BCa is undefined."""
    common = dict(confidence_level=confidence, vectorized=True, axis=-1)
    with warnings.catch_warnings():
        # BCa warns and returns NaN when its acceleration is undefined; we fall back below.
        warnings.simplefilter("ignore", scipy.stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # scipy's BCa divides 0 by 0 on constant groups
        res = scipy.stats.bootstrap(samples, statistic, n_resamples=n_resamples, method="BCa", **common,
                                    **seeded(scipy.stats.bootstrap, seed))
    method, ci = "BCa", res.confidence_interval
    if not (np.isfinite(ci.low) and np.isfinite(ci.high)):
        method = "percentile"
        ci = scipy.stats.bootstrap(samples, statistic, n_resamples=0, bootstrap_result=res, method="percentile",
                                   **common).confidence_interval
    return method, float(ci.low), float(ci.high)


def bootstrap_ci(
    values, n_resamples: int = BOOTSTRAP_RESAMPLES, confidence: float = 0.95, seed: int = SEED
) -> CI:
    """BCa bootstrap CI of the mean (percentile if BCa is undefined; degenerate if n < 2 or constant)."""
    x = finite_1d(values, "bootstrap_ci")
    mean = float(x.mean())
    if x.size < 2 or np.all(x == x[0]):
        return CI(mean, mean, mean, confidence, "degenerate", int(x.size), 0)
    method, low, high = bca_interval((x,), np.mean, n_resamples, confidence, seed)
    return CI(mean, low, high, confidence, method, int(x.size), n_resamples)


def sign_flip_test(
    differences,
    exact_max_n: int = EXACT_MAX_N,
    n_resamples: int = MC_RESAMPLES,
    seed: int = SEED,
) -> SignFlip:
    """Two-sided paired sign-flip test of mean(differences) = 0: exact up to n = exact_max_n, else Monte Carlo."""
    d = finite_1d(differences, "sign_flip_test")
    n = int(d.size)
    if n <= exact_max_n:
        return SignFlip(exact_sign_flip_p(d), True, n, 2**n, min(1.0, 2.0 / 2**n), float(d.mean()))
    p = monte_carlo_sign_flip_p(d, n_resamples, seed)
    return SignFlip(p, False, n, n_resamples, 1.0 / (n_resamples + 1), float(d.mean()))


def _tolerance(d: np.ndarray) -> float:
    """Sums closer than this to the observed one count as reaching it (rounding of a different summation order)."""
    return 1e-12 * float(np.abs(d).sum())


def _signed_sums(d: np.ndarray) -> np.ndarray:
    """All 2^len(d) sums of +-d_i, built by doubling (len(d) <= 20 here: at most 8 MiB)."""
    sums = np.zeros(1)
    for value in d:
        sums = np.concatenate([sums + value, sums - value])
    return sums


def exact_sign_flip_p(d: np.ndarray) -> float:
    """Exact two-sided sign-flip p = share of the 2^n sign vectors whose |sum| reaches the observed |sum|.

    The null is symmetric, so that share is 2 x the share of sums >= |observed| (capped at 1), which
    is scipy's two-sided definition too. Meet in the middle: total = left + right over the two halves.
    """
    target = abs(float(d.sum())) - _tolerance(d)
    half = d.size // 2
    left, right = _signed_sums(d[:half]), np.sort(_signed_sums(d[half:]))
    reaching = right.size * left.size - int(np.searchsorted(right, target - left, side="left").sum())
    return min(1.0, 2.0 * reaching / 2.0**d.size)


def monte_carlo_sign_flip_p(d: np.ndarray, n_resamples: int, seed: int = SEED) -> float:
    """Two-sided sign-flip p from random sign vectors: (count of |sum| reaching the observed + 1) / (n_resamples + 1)."""
    rng, target = np.random.default_rng(seed), abs(float(d.sum())) - _tolerance(d)
    reaching, left = 0, n_resamples
    while left:
        size = min(MC_CHUNK, left)
        signs = rng.integers(0, 2, size=(size, d.size), dtype=np.int8) * np.int8(2) - np.int8(1)
        reaching += int(np.count_nonzero(np.abs(signs @ d) >= target))
        left -= size
    return (reaching + 1) / (n_resamples + 1)


def wins(a, b) -> Wins:
    """Count pairs with a > b strictly; ties are not wins and are reported in `ties`."""
    x, y = _paired(a, b)
    return Wins(int(np.sum(x > y)), int(x.size), int(np.sum(x == y)))


def _paired(a, b) -> tuple[np.ndarray, np.ndarray]:
    """Two finite 1-D arrays of equal length."""
    x, y = finite_1d(a, "a"), finite_1d(b, "b")
    if x.shape != y.shape:
        raise ValueError(f"paired samples differ in length: {x.size} vs {y.size}")
    return x, y


def settings() -> dict:
    """The statistical choices behind every CI and p of the record (for its provenance)."""
    return {
        "ci": f"scipy.stats.bootstrap of the mean, BCa (percentile where BCa is undefined), {BOOTSTRAP_RESAMPLES} resamples, 95%",
        "p": f"two-sided paired sign-flip: exact enumeration of all 2^n sign vectors up to n = {EXACT_MAX_N} (meet in the "
             f"middle), else {MC_RESAMPLES} random sign vectors (floor {1 / (MC_RESAMPLES + 1):.1e}); "
             f"two independent groups (object-size tertiles): scipy.stats.permutation_test over relabellings, "
             f"exact while they number <= {EXACT_LIMIT}, else {PERMUTATIONS} random ones; ordered trends over "
             f"independent groups (slices, size tertiles): Jonckheere-Terpstra by the same relabellings",
        "seed": SEED,
        "wins": "strict a > b per image; ties counted apart",
        "multiplicity": "Holm step-down over the tests that decide one verdict's directions (lib/stats/family.py); "
                        "over the cells of one claim in the run; the P6 probe: over every advantage test",
    }


def paired_ordering(
    a,
    b,
    *,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
    n_permutations: int = MC_RESAMPLES,
    exact_max_n: int = EXACT_MAX_N,
    confidence: float = 0.95,
    seed: int = SEED,
) -> Paired:
    """Paired evidence for "a > b" per item: mean of a - b, its bootstrap CI, sign-flip p, wins."""
    x, y = _paired(a, b)
    d = x - y
    return Paired(
        n=int(d.size),
        mean_diff=float(d.mean()),
        ci=bootstrap_ci(d, n_resamples=n_resamples, confidence=confidence, seed=seed),
        test=sign_flip_test(d, exact_max_n=exact_max_n, n_resamples=n_permutations, seed=seed),
        wins=wins(x, y),
    )


def compare_paired(a, b, seed: int = SEED, **kwargs) -> Comparison:
    """`paired_ordering` of a vs b flattened into a `Comparison` (kwargs go to paired_ordering)."""
    x, y = _paired(a, b)
    r = paired_ordering(x, y, seed=seed, **kwargs)
    return Comparison(
        n=r.n,
        mean_a=float(x.mean()),
        mean_b=float(y.mean()),
        mean_diff=r.mean_diff,
        ci_low=r.ci.low,
        ci_high=r.ci.high,
        p=r.test.p,
        p_exact=r.test.exact,
        min_attainable_p=r.test.min_attainable_p,
        wins=r.wins.wins,
        ties=r.wins.ties,
        confidence=r.ci.confidence,
        ci_method=r.ci.method,
        n_resamples=r.ci.n_resamples,
        n_permutations=r.test.n_resamples,
    )


@overload
def holm(pvalues: Mapping[str, float]) -> dict[str, float]: ...
@overload
def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray: ...
def holm(pvalues):
    """Holm step-down adjusted p-values (family-wise error), in the input's shape and order."""
    keys = list(pvalues) if isinstance(pvalues, Mapping) else None
    p = np.asarray([pvalues[k] for k in keys] if keys is not None else pvalues, dtype=float)
    if p.ndim != 1 or not np.all((p >= 0) & (p <= 1)):
        raise ValueError("holm: expects a flat collection of p-values in [0, 1]")
    # scipy.stats.false_discovery_control has only BH/BY (FDR), not Holm, hence these lines:
    # sorted ascending, the i-th (0-based) of m is scaled by (m - i), then made monotone.
    order = np.argsort(p, kind="stable")
    scaled = np.maximum.accumulate((p.size - np.arange(p.size)) * p[order])
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(scaled, 1.0)
    return dict(zip(keys, adjusted.tolist())) if keys is not None else adjusted
