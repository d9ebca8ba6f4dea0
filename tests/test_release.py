"""Encoders released when a worker is done with them (TableStore.release_done): the planned tables of a checkpoint all
cached lets its encoder go, tables stay the same, and a store that is not done keeps its encoder."""
from __future__ import annotations

import pandas as pd
import pytest
from tiny_world import tiny_world

from jepa_claims.conventions import Conventions
from jepa_claims.tables.store import TableStore
from jepa_claims.worlds.world import World

CONV = Conventions()


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    """One tiny checkpoint (depth 4) and four synthetic pet breeds, on one slice."""
    return tiny_world(tmp_path_factory.mktemp("world"))


def _wanted(world: World, *kinds: str) -> frozenset:
    return frozenset((kind, world.checkpoints[0].source, "4x3", CONV) for kind in kinds)


def test_the_encoder_goes_once_every_planned_table_is_cached_and_the_tables_do_not_change(world, tmp_path):
    """masks then geometry planned: the encoder stays after the first and goes after the second; the tables equal a
    store's that never releases (no plan)."""
    store = TableStore(world, tmp_path / "cache", CONV, wanted=_wanted(world, "masks", "geometry"))
    masks = store.table("masks", "ijepa_1k", "4x3")
    assert "ijepa_1k" in store._encoders  # geometry is still to compute
    geometry = store.table("geometry", "ijepa_1k", "4x3")
    assert store._encoders == {}
    kept = TableStore(world, tmp_path / "apart", CONV)
    for kind, frame in (("masks", masks), ("geometry", geometry)):
        pd.testing.assert_frame_equal(frame, kept.table(kind, "ijepa_1k", "4x3"), check_exact=True)
    assert "ijepa_1k" in kept._encoders and kept.release_done() == []  # no plan: nothing is known to be done


def test_a_worker_done_after_another_computed_the_rest_lets_go_on_its_next_check(world, tmp_path):
    """Two workers' stores on one cache: the one holding the encoder keeps it while a planned table is missing and lets
    it go once the other has computed it."""
    wanted = _wanted(world, "masks", "geometry")
    first, second = (TableStore(world, tmp_path / "cache", CONV, wanted=wanted, worker=w) for w in ("gw0", "gw1"))
    first.encoder("ijepa_1k")
    assert first.release_done() == [] and "ijepa_1k" in first._encoders
    second.table("masks", "ijepa_1k", "4x3")
    second.table("geometry", "ijepa_1k", "4x3")
    assert second._encoders == {} and first.release_done() == ["ijepa_1k"] and first._encoders == {}
    assert first.table("geometry", "ijepa_1k", "4x3") is not None and first._encoders == {}  # read from the cache
