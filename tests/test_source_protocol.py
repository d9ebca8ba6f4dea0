"""The table source protocol: the store, the report's read-only view of the cache and the planted tables all fit it."""
from __future__ import annotations

import inspect
from types import SimpleNamespace

from claim_modules import SUITE

import pytest

from jepa_claims.conventions import Conventions
from jepa_claims.record.figures import CachedSource
from jepa_claims.roles import Roles
from jepa_claims.suite.options import SuiteOptions
from jepa_claims.suite.plugin import CONVENTIONS, OPTIONS, WORLD as WORLD_KEY, suite_store
from jepa_claims.tables.store import TableStore
from jepa_claims.claim.source import TableSource
from jepa_claims.worlds.world import CheckpointSpec, World
from planted import Planted

WORLD = World("test", (CheckpointSpec("ijepa_1k", "ijepa", "toy:ijepa_1k", "toy"),), ("4x3",), data_root=".")


def fits(source) -> bool:
    """A TableSource by name (runtime_checkable) and by arity: each method takes the protocol's parameters."""
    if not isinstance(source, TableSource):
        return False
    for method in ("table", "roles"):
        wanted = list(inspect.signature(getattr(TableSource, method)).parameters)[1:]  # without self
        got = inspect.signature(getattr(source, method)).parameters.values()
        if [p.kind for p in got] != [inspect.Parameter.POSITIONAL_OR_KEYWORD] * len(wanted):
            return False
    return True


def _read_only_store(tmp_path) -> TableStore:
    """The report's store, built from the run's options and world as the suite's plugin builds it."""
    return suite_store(SimpleNamespace(stash={OPTIONS: SuiteOptions(cache_dir=tmp_path, run_id="r"), WORLD_KEY: WORLD,
                                              CONVENTIONS: Conventions()},
                                       rootpath=SUITE.parent, getini=lambda name: [SUITE.name]))


def test_the_store_the_report_and_the_planted_tables_are_table_sources(tmp_path):
    """TableStore, the report's read-only store and its cache-only view, and Planted all fit the protocol."""
    sources = {"TableStore": TableStore(WORLD, tmp_path), "read_only_store": _read_only_store(tmp_path),
               "CachedSource": CachedSource(_read_only_store(tmp_path)), "Planted": Planted()}
    assert {name: fits(source) for name, source in sources.items()} == dict.fromkeys(sources, True)


class _Tables:
    """A source with every part, each of which a planted case removes or bends."""

    conv = Conventions()

    def table(self, kind: str, checkpoint: str, slice_name: str):
        """No table."""

    def roles(self, checkpoint: str) -> Roles:
        """The paper's roles."""
        return Roles.for_depth(32)


class _NoConv:
    def table(self, kind: str, checkpoint: str, slice_name: str):
        """No table."""

    def roles(self, checkpoint: str) -> Roles:
        """The paper's roles."""
        return Roles.for_depth(32)


class _TwoArgTable(_Tables):
    def table(self, kind: str, checkpoint: str):
        """A table that forgot the slice."""


class _NoRoles:
    conv = Conventions()

    def table(self, kind: str, checkpoint: str, slice_name: str):
        """No table."""


@pytest.mark.parametrize("source, expected", [(_Tables(), True), (_NoConv(), False), (_TwoArgTable(), False), (_NoRoles(), False)],
                         ids=["complete", "no conv", "table without slice", "no roles"])
def test_a_source_missing_a_part_does_not_fit(source, expected):
    """The check fails on a source without conv, without roles, or whose table takes too few arguments."""
    assert fits(source) is expected
