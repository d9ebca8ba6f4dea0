"""The table source the verdicts read: measurement tables, the layers' roles, and the conventions.

Three things implement it: `TableStore` (computes and caches tables), the report's read-only view of
the cache (`record.figures.CachedSource`), and the planted tables of the self-tests.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from jepa_claims.conventions import Conventions
from jepa_claims.roles import Roles

if TYPE_CHECKING:  # a table is a pandas frame; importing pandas here would load it for every pytest run
    import pandas as pd


@runtime_checkable
class TableSource(Protocol):
    """What a claim check may ask of its tables (and nothing more: a check never runs a model)."""

    conv: Conventions

    def table(self, kind: str, checkpoint: str, slice_name: str) -> pd.DataFrame:
        """The `kind` table (semantic, rescue, sweep, ...) of one checkpoint on one slice."""
        ...

    def roles(self, checkpoint: str) -> Roles:
        """Which layers of the checkpoint play the paper's roles."""
        ...
