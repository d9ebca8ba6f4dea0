"""Balanced, deterministic slices and their JSONL manifests.

Eligibility (both data sets), decided on the token grid, never on the original image: after a
nearest-neighbour resize of the label to 224 x 224, on BOTH the I-JEPA grid (patch 14, 16 x 16)
and the MAE/BEiT grid (patch 16, 14 x 14), the object covers at least MIN_OBJECT_TOKENS tokens
and the zero-overlap background candidates are at least as many as the object tokens (so the
matched background control of section 2.3 always exists). Roles come from
jepa_claims.engine.masks.token_roles (object = trimap 1 and 3 by default; background = clean background).

Oxford-IIIT Pet slices 4x3, 8x3, 12x3, 16x3 (from annotations/trainval.txt):
  * breeds: the first N breeds in class-id order (class id = case-insensitive alphabetical
    index), so 4x3 uses Abyssinian, american_bulldog, american_pit_bull_terrier, basset_hound;
  * images: per breed, the trainval ids sorted by their trailing number (the list file is sorted
    as text), filtered by eligibility; slice k in (4x3, 8x3, 12x3, 16x3) = (0, 1, 2, 3) takes
    eligible images 3k+1 .. 3k+3. The four slices are therefore pairwise disjoint, and each
    slice is independent of whether the others are built. Each of the first 16 breeds needs
    12 eligible images for all four slices.
VOC 2012 slice voc8x3 (from ImageSets/Segmentation/trainval.txt, ids sorted as text):
  * each image's target class is its dominant label (most pixels, ignoring 0 and 255; ties to the
    lower class index); eligibility as above with the target class as the object;
  * classes: the first 8 class indices (1..20) with at least 3 eligible images;
  * images: the first 3 eligible ids of each chosen class.
An image that fails eligibility is listed in the manifest header under "skipped" with its token
counts; an unreadable or missing file is an error (or, with skip_unreadable=True, listed there too):
no image is ever dropped silently, and a slice is never built smaller than its name says.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
from tqdm import tqdm

from jepa_claims.cache import write_atomic
from jepa_claims.conventions import Conventions
from jepa_claims.engine.masks import token_roles
from jepa_claims.data import pets
from jepa_claims.data import voc
from jepa_claims.data.files import DataError, read_image, sha256_file
from jepa_claims.data.samples import Record, load_label, pet_record, voc_record

GRIDS = ((224, 14), (224, 16))  # (input size, patch): I-JEPA ViT-H/14; ViT-MAE / BEiT base/16
MIN_OBJECT_TOKENS = 8
PER_CLASS = 3
PET_SLICES = {"4x3": 4, "8x3": 8, "12x3": 12, "16x3": 16}
VOC_SLICES = {"voc8x3": 8}
SLICES = (*PET_SLICES, *VOC_SLICES)
MANIFEST_FORMAT = 1
_PROGRESS_MIN = 20  # below this many items a progress bar is noise


@dataclass(frozen=True)
class Manifest:
    """A slice: its name, its records in order, and the sha256 of its manifest file bytes."""

    name: str
    records: tuple[Record, ...]
    sha256: str
    header: dict = field(default_factory=dict, compare=False)

    def to_bytes(self) -> bytes:
        """The manifest file's exact bytes."""
        return manifest_bytes(self.header, self.records)


def _progress(items: Iterable, total: int, desc: str, files: int | None = None) -> Iterator:
    """tqdm on stderr for loops touching many files (off when stderr is not a terminal)."""
    many = (total if files is None else files) >= _PROGRESS_MIN
    return iter(tqdm(items, total=total, desc=desc, file=sys.stderr, leave=False, disable=None if many else True))


def token_counts(label: np.ndarray, label_kind: str, target_class: int | None, conv: Conventions) -> dict[str, list[int]]:
    """{"16x16": [object tokens, background candidates], "14x14": [...]} after the resize to 224."""
    counts = {}
    for size, patch in GRIDS:
        objects, candidates = token_roles(label, label_kind, target_class, size, patch, conv)
        counts[f"{size // patch}x{size // patch}"] = [int(objects.sum()), int(candidates.sum())]
    return counts


def is_eligible(counts: dict[str, list[int]]) -> bool:
    """The slice rule on every grid: >= MIN_OBJECT_TOKENS object tokens, >= as many background candidates."""
    return all(obj >= MIN_OBJECT_TOKENS and bg >= obj for obj, bg in counts.values())


def _rule_text(name: str) -> str:
    """The selection rule as stated in the manifest header."""
    grids = " and ".join(f"{s // p}x{s // p} (size {s}, patch {p})" for s, p in GRIDS)
    eligible = (f"eligible = on grids {grids}: object tokens >= {MIN_OBJECT_TOKENS} and zero-overlap "
                "background candidates >= object tokens")
    if name in PET_SLICES:
        k = list(PET_SLICES).index(name)
        return (f"Oxford-IIIT Pet trainval; first {PET_SLICES[name]} breeds by class id; per breed, ids sorted "
                f"by trailing number, {eligible}; this slice takes eligible images "
                f"{PER_CLASS * k + 1}..{PER_CLASS * k + PER_CLASS}")
    return ("VOC 2012 Segmentation trainval, ids sorted; target = dominant label ignoring 0 and 255 (ties to lower "
            f"index); {eligible} for the target; first {VOC_SLICES[name]} class indices with >= {PER_CLASS} "
            f"eligible images; first {PER_CLASS} eligible ids per class")


class _Scan:
    """Bookkeeping of one slice build: skipped images and the unreadable-file policy."""

    def __init__(self, data_root: Path, conv: Conventions, skip_unreadable: bool) -> None:
        self.data_root, self.conv, self.skip_unreadable = Path(data_root), conv, skip_unreadable
        self.skipped: list[dict] = []

    def _unreadable(self, image_id: str, error: DataError) -> bool:
        """Record an unreadable image (or re-raise under the strict policy); always False."""
        if not self.skip_unreadable:
            raise DataError(f"{error}; to list it in the manifest and take the next eligible image instead, "
                            "rerun with --skip-unreadable") from error
        # Paths relative to data_root, so the manifest bytes do not depend on where the data lives.
        message = str(error).replace(f"{self.data_root}{os.sep}", "")
        self.skipped.append({"image_id": image_id, "reason": f"unreadable: {message}"})
        return False

    def check(self, stub: Record) -> int | None | bool:
        """Eligibility of one image: its target (None for pets) if eligible, else False (and noted)."""
        try:
            label = load_label(stub, self.data_root)
        except DataError as error:
            return self._unreadable(stub.image_id, error)
        target = voc.dominant_class(label) if stub.label_kind == "voc" else None
        if stub.label_kind == "voc" and target is None:
            self.skipped.append({"image_id": stub.image_id, "reason": "no foreground class"})
            return False
        counts = token_counts(label, stub.label_kind, target, self.conv)
        if not is_eligible(counts):
            self.skipped.append({"image_id": stub.image_id, "reason": "token rule", "target_class": target,
                                 "tokens": counts})
            return False
        try:  # decode the image too, so a corrupt file fails the build rather than a later run
            read_image(self.data_root / stub.image)
        except DataError as error:
            return self._unreadable(stub.image_id, error)
        return target


def _stub(dataset: str, image_id: str) -> Record:
    """A hash-less record: enough to locate and read an image and its label."""
    if dataset == "pets":
        return Record(image_id, "pets", pets.image_rel(image_id), pets.trimap_rel(image_id), "trimap",
                      pets.breed_of(image_id), None, "", "")
    return Record(image_id, "voc", voc.image_rel(image_id), voc.label_rel(image_id), "voc", "", None, "", "")


def _pet_records(name: str, scan: _Scan) -> tuple[list[Record], list[str]]:
    """Records of a pet slice (see module docstring for the rule)."""
    n_breeds, start = PET_SLICES[name], PER_CLASS * list(PET_SLICES).index(name)
    by_breed: dict[str, list[pets.PetEntry]] = {}
    for entry in pets.read_split(scan.data_root, "trainval"):
        by_breed.setdefault(entry.breed, []).append(entry)
    breeds = list(pets.BREEDS[:n_breeds])
    chosen: list[str] = []
    for breed in _progress(breeds, len(breeds), f"slice {name}", files=n_breeds * (start + PER_CLASS)):
        candidates = sorted(by_breed.get(breed, []), key=lambda e: (e.number, e.image_id))
        eligible: list[str] = []
        for entry in candidates:
            if len(eligible) == start + PER_CLASS:
                break
            if scan.check(_stub("pets", entry.image_id)) is not False:
                eligible.append(entry.image_id)
        if len(eligible) < start + PER_CLASS:
            raise DataError(
                f"slice {name}: breed {breed} (class {pets.class_id_of(breed)}) has only {len(eligible)} eligible "
                f"trainval images of {len(candidates)} listed; this slice needs {start + PER_CLASS} "
                f"(it takes eligible images {start + 1}..{start + PER_CLASS})")
        chosen += eligible[start:]
    records = [pet_record(i, scan.data_root) for i in _progress(chosen, len(chosen), f"hash {name}", 2 * len(chosen))]
    return records, breeds


def _voc_records(name: str, scan: _Scan) -> tuple[list[Record], list[str]]:
    """Records of the VOC slice (see module docstring for the rule)."""
    n_classes = VOC_SLICES[name]
    ids = sorted(voc.read_split(scan.data_root, "trainval"))
    eligible: dict[int, list[str]] = {}
    for image_id in _progress(ids, len(ids), f"slice {name}"):
        # Stop once classes 1..n each have enough: no later image can change the choice.
        if all(len(eligible.get(c, [])) >= PER_CLASS for c in range(1, n_classes + 1)):
            break
        target = scan.check(_stub("voc", image_id))
        if target is not False:
            eligible.setdefault(target, []).append(image_id)
    chosen = [c for c in range(1, len(voc.CLASSES)) if len(eligible.get(c, [])) >= PER_CLASS][:n_classes]
    if len(chosen) < n_classes:
        counts = {voc.CLASSES[c]: len(eligible.get(c, [])) for c in range(1, len(voc.CLASSES))}
        raise DataError(f"slice {name}: only {len(chosen)} VOC classes have >= {PER_CLASS} eligible images "
                        f"(needs {n_classes}); eligible images per class: {counts}")
    pairs = [(i, c) for c in chosen for i in eligible[c][:PER_CLASS]]
    records = [voc_record(i, c, scan.data_root) for i, c in _progress(pairs, len(pairs), f"hash {name}", 2 * len(pairs))]
    return records, [voc.CLASSES[c] for c in chosen]


def build_slice(name: str, data_root: Path, conv: Conventions = Conventions(), *,
                skip_unreadable: bool = False) -> Manifest:
    """Build a named slice from the data on disk; deterministic (byte-identical manifest each time)."""
    if name not in SLICES:
        raise DataError(f"unknown slice {name!r}; expected one of {SLICES} or a path to a .jsonl manifest")
    scan = _Scan(Path(data_root), conv, skip_unreadable)
    build = _pet_records if name in PET_SLICES else _voc_records
    records, classes = build(name, scan)
    header = {
        "format": MANIFEST_FORMAT, "slice": name, "dataset": "pets" if name in PET_SLICES else "voc",
        "rule": _rule_text(name), "classes": classes, "per_class": PER_CLASS,
        "grids": [list(g) for g in GRIDS], "min_object_tokens": MIN_OBJECT_TOKENS,
        # Only the conventions that change which images qualify: others must not alter the hash.
        "conventions": {"trimap_object": conv.trimap_object} if name in PET_SLICES else {},
        "skipped": scan.skipped,
    }
    return _manifest(header, tuple(records))


def manifest_bytes(header: dict, records: Iterable[Record]) -> bytes:
    """Header line, then one record per line; sorted keys, '\\n' endings."""
    lines = [json.dumps(header, sort_keys=True, separators=(", ", ": "))]
    lines += [record.to_json() for record in records]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _manifest(header: dict, records: tuple[Record, ...]) -> Manifest:
    """A Manifest whose sha256 is that of its file bytes."""
    digest = hashlib.sha256(manifest_bytes(header, records)).hexdigest()
    return Manifest(name=header["slice"], records=records, sha256=digest, header=header)


def write_manifest(manifest: Manifest, path: Path) -> Path:
    """Write the manifest atomically (temp file + rename); returns the path."""
    write_atomic(Path(path), manifest.to_bytes())
    return Path(path)


def read_manifest(path: Path) -> Manifest:
    """Parse a JSONL manifest; its sha256 is that of the file's bytes. DataError if malformed."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"missing manifest file: {path}")
    data = path.read_bytes()
    lines = data.decode("utf-8").splitlines()
    try:
        header = json.loads(lines[0]) if lines else None
        records = tuple(Record.from_json(line) for line in lines[1:] if line.strip())
    except (json.JSONDecodeError, TypeError, DataError) as error:
        raise DataError(f"malformed manifest {path}: {error}") from error
    if not isinstance(header, dict) or "slice" not in header:
        raise DataError(f"malformed manifest {path}: the first line must be a header object with a 'slice' key")
    return Manifest(name=header["slice"], records=records, sha256=hashlib.sha256(data).hexdigest(), header=header)


def verify_manifest(manifest: Manifest, data_root: Path) -> None:
    """Check every image and label file against its recorded sha256; DataError listing mismatches."""
    bad = []
    pairs = [(r.image, r.image_sha256) for r in manifest.records] + [(r.label, r.label_sha256) for r in manifest.records]
    for rel, expected in _progress(pairs, len(pairs), f"verify {manifest.name}"):
        actual = sha256_file(Path(data_root) / rel)
        if actual != expected:
            bad.append(f"{Path(data_root) / rel} (sha256 {actual[:12]}..., manifest says {expected[:12]}...)")
    if bad:
        raise DataError(f"manifest {manifest.name}: {len(bad)} file(s) changed since it was written: " + "; ".join(bad))


def load_slice(name_or_path: str | Path, data_root: Path, conv: Conventions = Conventions(), *,
               skip_unreadable: bool = False) -> Manifest:
    """A slice name builds the slice; a path to a .jsonl manifest reads it and verifies its file hashes."""
    if str(name_or_path) in SLICES:
        return build_slice(str(name_or_path), data_root, conv, skip_unreadable=skip_unreadable)
    path = Path(name_or_path)
    if path.suffix != ".jsonl":
        raise DataError(f"{name_or_path!r} is neither a slice name {SLICES} nor a .jsonl manifest path")
    manifest = read_manifest(path)
    verify_manifest(manifest, data_root)
    return manifest
