"""Low-level file readers: images to RGB, label maps to raw values, hashes. Shared by both data sets.

Images: whatever the file really is (JPEG, or PNG/GIF named ".jpg", as in Oxford-IIIT Pet), and
whatever its mode, comes back as RGB. Alpha is DROPPED, not composited: the colour channels of
the RGBA files in Oxford-IIIT Pet are the photograph, and compositing would invent a backdrop
colour. EXIF orientation is deliberately NOT applied: the trimaps and VOC masks were drawn on the
stored pixel grid, so rotating the image would misalign it with its label.

Labels: read with ``np.array(Image.open(path))`` only, never ``.convert()``: for a palette PNG
that gives the palette indices (VOC class ids), for an L PNG the grey values (trimap 1/2/3).
A label stored as RGB is refused rather than guessed back into indices.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

# Values a label map may hold, per label kind (Oxford-IIIT Pet README; VOC devkit doc).
VALID_LABEL_VALUES = {"trimap": frozenset({1, 2, 3}), "voc": frozenset({*range(21), 255})}
_READ_ERRORS = (OSError, SyntaxError, ValueError, EOFError, UnidentifiedImageError, Image.DecompressionBombError)


class DataError(ValueError):
    """A data file is missing, unreadable, or inconsistent; the message names the file(s)."""


def is_junk(name: str) -> bool:
    """True for files that are not data: macOS AppleDouble '._*' files and hidden files."""
    return name.startswith(".")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(chunk):
                digest.update(block)
    except FileNotFoundError as error:
        raise DataError(f"missing file: {path}") from error
    return digest.hexdigest()


def _open_decoded(path: Path) -> Image.Image:
    """Open and fully decode the first frame of an image file, or raise DataError naming it."""
    if not path.is_file():
        raise DataError(f"missing file: {path}")
    # Another library may have switched on Pillow's global "load truncated images" (which pads a
    # cut-off file with grey); a partial decode must be an error here, so force it off meanwhile.
    previous, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        image = Image.open(path)
        image.seek(0)  # GIF: the first frame is the picture
        image.load()
    except _READ_ERRORS as error:
        raise DataError(f"cannot read image file {path}: {error}") from error
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous
    return image


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) from the file header, without decoding the pixels."""
    if not path.is_file():
        raise DataError(f"missing file: {path}")
    try:
        with Image.open(path) as image:
            return image.size
    except _READ_ERRORS as error:
        raise DataError(f"cannot read image file {path}: {error}") from error


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to RGB; alpha is dropped (see module docstring)."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit / float greyscale: scale the full range down to 8 bits instead of clipping.
        array = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") else max(float(array.max()), 1.0)
        grey = np.clip(array / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(grey, mode="L").convert("RGB")
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA")  # through RGBA so palette transparency raises no warning
    return image.convert("RGB")


def read_image(path: Path) -> Image.Image:
    """Decode an image file (any format, any mode) to an RGB image; DataError if unreadable."""
    image = _open_decoded(path)
    try:
        return to_rgb(image)
    except _READ_ERRORS as error:
        raise DataError(f"cannot convert image file {path} (mode {image.mode}) to RGB: {error}") from error


def read_label(path: Path, label_kind: str) -> np.ndarray:
    """Raw label values as uint8 [H, W]; never colour-converted. DataError if unusable."""
    if label_kind not in VALID_LABEL_VALUES:
        raise DataError(f"unknown label kind {label_kind!r} for {path}")
    image = _open_decoded(path)
    if image.mode not in ("L", "P", "I", "I;16", "I;16B", "I;16L"):
        raise DataError(
            f"label file {path} has mode {image.mode}: a {label_kind} label must be a single-channel "
            "(L) or palette (P) image; colour labels are refused, not guessed back into indices"
        )
    values = np.array(image)  # P -> palette indices, L -> grey values: the raw labels
    if values.ndim != 2:
        raise DataError(f"label file {path} is not a 2-D map (shape {values.shape})")
    present = set(np.unique(values).tolist())
    bad = sorted(present - VALID_LABEL_VALUES[label_kind])
    if bad:
        raise DataError(f"label file {path} holds values {bad[:10]} not allowed in a {label_kind} label")
    return values.astype(np.uint8)


def check_same_size(image_path: Path, label_path: Path) -> tuple[int, int]:
    """The common (width, height) of an image and its label; DataError naming both if they differ."""
    image_wh, label_wh = image_size(image_path), image_size(label_path)
    if image_wh != label_wh:
        raise DataError(
            f"image {image_path} is {image_wh[0]}x{image_wh[1]} but its label {label_path} is "
            f"{label_wh[0]}x{label_wh[1]}"
        )
    return image_wh
