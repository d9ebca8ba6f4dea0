"""Synthetic scenes written in the official Oxford-IIIT Pet and PASCAL VOC 2012 layouts.

The toy world runs the real readers on these files. Each scene is a textured, muted background
with one or more saturated objects whose colour, stripe texture and shape depend on the class (so
a toy model has something to see). Output is a pure function of the arguments: the same seed gives
byte-identical files. Object size (`object_scale`: diameter as a fraction of the image sides),
position (`center`: fractions, or random) and count (`objects`) are controllable. A `Style` adds
what the trained world needs for objects to be predictable from context (off by default, so the toy
world's files are unchanged): a second part per object (a "head" on the body's edge, in a
class-dependent direction, with a darker class-dependent texture) and muted occluding bars painted
over the scene, which cut the object masks (labels are the visible object pixels).

Defaults: pets = the first 16 breeds in class-id order x 12 trainval + 2 test images, VOC =
classes 1..10 x 4 images, 160 x 120 pixels; every default image passes the slice eligibility
rule, so all of 4x3, 8x3, 12x3, 16x3 and voc8x3 can be built.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from jepa_claims.data import pets

from jepa_claims.data import voc

SIZE = (160, 120)  # (width, height)
OBJECT_SCALE = (0.35, 0.55)
JPEG_QUALITY = 90
_GOLDEN = 0.6180339887


@dataclass(frozen=True)
class Style:
    """Scene content beyond one textured blob per object (the default is the toy world's scenes)."""

    parts: bool = False  # a class-dependent second part (head) attached to each object's body
    occluders: int = 0  # muted bars painted over the scene after the objects


PLAIN = Style()
RICH = Style(parts=True, occluders=1)


def _background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Muted low-frequency texture (a few random plane waves plus noise): float [H, W, 3] in 0..1."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    base = rng.uniform(0.3, 0.7, size=3)
    field = np.zeros((height, width))
    for _ in range(3):
        angle, freq, phase = rng.uniform(0, np.pi), rng.uniform(0.02, 0.12), rng.uniform(0, 2 * np.pi)
        field += np.sin(freq * (xx * np.cos(angle) + yy * np.sin(angle)) + phase)
    field = field / 3.0 * 0.15 + rng.normal(0.0, 0.03, size=(height, width))
    return np.clip(base[None, None, :] * 0.6 + 0.2 + field[..., None], 0, 1)


def _appearance(index: int, height: int, width: int) -> np.ndarray:
    """Class-dependent saturated striped texture: float [H, W, 3] in 0..1."""
    hue = (index * _GOLDEN) % 1.0
    colour = np.clip(np.abs((hue * 6 + np.array([0.0, 4.0, 2.0])) % 6 - 3) - 1, 0, 1)  # HSV -> RGB, s = v = 1
    angle, freq = (index * 37 % 180) * np.pi / 180, 0.35 + 0.12 * (index % 4)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    stripes = 0.7 + 0.3 * np.sin(freq * (xx * np.cos(angle) + yy * np.sin(angle)))
    return colour[None, None, :] * stripes[..., None]


def _shape(index: int, rng: np.random.Generator, height: int, width: int, scale: tuple[float, float],
           center: tuple[float, float] | None, margin: int) -> np.ndarray:
    """Superellipse object mask (exponent and aspect depend on the class): bool [H, W]."""
    power, aspect = (2.0, 2.5, 3.0)[index % 3], (0.8, 1.0, 1.2)[(index // 3) % 3]
    s = rng.uniform(*scale)
    half_w = max(2.0, min(s * width * aspect, width - 2 * margin - 2) / 2)
    half_h = max(2.0, min(s * height / aspect, height - 2 * margin - 2) / 2)
    if center is None:
        cx = rng.uniform(half_w + margin, width - half_w - margin)
        cy = rng.uniform(half_h + margin, height - half_h - margin)
    else:
        cx, cy = center[0] * width, center[1] * height
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64) + 0.5
    return (np.abs((xx - cx) / half_w) ** power + np.abs((yy - cy) / half_h) ** power) <= 1.0


def _head(index: int, body: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A disc centred on the body's edge in a class-dependent direction (with a little jitter): bool [H, W]."""
    ys, xs = np.nonzero(body)
    angle = (index * 67 % 360 + rng.uniform(-15, 15)) * np.pi / 180
    reach = (xs - xs.mean()) * np.cos(angle) + (ys - ys.mean()) * np.sin(angle)
    k = int(reach.argmax())
    radius = 0.45 * np.sqrt(body.sum() / np.pi)
    yy, xx = np.mgrid[0:body.shape[0], 0:body.shape[1]].astype(np.float64) + 0.5
    return (xx - xs[k] - 0.5) ** 2 + (yy - ys[k] - 0.5) ** 2 <= radius ** 2


def _occluder(rng: np.random.Generator, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """A muted bar (mask, colour) across part of the scene: thickness 8-14% of the height, any of 4 angles."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64) + 0.5
    angle = rng.choice([0.0, 0.25, 0.5, 0.75]) * np.pi
    cx, cy = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
    across = np.abs((xx - cx) * np.sin(angle) - (yy - cy) * np.cos(angle))
    along = np.abs((xx - cx) * np.cos(angle) + (yy - cy) * np.sin(angle))
    mask = (across <= rng.uniform(0.04, 0.07) * height) & (along <= rng.uniform(0.25, 0.45) * width)
    return mask, np.full(3, rng.uniform(0.25, 0.6)) + rng.uniform(-0.05, 0.05, size=3)


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary dilation with a (2r+1)^2 square."""
    padded = np.pad(mask, radius)
    height, width = mask.shape
    out = np.zeros_like(mask)
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):
            out |= padded[dy:dy + height, dx:dx + width]
    return out


def _ring(mask: np.ndarray, radius: int) -> np.ndarray:
    """Thin band straddling the object's edge: dilation minus erosion."""
    return _dilate(mask, radius) & _dilate(~mask, radius)  # = dilation minus erosion


def _save_jpeg(pixels: np.ndarray, path: Path) -> None:
    """Write float RGB in 0..1 as a JPEG (deterministic bytes for the same pixels)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((pixels * 255 + 0.5).astype(np.uint8), "RGB").save(path, "JPEG", quality=JPEG_QUALITY)


def _scene(rng: np.random.Generator, classes: Sequence[int], size: tuple[int, int], scale: tuple[float, float],
           center: tuple[float, float] | None, margin: int, style: Style = PLAIN) -> tuple[np.ndarray, list[np.ndarray]]:
    """Background plus objects painted in order, then occluders: (pixels [H, W, 3], visible object masks)."""
    width, height = size
    pixels = _background(rng, height, width)
    masks = []
    for k, cls in enumerate(classes):
        # Extra objects are half size, so the first one stays dominant (VOC target = dominant label).
        obj_scale = scale if k == 0 else (scale[0] / 2, scale[1] / 2)
        mask = _shape(cls, rng, height, width, obj_scale, center if k == 0 else None, margin)
        pixels[mask] = _appearance(cls, height, width)[mask]
        if style.parts:
            head = _head(cls, mask, rng) & ~mask
            pixels[head] = 0.55 * _appearance(cls + 7, height, width)[head]
            mask = mask | head
        masks.append(mask)
    for _ in range(style.occluders):
        bar, colour = _occluder(rng, height, width)
        pixels[bar] = colour
        masks = [m & ~bar for m in masks]
    return pixels, masks


def scene_pixels(rng: np.random.Generator, classes: Sequence[int], style: Style, size: tuple[int, int] = SIZE,
                 object_scale: tuple[float, float] = OBJECT_SCALE) -> np.ndarray:
    """One scene's pixels as uint8 [H, W, 3] (the JPEG writers' rounding), for training sets held in memory."""
    pixels, _ = _scene(rng, classes, size, object_scale, None, 3, style)
    return (pixels * 255 + 0.5).astype(np.uint8)


def _pet_ids(rng: np.random.Generator, breed: str, count: int) -> list[str]:
    """Distinct ids '<breed>_<n>', n drawn from 1..max(200, 2*count) so numeric and text order differ."""
    numbers = sorted(rng.choice(np.arange(1, max(200, 2 * count) + 1), size=count, replace=False).tolist())
    return [f"{breed}_{n}" for n in numbers]


def write_pets(root: Path, breeds: int | Sequence[str] = 16, per_breed: int = 12, test_per_breed: int = 2,
               seed: int = 0, size: tuple[int, int] = SIZE, object_scale: tuple[float, float] = OBJECT_SCALE,
               objects: int = 1, center: tuple[float, float] | None = None, border: int = 1,
               style: Style = PLAIN) -> list[str]:
    """Write <root>/oxford-iiit-pet/ (images, trimaps, trainval/test/list.txt); returns trainval ids."""
    names = list(pets.BREEDS[:breeds]) if isinstance(breeds, int) else list(breeds)
    base = Path(root) / pets.PETS_DIR
    lines: dict[str, list[str]] = {"trainval": [], "test": []}
    for breed in names:
        cls = pets.class_id_of(breed)
        rng = np.random.default_rng([seed, cls])
        ids = _pet_ids(rng, breed, per_breed + test_per_breed)
        test = set(rng.choice(ids, size=test_per_breed, replace=False).tolist()) if test_per_breed else set()
        for image_id in ids:
            pixels, masks = _scene(rng, [cls] * objects, size, object_scale, center, border + 2, style)
            pet = np.logical_or.reduce(masks)
            trimap = np.full(pet.shape, 2, np.uint8)
            trimap[pet] = 1
            trimap[_ring(pet, border)] = 3  # the "unclassified" border band around the pet
            _save_jpeg(pixels, base / "images" / f"{image_id}.jpg")
            _save_png(trimap, base / "annotations" / "trimaps" / f"{image_id}.png", None)
            line = f"{image_id} {cls} {pets.species_of(breed)} {pets.breed_id_of(breed)}"
            lines["test" if image_id in test else "trainval"].append(line)
    _write_pet_lists(base / "annotations", lines)
    return sorted(line.split()[0] for line in lines["trainval"])


def _write_pet_lists(folder: Path, lines: dict[str, list[str]]) -> None:
    """trainval.txt and test.txt sorted as text (as the official files are), list.txt with its comments."""
    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in lines.items():
        (folder / f"{split}.txt").write_text("".join(f"{row}\n" for row in sorted(rows)), encoding="utf-8")
    header = ("#Image CLASS-ID SPECIES BREED ID\n#ID: 1:37 Class ids\n#SPECIES: 1:Cat 2:Dog\n"
              "#BREED ID: 1-25:Cat 1:12:Dog\n#All images with 1st letter as captial are cat images\n"
              "#images with small first letter are dog images\n")
    rows = sorted(lines["trainval"] + lines["test"])
    (folder / "list.txt").write_text(header + "".join(f"{row}\n" for row in rows), encoding="utf-8")


def _save_png(label: np.ndarray, path: Path, colours: list[int] | None) -> None:
    """Write a label map: L PNG, or P PNG with the given palette (indices stored as-is)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height, width = label.shape
    image = Image.frombytes("P" if colours else "L", (width, height), np.ascontiguousarray(label, np.uint8).tobytes())
    if colours:
        image.putpalette(colours)
    image.save(path, "PNG")


def write_voc(root: Path, classes: Sequence[int | str] = tuple(range(1, 11)), per_class: int = 4, seed: int = 0,
              size: tuple[int, int] = SIZE, object_scale: tuple[float, float] = OBJECT_SCALE, objects: int = 1,
              center: tuple[float, float] | None = None, void: int = 2, style: Style = PLAIN) -> list[str]:
    """Write <root>/VOCdevkit/VOC2012/ (JPEGImages, SegmentationClass, ImageSets/Segmentation); returns ids."""
    indices = [voc.CLASSES.index(c) if isinstance(c, str) else int(c) for c in classes]
    base, colours = Path(root) / voc.VOC_DIR, voc.palette()
    ids: list[str] = []
    for cls in indices:
        rng = np.random.default_rng([seed, 1000 + cls])
        for k in range(per_class):
            image_id = f"{2007 + k % 6}_{cls * 1000 + k:06d}"
            others = [1 + (cls + j) % 20 for j in range(1, objects)]  # distractors of other classes
            pixels, masks = _scene(rng, [cls, *others], size, object_scale, center, void + 2, style)
            label = np.zeros(masks[0].shape, np.uint8)
            for obj_cls, mask in zip([cls, *others], masks):
                label[mask] = obj_cls
            label[np.logical_or.reduce([_ring(m, void) for m in masks])] = voc.VOID  # void along every boundary
            _save_jpeg(pixels, base / "JPEGImages" / f"{image_id}.jpg")
            _save_png(label, base / "SegmentationClass" / f"{image_id}.png", colours)
            ids.append(image_id)
    _write_voc_lists(base / "ImageSets" / "Segmentation", sorted(ids))
    return sorted(ids)


def _write_voc_lists(folder: Path, ids: list[str]) -> None:
    """train = every other id, val = the rest, trainval = all (sorted, one id per line)."""
    folder.mkdir(parents=True, exist_ok=True)
    splits = {"train": ids[0::2], "val": ids[1::2], "trainval": ids}
    for split, rows in splits.items():
        (folder / f"{split}.txt").write_text("".join(f"{row}\n" for row in rows), encoding="utf-8")


def write_all(root: Path, seed: int = 0, style: Style = PLAIN) -> Path:
    """Both data sets with their defaults under one data root; returns the root."""
    write_pets(root, seed=seed, style=style)
    write_voc(root, seed=seed, style=style)
    return Path(root)
