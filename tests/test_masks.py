"""Token masks: rectangles, object tokens, zero-overlap matched background, exact patch blocks."""
from __future__ import annotations

import math

import numpy as np
import pytest

from jepa_claims.conventions import Conventions
from jepa_claims.engine.masks import (
    BACKGROUND_RULES, MaskError, image_seed, matched_area_rect, matched_background, patch_fraction, pixel_roles, rect_mask,
    sample_masks, token_roles, token_to_pixel_mask,
)


def trimap(height: int = 112, width: int = 112) -> np.ndarray:
    """A pet (1) with a border ring (3) on background (2)."""
    label = np.full((height, width), 2, np.uint8)
    label[30:70, 40:80] = 3
    label[32:68, 42:78] = 1
    return label


def test_object_tokens_are_any_overlap_and_candidates_zero_overlap():
    """Object = nonzero overlap; candidates = no pixel of object, border or void."""
    label = trimap()
    obj, cand = token_roles(label, "trimap", None, 224, 14, Conventions())
    fraction = patch_fraction(np.isin(np.kron(label, np.ones((2, 2), np.uint8)), (1, 3)), 14).reshape(-1)
    assert np.array_equal(obj, fraction > 0)
    assert np.array_equal(cand, fraction == 0)
    assert not (obj & cand).any()


def test_trimap_rule_pet_only_shrinks_the_object():
    """The 'pet' rule excludes the border ring from object pixels but not from the exclusion zone."""
    label = trimap()
    both, _ = pixel_roles(label, "trimap", None, Conventions())
    pet, clean = pixel_roles(label, "trimap", None, Conventions(trimap_object="pet"))
    assert pet.sum() < both.sum()
    assert not (clean & (label == 3)).any()


def test_voc_other_classes_and_void_are_never_background():
    """VOC: only label 0 is clean background; other classes and 255 are excluded."""
    label = np.zeros((224, 224), np.uint8)
    label[0:100, 0:100] = 12
    label[150:200, 150:200] = 15
    label[100:102, 0:100] = 255
    obj, cand = token_roles(label, "voc", 12, 224, 14, Conventions())
    person = token_roles((label == 15).astype(np.uint8), "voc", 1, 224, 14, Conventions())[0]
    assert not (cand & person).any() and not (cand & obj).any()
    with pytest.raises(MaskError, match="target class"):
        token_roles(label, "voc", None, 224, 14, Conventions())


@pytest.mark.parametrize("area,aspect", [(0.1, 1.0), (0.25, 1.0), (0.25, 4.0), (0.25, 0.5), (1.0, 1.0)])
def test_rect_mask_area_and_aspect(area, aspect):
    """A rectangle covers about the asked area with the asked aspect, as one solid block."""
    mask = rect_mask(16, area, aspect).reshape(16, 16)
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    height, width = len(rows), len(cols)
    assert mask.sum() == height * width
    assert abs(mask.sum() - area * 256) <= max(height, width)
    if area < 1:
        assert abs(np.log(width / height) - np.log(aspect)) < 0.5


def test_rect_mask_rejects_bad_area():
    """Areas outside (0, 1] are refused."""
    with pytest.raises(MaskError):
        rect_mask(16, 0.0)


def test_matched_background_counts_overlap_and_determinism():
    """Same count as the object, zero overlap, same answer every time."""
    obj, cand = token_roles(trimap(), "trimap", None, 224, 14, Conventions())
    first = matched_background(obj, cand)
    assert first.sum() == obj.sum()
    assert not (first & ~cand).any()
    assert np.array_equal(first, matched_background(obj, cand))


def test_matched_background_too_few_candidates_is_a_clear_error():
    """An object covering most of the grid leaves too few zero-overlap tokens."""
    obj = np.zeros(256, bool)
    obj[:200] = True
    with pytest.raises(MaskError, match="only 56 zero-overlap background tokens for 200 object tokens"):
        matched_background(obj, ~obj)


def test_matched_area_rect_avoids_the_object_when_it_can():
    """The background rectangle has the object's area (as a rectangle) and no object token."""
    obj, cand = token_roles(trimap(), "trimap", None, 224, 14, Conventions())
    rect = matched_area_rect(obj, cand)
    assert abs(int(rect.sum()) - int(obj.sum())) <= 4
    assert not (rect & obj).any()


def test_token_to_pixel_mask_is_exact_patch_blocks():
    """Each token becomes exactly its patch x patch block."""
    tokens = np.zeros(16, bool)
    tokens[[0, 5, 15]] = True
    pixels = token_to_pixel_mask(tokens, 4, 3)
    assert pixels.shape == (12, 12) and pixels.sum() == 27
    assert np.array_equal(patch_fraction(pixels, 3).reshape(-1), tokens.astype(float))


def test_sample_masks_share_budget():
    """Object and zero-overlap background have identical token budgets (Table 4)."""
    obj, cand = token_roles(trimap(), "trimap", None, 224, 14, Conventions())
    masks = sample_masks(obj, cand)
    assert masks["object"].sum() == masks["background"].sum()
    assert set(masks) == {"object", "background", "bg_rect", "rect"}


def grid_object(rows: slice, cols: slice, grid: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """A planted token grid: (object tokens in a block, every other token a zero-overlap candidate)."""
    obj = np.zeros((grid, grid), bool)
    obj[rows, cols] = True
    return obj.reshape(-1), ~obj.reshape(-1)


def centre_distance(tokens: np.ndarray) -> float:
    """Mean distance of the set tokens from the grid's centre, in tokens."""
    grid = math.isqrt(tokens.size)
    rows, cols = np.divmod(np.flatnonzero(tokens), grid)
    return float(np.hypot(rows - (grid - 1) / 2, cols - (grid - 1) / 2).mean())


PLANTED = {"centre": grid_object(slice(6, 10), slice(6, 10)), "corner": grid_object(slice(0, 3), slice(0, 5)),
           "edge": grid_object(slice(5, 11), slice(0, 2))}


@pytest.mark.parametrize("rule", BACKGROUND_RULES)
@pytest.mark.parametrize("case", sorted(PLANTED))
def test_every_background_rule_is_zero_overlap_count_matched_and_deterministic(rule, case):
    """Each rule takes exactly the object's token count, only from zero-overlap candidates, the same every time."""
    obj, cand = PLANTED[case]
    cand = cand & (np.arange(256) % 7 != 0)  # some non-object tokens are not clean background either
    mask = matched_background(obj, cand, rule, seed=3)
    assert mask.sum() == obj.sum()
    assert not (mask & ~cand).any()
    assert np.array_equal(mask, matched_background(obj, cand, rule, seed=3))


def test_farthest_background_is_the_far_corner():
    """The default rule anchors at the candidate farthest from the object: the opposite corner."""
    obj, cand = PLANTED["corner"]
    assert matched_background(obj, cand, "farthest").reshape(16, 16)[15, 15]


def test_random_background_follows_its_seed():
    """A seed gives one region; other seeds give others; an image's seed is stable and differs between images."""
    obj, cand = PLANTED["centre"]
    draws = {matched_background(obj, cand, "random", seed).tobytes() for seed in range(8)}
    assert len(draws) > 1
    assert image_seed("Abyssinian_1") == image_seed("Abyssinian_1") != image_seed("Abyssinian_2")


@pytest.mark.parametrize("case", sorted(PLANTED))
def test_distance_matched_background_is_the_best_match_from_the_centre(case):
    """Its mean distance from the centre is the closest to the object's of any compact candidate region."""
    obj, cand = PLANTED[case]
    target = centre_distance(obj)
    matched = abs(centre_distance(matched_background(obj, cand, "distance_matched")) - target)
    anchors = np.flatnonzero(cand)
    coords = np.stack(np.divmod(np.arange(256), 16), axis=1)
    regions = [anchors[np.lexsort((anchors, np.hypot(*(coords[anchors] - coords[a]).T)))[: obj.sum()]] for a in anchors]
    best = min(abs(centre_distance(np.isin(np.arange(256), region)) - target) for region in regions)
    assert matched == pytest.approx(best, abs=1e-9)
    if case != "centre":  # a central object leaves no candidate region as close to the centre as itself
        assert matched < 0.5


def test_distance_matched_background_undoes_the_edge_bias_of_farthest():
    """A central object: the farthest region sits at a corner, the distance-matched one near the centre."""
    obj, cand = PLANTED["centre"]
    farthest = centre_distance(matched_background(obj, cand, "farthest"))
    matched = centre_distance(matched_background(obj, cand, "distance_matched"))
    assert centre_distance(obj) < 2 and farthest > 8 and matched < 4


def test_sample_masks_use_the_background_rule_and_unknown_rules_are_refused():
    """sample_masks passes the rule through; an unknown rule is a MaskError naming the known ones."""
    obj, cand = PLANTED["centre"]
    assert not np.array_equal(sample_masks(obj, cand, "farthest")["background"],
                              sample_masks(obj, cand, "distance_matched")["background"])
    with pytest.raises(MaskError, match="unknown background rule 'nearest': choose from farthest, random, distance_matched"):
        matched_background(obj, cand, "nearest")
