"""The training set every objective sees: synthetic scenes in the trained world's style, held in memory.

The scenes come from the same generator as the trained world's slices (`data.synthetic`, `RICH` style:
objects with a second part, class textures, occluding bars) with a seed stream of their own, so no
training scene is a slice image. Classes are drawn from all 37 pet classes, one or two objects a scene.
Pixels go through the suite's own preparation (resize, rescale, normalise), so training sees what the
claims measure.
"""
from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from jepa_claims.conventions import Conventions
from jepa_claims.data.synthetic import RICH, scene_pixels
from jepa_claims.engine.images import to_pixel_values
from jepa_claims.train.config import TrainConfig, geometry

TRAIN_STREAM = 7919  # seed-sequence tag that keeps training scenes apart from the slices' seeds
CLASSES = 37


def training_images(cfg: TrainConfig) -> torch.Tensor:
    """`cfg.scenes` prepared scenes: float32 [scenes, 3, size, size], a pure function of the config."""
    rng = np.random.default_rng([cfg.seed, TRAIN_STREAM])
    shape, conv = geometry(cfg), Conventions()
    images = []
    for _ in range(cfg.scenes):
        classes = (1 + rng.integers(CLASSES, size=1 + int(rng.random() < 0.3))).tolist()
        pixels = scene_pixels(rng, classes, RICH)
        images.append(to_pixel_values(Image.fromarray(pixels, "RGB"), shape, conv))
    return torch.stack(images)


def patches(images: torch.Tensor, patch: int) -> torch.Tensor:
    """Non-overlapping patches in row-major token order: [batch, tokens, patch * patch * 3]."""
    b, c, h, w = images.shape
    grid = images.reshape(b, c, h // patch, patch, w // patch, patch)
    return grid.permute(0, 2, 4, 3, 5, 1).reshape(b, (h // patch) * (w // patch), patch * patch * c)
