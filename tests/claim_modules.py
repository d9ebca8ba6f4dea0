"""The repository's claim suite for the self-tests: its catalogue, a claim's verdict by id, a claims/ test function."""
from __future__ import annotations

from pathlib import Path

from jepa_claims.claim.catalogue import load, suite_module
from jepa_claims.claim.source import TableSource
from jepa_claims.claim.verdict import Verdict

SUITE = Path(__file__).resolve().parents[1] / "claims"  # beside tests/, wherever the package is installed
CLAIMS = load(SUITE)


def evaluate(claim: str, source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """One claim's verdict on a cell, by id (an unknown id names the known ones)."""
    return CLAIMS.get(claim).evaluate(source, checkpoint, slice_name)


def claim_function(module: str, name: str):
    """`claims/<module>.py`'s function `name` (the module as the suite imports it)."""
    return getattr(suite_module(SUITE / f"{module}.py"), name)


def catalogued(items: dict, modules: dict | None = None) -> dict:
    """A planted record catalogue as the plugin builds it: the items (each claim test with its cell's paper cells),
    the modules, and the definition of every claim an item names."""
    named = {item.get("claim") or item.get("param_claim") for item in items.values()} - {None}
    filled = {node: item | ({"paper_cells": CLAIMS.get(item["claim"]).numeric_cells(item["checkpoint"], item["slice"])}
                            if item.get("claim") and item.get("checkpoint") else {}) for node, item in items.items()}
    return {"items": filled, "modules": modules or {}, "claims": {c: CLAIMS.get(c).describe() for c in named if c in CLAIMS}}
