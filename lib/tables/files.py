"""Table files on disk: Parquet (data only, never code), a content hash beside each, checked on every read.

A table is written as `<name>.parquet` with `<name>.parquet.sha256` beside it (the hash first, then
the table, each atomically): a table whose bytes do not match its hash, whose hash is missing, or
that does not parse is damaged. A damaged table is never served: the store moves it aside into
`damaged/` (kept for inspection, never deleted) and computes it again.
"""
from __future__ import annotations

import hashlib
import io
import os
import time
from pathlib import Path

import pandas as pd

from jepa_claims.cache import write_atomic

SUFFIX = ".parquet"
HASH_SUFFIX = ".sha256"
DAMAGED = "damaged"


class DamagedTable(Exception):
    """A cached table file that must not be read: its reason says why."""


def hash_path(path: Path) -> Path:
    """Where the table's content hash lies."""
    return path.with_name(path.name + HASH_SUFFIX)


def to_bytes(frame: pd.DataFrame) -> bytes:
    """A DataFrame as Parquet bytes; pandas' schema metadata keeps dtypes and index, floats are exact."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=True)
    return buffer.getvalue()


def write_table(path: Path, frame: pd.DataFrame) -> None:
    """Write the hash, then the table: a cut between the two leaves no table, so it is computed again."""
    data = to_bytes(frame)
    write_atomic(hash_path(path), hashlib.sha256(data).hexdigest().encode() + b"\n")
    write_atomic(path, data)


def read_table(path: Path) -> pd.DataFrame | None:
    """The table at `path` (None when there is none); DamagedTable when it must not be read."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise DamagedTable(f"unreadable ({error.strerror or error})") from error
    try:
        expected = hash_path(path).read_text().strip()
    except (OSError, UnicodeDecodeError) as error:
        raise DamagedTable("its content hash is missing or unreadable") from error
    if hashlib.sha256(data).hexdigest() != expected:
        raise DamagedTable("its bytes do not match the hash written with it (altered or truncated)")
    try:
        return pd.read_parquet(io.BytesIO(data), engine="pyarrow")
    except Exception as error:  # noqa: BLE001 - any parse failure of a hashed file means a damaged table
        raise DamagedTable(f"not a readable Parquet table ({type(error).__name__})") from error


def move_aside(path: Path) -> Path:
    """Move a damaged table and its hash into `damaged/` beside it (kept, never deleted); the new place."""
    folder = path.parent / DAMAGED
    folder.mkdir(exist_ok=True)
    target = folder / f"{path.name}.{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    for source, suffix in ((path, ""), (hash_path(path), HASH_SUFFIX)):
        if source.exists():
            os.replace(source, target.with_name(target.name + suffix))
    return target
