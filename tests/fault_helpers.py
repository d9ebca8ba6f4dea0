"""Faults a test can plant: a folder that refuses new files as a read-only mount or a full disk does."""
from __future__ import annotations

import os
from pathlib import Path

import pytest


def refuse_writes(monkeypatch: pytest.MonkeyPatch, folder: Path, code: int) -> None:
    """Creating a file under `folder` fails with OSError(code) (chmod cannot: tests may run as root)."""
    real_open = os.open

    def guarded(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and Path(path).resolve().is_relative_to(Path(folder).resolve()):
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded)
