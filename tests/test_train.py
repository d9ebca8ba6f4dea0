"""The trained world's training pieces: each objective's masks, the schedule, the codebook, the scenes."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from jepa_claims.data.synthetic import PLAIN, RICH, scene_pixels
from jepa_claims.train.beit import kmeans
from jepa_claims.train.config import FULL, SMALL, encoder_config
from jepa_claims.train.loop import learning_rate, objective
from jepa_claims.train.masking import TARGETS, beit_masks, ijepa_masks
from jepa_claims.train.scenes import patches, training_images


def test_ijepa_context_never_holds_a_target_token_and_blocks_stack():
    """Every context token lies outside all four target blocks; each block has one size across the batch."""
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        context, targets = ijepa_masks(gen, 8, 8)
        assert len(targets) == TARGETS and context.shape[0] == 8
        for image in range(8):
            hidden = set(torch.cat([t[image] for t in targets]).tolist())
            assert not hidden & set(context[image].tolist())


def test_beit_masks_cover_about_the_ratio_in_blocks():
    """Blockwise masks reach the ratio and overshoot it by less than one block of the grid."""
    masks = beit_masks(torch.Generator().manual_seed(0), 16, 8, 0.4)
    counts = masks.sum(1)
    assert (counts >= round(0.4 * 64)).all() and (counts < 64).all()


def test_learning_rate_warms_up_then_decays_to_zero():
    """Linear warm-up to the peak, cosine to (nearly) zero at the last step."""
    cfg = dataclasses.replace(FULL, steps=100, warmup=10)
    rates = [learning_rate(cfg, s) for s in range(100)]
    assert rates[9] == pytest.approx(cfg.lr) and rates[0] == pytest.approx(cfg.lr / 10)
    assert all(a >= b for a, b in zip(rates[9:], rates[10:])) and rates[-1] < cfg.lr * 1e-3


def test_kmeans_finds_separated_clusters():
    """Two far-apart clouds end as two centroids near their means."""
    gen = torch.Generator().manual_seed(0)
    points = torch.cat([torch.randn(50, 3, generator=gen) * 0.1, torch.randn(50, 3, generator=gen) * 0.1 + 5])
    centroids = kmeans(points, 2, 10, torch.Generator().manual_seed(1))
    assert sorted(round(float(c.mean())) for c in centroids) == [0, 5]


def test_patches_are_in_token_order():
    """Token t of `patches` is the pixels of grid cell (t // grid, t % grid)."""
    images = torch.arange(2 * 3 * 16 * 16, dtype=torch.float32).reshape(2, 3, 16, 16)
    flat = patches(images, 8)
    assert flat.shape == (2, 4, 192)
    assert torch.equal(flat[1, 2].reshape(8, 8, 3).permute(2, 0, 1), images[1, :, 8:16, 0:8])


def test_rich_scenes_add_parts_and_occluders_and_plain_ones_do_not():
    """The trained world's style paints more than the body; the toy's default style is left as it was."""
    plain = scene_pixels(np.random.default_rng(3), [5], PLAIN)
    rich = scene_pixels(np.random.default_rng(3), [5], RICH)
    assert plain.shape == rich.shape == (120, 160, 3) and (plain != rich).any()
    assert np.array_equal(plain, scene_pixels(np.random.default_rng(3), [5], PLAIN))


def test_training_images_are_a_pure_function_of_the_config():
    """Same config, same pixels; another seed, other scenes."""
    first = training_images(SMALL)
    assert first.shape == (SMALL.scenes, 3, SMALL.image_size, SMALL.image_size)
    assert torch.equal(first, training_images(SMALL))
    assert not torch.equal(first, training_images(dataclasses.replace(SMALL, seed=1)))


@pytest.mark.parametrize("family", ["ijepa", "vit_mae", "beit"])
def test_every_objective_trains_the_shared_shape(family):
    """All three encoders have the config's shape, and one loss is a finite scalar with gradients."""
    images = training_images(SMALL)
    task = objective(family, SMALL, images)
    loss = task.loss(images[:4], torch.Generator().manual_seed(0))
    loss.backward()
    assert loss.ndim == 0 and torch.isfinite(loss)
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in task.trainable())
    config = task.checkpoint().config
    expected = encoder_config(family, SMALL)
    assert (config.hidden_size, config.num_hidden_layers, config.image_size) == (expected.hidden_size, expected.num_hidden_layers, expected.image_size)


def test_an_unknown_family_is_named():
    with pytest.raises(ValueError, match="no training objective for family 'vit'"):
        objective("vit", SMALL, training_images(SMALL))
