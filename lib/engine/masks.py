"""Token masks on the patch grid: rectangles, object tokens, matched zero-overlap background.

All token masks are flat boolean arrays of length grid * grid in row-major order. Masks are built
on the token grid after the resize (the object can vanish on a 16 x 16 grid: filter there), and
turned back into pixel masks on exact patch blocks.
"""
from __future__ import annotations

import hashlib
import math
from typing import get_args

import numpy as np

from jepa_claims.conventions import TRIMAP_BACKGROUND, VOC_BACKGROUND, Background, Conventions
from jepa_claims.engine.images import resize_label

MASK_KINDS = ("object", "background", "bg_rect", "rect")
BACKGROUND_RULES = get_args(Background)  # the background convention's values
# The random rule draws this many regions per image, each its own masked run; the tables average their drift
# per image (tables/draws.py), so one draw's luck (an anchor by the object or in a corner) does not decide a verdict.
RANDOM_DRAWS = 5
DRAW_MARK = "#"  # a mask job named "background#2" is draw 2 of the image's background


class MaskError(ValueError):
    """A mask that cannot be built as asked (e.g. too few zero-overlap background tokens)."""


def pixel_roles(
    label: np.ndarray, label_kind: str, target_class: int | None, conv: Conventions
) -> tuple[np.ndarray, np.ndarray]:
    """(object pixels, clean background pixels) of a raw label map, both bool [H, W].

    Pets: object = trimap values of the convention (default 1 and 3: pet and border); clean
    background = 2. VOC: object = the target class; clean background = 0, so other classes and
    void (255, drawn along every object boundary) never count as background.
    """
    if label_kind == "trimap":
        return np.isin(label, conv.trimap_object_values), np.isin(label, TRIMAP_BACKGROUND)
    if label_kind == "voc":
        if target_class is None:
            raise MaskError("a VOC label needs a target class")
        return label == target_class, np.isin(label, VOC_BACKGROUND)
    raise MaskError(f"unknown label kind {label_kind!r}: expected 'trimap' or 'voc'")


def patch_fraction(pixel_mask: np.ndarray, patch: int) -> np.ndarray:
    """Fraction of each patch's pixels that are set: [grid, grid] float."""
    size = pixel_mask.shape[0]
    if pixel_mask.shape != (size, size) or size % patch:
        raise MaskError(f"pixel mask {pixel_mask.shape} is not a square multiple of patch {patch}")
    grid = size // patch
    blocks = pixel_mask.reshape(grid, patch, grid, patch)
    return blocks.mean(axis=(1, 3))


def token_roles(
    label: np.ndarray, label_kind: str, target_class: int | None, size: int, patch: int, conv: Conventions
) -> tuple[np.ndarray, np.ndarray]:
    """(object tokens, zero-overlap background candidates), bool [grid * grid], after the resize.

    Object token: nonzero object fraction (paper, section 2.3). Background candidate: every pixel
    of the patch is clean background (exactly zero overlap with object, border, void, other classes).
    """
    resized = resize_label(label, size)
    obj, clean = pixel_roles(resized, label_kind, target_class, conv)
    object_tokens = patch_fraction(obj, patch).reshape(-1) > 0
    candidates = patch_fraction(clean, patch).reshape(-1) == 1.0
    return object_tokens, candidates


def token_to_pixel_mask(tokens: np.ndarray, grid: int, patch: int) -> np.ndarray:
    """Expand a token mask to exact patch blocks: bool [grid * patch, grid * patch]."""
    if tokens.shape != (grid * grid,):
        raise MaskError(f"token mask of shape {tokens.shape} does not fit a {grid}x{grid} grid")
    return np.kron(tokens.reshape(grid, grid), np.ones((patch, patch), dtype=bool)).astype(bool)


def rect_shape(count: int, aspect: float, grid: int) -> tuple[int, int]:
    """(height, width) in tokens of a rectangle of about `count` tokens with width/height = aspect."""
    if count < 1 or aspect <= 0:
        raise MaskError(f"a rectangle needs count >= 1 and aspect > 0, got {count}, {aspect}")
    height = min(grid, max(1, round(math.sqrt(count / aspect))))
    width = min(grid, max(1, round(count / height)))
    return height, width


def rect_mask(grid: int, area: float, aspect: float = 1.0) -> np.ndarray:
    """Centred rectangle covering about `area` of the grid with width/height = aspect."""
    if not 0 < area <= 1:
        raise MaskError(f"area fraction must be in (0, 1], got {area}")
    height, width = rect_shape(max(1, round(area * grid * grid)), aspect, grid)
    return _place(grid, height, width, (grid - height) // 2, (grid - width) // 2)


def _place(grid: int, height: int, width: int, top: int, left: int) -> np.ndarray:
    """A height x width rectangle at (top, left) as a flat token mask."""
    mask = np.zeros((grid, grid), dtype=bool)
    mask[top : top + height, left : left + width] = True
    return mask.reshape(-1)


def image_seed(image_id: str) -> int:
    """A seed of the random background rule for one image: stable across processes (unlike hash())."""
    return int(hashlib.sha256(str(image_id).encode()).hexdigest()[:8], 16)


def draw_count(rule: str) -> int:
    """How many background regions a rule draws per image: RANDOM_DRAWS for random, one for the deterministic rules."""
    return RANDOM_DRAWS if rule == "random" else 1


def mask_family(name: str) -> str:
    """The mask family of a job's name: "background#2" -> "background" (other names are their own family)."""
    return name.split(DRAW_MARK, 1)[0]


def background_draws(object_tokens: np.ndarray, candidates: np.ndarray, rule: str = "farthest",
                     seed: int = 0) -> dict[str, np.ndarray]:
    """The image's background mask(s) by job name: "background" alone, or "background#k" per draw of the random rule.

    Draw k of the random rule uses a seed derived from (seed, k), so the draws are independent of each
    other and each is reproducible on its own.
    """
    if draw_count(rule) == 1:
        return {"background": matched_background(object_tokens, candidates, rule, seed)}
    return {f"background{DRAW_MARK}{k}": matched_background(object_tokens, candidates, rule, _draw_seed(seed, k))
            for k in range(draw_count(rule))}


def _draw_seed(seed: int, draw: int) -> int:
    """An integer seed for one draw of one image, from numpy's SeedSequence of (image seed, draw)."""
    return int(np.random.SeedSequence([seed, draw]).generate_state(1)[0])


def matched_background(
    object_tokens: np.ndarray, candidates: np.ndarray, rule: str = "farthest", seed: int = 0
) -> np.ndarray:
    """Exactly as many zero-overlap background tokens as object tokens, as one compact region.

    The region is the n candidates nearest an anchor candidate (Euclidean distance on the grid, ties
    to the lowest row-major index): a compact blob keeps the control's footprint comparable to the
    object's, unlike scattered tokens. The anchor follows the rule (BACKGROUND_RULES):
    - farthest: the candidate farthest from every object token (ties to the lowest index); this
      puts the control as far out as it can go, towards the image edge;
    - random: one candidate drawn with numpy's generator under `seed` (`background_draws` makes
      RANDOM_DRAWS such draws per image, whose drift the tables average);
    - distance_matched: the anchor whose region's mean distance from the image centre is closest to
      the object tokens' mean distance (ties to the lowest anchor index).
    """
    count = _background_count(object_tokens, candidates)
    grid = math.isqrt(object_tokens.size)
    coords = np.stack(np.divmod(np.arange(grid * grid), grid), axis=1).astype(float)  # [tokens, 2]
    cand_idx = np.flatnonzero(candidates)
    # row a: candidates ordered by distance from candidate a; a stable sort keeps ties in row-major order
    pairwise = np.linalg.norm(coords[cand_idx, None] - coords[None, cand_idx], axis=2)
    regions = np.argsort(pairwise, axis=1, kind="stable")[:, :count]  # [anchors, count] positions in cand_idx
    if rule == "farthest":
        to_object = np.linalg.norm(coords[cand_idx, None] - coords[None, object_tokens], axis=2).min(axis=1)
        anchor = int(np.argmax(to_object))  # argmax returns the first maximum: lowest index
    elif rule == "random":
        anchor = int(np.random.default_rng(seed).integers(cand_idx.size))
    elif rule == "distance_matched":
        from_centre = np.linalg.norm(coords - (grid - 1) / 2, axis=1)
        target = from_centre[object_tokens].mean()
        anchor = int(np.argmin(np.abs(from_centre[cand_idx][regions].mean(axis=1) - target)))
    else:
        raise MaskError(f"unknown background rule {rule!r}: choose from {', '.join(BACKGROUND_RULES)}")
    mask = np.zeros_like(object_tokens)
    mask[cand_idx[regions[anchor]]] = True
    return mask


def _background_count(object_tokens: np.ndarray, candidates: np.ndarray) -> int:
    """The object's token count, when the zero-overlap candidates can match it (else a MaskError)."""
    count = int(object_tokens.sum())
    available = int(candidates.sum())
    if count == 0:
        raise MaskError("the object covers no token on this grid")
    if available < count:
        raise MaskError(f"only {available} zero-overlap background tokens for {count} object tokens")
    return count


def matched_area_rect(object_tokens: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """A near-square background rectangle of the object's token area, placed to avoid the object.

    Its area is the object's count rounded to a rectangle (height = round(sqrt(n))). Placement:
    the position with the fewest non-candidate tokens inside, ties to the lowest (top, left).
    """
    count = int(object_tokens.sum())
    grid = math.isqrt(object_tokens.size)
    height, width = rect_shape(max(count, 1), 1.0, grid)
    blocked = (~candidates).reshape(grid, grid).astype(int)
    best, best_cost = (0, 0), None
    for top in range(grid - height + 1):
        for left in range(grid - width + 1):
            cost = blocked[top : top + height, left : left + width].sum()
            if best_cost is None or cost < best_cost:
                best, best_cost = (top, left), cost
    return _place(grid, height, width, *best)


def sample_masks(
    object_tokens: np.ndarray, candidates: np.ndarray, background: str = "farthest", seed: int = 0
) -> dict[str, np.ndarray]:
    """The paper's semantic masks for one image by job name: one per family of MASK_KINDS, except the background,
    which has one per draw of its rule (`background_draws`; `mask_family` maps a name to its family)."""
    grid = math.isqrt(object_tokens.size)
    area = float(object_tokens.mean())
    return {
        "object": object_tokens.copy(),
        **background_draws(object_tokens, candidates, background, seed),
        "bg_rect": matched_area_rect(object_tokens, candidates),
        "rect": rect_mask(grid, area, 1.0),
    }


PANEL_BUDGETS = {"small": 0.25, "medium": 0.5, "full": 1.0}  # the geometry panel's object token budgets


def budget_subset(tokens: np.ndarray, fraction: float) -> np.ndarray:
    """The `fraction` of object tokens nearest the object's centroid (ties by row-major index)."""
    grid = int(round(np.sqrt(tokens.size)))
    idx = np.flatnonzero(tokens)
    keep = max(1, round(fraction * idx.size))
    coords = np.stack(np.divmod(idx, grid), axis=1).astype(float)
    distance = np.linalg.norm(coords - coords.mean(axis=0), axis=1)
    subset = np.zeros_like(tokens)
    subset[idx[np.lexsort((idx, distance))[:keep]]] = True
    return subset
