"""The synthetic scene generator writes both official layouts, deterministically."""
from __future__ import annotations

import numpy as np
import pytest
from data_helpers import synthetic_root
from PIL import Image

from jepa_claims.conventions import Conventions
from jepa_claims.data import load_sample, pets, synthetic, voc
from jepa_claims.data.files import read_label
from jepa_claims.data.samples import pet_record, voc_record
from jepa_claims.data.slices import is_eligible, token_counts


def _files(root):
    """relative path -> bytes of every file under root."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(tmp_path):
    first = synthetic.write_pets(tmp_path / "a", breeds=3, per_breed=2, test_per_breed=1, seed=7)
    synthetic.write_voc(tmp_path / "a", classes=[1, 2], per_class=2, seed=7, objects=2)
    synthetic.write_pets(tmp_path / "b", breeds=3, per_breed=2, test_per_breed=1, seed=7)
    synthetic.write_voc(tmp_path / "b", classes=[1, 2], per_class=2, seed=7, objects=2)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    synthetic.write_pets(tmp_path / "c", breeds=3, per_breed=2, test_per_breed=1, seed=8)
    assert _files(tmp_path / "c") != {k: v for k, v in _files(tmp_path / "a").items() if k.startswith("oxford")}
    assert len(first) == 6


def test_default_pets_layout_and_lines(tmp_path_factory):
    root = synthetic_root(tmp_path_factory)
    trainval, test = pets.read_split(root, "trainval"), pets.read_split(root, "test")
    assert len(trainval) == 16 * 12 and len(test) == 16 * 2
    assert {e.breed for e in trainval} == set(pets.BREEDS[:16])
    for entry in trainval + test:  # real line format: class id, species and breed id agree with the name
        assert entry.class_id == pets.class_id_of(entry.breed)
        assert entry.species == (1 if entry.breed[0].isupper() else 2)
        assert entry.breed_id == pets.breed_id_of(entry.breed)
    lines = (root / pets.PETS_DIR / "annotations" / "trainval.txt").read_text().splitlines()
    assert lines == sorted(lines)  # sorted as text, like the official file
    numbers = [pets.number_of(e.image_id) for e in trainval if e.breed == "Abyssinian"]
    assert numbers != sorted(numbers)  # so numeric and text order really differ
    assert pets.image_ids_on_disk(root) == sorted(e.image_id for e in trainval + test)


def test_default_data_is_all_eligible_and_well_formed(tmp_path_factory):
    root = synthetic_root(tmp_path_factory)
    conv = Conventions()
    for entry in pets.read_split(root, "trainval"):
        sample = load_sample(pet_record(entry.image_id, root), root)
        assert sample.image.size == (160, 120)
        assert set(np.unique(sample.label).tolist()) == {1, 2, 3}
        assert is_eligible(token_counts(sample.label, "trimap", None, conv)), entry.image_id
    for image_id in voc.read_split(root, "trainval"):
        label = read_label(root / voc.label_rel(image_id), "voc")
        target = voc.dominant_class(label)
        assert set(np.unique(label).tolist()) == {0, target, 255}
        assert is_eligible(token_counts(label, "voc", target, conv)), image_id


def test_trimap_border_is_a_thin_ring_between_pet_and_background(tmp_path):
    synthetic.write_pets(tmp_path, breeds=["pug"], per_breed=1, test_per_breed=0, border=1)
    trimap = read_label(tmp_path / pets.trimap_rel(pets.read_split(tmp_path)[0].image_id), "trimap")
    pet, border, bg = trimap == 1, trimap == 3, trimap == 2
    # pet never touches background directly (4-neighbourhood): the border lies between them
    assert not np.any(pet[:, 1:] & bg[:, :-1]) and not np.any(pet[1:, :] & bg[:-1, :])
    assert 0 < border.sum() < 0.5 * pet.sum()


def test_voc_labels_are_palette_pngs_with_void_rings(tmp_path):
    ids = synthetic.write_voc(tmp_path, classes=["dog", "cat"], per_class=2, objects=2)
    for image_id in ids:
        with Image.open(tmp_path / voc.label_rel(image_id)) as raw:
            assert raw.mode == "P"
            assert raw.getpalette()[: 3 * 256] == voc.palette()
        label = read_label(tmp_path / voc.label_rel(image_id), "voc")
        present = set(np.unique(label).tolist())
        assert 255 in present and 0 in present and len(present - {0, 255}) == 2  # target + distractor
        assert voc.dominant_class(label) in (voc.CLASSES.index("dog"), voc.CLASSES.index("cat"))
        record = voc_record(image_id, voc.dominant_class(label), tmp_path)
        assert record.class_name in ("dog", "cat")
    lists = tmp_path / voc.VOC_DIR / "ImageSets" / "Segmentation"
    train, val = voc.read_split(tmp_path, "train"), voc.read_split(tmp_path, "val")
    assert sorted(train + val) == voc.read_split(tmp_path, "trainval") == sorted(ids)
    assert (lists / "trainval.txt").is_file()


@pytest.mark.parametrize("scale", [(0.2, 0.2), (0.5, 0.5)])
def test_object_size_and_position_are_controllable(tmp_path, scale):
    synthetic.write_pets(tmp_path, breeds=["beagle"], per_breed=1, test_per_breed=0,
                         object_scale=scale, center=(0.25, 0.5))
    trimap = read_label(tmp_path / pets.trimap_rel(pets.read_split(tmp_path)[0].image_id), "trimap")
    ys, xs = np.nonzero(trimap != 2)
    assert abs(xs.mean() - 0.25 * 160) < 3 and abs(ys.mean() - 0.5 * 120) < 3
    fraction = (trimap != 2).mean()
    assert (fraction < 0.08) if scale[0] < 0.3 else (fraction > 0.15)


def test_object_count_is_controllable(tmp_path):
    areas = []
    for count in (1, 3):
        root = tmp_path / str(count)
        synthetic.write_pets(root, breeds=["boxer"], per_breed=1, test_per_breed=0, objects=count,
                             object_scale=(0.3, 0.3))
        areas.append((read_label(root / pets.trimap_rel(pets.read_split(root)[0].image_id), "trimap") != 2).sum())
    assert areas[1] > 1.15 * areas[0]  # extra objects are half size (+1/4 area each), minus any overlap


def test_appearance_depends_on_class(tmp_path):
    synthetic.write_voc(tmp_path, classes=[1, 2], per_class=1)
    colours = []
    for image_id in voc.read_split(tmp_path):
        sample = load_sample(voc_record(image_id, voc.dominant_class(
            read_label(tmp_path / voc.label_rel(image_id), "voc")), tmp_path), tmp_path)
        colours.append(np.asarray(sample.image)[sample.label == sample.record.target_class].mean(axis=0))
    assert np.abs(colours[0] - colours[1]).max() > 60
