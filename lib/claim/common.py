"""Claim verdicts: pure functions from measurement tables to a pass/fail with the numbers behind it.

A claim test gets its claim's `Claim.evaluate(source, checkpoint, slice)` (lib/claim/unit.py)
and asserts `verdict.passed`; the report shows `verdict.statement` and `verdict.measured`. `source`
is a `TableSource` (lib/claim/source.py): a TableStore, the report's read-only view of the cache,
or planted tables in the self-tests that show each verdict failing where its claim is false.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

from jepa_claims.paper import values as pv
from jepa_claims.stats.paired import compare_paired
from jepa_claims.claim.source import TableSource

P_MAX = pv.P_THRESHOLD.value  # "p < 0.001 in every slice" (sections 2.4, 3.2)
NEUTRAL_SHARE = 0.10  # C2: an attention site is "neutral or harmful" below 10% of the bottleneck's rescue
MIN_NEUTRAL_SITES = 2  # C2: "many attention outputs": at least two
CLEAN_PROXY_MAX = 0.05  # C11: "the clean proxy fit is strong": clean proxy drift no larger than tau
NEARLY_ALL = 0.8  # C4: "win on nearly all images" (4x3, 8x3): at least 80% of the images (VOC's 19/24 is 79%)
MOST = 0.5  # C4 on 4x3: object masks "win on most images" against each rectangle control: more than half
EQUIVALENCE_SHARE = 0.5  # C12: MAE's "essentially no advantage": its CI within +-half of I-JEPA's on the slice
GROUP_ORDER = ("single", "pair", "triple")


@dataclass
class Verdict:
    """The outcome of one claim on one checkpoint and slice (the registry fills in which)."""

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


def late_context(source: TableSource, checkpoint: str, slice_name: str, kind: str = "semantic") -> pd.DataFrame:
    """Late-window context drift per image (rows) and mask (columns) from a drift table."""
    table = source.table(kind, checkpoint, slice_name)
    window = source.conv.late_layers(source.roles(checkpoint).depth)
    late = table[table["layer"].isin(window)].groupby(["image_id", "mask"])["context_drift"].mean()
    return late.unstack("mask")


def advantage(source: TableSource, checkpoint: str, slice_name: str, other: str = "background"):
    """Paired object-vs-`other` comparison of late context drift (Table 1 / Table 3)."""
    late = late_context(source, checkpoint, slice_name)
    return compare_paired(late["object"].to_numpy(), late[other].to_numpy())


def group_means(source: TableSource, checkpoint: str, slice_name: str, mode: str = "context", mask: str = "object") -> pd.DataFrame:
    """Mean rescue and rescue fraction per group name (single, pair, triple) from the rescue table."""
    table = source.table("rescue", checkpoint, slice_name)
    names = {" + ".join(sites): name for name, sites in source.roles(checkpoint).groups().items()}
    rows = table[(table["mode"] == mode) & (table["mask"] == mask)].assign(group=lambda t: t["sites"].map(names))
    return rows.groupby("group")[["rescue", "rescue_fraction"]].mean().reindex(list(GROUP_ORDER))


def per_image_rescue(source: TableSource, checkpoint: str, slice_name: str, group: str, mode: str = "context", mask: str = "object",
                     value: str = "rescue") -> pd.Series:
    """Per-image rescue (or `value`: "rescue_fraction") of one group."""
    table = source.table("rescue", checkpoint, slice_name)
    sites = " + ".join(source.roles(checkpoint).groups()[group])
    rows = table[(table["mode"] == mode) & (table["mask"] == mask) & (table["sites"] == sites)]
    return rows.set_index("image_id")[value].sort_index()


def significant(c) -> bool:
    """Direction, CI and test as the paper states them: mean > 0, CI excludes 0, p < 0.001."""
    return c.mean_diff > 0 and c.ci_low > 0 and c.p < P_MAX


def comparison_text(c, what: str = "object - background") -> str:
    """One-line summary of a paired comparison."""
    return (f"{what} = {c.mean_diff:+.4f} (95% CI {c.ci_low:+.4f} to {c.ci_high:+.4f}), "
            f"sign-flip p = {c.p:.2g} (smallest attainable {c.min_attainable_p:.2g}), wins {c.wins}/{c.n}")
