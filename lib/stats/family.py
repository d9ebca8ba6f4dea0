"""The tests that decide one verdict's directions, Holm-adjusted together at a stated alpha.

A claim's direction ("the bottleneck beats every other late site", "triple > pair") is decided by a
test, never by comparing two means: a condition holds when the test's estimate has the claimed sign,
its 95% CI lies on that side of 0 (where the test has a CI), and its p, Holm-adjusted over every test
of the verdict's family, is below the claim's alpha. `Family.stats()` records, per test, what it
decides, the claimed sign, the Holm-adjusted p, the family's size, the alpha and its wording.
"""
from __future__ import annotations

from dataclasses import dataclass

from jepa_claims.paper import values as pv
from jepa_claims.stats.paired import holm
from jepa_claims.stats.groups import Trend


@dataclass(frozen=True)
class Alpha:
    """A significance level and where it comes from, in the paper's words where the paper states one."""

    value: float
    wording: str


PAPER_ALPHA = Alpha(pv.P_THRESHOLD.value, 'the paper\'s own: "p < 0.001 in every slice" (sections 2.4, 3.2)')
DEFAULT_ALPHA = Alpha(0.05, "the paper states no threshold for this comparison: the conventional 0.05")


@dataclass(frozen=True)
class _Entry:
    test: object  # stats.Comparison, GroupComparison or Trend
    decides: str
    sign: int  # +1: the claim says the estimate is above 0; -1: below
    deciding: bool = True  # False: shown beside the deciding tests (a CI to read), outside the Holm family


def estimate(test) -> float:
    """The signed quantity a test's direction is read from: the trend's tau, else the mean difference."""
    return test.statistic if isinstance(test, Trend) else test.mean_diff


def _ci_agrees(test, sign: int) -> bool:
    """The 95% CI lies on the claimed side of 0 (a trend test has no CI: true)."""
    if isinstance(test, Trend):
        return True
    return test.ci_low > 0 if sign > 0 else test.ci_high < 0


class Family:
    """A verdict's deciding tests: add them all, then ask which hold (Holm over the whole family)."""

    def __init__(self, alpha: Alpha) -> None:
        self.alpha = alpha
        self._entries: dict[str, _Entry] = {}

    def add(self, label: str, test, decides: str, sign: int = 1):
        """Register a test under a label; returns the test."""
        if label in self._entries:
            raise ValueError(f"test {label!r} added twice")
        self._entries[label] = _Entry(test, decides, sign)
        return test

    def show(self, label: str, test, why: str):
        """Record a test that decides nothing (outside the Holm family), e.g. a difference with a CI to read."""
        if label in self._entries:
            raise ValueError(f"test {label!r} added twice")
        self._entries[label] = _Entry(test, why, 1, deciding=False)
        return test

    def deciding(self) -> list[str]:
        """Labels of the tests that decide a condition, in the order added."""
        return [label for label, e in self._entries.items() if e.deciding]

    def decides(self, label: str) -> str:
        """The condition a test decides."""
        return self._entries[label].decides

    def adjusted(self) -> dict[str, float]:
        """Holm-adjusted p of every test of the family, by label."""
        pvalues = {label: e.test.p for label, e in self._entries.items() if e.deciding}
        return holm(pvalues) if pvalues else {}

    def holds(self, label: str) -> bool:
        """The claimed sign, the CI on that side, and the Holm-adjusted p below alpha."""
        e = self._entries[label]
        if not e.deciding:
            raise ValueError(f"test {label!r} is shown, not deciding")
        return bool(e.sign * estimate(e.test) > 0 and _ci_agrees(e.test, e.sign) and self.adjusted()[label] < self.alpha.value)

    def all_hold(self, labels) -> bool:
        """Every one of these tests holds."""
        return all(self.holds(label) for label in labels)

    def stats(self) -> dict:
        """Every test JSON-ready, with what it decides, its Holm-adjusted p and the alpha (for Verdict.stats)."""
        adjusted = self.adjusted()
        return {label: e.test.to_dict() | ({
            "decides": e.decides, "claimed_sign": "+" if e.sign > 0 else "-", "holm_p": adjusted[label],
            "holm_family_size": len(adjusted), "alpha": self.alpha.value, "alpha_wording": self.alpha.wording,
            "holds": self.holds(label)} if e.deciding else {"decides": None, "shown": e.decides})
            for label, e in self._entries.items()}
