"""Background draws averaged per image: a table's rows of "background#k" become one "background" row.

Under the random background rule every image has several background masks (engine/masks.py
RANDOM_DRAWS), each its own masked (and patched) run. The claims compare one background value per
image, so every measured number (the float columns) is averaged over the draws of the same image and
the same condition (every other column: image, layer, sites, mode, token count ...). Tables without
draws come back unchanged.
"""
from __future__ import annotations

import pandas as pd

from jepa_claims.engine.masks import DRAW_MARK, mask_family


def average_draws(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with each image's background draws averaged into one row named by their family."""
    if "mask" not in frame.columns or not frame["mask"].str.contains(DRAW_MARK, regex=False).any():
        return frame
    frame = frame.assign(mask=frame["mask"].map(mask_family))
    values = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    keys = [c for c in frame.columns if c not in values]
    averaged = frame.groupby(keys, sort=False, dropna=False)[values].mean().reset_index()
    return averaged[list(frame.columns)]
