"""The geometry panel's background arm: square and elongated zero-overlap footprints at each token budget.

Section 3.4 sweeps "token budgets (small, medium, large) and background footprints (square vs. elongated)
under strict zero-overlap controls"; its result sentence and Figure 6 ("Geometry panel results for object
masks") speak of the object arm only (the geometry panel's claim). This arm is measured beside it and shown in the record,
with no claim: the paper states no result for it. Each object job's budget (the panel's token count) is
hidden again outside the object, once as a square and once as a 4:1 wide block, grown from the free token
farthest from the object's centroid; the three groups are then patched context-only, as for the objects.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from jepa_claims.conventions import Conventions
from jepa_claims.engine.masks import PANEL_BUDGETS, budget_subset
from jepa_claims.engine.tabulate import MaskJob, rescue_table
from jepa_claims.engine.sites import parse_sites
from jepa_claims.roles import Roles

FOOTPRINTS = {"square": 1.0, "elongated": 4.0}  # width / height of the block grown outside the object


def footprint_mask(object_tokens: np.ndarray, count: int, aspect: float) -> np.ndarray:
    """`count` tokens outside the object (every free one if fewer are free): the nearest to the free token
    farthest from the object's centroid in a box metric stretched to width/height = aspect, so a square or
    a wide block wherever the free space allows one (ties: Euclidean distance, then row-major index)."""
    grid = int(round(np.sqrt(object_tokens.size)))
    rows, cols = np.divmod(np.arange(object_tokens.size), grid)
    taken, free = np.flatnonzero(object_tokens), np.flatnonzero(~object_tokens)
    if free.size == 0:
        raise ValueError("the object covers every token: no background footprint fits")
    centre = (rows[taken].mean(), cols[taken].mean()) if taken.size else ((grid - 1) / 2, (grid - 1) / 2)
    anchor = free[np.lexsort((free, -np.hypot(rows[free] - centre[0], cols[free] - centre[1])))[0]]
    dr, dc = np.abs(rows[free] - rows[anchor]), np.abs(cols[free] - cols[anchor])
    box = np.maximum(dc / np.sqrt(aspect), dr * np.sqrt(aspect))
    chosen = free[np.lexsort((free, np.hypot(dr, dc), box))[:count]]
    mask = np.zeros(object_tokens.size, dtype=bool)
    mask[chosen] = True
    return mask


def footprint_jobs(jobs: list[MaskJob]) -> list[tuple[MaskJob, int]]:
    """Per object job and panel budget, the square and the elongated footprint, each with the budget's token count."""
    out = []
    for job in (j for j in jobs if j.mask == "object"):
        for budget, fraction in PANEL_BUDGETS.items():
            count = int(budget_subset(job.tokens, fraction).sum())
            out += [(MaskJob(job.image_id, f"background:{budget}:{name}", footprint_mask(job.tokens, count, aspect)), count)
                    for name, aspect in FOOTPRINTS.items()]
    return out


def footprint_table(encoder, roles: Roles, inputs, conv: Conventions, batch_size: int) -> pd.DataFrame:
    """Context-only rescue of the three groups under each background footprint at each object token budget."""
    budgets = footprint_jobs(inputs.jobs)
    jobs = [job for job, _ in budgets]
    groups = [parse_sites(roles.groups()[name]) for name in ("single", "pair", "triple")]
    table = rescue_table(encoder, inputs.images, jobs, groups, ["context"], conv, batch_size)
    parts = table["mask"].str.split(":", expand=True)
    table["budget"], table["footprint"] = parts[1], parts[2]
    keys = list(zip(table["image_id"], table["mask"]))
    tokens = {(j.image_id, j.mask): (int(j.tokens.sum()), count) for j, count in budgets}
    table["tokens"] = [tokens[key][0] for key in keys]  # fewer than budget_tokens only where fewer tokens are free
    table["budget_tokens"] = [tokens[key][1] for key in keys]
    return table
