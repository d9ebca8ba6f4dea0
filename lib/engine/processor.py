"""The checkpoint's own image processor (preprocessor_config.json) read as a square resize and a normalisation.

Only what a straight square resize, a rescale by 1/255 and a per-channel normalisation can express is
accepted; anything else is refused by name, since guessing would silently change every drift number.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

# PIL resample enum values; what ViTImageProcessor / BeitImageProcessor use when the json omits the key.
BILINEAR, BICUBIC = 2, 3
IMAGENET_STANDARD = (0.5, 0.5, 0.5)

# Families whose embeddings interpolate their position table to any input size (DINOv2 always does):
# their processor's size may differ from config.image_size (facebook/dinov2-*: 518 in config, 224 crop).
ANY_INPUT_SIZE = ("dinov2",)


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded: unknown id, missing files, pickled weights, wrong architecture."""


@dataclass(frozen=True)
class ProcessorGeometry:
    """How the checkpoint's own image processor turns an image into pixel_values."""

    size: int
    resample: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    note: str = ""  # how the checkpoint's processor was read, where it differs from what it does itself


def read_geometry(directory: str | Path, family: str) -> ProcessorGeometry:
    """Square resize geometry from preprocessor_config.json; keys it omits take the processor class default.

    A missing file is an error, not a fallback: the paper's checkpoints differ in resample and
    normalisation, so guessing would silently change every drift number. `size` is required.
    """
    path = Path(directory) / "preprocessor_config.json"
    if not path.is_file():
        raise CheckpointError(f"{directory}: no preprocessor_config.json (the checkpoint's own geometry is required)")
    try:
        spec = dict(json.loads(path.read_text()))
    except (json.JSONDecodeError, UnicodeDecodeError, TypeError, ValueError) as error:
        raise CheckpointError(f"{path}: not a JSON object ({error})") from error
    processor = spec.get("image_processor_type") or spec.get("feature_extractor_type") or ""
    beit = processor.startswith("Beit") or (not processor and family == "beit")
    spec, note = _straight_crop(spec, family)
    unsupported = _unsupported_steps(spec, beit)
    if unsupported:
        raise CheckpointError(f"{path}: unsupported preprocessing ({'; '.join(unsupported)})")
    normalize = spec.get("do_normalize", True)
    return ProcessorGeometry(
        size=_square_size(spec.get("size"), path),
        # BeitImageProcessor defaults to bicubic, ViTImageProcessor (I-JEPA, MAE) to bilinear.
        resample=int(spec.get("resample", BICUBIC if beit else BILINEAR)),
        mean=_triple(spec.get("image_mean", IMAGENET_STANDARD), path) if normalize else (0.0, 0.0, 0.0),
        std=_triple(spec.get("image_std", IMAGENET_STANDARD), path) if normalize else (1.0, 1.0, 1.0),
        note=note,
    )


def _straight_crop(spec: dict, family: str) -> tuple[dict, str]:
    """DINOv2's processor (shortest edge, then a square centre crop) read as a straight resize to the crop.

    A centre crop would cut objects, and so the object masks, off the image; the straight resize keeps
    the whole image at the crop's token grid, as the I-JEPA processor does. Other families are unchanged.
    """
    size, crop = spec.get("size"), spec.get("crop_size")
    if family not in ANY_INPUT_SIZE or not (isinstance(size, dict) and "shortest_edge" in size):
        return spec, ""
    if not spec.get("do_center_crop", True) or crop is None:
        return spec, ""
    side = _crop_side(crop)
    note = (f"processor resizes the shortest edge to {size['shortest_edge']} and centre-crops {side[0]}x{side[1]}; "
            f"read as a straight resize to {side[0]}x{side[1]} so no object is cropped away")
    return {**spec, "size": crop, "do_center_crop": False}, note


def _triple(values, path: Path) -> tuple[float, float, float]:
    """Per-channel RGB statistics as three floats."""
    if not isinstance(values, (list, tuple)) or len(values) != 3:
        raise CheckpointError(f"{path}: expected three per-channel values, got {values!r}")
    return tuple(float(value) for value in values)


def _unsupported_steps(spec: dict, beit: bool) -> list[str]:
    """Preprocessing steps a square resize + rescale by 1/255 + normalise cannot express."""
    problems = []
    if not spec.get("do_resize", True):
        problems.append("do_resize is false")
    if not spec.get("do_rescale", True) or abs(spec.get("rescale_factor", 1 / 255) - 1 / 255) > 1e-12:
        problems.append("rescaling other than by 1/255")
    # BeitImageProcessor's default do_center_crop is True in transformers 4.x and False in 5.x:
    # a BEiT json that leaves it out while naming a different crop_size is read as cropping.
    crops = spec.get("do_center_crop", beit and "crop_size" in spec)
    if crops and _crop_side(spec.get("crop_size")) != _crop_side(spec.get("size")):
        problems.append("a center crop smaller than the resize")
    return problems


def _crop_side(value) -> object:
    """Comparable form of a size or crop_size entry."""
    if isinstance(value, dict) and {"height", "width"} <= value.keys():
        return (value["height"], value["width"])
    return (value, value) if isinstance(value, int) else value


def _square_size(value, path: Path) -> int:
    """Side of the square resize: an int (old feature extractors) or {"height": s, "width": s}."""
    if isinstance(value, int):
        return value
    if isinstance(value, dict) and value.keys() >= {"height", "width"} and value["height"] == value["width"]:
        return int(value["height"])
    raise CheckpointError(f"{path}: size {value!r} is not a square resize (shortest_edge keeps the aspect ratio)")
