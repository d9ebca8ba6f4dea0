"""A claim's verdict on one cell: the conditions it was decided on, and the numbers and tests behind them.

A check returns structured results only (`Verdict.of`): its named conditions (the verdict passes when every one
holds), its measured and paper values, its labelled tests (`stats`) and any specifics that are not numbers
(`details`, such as which images broke a condition). The one account of a verdict in words is `describe`,
written here once from those parts; the record and a failing test's message both show it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Verdict:
    """The outcome of one claim on one checkpoint and slice (the claim fills in which)."""

    passed: bool
    statement: str
    measured: dict = field(default_factory=dict)
    paper: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)
    claim: str = ""
    checkpoint: str = ""
    slice: str = ""
    conditions: dict = field(default_factory=dict)  # condition -> held (the verdict passes when every one holds)
    details: dict = field(default_factory=dict)  # specifics that are no number of the claim (image ids, sites)

    @classmethod
    def of(cls, conditions: dict[str, bool], measured: dict | None = None, paper: dict | None = None,
           stats: dict | None = None, details: dict | None = None) -> "Verdict":
        """A check's verdict from its conditions: passed when there is at least one and every one holds."""
        conditions = {name: bool(held) for name, held in conditions.items()}
        stats, details = stats or {}, details or {}
        return cls(bool(conditions) and all(conditions.values()), describe(conditions, stats, details),
                   measured or {}, paper or {}, stats, conditions=conditions, details=details)

    def failed(self) -> list[str]:
        """The conditions that did not hold."""
        return [name for name, held in self.conditions.items() if not held]

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


def describe(conditions: dict[str, bool], stats: dict, details: dict) -> str:
    """The verdict in words: each condition and whether it held, each specific, then each test with its numbers."""
    parts = [f"{name}: {held}" for name, held in conditions.items()]
    parts += [f"{name}: {_value(value)}" for name, value in details.items()]
    parts += [_test(label, test) for label, test in stats.items() if isinstance(test, dict) and "p" in test]
    if "no_test" in stats:
        parts.append(f"no sampling test: {stats['no_test']}")
    return "; ".join(parts)


def _value(value) -> str:
    """A specific as the account prints it (an empty list is 'none')."""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) if value else "none"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _test(label: str, test: dict) -> str:
    """One test: its estimate, CI, p, Holm p and what it decides (or that it is shown only)."""
    if "statistic" in test and "mean_diff" not in test:
        body = f"tau {test['statistic']:+.3f}"
    else:
        body = f"{test.get('mean_diff', float('nan')):+.4f} (95% CI {test.get('ci_low', float('nan')):+.4f} to " \
               f"{test.get('ci_high', float('nan')):+.4f})"
    if "shown" in test:
        return f"{label} = {body}, p = {test['p']:.2g} (shown: {test['shown']})"
    holm = f", Holm p = {test['holm_p']:.2g}" if "holm_p" in test else ""
    held = f" -> {test['holds']}" if "holds" in test else ""
    return f"{label} = {body}, p = {test['p']:.2g}{holm}{held}"
