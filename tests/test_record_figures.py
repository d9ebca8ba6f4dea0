"""The record's figures in the paper's form: captions verbatim, the paper's slices, groups and bins, each placed with
the claims it shows; Figure 5's rows rebuilt from planted tables and planted images; the figure partial escapes."""
from __future__ import annotations

import base64
import io
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from claim_modules import CLAIMS
from test_report import PlantedTables

from jepa_claims.data.samples import pet_record
from jepa_claims.data.synthetic import write_pets
from jepa_claims.paper.sentences import caption
from jepa_claims.record import examples, figures
from jepa_claims.record.templating import environment

PAPER_FIGURES = ("figure2", "figure3", "figure4", "figure5", "figure6")  # Figure 1 is a schematic: nothing to measure
GEOMETRY = (224, 2, 14)  # (size, bilinear, patch): a 16 x 16 token grid, as the paper's ViT-H/14 at 224


class EveryPaperSlice:
    slices = ("4x3", "8x3", "12x3", "16x3", "voc8x3")
    checkpoints = (SimpleNamespace(key="ijepa_1k"),)


def _entries(store, world=EveryPaperSlice()) -> dict:
    """The figure entries by id."""
    return {f["id"]: f for f in figures.figure_data(figures.CachedSource(store), world)}


def test_each_paper_figure_quotes_its_caption_verbatim_and_ours_are_notes():
    """Figures 2-6 carry the paper's caption exactly as lib/paper stores it; the figures beyond the paper none."""
    data = _entries(PlantedTables())
    assert [f for f in data if f.startswith("figure")] == list(PAPER_FIGURES)
    for fid in PAPER_FIGURES:
        assert data[fid]["paper_caption"] == caption(fid).text and data[fid]["note"]
        assert "caption" not in data[fid]  # our words are the note, never passed off as a caption
    assert data["drift"]["paper_caption"] is None and data["heads"]["paper_caption"] is None


def test_figures_are_drawn_on_the_papers_slices_groups_and_bins():
    """Figure 2 on the Pet 4x3, 8x3, 12x3; Figure 3 on 8x3, 12x3 with its three groups; Figure 4 tertiles of
    object tokens on 8x3; Figure 5 on 16x3; Figure 6 the three groups at 25, 50, 100% budgets on 8x3."""
    data = {k: v["data"] for k, v in _entries(PlantedTables()).items()}
    assert [r["slice"] for r in data["figure2"]["rows"]] == ["4x3", "8x3", "12x3"]  # not 16x3, not VOC
    assert [r["slice"] for r in data["figure3"]["rows"]] == ["8x3", "12x3"] and data["figure3"]["groups"] == ["single", "pair", "triple"]
    bins = data["figure4"]["bins"]
    assert data["figure4"]["slice"] == "8x3" and [b["n"] for b in bins] == [4, 4, 4]
    assert all(a["tokens_max"] < b["tokens_min"] for a, b in zip(bins, bins[1:]))  # ordered by object token count
    assert all(b["win_rate"] == 1.0 for b in bins)  # the planted object mask drifts more on every image
    assert data["figure5"]["slice"] == "16x3" and [r["quantile"] for r in data["figure5"]["images"]] == [0.1, 0.5, 0.9]
    assert data["figure6"]["slice"] == "8x3" and data["figure6"]["fractions"] == [0.25, 0.5, 1.0]
    assert list(data["figure6"]["rescue"]) == ["single", "pair", "triple"]


def test_a_claim_shows_exactly_the_figures_whose_captions_it_tests():
    """A claim declares a drawn figure exactly when it tests a sentence of that figure's caption, and every
    drawn paper figure is placed with at least one claim."""
    drawn = {fid for fid, *_ in figures.FIGURES}
    placed = set()
    for claim_id in CLAIMS.ids():
        claim = CLAIMS.get(claim_id)
        tested = {s.split(".")[0] for s in claim.sentences if s.split(".")[0] in drawn}
        assert set(claim.figures) == tested, claim_id
        assert claim.describe()["figures"] == list(claim.figures)
        placed |= set(claim.figures)
    assert placed == set(PAPER_FIGURES)


# ---------------------------------------------------------------- Figure 5 on planted tables and planted images

class PicturedTables(PlantedTables):
    """Planted tables on synthetic Pet images written to disk, with the store's world, manifest and conventions."""

    def __init__(self, root, counts=None):
        super().__init__()
        ids = write_pets(root, breeds=["Abyssinian", "beagle"], per_breed=6, test_per_breed=0)
        self.records = [pet_record(i, root) for i in ids]
        self.world = SimpleNamespace(data_root=root)
        rename = dict(zip(self.images, ids))
        self.tables = {k: t.assign(image_id=t["image_id"].map(rename)) if "image_id" in t else t for k, t in self.tables.items()}
        masks = {i: examples.prepare(r, root, self.conv, *GEOMETRY) for i, r in zip(ids, self.records)}
        self.tables["masks"] = pd.DataFrame(
            [(i, r.class_name, m, (counts or {}).get((i, m), int(getattr(masks[i], m).sum())), 256)
             for i, r in zip(ids, self.records) for m in ("object", "background")],
            columns=["image_id", "class_name", "mask", "tokens", "patches"])

    def manifest(self, slice_name):
        return SimpleNamespace(records=self.records)


@pytest.fixture
def pictured(tmp_path, monkeypatch):
    """Planted tables on planted images; the checkpoint's geometry planted too (no checkpoint folder)."""
    monkeypatch.setattr(examples, "checkpoint_geometry", lambda store, checkpoint: GEOMETRY)
    return PicturedTables(tmp_path)


def test_figure5_rows_show_each_image_with_its_measured_masks(pictured):
    """Each example row has the image, its object tokens drawn on it, its zero-overlap background, and its curves."""
    fig5 = _entries(pictured)["figure5"]
    assert fig5["available"] and fig5["data"]["missing"] == []
    for row in fig5["data"]["images"]:
        assert row["grid"] == 16 and row["object_tokens"] and len(row["background_tokens"]) == len(row["object_tokens"])
        assert not set(row["object_tokens"]) & set(row["background_tokens"])  # zero overlap
    from matplotlib.figure import Figure

    source = figures.CachedSource(pictured)
    pictures = source.pictures("16x3", [r["image_id"] for r in fig5["data"]["images"]])
    row = fig5["data"]["images"][0]
    picture = pictures[row["image_id"]]
    canvas = Figure()
    examples.draw_rows(canvas, fig5["data"], pictures)
    shown = np.asarray(canvas.axes[1].images[0].get_array())  # [224, 224, 3]: the object-token mask panel
    tinted = np.abs(shown - picture.pixels / 255.0).sum(axis=2) > 1e-6  # [224, 224]
    blocks = np.zeros(256, bool)
    blocks[row["object_tokens"]] = True
    assert (tinted == np.kron(blocks.reshape(16, 16), np.ones((14, 14), bool))).all()
    png = Image.open(io.BytesIO(base64.b64decode(figures.draw(fig5, source))))
    assert png.size[0] == 900 and png.size[1] == 3 * 230  # four columns, three rows


def test_figure5_whose_images_are_missing_says_why_and_keeps_its_curves(pictured, tmp_path):
    """Without the image files the rows keep their curves and the figure says which file is missing."""
    for path in (tmp_path / "oxford-iiit-pet" / "images").iterdir():
        path.unlink()
    fig5 = _entries(pictured)["figure5"]
    assert fig5["available"] and len(fig5["data"]["missing"]) == 1
    assert fig5["data"]["missing"][0].startswith("images: the 16x3 images cannot be read: DataError") and ".jpg" in fig5["data"]["missing"][0]
    assert "object_tokens" not in fig5["data"]["images"][0]
    png = Image.open(io.BytesIO(base64.b64decode(figures.draw(fig5, figures.CachedSource(pictured)))))
    assert png.size[0] == 460  # the curves alone


def test_figure5_does_not_show_masks_other_than_the_measured_ones(tmp_path, monkeypatch):
    """A masks table whose token count differs from the rebuilt mask's (files changed since) leaves the pictures out."""
    monkeypatch.setattr(examples, "checkpoint_geometry", lambda store, checkpoint: GEOMETRY)
    first = PicturedTables(tmp_path)
    store = PicturedTables(tmp_path, counts={(i, "object"): 0 for i in first.tables["masks"]["image_id"]})
    missing = _entries(store)["figure5"]["data"]["missing"]
    assert len(missing) == 1 and "not the measured ones" in missing[0] and "the masks table 0" in missing[0]


# ---------------------------------------------------------------- the figure partial

def _figure(fig, image="", path=("figures", 0)) -> str:
    """The partial's macro rendered for one entry."""
    return str(environment().get_template("figure.html.j2").module.figure(fig, image, path))


def test_the_figure_partial_escapes_and_quotes_the_papers_caption():
    """Title and reason are escaped; the paper's caption is quoted as the paper's, our note beside it."""
    entry = {"id": "figure2", "title": "<script>alert(1)</script>", "paper_caption": caption("figure2").text,
             "note": "our <b>note</b>", "available": False, "reason": "<img src=x>"}
    html = _figure(entry)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x>" not in html and "NOT DRAWN" in html and "our &lt;b&gt;note&lt;/b&gt;" in html
    assert f"<blockquote class=\"paper-caption\"><p><em>Paper's caption:</em> {caption('figure2').text}</p></blockquote>" in html
    drawn = _figure(entry | {"available": True, "data": {"rows": [], "missing": []}}, "QUJD")
    assert 'src="data:image/png;base64,QUJD"' in drawn and "NOT DRAWN" not in drawn


def test_the_figure5_partial_prints_its_numbers_with_their_place_in_the_record(pictured):
    """Each example's advantage is printed through num() with its JSON pointer into record["figures"]."""
    entries = figures.figure_data(figures.CachedSource(pictured), EveryPaperSlice())
    i = [f["id"] for f in entries].index("figure5")
    html = _figure(entries[i], "QUJD", ("figures", i))
    advantage = entries[i]["data"]["images"][2]["advantage"]
    assert f'data-path="/figures/{i}/data/images/2/advantage" data-value="{advantage!r}"' in html
