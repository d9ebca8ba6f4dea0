"""Readers of the official layouts: real samples, real-world quirks, alignment after resize."""
from __future__ import annotations

import re

import numpy as np
import pytest
from data_helpers import REAL, real_pets_root, real_voc_root, rect_scene, save_as, truncate
from PIL import Image

from jepa_claims.conventions import Conventions
from jepa_claims.data import DataError, Record, load_sample, pets, voc
from jepa_claims.data.files import read_image, read_label
from jepa_claims.data.samples import pet_record, voc_record
from jepa_claims.data.slices import is_eligible, token_counts
from jepa_claims.engine.images import resize_image, resize_label

PET_IDS = ["Abyssinian_119", "British_Shorthair_129", "Russian_Blue_169", "Siamese_137", "pug_188"]
VOC_IDS = ["2007_000032", "2007_000033", "2007_000063"]

# Token counts after the resize to 224, computed once with the default conventions (object =
# trimap 1 and 3; VOC object = dominant class) and written down: [object tokens, background candidates].
REAL_TOKENS = {
    "Abyssinian_119": {"16x16": [134, 122], "14x14": [105, 91]},
    "British_Shorthair_129": {"16x16": [64, 192], "14x14": [53, 143]},
    "Russian_Blue_169": {"16x16": [138, 118], "14x14": [111, 85]},
    "Siamese_137": {"16x16": [100, 156], "14x14": [74, 122]},
    "pug_188": {"16x16": [111, 145], "14x14": [88, 108]},
    "2007_000032": {"16x16": [25, 212], "14x14": [21, 163]},  # target 1 (aeroplane)
    "2007_000033": {"16x16": [73, 178], "14x14": [61, 129]},  # target 1 (aeroplane)
    "2007_000063": {"16x16": [151, 76], "14x14": [113, 62]},  # target 9 (chair)
}
REAL_ELIGIBLE = {"British_Shorthair_129", "Siamese_137", "pug_188", "2007_000032", "2007_000033"}


@pytest.fixture(scope="module")
def real_root(tmp_path_factory):
    """One data root with both real sample sets in the official layouts."""
    root = tmp_path_factory.mktemp("real")
    real_pets_root(root)
    real_voc_root(root)
    return root


def _pet(root, image_id: str) -> Record:
    """Record of a pet image under root."""
    return pet_record(image_id, root)


@pytest.mark.parametrize("image_id", PET_IDS)
def test_real_trimap_values_preserved(real_root, image_id):
    sample = load_sample(_pet(real_root, image_id), real_root)
    assert set(np.unique(sample.label).tolist()) == {1, 2, 3}
    assert sample.label.dtype == np.uint8
    assert sample.image.mode == "RGB"
    assert sample.image.size == (sample.label.shape[1], sample.label.shape[0])


def test_real_trimap_counts_match_sources(real_root):
    label = load_sample(_pet(real_root, "Abyssinian_119"), real_root).label
    values, counts = np.unique(label, return_counts=True)
    assert dict(zip(values.tolist(), counts.tolist())) == {1: 25651, 2: 51860, 3: 11589}
    assert label.shape == (297, 300)


def test_real_voc_palette_indices_preserved(real_root):
    sample = load_sample(voc_record("2007_000032", 1, real_root), real_root)
    counts = dict(zip(*[a.tolist() for a in np.unique(sample.label, return_counts=True)]))
    assert counts[1] == 4734 and counts[15] == 866 and 255 in counts
    assert set(counts) == {0, 1, 15, 255}
    assert sample.label.shape == (281, 500)
    with Image.open(real_root / sample.record.label) as raw:
        assert raw.mode == "P"  # the file is a palette PNG; we read indices, not colours
        assert raw.getpalette()[255 * 3: 255 * 3 + 3] == [224, 224, 192]


@pytest.mark.parametrize("image_id, dominant", [("2007_000032", 1), ("2007_000033", 1), ("2007_000063", 9)])
def test_real_voc_dominant_class(real_root, image_id, dominant):
    label = read_label(real_root / voc.label_rel(image_id), "voc")
    assert voc.dominant_class(label) == dominant
    assert voc.CLASSES[dominant] in ("aeroplane", "chair")


@pytest.mark.parametrize("image_id", PET_IDS + VOC_IDS)
def test_real_token_counts_on_both_grids(real_root, image_id):
    if image_id in PET_IDS:
        label, kind, target = read_label(real_root / pets.trimap_rel(image_id), "trimap"), "trimap", None
    else:
        label, kind = read_label(real_root / voc.label_rel(image_id), "voc"), "voc"
        target = voc.dominant_class(label)
    counts = token_counts(label, kind, target, Conventions())
    assert counts == REAL_TOKENS[image_id]
    assert is_eligible(counts) == (image_id in REAL_ELIGIBLE)


def test_trimap_object_convention_changes_object_tokens_only(real_root):
    label = read_label(real_root / pets.trimap_rel("pug_188"), "trimap")
    pet_only = token_counts(label, "trimap", None, Conventions(trimap_object="pet"))
    assert pet_only == {"16x16": [92, 145], "14x14": [76, 108]}


def test_record_json_roundtrip(real_root):
    record = voc_record("2007_000063", 9, real_root)
    assert Record.from_json(record.to_json()) == record
    assert Record.from_json(record.to_dict()) == record
    assert record.class_name == "chair" and record.image == "VOCdevkit/VOC2012/JPEGImages/2007_000063.jpg"
    with pytest.raises(DataError):
        Record.from_json({"image_id": "x"})


@pytest.mark.parametrize("size, box", [((160, 120), (40, 30, 120, 90)), ((375, 500), (50, 100, 300, 420))])
def test_image_and_label_stay_aligned_after_resize(size, box):
    image, label = rect_scene(size, box)
    small_image = np.asarray(resize_image(image, 224, Image.Resampling.BILINEAR))
    small_label = resize_label(label, 224)
    # Away from the edge (label constant in a 5x5 neighbourhood), colour and label must agree.
    padded = np.pad(small_label, 2, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, (5, 5))
    interior = (windows.min(axis=(2, 3)) == windows.max(axis=(2, 3)))
    red = small_image[..., 0] > 200
    blue = small_image[..., 2] > 200
    assert interior.sum() > 0.8 * interior.size
    assert np.all(red[interior & (small_label == 1)])
    assert np.all(blue[interior & (small_label == 2)])
    assert not np.any(red[interior & (small_label == 2)])


# ---- quirks of the real files, reproduced in tmp_path ----

def _quirk_root(tmp_path):
    """A real pet root whose Abyssinian image can be replaced by a quirky variant."""
    root = real_pets_root(tmp_path)
    return root, root / pets.image_rel("Abyssinian_119"), root / pets.trimap_rel("Abyssinian_119")


@pytest.mark.parametrize("fmt, mode", [("PNG", "RGB"), ("GIF", "P"), ("PNG", "RGBA"), ("JPEG", "CMYK"),
                                       ("JPEG", "L"), ("PNG", "P"), ("PNG", "LA")])
def test_quirky_images_become_rgb(tmp_path, fmt, mode):
    root, image_path, _ = _quirk_root(tmp_path)
    original = Image.open(image_path).convert("RGB")
    save_as(original.convert(mode), image_path, fmt)  # e.g. GIF bytes in a file named .jpg
    sample = load_sample(_pet(root, "Abyssinian_119"), root)
    assert sample.image.mode == "RGB" and sample.image.size == original.size
    if mode in ("RGB", "RGBA"):  # lossless PNG: exact pixels back, alpha dropped
        assert np.array_equal(np.asarray(sample.image), np.asarray(original))


def test_rgba_alpha_is_dropped_not_composited(tmp_path):
    path = tmp_path / "x.jpg"
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 0  # fully transparent red
    save_as(Image.fromarray(rgba, "RGBA"), path, "PNG")
    assert np.asarray(read_image(path))[0, 0].tolist() == [200, 0, 0]


def test_truncated_jpeg_is_a_clear_error(tmp_path):
    root, image_path, _ = _quirk_root(tmp_path)
    truncate(image_path)
    with pytest.raises(DataError, match="Abyssinian_119.jpg"):
        load_sample(_pet(root, "Abyssinian_119"), root)


def test_garbage_image_is_a_clear_error(tmp_path):
    root, image_path, _ = _quirk_root(tmp_path)
    image_path.write_bytes(b"not an image at all")
    with pytest.raises(DataError, match="Abyssinian_119.jpg"):
        load_sample(_pet(root, "Abyssinian_119"), root)


def test_missing_trimap_is_a_clear_error(tmp_path):
    root, _, trimap_path = _quirk_root(tmp_path)
    trimap_path.unlink()
    with pytest.raises(DataError, match="Abyssinian_119.png"):
        pet_record("Abyssinian_119", root)
    record = Record("Abyssinian_119", "pets", pets.image_rel("Abyssinian_119"), pets.trimap_rel("Abyssinian_119"),
                    "trimap", "Abyssinian", None, "", "")
    with pytest.raises(DataError, match="missing file.*Abyssinian_119.png"):
        load_sample(record, root)


def test_trimap_without_pet_reads_fine(tmp_path):
    root, _, trimap_path = _quirk_root(tmp_path)
    shape = read_label(trimap_path, "trimap").shape
    Image.fromarray(np.full(shape, 2, np.uint8), "L").save(trimap_path)
    sample = load_sample(_pet(root, "Abyssinian_119"), root)
    assert set(np.unique(sample.label).tolist()) == {2}
    assert token_counts(sample.label, "trimap", None, Conventions())["16x16"][0] == 0


def test_palette_trimap_reads_as_indices(tmp_path):
    root, _, trimap_path = _quirk_root(tmp_path)
    values = read_label(trimap_path, "trimap")
    image = Image.frombytes("P", values.shape[::-1], values.tobytes())
    image.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * (252 * 3))
    image.save(trimap_path)
    assert np.array_equal(read_label(trimap_path, "trimap"), values)


def test_rgb_trimap_is_refused(tmp_path):
    root, _, trimap_path = _quirk_root(tmp_path)
    values = read_label(trimap_path, "trimap")
    Image.fromarray(np.stack([values] * 3, axis=-1), "RGB").save(trimap_path)
    with pytest.raises(DataError, match="Abyssinian_119.png.*mode RGB"):
        load_sample(_pet(root, "Abyssinian_119"), root)


def test_label_with_foreign_values_is_refused(tmp_path):
    path = tmp_path / "bad.png"
    Image.fromarray(np.array([[0, 1], [2, 3]], np.uint8), "L").save(path)
    with pytest.raises(DataError, match="bad.png.*\\[0\\]"):
        read_label(path, "trimap")
    assert read_label(path, "voc").tolist() == [[0, 1], [2, 3]]


def test_size_mismatch_names_both_files(tmp_path):
    root, image_path, _ = _quirk_root(tmp_path)
    Image.open(image_path).convert("RGB").resize((100, 80)).save(image_path, "JPEG")
    with pytest.raises(DataError, match="Abyssinian_119.jpg.*100x80.*Abyssinian_119.png.*300x297"):
        load_sample(_pet(root, "Abyssinian_119"), root)


def test_macos_junk_files_are_ignored(tmp_path):
    root, image_path, trimap_path = _quirk_root(tmp_path)
    (image_path.parent / "._Abyssinian_119.jpg").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (trimap_path.parent / "._Abyssinian_119.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    assert pets.image_ids_on_disk(root) == sorted(PET_IDS)


def test_pet_list_parsing(tmp_path):
    path = tmp_path / pets.PETS_DIR / "annotations" / "trainval.txt"
    path.parent.mkdir(parents=True)
    path.write_text("#Image CLASS-ID SPECIES BREED ID\nAbyssinian_119 1 1 1\n\npug_188 26 2 18\n"
                    "British_Shorthair_129 10 1 5\n")
    entries = pets.read_split(tmp_path, "trainval")
    assert [(e.image_id, e.class_id, e.species, e.breed_id) for e in entries] == [
        ("Abyssinian_119", 1, 1, 1), ("pug_188", 26, 2, 18), ("British_Shorthair_129", 10, 1, 5)]
    assert [e.breed for e in entries] == ["Abyssinian", "pug", "British_Shorthair"]
    path.write_text("pug_188 25 2 18\n")
    with pytest.raises(DataError, match="trainval.txt:1.*pug.*pomeranian"):
        pets.read_split(tmp_path, "trainval")


@pytest.mark.parametrize("image_id, line", [
    ("Abyssinian_119", "1 1 1"), ("British_Shorthair_129", "10 1 5"), ("Russian_Blue_169", "28 1 10"),
    ("Siamese_137", "33 1 11"), ("pug_188", "26 2 18")])
def test_breed_tables_match_official_lines(image_id, line):
    breed = pets.breed_of(image_id)
    assert f"{pets.class_id_of(breed)} {pets.species_of(breed)} {pets.breed_id_of(breed)}" == line
    assert len(pets.BREEDS) == 37


def test_voc_palette_is_the_devkit_colour_map():
    colours = voc.palette()
    assert colours[3:6] == [128, 0, 0] and colours[15 * 3: 15 * 3 + 3] == [192, 128, 128]
    assert colours[255 * 3:] == [224, 224, 192]


def test_real_fixture_files_are_the_sizes_their_sources_list():
    """Every file SOURCES.md lists with a byte count is there with exactly that many bytes."""
    rows = re.findall(r"^\| ((?:pets|voc)/\S+) \| [^|]+ \| (\d+) \|", (REAL / "SOURCES.md").read_text(), re.M)
    assert len(rows) >= 10
    assert {path: (REAL / path).stat().st_size for path, _ in rows} == {path: int(size) for path, size in rows}