"""Image preparation: resize to the checkpoint's processor geometry, normalise, fill masked patches."""
from __future__ import annotations

from typing import Protocol

import numpy as np
import torch
from PIL import Image

from jepa_claims.conventions import IMAGENET_MEAN, IMAGENET_STD, Conventions


class Geometry(Protocol):
    """What image preparation needs from a checkpoint's processor (see models.ProcessorGeometry)."""

    size: int
    resample: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]


def resize_image(image: Image.Image, size: int, resample: int) -> Image.Image:
    """Resize straight to size x size (no crop, aspect not kept), as ViTImageProcessor does."""
    if image.mode != "RGB":
        raise ValueError(f"expected an RGB image, got mode {image.mode!r}")
    return image.resize((size, size), resample=Image.Resampling(resample))


def resize_label(label: np.ndarray, size: int) -> np.ndarray:
    """Resize a label map with nearest neighbour and the image's geometry; values are never mixed."""
    if label.ndim != 2:
        raise ValueError(f"a label map must be 2-D, got shape {label.shape}")
    resized = Image.fromarray(np.ascontiguousarray(label, dtype=np.uint8)).resize(
        (size, size), resample=Image.Resampling.NEAREST
    )
    return np.asarray(resized, dtype=np.uint8)


def normalisation(geometry: Geometry, conv: Conventions) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Mean and std in force: the checkpoint's own, or ImageNet's (a P3 sensitivity check)."""
    if conv.normalisation == "imagenet":
        return IMAGENET_MEAN, IMAGENET_STD
    return tuple(geometry.mean), tuple(geometry.std)


def to_pixel_values(image: Image.Image, geometry: Geometry, conv: Conventions) -> torch.Tensor:
    """Resize, rescale to [0, 1] and normalise: [3, size, size] float32."""
    resized = resize_image(image, geometry.size, geometry.resample)
    array = np.asarray(resized, dtype=np.float32) / 255.0  # [H, W, 3]
    mean, std = normalisation(geometry, conv)
    array = (array - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return torch.from_numpy(array.transpose(2, 0, 1).copy())


def fill_value(geometry: Geometry, conv: Conventions) -> torch.Tensor:
    """Per-channel value written into masked pixels, in normalised units: [3]."""
    if conv.fill == "mean":
        return torch.zeros(3)
    mean, std = normalisation(geometry, conv)
    # Black is zero *before* normalisation (paper, section 2.2: "masked patches zeroed in pixel space").
    return -torch.tensor(mean) / torch.tensor(std)


def apply_pixel_mask(
    pixel_values: torch.Tensor, pixel_mask: torch.Tensor, value: torch.Tensor
) -> torch.Tensor:
    """Write the fill value where pixel_mask is true. pixel_values [B, 3, S, S], pixel_mask [B, S, S]."""
    if pixel_mask.shape != (pixel_values.shape[0], *pixel_values.shape[2:]):
        raise ValueError(f"pixel mask {tuple(pixel_mask.shape)} does not fit images {tuple(pixel_values.shape)}")
    fill = value.to(pixel_values).view(1, 3, 1, 1).expand_as(pixel_values)
    return torch.where(pixel_mask.unsqueeze(1).to(pixel_values.device), fill, pixel_values)
