"""Records (what a manifest line names) and samples (the decoded image and raw label map)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
from PIL import Image

from jepa_claims.data import pets

from jepa_claims.data import voc
from jepa_claims.data.files import DataError, check_same_size, read_image, read_label, sha256_file

DATASETS = {"pets": "trimap", "voc": "voc"}  # dataset -> label kind


@dataclass(frozen=True)
class Record:
    """One image of a slice: where its files are, what it shows, and the hashes of both files."""

    image_id: str  # "Abyssinian_119" or "2007_000032"
    dataset: str  # "pets" or "voc"
    image: str  # path relative to data_root, posix
    label: str  # path relative to data_root, posix
    label_kind: str  # "trimap" or "voc"
    class_name: str  # breed name ("Abyssinian") or VOC class name ("aeroplane")
    target_class: int | None  # VOC class index of the object (dominant label); None for pets
    image_sha256: str
    label_sha256: str

    def to_dict(self) -> dict:
        """Plain dict in field order."""
        return asdict(self)

    def to_json(self) -> str:
        """One-line JSON with sorted keys (stable bytes for manifests)."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(", ", ": "))

    @classmethod
    def from_json(cls, data: str | dict) -> "Record":
        """Parse a JSON line or dict; DataError on missing or unknown keys."""
        obj = json.loads(data) if isinstance(data, str) else dict(data)
        names = {f.name for f in fields(cls)}
        if set(obj) != names:
            raise DataError(f"record keys {sorted(obj)} differ from {sorted(names)}")
        return cls(**obj)


@dataclass(frozen=True)
class Sample:
    """A decoded record: RGB image and raw label values of the same height and width."""

    record: Record
    image: Image.Image  # RGB
    label: np.ndarray  # uint8 [H, W], raw label values


def pet_record(image_id: str, data_root: Path) -> Record:
    """Record of an Oxford-IIIT Pet image, hashing both files (DataError if either is missing)."""
    image_rel, label_rel = pets.image_rel(image_id), pets.trimap_rel(image_id)
    return Record(
        image_id=image_id, dataset="pets", image=image_rel, label=label_rel, label_kind="trimap",
        class_name=pets.breed_of(image_id), target_class=None,
        image_sha256=sha256_file(Path(data_root) / image_rel),
        label_sha256=sha256_file(Path(data_root) / label_rel),
    )


def voc_record(image_id: str, target_class: int, data_root: Path) -> Record:
    """Record of a VOC image whose object is `target_class`, hashing both files."""
    if not 0 < target_class < len(voc.CLASSES):
        raise DataError(f"VOC target class {target_class} of {image_id} is not a foreground class")
    image_rel, label_rel = voc.image_rel(image_id), voc.label_rel(image_id)
    return Record(
        image_id=image_id, dataset="voc", image=image_rel, label=label_rel, label_kind="voc",
        class_name=voc.CLASSES[target_class], target_class=target_class,
        image_sha256=sha256_file(Path(data_root) / image_rel),
        label_sha256=sha256_file(Path(data_root) / label_rel),
    )


def load_label(record: Record, data_root: Path) -> np.ndarray:
    """Only the raw label map of a record (cheap: no image decode), checked against the image size."""
    image_path, label_path = Path(data_root) / record.image, Path(data_root) / record.label
    check_same_size(image_path, label_path)
    return read_label(label_path, record.label_kind)


def load_sample(record: Record, data_root: Path) -> Sample:
    """Decode a record's image (to RGB) and label (raw values); DataError naming the file on any fault."""
    if DATASETS.get(record.dataset) != record.label_kind:
        raise DataError(f"record {record.image_id}: dataset {record.dataset!r} with label kind {record.label_kind!r}")
    image_path, label_path = Path(data_root) / record.image, Path(data_root) / record.label
    check_same_size(image_path, label_path)
    label = read_label(label_path, record.label_kind)
    image = read_image(image_path)
    if image.size != (label.shape[1], label.shape[0]):  # header and decoded size disagree (broken file)
        raise DataError(f"image {image_path} decodes to {image.size} but its label {label_path} is {label.shape[::-1]}")
    return Sample(record=record, image=image, label=label)
