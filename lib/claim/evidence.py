"""What the claims' checks share: the readers of measurement tables, the labelled tests a verdict carries, and the
thresholds more than one claim reads.

Pure functions of a table source (lib/claim/source.py); each claim module (claims/test_cNN_*.py) combines them
into its verdict.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from jepa_claims.claim.source import TableSource
from jepa_claims.claim.unit import Threshold
from jepa_claims.engine.drift import onset
from jepa_claims.paper import values as pv
from jepa_claims.stats.family import DEFAULT_ALPHA, Family
from jepa_claims.stats.paired import compare_paired

P_MAX = pv.P_THRESHOLD.value  # "p < 0.001 in every slice" (sections 2.4, 3.2)
GROUP_ORDER = ("single", "pair", "triple")
NEUTRAL_SHARE = Threshold(0.10, 'an attention or value site is "neutral or harmful" or contributes only "narrowly" '
                                "below 10% of the bottleneck's rescue")
NEARLY_ALL = Threshold(0.8, '"win on nearly all images" (4x3, 8x3): at least 80% of the images (VOC\'s 19/24 is 79%)')


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


def labelled_tests(**comparisons) -> dict:
    """A verdict's paired tests by label ("triple - pair"), the claim's primary test first (JSON-ready)."""
    return {label.replace("__", " - ").replace("_", " "): c.to_dict() for label, c in comparisons.items()}


def no_test(why: str) -> dict:
    """A verdict with no sampling test behind it, and why (the report says so in the cell)."""
    return {"no_test": why}


def table2_rescue(slice_name: str, group: str, key: str) -> dict:
    """Table 2's absolute rescue of one group on this slice under `key` (empty where the paper has no row)."""
    row = pv.TABLE2.get(slice_name)
    return {key: row[group]["rescue"].value} if row else {}


def onset_layers(source: TableSource, checkpoint: str, slice_name: str) -> pd.DataFrame:
    """Onset layer (the paper's layer number under the reading, NaN if never) per image and rectangle."""
    table = source.table("geometry", checkpoint, slice_name)
    conv = source.conv
    rows = []
    for (image, area, aspect), part in table.groupby(["image_id", "area", "aspect"]):
        part = part.sort_values("layer")
        layer = onset(part["context_drift"].to_numpy(), part["layer"].tolist(), conv.tau)
        rows.append((image, area, aspect, np.nan if layer is None else layer))
    return pd.DataFrame(rows, columns=["image_id", "area", "aspect", "onset"])


def single_site_rescue(source: TableSource, checkpoint: str, slice_name: str) -> pd.Series:
    """Mean context rescue of every single site in the sweep (object masks)."""
    return source.table("sweep", checkpoint, slice_name).groupby("sites")["rescue"].mean()


def sweep_per_image(source: TableSource, checkpoint: str, slice_name: str) -> pd.DataFrame:
    """Context rescue of every single site of the sweep, per image (rows) and site (columns)."""
    return source.table("sweep", checkpoint, slice_name).pivot(index="image_id", columns="sites", values="rescue")


def per_image_advantage(source: TableSource, checkpoint: str, slice_name: str, index: bool = False):
    """Object minus background late context drift, per image of one slice (a Series by image id if `index`)."""
    late = late_context(source, checkpoint, slice_name)
    diff = late["object"] - late["background"]
    return diff if index else diff.to_numpy()


def ordering_family(source: TableSource, checkpoint: str, slice_name: str, values: tuple[str, ...] = ("rescue",),
                    family: Family | None = None) -> Family:
    """P4: triple > pair > single as paired per-image differences of each value, added to one Holm family.

    Labels: "triple - pair" and "pair - single" for the absolute rescue, with " (rescue_fraction)" for the fraction.
    """
    tests = family if family is not None else Family(DEFAULT_ALPHA)
    for value in values:
        per_image = {g: per_image_rescue(source, checkpoint, slice_name, g, value=value) for g in GROUP_ORDER}
        images = per_image["triple"].index
        suffix = "" if value == "rescue" else f" ({value})"
        for hi, lo in (("triple", "pair"), ("pair", "single")):
            tests.add(f"{hi} - {lo}{suffix}", compare_paired(per_image[hi].loc[images].to_numpy(), per_image[lo].loc[images].to_numpy()),
                      f"{lo} < {hi} ({value})")
    return tests


def pathway_series(source: TableSource, checkpoint: str, slice_name: str, group: str, mode: str, column: str) -> pd.Series:
    """One column of the pathway table for one group and token selection, per image."""
    table = source.table("pathway", checkpoint, slice_name)
    rows = table[(table["group"] == group) & (table["mode"] == mode)]
    return rows.set_index("image_id")[column].sort_index()
