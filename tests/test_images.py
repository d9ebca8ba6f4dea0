"""Image preparation: resize geometry, normalisation and fill conventions."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import torch
from PIL import Image

from jepa_claims.conventions import IMAGENET_MEAN, IMAGENET_STD, Conventions
from jepa_claims.engine.images import apply_pixel_mask, fill_value, resize_label, to_pixel_values


@dataclass(frozen=True)
class Geo:
    """Processor geometry like I-JEPA's: 224, bilinear, mean = std = 0.5."""

    size: int = 28
    resample: int = 2
    mean: tuple = (0.5, 0.5, 0.5)
    std: tuple = (0.5, 0.5, 0.5)


def unnormalise(values: torch.Tensor, mean, std) -> torch.Tensor:
    """Back to [0, 1] pixel units."""
    return values * torch.tensor(std).view(3, 1, 1) + torch.tensor(mean).view(3, 1, 1)


def test_pixel_values_shape_and_range():
    """Resize straight to size x size (aspect not kept) and normalise with the processor's mean/std."""
    image = Image.fromarray(np.full((30, 50, 3), 255, np.uint8))
    values = to_pixel_values(image, Geo(), Conventions())
    assert values.shape == (3, 28, 28)
    assert torch.allclose(values, torch.ones_like(values))


@pytest.mark.parametrize("normalisation", ["processor", "imagenet"])
def test_black_fill_is_zero_before_normalisation(normalisation):
    """Default fill: masked pixels are black in pixel space, whatever the normalisation."""
    conv = Conventions(normalisation=normalisation)
    mean, std = (Geo().mean, Geo().std) if normalisation == "processor" else (IMAGENET_MEAN, IMAGENET_STD)
    values = torch.randn(1, 3, 28, 28)
    mask = torch.zeros(1, 28, 28, dtype=torch.bool)
    mask[:, :14, :14] = True
    filled = apply_pixel_mask(values, mask, fill_value(Geo(), conv))
    pixels = unnormalise(filled[0], mean, std)
    assert torch.allclose(pixels[:, :14, :14], torch.zeros(3, 14, 14), atol=1e-6)
    assert torch.equal(filled[0, :, 14:], values[0, :, 14:])


def test_mean_fill_is_zero_after_normalisation():
    """Mean-grey fill writes 0 in normalised units."""
    filled = apply_pixel_mask(torch.randn(2, 3, 28, 28), torch.ones(2, 28, 28, dtype=torch.bool),
                              fill_value(Geo(), Conventions(fill="mean")))
    assert torch.equal(filled, torch.zeros_like(filled))


def test_resize_label_keeps_values():
    """Nearest neighbour never invents a label value (VOC palette indices, trimap 1/2/3)."""
    label = np.random.default_rng(0).choice(np.array([0, 1, 15, 255], np.uint8), size=(37, 53))
    assert set(np.unique(resize_label(label, 224))) <= {0, 1, 15, 255}


def test_image_and_label_stay_aligned():
    """A coloured block and its label land on the same pixels after resizing."""
    array = np.zeros((60, 90, 3), np.uint8)
    label = np.zeros((60, 90), np.uint8)
    array[15:45, 30:60] = (255, 0, 0)
    label[15:45, 30:60] = 1
    values = to_pixel_values(Image.fromarray(array), Geo(size=56), Conventions())
    red = values[0] > 0.5
    resized = torch.from_numpy(resize_label(label, 56) == 1)
    interior = torch.zeros_like(red)
    interior[16:40, 21:35] = True
    assert torch.equal(red & interior, resized & interior)
    assert (red != resized).sum() <= 2 * 56


def test_mask_shape_mismatch_is_refused():
    """A pixel mask of the wrong size is a clear error."""
    with pytest.raises(ValueError, match="does not fit"):
        apply_pixel_mask(torch.zeros(1, 3, 8, 8), torch.zeros(1, 4, 4, dtype=torch.bool), torch.zeros(3))
