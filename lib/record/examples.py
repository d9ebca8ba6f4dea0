"""Figure 5's qualitative examples: per image, the image, its object-token mask, its matched background, its curves.

The images are picked by a fixed rule (EXAMPLE_QUANTILES of the per-image late advantage), not by eye. Their
curves come from the cached semantic table; their pixels and masks are rebuilt from the slice's files on disk by
the masking protocol itself (`engine.masks`: no model runs), at the checkpoint's own image size and patch (read
from its config files, not its weights), and their token counts checked against the cached masks table's,
so the picture shows the masks that were measured. Where the files cannot be read the rows keep their curves
and the figure says why the pictures are absent.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jepa_claims.claim.evidence import late_context
from jepa_claims.engine.masks import background_draws, image_seed, mask_family, token_roles, token_to_pixel_mask
from jepa_claims.record.drawing import COLORS

EXAMPLE_QUANTILES = (0.1, 0.5, 0.9)  # weak, typical and strong per-image advantage


class PicturesMissing(LookupError):
    """The example images or their masks cannot be rebuilt from the files (the reason is the message)."""


@dataclass(frozen=True)
class Picture:
    """One example image as the checkpoint sees it, with the two masks the semantic table measured."""

    pixels: np.ndarray  # [size, size, 3] uint8, resized by the checkpoint's own processor geometry
    object: np.ndarray  # bool [grid * grid], row-major tokens
    background: np.ndarray  # bool [grid * grid]: the zero-overlap background (draw 0 under the random rule)
    patch: int


def picks(source, checkpoint: str, slice_name: str) -> list[dict]:
    """The example images at EXAMPLE_QUANTILES of the per-image late advantage, with each one's advantage."""
    late = late_context(source, checkpoint, slice_name)
    advantage = (late["object"] - late["background"]).dropna().sort_values(kind="stable")  # [images]
    rows = {}
    for q in EXAMPLE_QUANTILES:
        image = advantage.index[round(q * (len(advantage) - 1))]
        rows.setdefault(image, {"image_id": str(image), "quantile": q, "advantage": float(advantage[image])})
    return list(rows.values())


def checkpoint_geometry(store, checkpoint: str) -> tuple[int, int, int]:
    """(image size, resample, patch) from the checkpoint's config files: its weights are never loaded."""
    from jepa_claims.engine.models import read_checkpoint_files
    from jepa_claims.worlds.checkpoints import checkpoint_folder

    _, config, geometry = read_checkpoint_files(checkpoint_folder(store.world.checkpoint(checkpoint), store.cache_dir))
    return geometry.size, geometry.resample, int(np.atleast_1d(config.patch_size)[0])


def prepare(record, data_root, conv, size: int, resample: int, patch: int) -> Picture:
    """One record's resized image and its object and zero-overlap background tokens, as the tables built them."""
    from jepa_claims.data.samples import load_sample
    from jepa_claims.engine.images import resize_image

    sample = load_sample(record, data_root)
    objects, candidates = token_roles(sample.label, record.label_kind, record.target_class, size, patch, conv)
    draws = background_draws(objects, candidates, conv.background, image_seed(record.image_id))
    pixels = np.asarray(resize_image(sample.image, size, resample), dtype=np.uint8)  # [size, size, 3]
    return Picture(pixels, objects, next(iter(draws.values())), patch)


def load_pictures(store, checkpoint: str, slice_name: str, image_ids: list[str]) -> dict[str, Picture]:
    """The pictures of these images of the slice, or PicturesMissing saying why they cannot be read."""
    try:
        size, resample, patch = checkpoint_geometry(store, checkpoint)
        records = {r.image_id: r for r in store.manifest(slice_name).records}
        absent = [i for i in image_ids if i not in records]
        if absent:
            raise PicturesMissing(f"{', '.join(absent)} not in the {slice_name} manifest of {store.world.data_root}")
        return {i: prepare(records[i], store.world.data_root, store.conv, size, resample, patch) for i in image_ids}
    except PicturesMissing:
        raise
    except Exception as exc:  # noqa: BLE001 - pictures illustrate: any fault reading them leaves the curves and says why
        raise PicturesMissing(f"the {slice_name} images cannot be read: {type(exc).__name__}: {str(exc).strip()[:300]}") from exc


def mismatch(pictures: dict[str, Picture], masks) -> list[str]:
    """Images whose rebuilt masks hide another token count than the cached masks table's (empty: all agree)."""
    counts = masks.assign(family=masks["mask"].map(mask_family)).groupby(["image_id", "family"])["tokens"].first()
    wrong = []
    for image, picture in pictures.items():
        for family in ("object", "background"):
            measured, rebuilt = counts.get((image, family)), int(getattr(picture, family).sum())
            if measured != rebuilt:
                wrong.append(f"{image} {family}: rebuilt {rebuilt} tokens, the masks table {measured}")
    return wrong


def _overlay(picture: Picture, family: str) -> np.ndarray:
    """The image with one mask's tokens tinted in its curve's colour: [size, size, 3] float in 0..1."""
    from matplotlib.colors import to_rgb

    tokens = getattr(picture, family)
    grid = int(np.sqrt(tokens.size))
    hidden = token_to_pixel_mask(tokens, grid, picture.patch)[..., None]  # [size, size, 1]
    image = picture.pixels / 255.0
    return np.where(hidden, 0.35 * image + 0.65 * np.array(to_rgb(COLORS[family])), image)


def _curves(ax, row: dict, data: dict) -> None:
    """One image's per-layer context drift, object against background, with the late window and tau."""
    for family in ("object", "background"):
        ax.plot(row["layers"], [np.nan if v is None else v for v in row[family]], label=family, color=COLORS[family], lw=1.4)
    window = data["late_window"]
    ax.axvspan(min(window) - 0.5, max(window) + 0.5, color="#f4d03f", alpha=0.3, lw=0)
    ax.axhline(data["tau"], color="grey", ls=":", lw=1)
    ax.set_title(f"advantage {row['advantage']:+.3f} ({row['quantile']:.0%} quantile)", fontsize=7)
    ax.set_xlabel("layer", fontsize=7)
    ax.set_ylabel("context drift", fontsize=7)
    ax.tick_params(labelsize=6)
    ax.legend(fontsize=6)


def draw_rows(fig, data: dict, pictures: dict[str, Picture]) -> None:
    """One row per example: image, object-token mask, matched background (when pictured), then the curves."""
    pictured = all(row["image_id"] in pictures for row in data["images"])
    columns = 4 if pictured else 1
    axes = fig.subplots(len(data["images"]), columns, squeeze=False, width_ratios=[1, 1, 1, 1.8] if pictured else None)
    for row, line in zip(data["images"], axes):
        if pictured:
            picture = pictures[row["image_id"]]
            klass = row.get("class") or ""  # a Pet id already names its breed
            named = row["image_id"] + (f" ({klass})" if klass.lower() not in row["image_id"].lower() else "")
            panels = ((picture.pixels, named),
                      (_overlay(picture, "object"), f"object: {int(picture.object.sum())} tokens"),
                      (_overlay(picture, "background"), f"background: {int(picture.background.sum())} tokens"))
            for ax, (image, title) in zip(line, panels):
                ax.imshow(image)
                ax.set_title(title, fontsize=7)
                ax.set_axis_off()
        _curves(line[-1], row, data)
