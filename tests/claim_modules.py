"""Load a test function of `claims/` (not a package) to call it directly on planted tables."""
from __future__ import annotations

import importlib.util
from pathlib import Path

CLAIMS = Path(__file__).resolve().parents[1] / "claims"


def claim_function(module: str, name: str):
    """`claims/<module>.py`'s function `name`, from a fresh import of the module."""
    spec = importlib.util.spec_from_file_location(f"claims_{module}", CLAIMS / f"{module}.py")
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return getattr(loaded, name)
