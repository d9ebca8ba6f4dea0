"""Every registered claim: C1-C7 (checks.py), C8-C13 (checks_scope.py) and C14 onwards (text_claims.py), on one registry.

Import `CLAIMS` and `evaluate` from here, not from checks.py: a module that imported only checks.py
would see C14 onwards or not depending on what else happened to be imported first.
"""
from __future__ import annotations

from jepa_claims.claim import checks_scope  # noqa: F401  (registers C8-C13 after checks.py's C1-C7)
from jepa_claims.claim import text_claims  # noqa: F401  (the import registers C14 onwards on CLAIMS)
from jepa_claims.claim.checks import CLAIMS
from jepa_claims.claim.common import Verdict
from jepa_claims.claim.source import TableSource


def evaluate(claim: str, source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """Run one claim's check by its id (an unknown id names the known ones)."""
    return CLAIMS.get(claim).evaluate(source, checkpoint, slice_name)
