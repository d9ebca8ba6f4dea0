"""PASCAL VOC 2012 segmentation in its official on-disk layout.

    <data_root>/VOCdevkit/VOC2012/JPEGImages/<id>.jpg
    <data_root>/VOCdevkit/VOC2012/SegmentationClass/<id>.png   palette PNG: index = class 0..20, 255 = void
    <data_root>/VOCdevkit/VOC2012/ImageSets/Segmentation/{train,val,trainval}.txt   one id per line
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from jepa_claims.data.files import DataError

VOC_DIR = "VOCdevkit/VOC2012"
SPLITS = ("train", "val", "trainval")
VOID = 255
CLASSES = (
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
)


def palette() -> list[int]:
    """The VOC devkit colour map (bit-interleaved), 256 RGB triples flattened; 255 -> (224, 224, 192)."""
    colours = []
    for index in range(256):
        red = green = blue = 0
        value = index
        for shift in range(7, -1, -1):
            red |= (value & 1) << shift
            green |= ((value >> 1) & 1) << shift
            blue |= ((value >> 2) & 1) << shift
            value >>= 3
        colours += [red, green, blue]
    return colours


def image_rel(image_id: str) -> str:
    """Image path relative to data_root (posix)."""
    return f"{VOC_DIR}/JPEGImages/{image_id}.jpg"


def label_rel(image_id: str) -> str:
    """SegmentationClass path relative to data_root (posix)."""
    return f"{VOC_DIR}/SegmentationClass/{image_id}.png"


def read_split(data_root: Path, split: str = "trainval") -> list[str]:
    """Image ids of an ImageSets/Segmentation list, in file order."""
    if split not in SPLITS:
        raise DataError(f"unknown VOC segmentation split {split!r}; expected one of {SPLITS}")
    path = Path(data_root) / VOC_DIR / "ImageSets" / "Segmentation" / f"{split}.txt"
    if not path.is_file():
        raise DataError(f"missing VOC list file: {path}")
    ids = [line.split()[0] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(set(ids)) != len(ids):
        raise DataError(f"{path} lists an id more than once")
    return ids


def class_counts(label: np.ndarray) -> dict[int, int]:
    """Pixel count per foreground class (1..20) present in a raw VOC label map."""
    values, counts = np.unique(label, return_counts=True)
    return {int(v): int(c) for v, c in zip(values, counts) if 0 < v < VOID}


def dominant_class(label: np.ndarray) -> int | None:
    """Foreground class with the most pixels (ignoring 0 and 255); ties to the lower index; None if none."""
    counts = class_counts(label)
    if not counts:
        return None
    return max(sorted(counts), key=lambda cls: counts[cls])  # max keeps the first (lowest) on ties
