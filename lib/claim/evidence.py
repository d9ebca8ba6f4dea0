"""What the claim checks read from tables: per-image series, onset layers, and the labelled tests a verdict carries.

Pure functions of a table source (lib/claim/source.py); `checks.py` combines them into each claim's verdict.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from jepa_claims.engine.drift import onset
from jepa_claims.paper import values as pv
from jepa_claims.claim.common import GROUP_ORDER, late_context, per_image_rescue
from jepa_claims.stats.family import DEFAULT_ALPHA, Family
from jepa_claims.claim.source import TableSource
from jepa_claims.stats.paired import compare_paired


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
