"""A claim's verdict on one cell: whether it held, the conditions it was decided on, and the numbers behind it.

A claim test asserts `verdict.passed`; the record shows the conditions, the measured and paper values and
the paired tests (`stats`, labelled). `statement` is the check's one-line account of the numbers.
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

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)
