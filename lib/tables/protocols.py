"""The paper's experiments as measurement protocols: each turns (encoder, slice) into one tidy table.

| table    | what it holds (which claims read each: their `reads`) |
|----------|-----------------------------------------------------------------|
| masks    | token budget of every mask                                      |
| semantic | per-layer drift of object, background, bg_rect and rect masks    |
| rescue   | single / pair / triple groups, context and masked-only patching  |
| sweep    | every single site (MLP intermediate, attention output, value), context |
| geometry | per-layer drift of squares by area, elongated at equal counts    |
| panel    | the three groups at small, medium and full object token budgets  |
| footprints | the three groups under square and elongated background footprints of each budget (tables/footprints.py) |
| proxy    | ridge predictor proxy layer depth-1 -> layer depth (the reading; tables/proxy.py) |
| pathway  | bottleneck under full / context / masked patching, triple and attention-only group, final-output drift (tables/pathway.py) |
| excess   | late single sites (MLP intermediate, attention output, value), object and background, context |
| mae_default | late global drift under HF ViTMAE's default random masking (the MAE masking probe) |
| heads    | each late attention head alone and with the bottleneck, beside the three groups (tables/heads.py) | P7 |
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from jepa_claims.conventions import Conventions
from jepa_claims.engine.masks import PANEL_BUDGETS, budget_subset, mask_family, rect_mask
from jepa_claims.engine.tabulate import MaskJob, drift_table, rescue_table
from jepa_claims.engine.sites import parse_sites
from jepa_claims.roles import Roles

GEOMETRY_AREAS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
GEOMETRY_ASPECTS = (1.0, 4.0)  # square, and elongated (4:1, wide)
SWEEP_KINDS = ("intermediate", "attn.out", "value")  # every site type the paper sweeps (appendix A.1)


@dataclass(frozen=True)
class Inputs:
    """Prepared images and the semantic masks of a slice for one encoder."""

    images: dict[str, torch.Tensor]  # image_id -> [3, S, S]
    jobs: tuple[MaskJob, ...]  # object, background, bg_rect, rect per image
    classes: dict[str, str]  # image_id -> class name


def masks_table(encoder, roles: Roles, inputs: Inputs, conv: Conventions, batch_size: int) -> pd.DataFrame:
    """Token budget of every mask (Table 4)."""
    rows = [(j.image_id, inputs.classes[j.image_id], j.mask, int(j.tokens.sum()), j.tokens.size) for j in inputs.jobs]
    return pd.DataFrame(rows, columns=["image_id", "class_name", "mask", "tokens", "patches"])


def semantic_table(encoder, roles: Roles, inputs: Inputs, conv: Conventions, batch_size: int) -> pd.DataFrame:
    """Per-layer drift of every semantic mask."""
    return drift_table(encoder, inputs.images, inputs.jobs, conv, batch_size)


def _semantic_pair(inputs: Inputs) -> list[MaskJob]:
    """Object and zero-overlap background jobs only (every draw of the background)."""
    return [j for j in inputs.jobs if mask_family(j.mask) in ("object", "background")]


def _groups(roles: Roles, names: Sequence[str] = ("single", "pair", "triple")) -> list:
    """Parsed site groups of the roles, in the paper's site numbers (the engine places them by the reading)."""
    groups = roles.groups()
    return [parse_sites(groups[name]) for name in names]


def rescue_table_(encoder, roles: Roles, inputs: Inputs, conv: Conventions, batch_size: int) -> pd.DataFrame:
    """Late context rescue of the three groups, context-only and masked-only."""
    return rescue_table(encoder, inputs.images, _semantic_pair(inputs), _groups(roles), ["context", "masked"], conv, batch_size)


def sweep_table(encoder, roles: Roles, inputs: Inputs, conv: Conventions, batch_size: int) -> pd.DataFrame:
    """Context-only rescue of every single MLP-intermediate, attention-output and value site, object masks.

    The three site types of the paper's sweep (appendix A.1: "MLP intermediate states, attention
    output streams, and value streams"). Every site that can reach the late window under the layer reading (all sites where the
    conventions allow inert ones, which then rescue exactly nothing).
    """
    layers = [b for b in conv.site_layers(roles.depth) if conv.allow_inert_sites or conv.reaches(b, roles.depth)]
    groups = [parse_sites(f"{b}.{kind}") for b in layers for kind in SWEEP_KINDS]
    jobs = [j for j in inputs.jobs if j.mask == "object"]
    return rescue_table(encoder, inputs.images, jobs, groups, ["context"], conv, batch_size)


def excess_table(encoder, roles: Roles, inputs: Inputs, conv: Conventions, batch_size: int) -> pd.DataFrame:
    """Context-only rescue of every late single site of each submodule kind, object and background masks.

    Section 3.3's "semantic excess" per site is the object minus the background rescue, over its
    submodules (mlp_intermediate, attention.output, value streams: SWEEP_KINDS); only the late sites
    (`Roles.late_sites`) that can reach the late window under the layer reading are patched.
    """
    layers = [b for b in roles.late_sites if conv.allow_inert_sites or conv.reaches(b, roles.depth)]
    groups = [parse_sites(f"{b}.{kind}") for b in layers for kind in SWEEP_KINDS]
    return rescue_table(encoder, inputs.images, _semantic_pair(inputs), groups, ["context"], conv, batch_size)


def elongated_mask(grid: int, count: int, aspect: float) -> np.ndarray:
    """A centred block of exactly `count` tokens, as close to width/height = aspect as the grid allows.

    Rows of width min(grid, round(sqrt(count x aspect))), the last one partial and centred: at the
    larger areas a 4:1 rectangle does not fit a 16-token grid, so the block is as elongated as fits.
    """
    width = min(grid, max(1, round((count * aspect) ** 0.5)))
    rows = -(-count // width)
    if count < 1 or rows > grid:
        raise ValueError(f"{count} tokens do not fit a {grid} x {grid} grid")
    block = np.zeros((rows, width), dtype=bool)
    block[:-1] = True
    last = count - (rows - 1) * width
    block[-1, (width - last) // 2 : (width - last) // 2 + last] = True
    mask = np.zeros((grid, grid), dtype=bool)
    top, left = (grid - rows) // 2, (grid - width) // 2
    mask[top : top + rows, left : left + width] = block
    return mask.reshape(-1)


def geometry_masks(grid: int) -> dict[str, np.ndarray]:
    """Centred squares by area, and elongated blocks with exactly each square's token count (squares against elongated masks at equal counts)."""
    masks = {}
    for area in GEOMETRY_AREAS:
        square = rect_mask(grid, area, 1.0)
        for aspect in GEOMETRY_ASPECTS:
            masks[f"rect:{area}:{aspect}"] = square if aspect == 1.0 else elongated_mask(grid, int(square.sum()), aspect)
    return masks


def geometry_table(encoder, roles: Roles, inputs: Inputs, conv: Conventions, batch_size: int) -> pd.DataFrame:
    """Per-layer drift of centred squares by area and of elongated blocks with the same token counts (section 3.1)."""
    masks = geometry_masks(encoder.grid)
    jobs = [MaskJob(image_id, name, tokens) for image_id in inputs.images for name, tokens in masks.items()]
    table = drift_table(encoder, inputs.images, jobs, conv, batch_size)
    parts = table["mask"].str.split(":", expand=True)
    table["area"], table["aspect"] = parts[1].astype(float), parts[2].astype(float)
    tokens = {j.mask: int(j.tokens.sum()) for j in jobs}
    table["tokens"] = table["mask"].map(tokens)
    return table


def panel_table(encoder, roles: Roles, inputs: Inputs, conv: Conventions, batch_size: int) -> pd.DataFrame:
    """Context-only rescue of the three groups at small, medium and full object token budgets."""
    jobs = [  # the full budget keeps every object token: its masked run is the object mask's
        MaskJob(j.image_id, f"object:{name}", budget_subset(j.tokens, fraction), "object" if fraction == 1.0 else None)
        for j in inputs.jobs if j.mask == "object" for name, fraction in PANEL_BUDGETS.items()
    ]
    table = rescue_table(encoder, inputs.images, jobs, _groups(roles), ["context"], conv, batch_size)
    table["budget"] = table["mask"].str.split(":").str[1]
    return table


def _proxy(encoder, roles: Roles, inputs: Inputs, conv: Conventions, batch_size) -> pd.DataFrame:
    """The predictor proxy's table (lib/tables/proxy.py) on the object and background masks, registered here so it
    is cached like every other table."""
    from jepa_claims.tables.proxy import proxy_table

    return proxy_table(encoder, roles, inputs, conv, batch_size, _semantic_pair(inputs))


def _mae_default(*args) -> pd.DataFrame:
    """P2's table (lib/tables/probes.py), registered here so it is cached like every other table."""
    from jepa_claims.tables.probes import mae_default_table

    return mae_default_table(*args)


def _pathway(*args) -> pd.DataFrame:
    """The pathway table (lib/tables/pathway.py), registered here so it is cached like every other table."""
    from jepa_claims.tables.pathway import pathway_table

    return pathway_table(*args)


def _footprints(*args) -> pd.DataFrame:
    """The geometry panel's background arm (lib/tables/footprints.py), registered here so it is cached like every other table."""
    from jepa_claims.tables.footprints import footprint_table

    return footprint_table(*args)


def _heads(*args) -> pd.DataFrame:
    """P7's table (lib/tables/heads.py), registered here so it is cached like every other table."""
    from jepa_claims.tables.heads import heads_table

    return heads_table(*args)


PROTOCOLS: dict[str, Callable[..., pd.DataFrame]] = {
    "mae_default": _mae_default,
    "masks": masks_table,
    "semantic": semantic_table,
    "rescue": rescue_table_,
    "sweep": sweep_table,
    "geometry": geometry_table,
    "panel": panel_table,
    "footprints": _footprints,
    "proxy": _proxy,
    "pathway": _pathway,
    "excess": excess_table,
    "heads": _heads,
}
