"""Balanced slices: deterministic, disjoint, balanced, hashed; clear errors when data falls short."""
from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from data_helpers import copy_root, synthetic_root, truncate
from PIL import Image

from jepa_claims.conventions import Conventions
from jepa_claims.data import DataError, pets, synthetic, voc
from jepa_claims.data.files import read_label, sha256_file
from jepa_claims.data.slices import (
    PET_SLICES,
    SLICES,
    build_slice,
    is_eligible,
    load_slice,
    read_manifest,
    token_counts,
    write_manifest,
)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """The shared default synthetic data root (read-only)."""
    return synthetic_root(tmp_path_factory)


@pytest.fixture(scope="module")
def manifests(root):
    """Every named slice, built once."""
    return {name: build_slice(name, root) for name in SLICES}


@pytest.mark.parametrize("name", SLICES)
def test_building_twice_is_byte_identical(root, manifests, tmp_path, name):
    again = build_slice(name, root)
    assert again.to_bytes() == manifests[name].to_bytes()
    assert again.sha256 == manifests[name].sha256
    path = write_manifest(again, tmp_path / f"{name}.jsonl")
    read = read_manifest(path)
    assert read.sha256 == again.sha256 == sha256_file(path)
    assert read.records == again.records and read.name == name


@pytest.mark.parametrize("name", list(PET_SLICES))
def test_pet_slices_are_balanced_over_the_first_breeds(manifests, name):
    manifest = manifests[name]
    n = PET_SLICES[name]
    counts = Counter(r.class_name for r in manifest.records)
    assert counts == {breed: 3 for breed in pets.BREEDS[:n]}
    assert manifest.header["classes"] == list(pets.BREEDS[:n])
    assert all(r.dataset == "pets" and r.label_kind == "trimap" and r.target_class is None for r in manifest.records)


def test_pet_slices_are_pairwise_disjoint_and_from_trainval(root, manifests):
    sets = {name: {r.image_id for r in manifests[name].records} for name in PET_SLICES}
    test_ids = {e.image_id for e in pets.read_split(root, "test")}
    assert not set().union(*sets.values()) & test_ids
    names = list(sets)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not sets[a] & sets[b], (a, b)


def test_pet_images_are_taken_in_numeric_order(root, manifests):
    # Every default synthetic image is eligible, so 4x3 holds the 3 lowest numbers of each breed,
    # 8x3 the next 3, and so on.
    by_breed: dict[str, list[int]] = {}
    for entry in pets.read_split(root, "trainval"):
        by_breed.setdefault(entry.breed, []).append(entry.number)
    for k, name in enumerate(PET_SLICES):
        for record in manifests[name].records:
            numbers = sorted(by_breed[record.class_name])
            assert pets.number_of(record.image_id) in numbers[3 * k: 3 * k + 3]


def test_voc_slice_has_eight_classes_by_three(root, manifests):
    manifest = manifests["voc8x3"]
    counts = Counter(r.class_name for r in manifest.records)
    assert counts == {name: 3 for name in voc.CLASSES[1:9]}
    for record in manifest.records:
        label = read_label(root / record.label, "voc")
        assert voc.dominant_class(label) == record.target_class
        assert voc.CLASSES[record.target_class] == record.class_name


@pytest.mark.parametrize("name", SLICES)
def test_manifest_records_are_hashed_and_eligible(root, manifests, name):
    manifest = manifests[name]
    header = json.loads(manifest.to_bytes().decode().splitlines()[0])
    assert header["slice"] == name and header["dataset"] in ("pets", "voc") and "rule" in header
    assert "conventions" in header and header["skipped"] == []
    for record in manifest.records:
        assert record.image_sha256 == sha256_file(root / record.image)
        assert record.label_sha256 == sha256_file(root / record.label)
        label = read_label(root / record.label, record.label_kind)
        assert is_eligible(token_counts(label, record.label_kind, record.target_class, Conventions()))


def test_load_slice_by_name_builds_and_by_path_verifies(root, manifests, tmp_path):
    assert load_slice("8x3", root) == manifests["8x3"]
    path = write_manifest(manifests["8x3"], tmp_path / "m.jsonl")
    assert load_slice(path, root).sha256 == manifests["8x3"].sha256
    with pytest.raises(DataError, match="neither a slice name"):
        load_slice("9x9", root)


def test_changed_file_fails_manifest_verification(root, manifests, tmp_path):
    data = copy_root(root, tmp_path / "data")
    path = write_manifest(manifests["4x3"], tmp_path / "4x3.jsonl")
    victim = data / manifests["4x3"].records[5].label
    victim.write_bytes(victim.read_bytes() + b"\0")
    with pytest.raises(DataError, match=f"changed since.*{victim.name}"):
        load_slice(path, data)
    victim.unlink()
    with pytest.raises(DataError, match=f"missing file.*{victim.name}"):
        load_slice(path, data)


def test_too_small_pet_dataset_is_a_clear_error(tmp_path):
    synthetic.write_pets(tmp_path / "a", breeds=4, per_breed=5, test_per_breed=0)
    assert len(build_slice("4x3", tmp_path / "a").records) == 12
    with pytest.raises(DataError, match=r"breed Abyssinian \(class 1\) has only 5 eligible.*needs 6"):
        build_slice("8x3", tmp_path / "a")
    synthetic.write_pets(tmp_path / "b", breeds=8, per_breed=6, test_per_breed=0)
    listing = tmp_path / "b" / pets.PETS_DIR / "annotations" / "trainval.txt"
    listing.write_text("".join(f"{line}\n" for line in listing.read_text().splitlines() if not line.startswith("Bengal")))
    with pytest.raises(DataError, match=r"breed Bengal \(class 6\) has only 0 eligible trainval images of 0 listed"):
        build_slice("8x3", tmp_path / "b")


def test_too_small_voc_dataset_is_a_clear_error(tmp_path):
    synthetic.write_voc(tmp_path, classes=range(1, 11), per_class=2)
    with pytest.raises(DataError, match="only 0 VOC classes.*aeroplane': 2"):
        build_slice("voc8x3", tmp_path)


def test_ineligible_images_are_skipped_and_listed(tmp_path):
    synthetic.write_pets(tmp_path, breeds=4, per_breed=4, test_per_breed=0)
    first = sorted(pets.read_split(tmp_path), key=lambda e: (e.class_id, e.number))[0]
    trimap = tmp_path / pets.trimap_rel(first.image_id)
    Image.fromarray(np.full(read_label(trimap, "trimap").shape, 2, np.uint8), "L").save(trimap)  # no pet
    (trimap.parent / f"._{trimap.name}").write_bytes(b"junk")
    (tmp_path / pets.image_rel(f"._{first.image_id}")).write_bytes(b"junk")
    manifest = build_slice("4x3", tmp_path)
    assert first.image_id not in {r.image_id for r in manifest.records}
    assert len(manifest.records) == 12
    [skipped] = manifest.header["skipped"]
    assert skipped["image_id"] == first.image_id and skipped["reason"] == "token rule"
    assert skipped["tokens"]["16x16"][0] == 0


def test_corrupt_or_missing_files_fail_the_build_unless_skipped(tmp_path):
    synthetic.write_pets(tmp_path, breeds=4, per_breed=4, test_per_breed=0)
    entries = sorted(pets.read_split(tmp_path), key=lambda e: (e.class_id, e.number))
    truncate(tmp_path / pets.image_rel(entries[0].image_id))
    (tmp_path / pets.trimap_rel(entries[4].image_id)).unlink()
    with pytest.raises(DataError, match=f"{entries[0].image_id}.jpg"):
        build_slice("4x3", tmp_path)
    manifest = build_slice("4x3", tmp_path, skip_unreadable=True)
    reasons = {s["image_id"]: s["reason"] for s in manifest.header["skipped"]}
    assert set(reasons) == {entries[0].image_id, entries[4].image_id}
    assert all(reason.startswith("unreadable") for reason in reasons.values())
    assert str(tmp_path) not in manifest.to_bytes().decode()  # no absolute paths in the manifest
    assert len(manifest.records) == 12


def test_trimap_convention_is_recorded_in_the_header(root, manifests):
    pet_only = build_slice("4x3", root, Conventions(trimap_object="pet"))
    assert pet_only.header["conventions"] == {"trimap_object": "pet"}
    assert manifests["4x3"].header["conventions"] == {"trimap_object": "pet+border"}
    assert pet_only.sha256 != manifests["4x3"].sha256
    # conventions that do not change which images qualify leave the manifest untouched
    assert build_slice("4x3", root, Conventions(tau=0.1)).sha256 == manifests["4x3"].sha256
