"""`jepa-claims fetch`: the paper's four checkpoints (HF hub) and the two data sets (official archives).

Checkpoints come through huggingface_hub.snapshot_download at pinned revisions, restricted to the
configs and *.safetensors (weights load from safetensors only). Archives are downloaded with HTTP
Range resume into `<file>.part`, checked against their published MD5, renamed into place
atomically and extracted (safely, without macOS '._*' files; through a staging folder and an
in-progress marker, so an interrupted run re-extracts) into the official layouts:
<data_root>/oxford-iiit-pet/{images,annotations} and <data_root>/VOCdevkit/VOC2012.

    python -m jepa_claims.data.fetch --data-root data [--hf-cache DIR] [--only models|data|all] [--check]
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import shutil
import sys
import tarfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from tqdm import tqdm

from jepa_claims.data.files import DataError
from jepa_claims.engine.hub import HUB_CACHE_HELP, hub_cache

# Pinned hub revisions. Full commit shas read from the hub's own "Files and versions" pages
# (huggingface.co/<repo>/tree/<sha>, as archived; not re-checked live from this offline machine):
#  - ijepa_vith14_1k: 973dbab2..., head of main ("Update README.md", 8 commits; the repo was created
#    as jmtzt/ijepa_vith14_1k and moved, so huggingface.co/jmtzt/ijepa_vith14_1k/tree/973dbab2...
#    shows the same commit); has config.json, preprocessor_config.json, model.safetensors.
#  - ijepa_vith14_22k: ba3c4513..., latest commit seen (8 commits), same three files.
#  - vit-mae-base: 0dfb9b7e..., the SFconvertbot commit that added model.safetensors (refs/pr/2;
#    merged into main as 25b184b, whose full sha was not available offline). Same weights.
#  - beit-base-patch16-224-pt22k-ft22k: main has NO safetensors (pytorch_model.bin and flax only);
#    dcb1f16c... is the unmerged safetensors conversion by HF staff (refs/pr/2, Nov 2022).
MODEL_REVISIONS: dict[str, str] = {
    "facebook/ijepa_vith14_1k": "973dbab2f91c91f9ca9219d92ec005bca969e744",
    "facebook/ijepa_vith14_22k": "ba3c4513ca2b0f0c010f80ae2265b3dbe1083039",
    "facebook/vit-mae-base": "0dfb9b7ed42dcfd1b74e164f86c63fd13429ced2",
    "microsoft/beit-base-patch16-224-pt22k-ft22k": "dcb1f16cdebbc51eab67c0e1960d64adb8596669",
}
# The extended world (--world extended): the other public I-JEPA encoders (ViT-H/16 at 448 px on IN-1k,
# ViT-g/16 on IN-22k) and DINOv2 base as a non-masking control, beside the paper's IN-1k encoder. Their
# commit shas could not be read from this offline machine, so none is pinned: None = resolved at fetch
# (the head of main then); the resolved sha names the snapshot folder, and the record's `resolved`.
EXTENDED_REVISIONS: dict[str, str | None] = {
    "facebook/ijepa_vith14_1k": MODEL_REVISIONS["facebook/ijepa_vith14_1k"],
    "facebook/ijepa_vith16_1k": None,
    "facebook/ijepa_vitg16_22k": None,
    "facebook/dinov2-base": None,
}
WORLD_MODELS: dict[str, Mapping[str, str | None]] = {"paper": MODEL_REVISIONS, "extended": EXTENDED_REVISIONS}
MODEL_ALLOW_PATTERNS = ("config.json", "preprocessor_config.json", "*.safetensors")


def pinned_revision(repo: str, revision: str | None) -> str | None:
    """The revision to load: the one asked for, else the pin of a paper checkpoint (None for other ids)."""
    return revision if revision else MODEL_REVISIONS.get(repo)


@dataclass(frozen=True)
class Archive:
    """One data archive: mirrors, published MD5, and what its extraction must produce."""

    name: str
    urls: tuple[str, ...]  # tried in order
    md5: str
    filename: str
    extract_to: str  # relative to data_root
    provides: tuple[str, ...]  # paths (relative to data_root) that show the layout is present
    dataset: str  # "pets" or "voc": which slices need it


# The official VOC host is often down. Well-known mirrors of the same tar, tried in order: the "Pascal
# VOC dataset mirror" of pjreddie.com (the darknet/YOLO instructions' source) and data.deepai.org. Any
# copy must match the published MD5 below, so a mirror can fail over but never substitute other bytes.
VOC2012_MIRRORS = (
    "http://host.robots.ox.ac.uk/pascal/VOC/voc2012/VOCtrainval_11-May-2012.tar",
    "https://pjreddie.com/media/files/VOCtrainval_11-May-2012.tar",
    "https://data.deepai.org/VOCtrainval_11-May-2012.tar",
)
# MD5s: the values published with the data sets, identical to torchvision's pins
# (OxfordIIITPet._RESOURCES and VOCSegmentation DATASET_YEAR_DICT["2012"]).
ARCHIVES: tuple[Archive, ...] = (
    Archive("pets-images", ("https://thor.robots.ox.ac.uk/datasets/pets/images.tar.gz",
                            "https://www.robots.ox.ac.uk/~vgg/data/pets/data/images.tar.gz"),
            "5c4f3ee8e5d25df40f4fd59a7f44e54c", "images.tar.gz", "oxford-iiit-pet",
            ("oxford-iiit-pet/images",), "pets"),
    Archive("pets-annotations", ("https://thor.robots.ox.ac.uk/datasets/pets/annotations.tar.gz",
                                 "https://www.robots.ox.ac.uk/~vgg/data/pets/data/annotations.tar.gz"),
            "95a8c909bbe2e81eed6a22bccdf3f68f", "annotations.tar.gz", "oxford-iiit-pet",
            ("oxford-iiit-pet/annotations/trimaps", "oxford-iiit-pet/annotations/trainval.txt"), "pets"),
    Archive("voc2012-trainval", VOC2012_MIRRORS, "6cd6e144f989b92b3379bac3b3de84fd", "VOCtrainval_11-May-2012.tar", ".",
            ("VOCdevkit/VOC2012/JPEGImages", "VOCdevkit/VOC2012/SegmentationClass",
             "VOCdevkit/VOC2012/ImageSets/Segmentation/trainval.txt"), "voc"),
)
DOWNLOADS = "downloads"  # archives are kept under <data_root>/downloads/
_CHUNK = 1 << 20


class ChecksumError(DataError):
    """A downloaded file does not match its published checksum (the file has been removed)."""


def md5_file(path: Path) -> str:
    """Hex MD5 of a file (the data sets publish MD5; not used for security)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _request(url: str, offset: int, timeout: float) -> http.client.HTTPResponse:
    """GET url, asking for bytes from `offset` on when resuming."""
    headers = {"User-Agent": "jepa-claims-fetch"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)


def _fetch_into(url: str, part: Path, timeout: float) -> bool:
    """One attempt: append to `part` from where it ends; True if the body arrived complete."""
    offset = part.stat().st_size if part.exists() else 0
    try:
        response = _request(url, offset, timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416:  # asked past the end: the part file is bad; start over
            part.unlink(missing_ok=True)
            return False
        raise
    with response:
        if offset and response.status != 206:  # server ignored the Range header: restart from byte 0
            offset = 0
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None else None
        received = offset
        with open(part, "ab" if offset else "wb") as out, tqdm(
            total=total, initial=offset, unit="B", unit_scale=True, desc=part.name.removesuffix(".part"),
            file=sys.stderr, leave=False, disable=None,
        ) as bar:
            while block := response.read(_CHUNK):
                out.write(block)
                received += len(block)
                bar.update(len(block))
    # http.client returns b"" (no error) when the connection drops early: compare with the length.
    return total is None or received >= total


def download(urls: str | Sequence[str], dest: Path, md5: str, *, attempts: int = 5, backoff: float = 2.0,
             timeout: float = 60.0) -> Path:
    """Download to dest (resuming dest.part), verify md5, rename atomically; skip if dest is already verified."""
    dest, urls = Path(dest), [urls] if isinstance(urls, str) else list(urls)
    if dest.is_file():
        if md5_file(dest) == md5:
            return dest
        dest.unlink()  # a stale or damaged copy: fetch it again
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    errors = []
    for attempt in range(attempts):
        url = urls[attempt % len(urls)]
        try:
            if _fetch_into(url, part, timeout):
                break
            errors.append(f"{url}: connection closed before the end")
        except (OSError, http.client.HTTPException) as error:  # URLError is an OSError
            errors.append(f"{url}: {error}")
        if attempt + 1 < attempts:
            time.sleep(backoff * (attempt + 1))
    else:
        raise DataError(f"download of {dest.name} failed after {attempts} attempts: {'; '.join(errors[-3:])}")
    actual = md5_file(part)
    if actual != md5:
        part.unlink()
        raise ChecksumError(f"{dest.name} from {url}: md5 {actual} does not match the published {md5}; "
                            "the downloaded file was removed")
    os.replace(part, dest)
    return dest


def extract(archive: Path, dest: Path) -> None:
    """Extract a tar archive under dest, refusing unsafe members and skipping macOS '._*' files.

    Members go to a staging folder beside dest first and are moved into place afterwards, so an
    interrupted extraction never leaves a partial tree where the finished layout belongs.
    """
    dest.mkdir(parents=True, exist_ok=True)
    staging = dest / f".extracting-{archive.name}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = [m for m in tar.getmembers() if not Path(m.name).name.startswith("._")]
            tar.extractall(staging, members=members, filter="data")
        _move_into(staging, dest)
    except (tarfile.TarError, OSError) as error:
        raise DataError(f"cannot extract {archive}: {error}") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_into(source: Path, dest: Path) -> None:
    """Move source's tree into dest by renames: whole subtrees where dest lacks them, else entry by entry.

    Entry by entry keeps what dest already holds beside the archive's files (another VOC year under
    VOCdevkit/); a file left by an earlier interrupted run is replaced.
    """
    for entry in sorted(source.iterdir()):
        target = dest / entry.name
        if entry.is_dir() and target.is_dir():
            _move_into(entry, target)
        else:
            if target.is_dir():
                shutil.rmtree(target)
            os.replace(entry, target)


def layout_present(data_root: Path, archive: Archive) -> bool:
    """True if what the archive provides is on disk (fetched earlier or by hand) and no extraction is unfinished."""
    if _in_progress(data_root, archive).exists():
        return False
    return all((Path(data_root) / rel).exists() for rel in archive.provides)


def _in_progress(data_root: Path, archive: Archive) -> Path:
    """Marker written before an archive's extraction and removed once its layout is complete."""
    return Path(data_root) / DOWNLOADS / f"{archive.filename}.extracting"


def fetch_data(data_root: Path, archives: Sequence[Archive] = ARCHIVES, **download_options) -> list[str]:
    """Download (if needed) and extract each archive whose layout is missing; returns the names handled."""
    handled = []
    for archive in archives:
        if layout_present(data_root, archive):
            continue
        path = download(archive.urls, Path(data_root) / DOWNLOADS / archive.filename, archive.md5, **download_options)
        marker = _in_progress(data_root, archive)
        marker.touch()
        extract(path, Path(data_root) / archive.extract_to)
        marker.unlink()
        if not layout_present(data_root, archive):
            raise DataError(f"{path} extracted but did not produce {archive.provides} under {data_root}")
        handled.append(archive.name)
    return handled


def _snapshot(repo: str, revision: str | None, cache_dir: Path | None, local_only: bool) -> Path:
    """snapshot_download with the pinned revision and safetensors-only patterns."""
    import huggingface_hub  # looked up at call time so tests can monkeypatch snapshot_download

    try:
        folder = Path(huggingface_hub.snapshot_download(
            repo, revision=revision, allow_patterns=list(MODEL_ALLOW_PATTERNS),
            cache_dir=str(hub_cache(cache_dir)), local_files_only=local_only,
        ))
    except Exception as error:  # the hub raises many types (network, auth, not cached): one clear error
        raise DataError(f"{repo}@{revision}: {type(error).__name__}: {error}") from error
    if not (folder / "config.json").is_file() or not any(folder.glob("*.safetensors")):
        raise DataError(f"{repo}@{revision}: snapshot {folder} lacks config.json or *.safetensors weights")
    return folder


def fetch_models(cache_dir: Path | None = None, models: Mapping[str, str] = MODEL_REVISIONS) -> dict[str, Path]:
    """Download every checkpoint at its pinned revision; returns repo -> snapshot folder."""
    return {repo: _snapshot(repo, revision, cache_dir, local_only=False) for repo, revision in models.items()}


def check_models(cache_dir: Path | None = None, models: Mapping[str, str] = MODEL_REVISIONS) -> dict[str, str]:
    """repo -> 'present' or 'missing (...)', looking only at the local cache."""
    status = {}
    for repo, revision in models.items():
        try:
            _snapshot(repo, revision, cache_dir, local_only=True)
            status[repo] = "present"
        except DataError as error:
            cause = error.__cause__
            not_cached = cause is not None and type(cause).__name__ == "LocalEntryNotFoundError"
            where = f"not in the HF cache {hub_cache(cache_dir)} at {(revision or 'main')[:12]}"
            status[repo] = f"missing ({where if not_cached else error})"
    return status


def check_data(data_root: Path, archives: Sequence[Archive] = ARCHIVES) -> dict[str, str]:
    """archive name -> 'present' or 'missing (...)', without downloading anything."""
    status = {}
    for archive in archives:
        if layout_present(data_root, archive):
            status[archive.name] = "present"
        elif _in_progress(data_root, archive).exists():
            status[archive.name] = "missing (an extraction was interrupted; fetch again)"
        elif (Path(data_root) / DOWNLOADS / archive.filename).is_file():
            status[archive.name] = "missing (archive downloaded, not extracted)"
        else:
            status[archive.name] = "missing"
    return status


def add_fetch_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `jepa-claims fetch`."""
    parser.add_argument("--data-root", type=Path, default=Path("data"),
                        help="where the data sets go (default: ./data, the suite's default data root)")
    parser.add_argument("--hf-cache", "--cache-dir", dest="cache_dir", type=Path, default=None, help=HUB_CACHE_HELP)
    parser.add_argument("--only", choices=["models", "data", "all"], default="all")
    parser.add_argument("--world", choices=sorted(WORLD_MODELS), default="paper",
                        help="whose checkpoints: the paper's four, or the extended world's (other I-JEPA encoders, DINOv2)")
    parser.add_argument("--check", action="store_true", help="report what is present or missing; download nothing")


def run_fetch(args: argparse.Namespace, archives: Sequence[Archive] = ARCHIVES,
              models: Mapping[str, str | None] | None = None) -> int:
    """Run `fetch` (or `fetch --check`); exit code 0 when everything asked for is present."""
    models = WORLD_MODELS[getattr(args, "world", "paper")] if models is None else models
    status: dict[str, str] = {}
    try:
        if args.only in ("models", "all"):
            if args.check:
                status.update(check_models(args.cache_dir, models))
            else:
                status.update({repo: f"present ({path})" for repo, path in fetch_models(args.cache_dir, models).items()})
        if args.only in ("data", "all"):
            if not args.check:
                fetch_data(args.data_root, archives)
            status.update(check_data(args.data_root, archives))
    except DataError as error:
        sys.stderr.write(f"fetch failed: {error}\n")
        return 1
    for name, state in status.items():
        sys.stdout.write(f"{name}: {state}\n")
    return 0 if all(state.startswith("present") for state in status.values()) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m jepa_claims.data.fetch`."""
    parser = argparse.ArgumentParser(prog="python -m jepa_claims.data.fetch", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_fetch_arguments(parser)
    return run_fetch(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
