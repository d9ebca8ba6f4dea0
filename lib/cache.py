"""The on-disk cache's primitives: the code version that keys measurements, atomic writes, build-once.

Everything the suite builds on disk (toy data, toy and random checkpoints, slice manifests, tables,
exports) goes through `build_once` or `write_atomic`, so a reader never sees a half-built thing and
concurrent xdist workers build each thing once.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

LIB = Path(__file__).resolve().parent
# The code that computes measurements: editing it invalidates cached tables and toy and trained checkpoints.
# The claims' checks, statistics, the paper's values, the grading, the record and the suite plugin only read tables, so editing
# them keeps every measurement (tests/test_cache.py proves both directions).
MEASURING_CODE = ("engine", "data", "tables", "toy", "train", "worlds", "conventions.py", "roles.py", "cache.py")
COMPLETE = ".complete"  # written last inside a folder built by build_once


def measuring_files() -> list[Path]:
    """The library's source files that can change a measured number."""
    files: list[Path] = []
    for name in MEASURING_CODE:
        path = LIB / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def code_version() -> str:
    """Hash of the measuring code (MEASURING_CODE): a change there invalidates cached tables."""
    digest = hashlib.sha256()
    for path in measuring_files():
        digest.update(path.relative_to(LIB).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes so that no reader ever sees a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # the bytes reach the disk before the name does
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_once(path: Path, build: Callable[[Path], None]) -> Path:
    """The folder at `path`, built by `build(tmp_folder)` once under a lock and renamed into place.

    A folder counts as built only with its completion marker, written last: a build cut at any
    moment leaves nothing at `path` (or a folder without the marker, which is rebuilt).
    """
    path = Path(path)
    if (path / COMPLETE).exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        if (path / COMPLETE).exists():
            return path
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
        try:
            build(tmp)
            (tmp / COMPLETE).write_text("ok\n")
            if path.exists():
                shutil.rmtree(path)
            os.replace(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return path
