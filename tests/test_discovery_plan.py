"""Role discovery without computing (the measured part is tests/test_discovery.py, slow): the census plan
(lib/suite/plan.py) covers checkpoints that stand in for a paper checkpoint (own `--checkpoints NAME=PATH`,
`--world extended`) on their confirmation slices, the tables their discovery reads and the roles probe's (P8);
P1's untrained copies reuse the trained checkpoint's discovered roles."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from jepa_claims.suite import plan
from jepa_claims.tables.discovery import DISCOVERY_KINDS, ROLE_PROBE_CHECKPOINTS, discovery_store
from jepa_claims.tables.probes import random_world
from jepa_claims.tables.store import TableStore
from jepa_claims.worlds.extended import extended_world
from jepa_claims.worlds.world import DISCOVERY_SLICE, PAPER_SLICES, CheckpointSpec, World, toy_world

MINE = CheckpointSpec("mine", "vit", "/nowhere", "mine", stands_for="ijepa_1k", discover_roles=True)


def _of(planned, key: str) -> set[tuple[str, str, str]]:
    """(variant, kind, slice) of the planned tables of one checkpoint."""
    return {(t.variant, t.kind, t.slice_name) for t in planned if t.checkpoint == key}


def test_an_own_checkpoint_is_planned_on_its_paper_checkpoint_s_cells_and_its_discovery():
    """On 4x3 and 8x3: what 1k's claims read there (C5 reads 12x3 and C11 16x3: not run), plus sweep and geometry on
    the discovery slice, though it is not selected; no untrained copies (P1 runs the paper's cells)."""
    mine = _of(plan.plan(("ijepa_1k", "mine"), ("4x3", "8x3"), specs=(MINE,)), "mine")
    assert mine == {("", kind, sl) for kind, sl in (
        ("geometry", "4x3"), ("masks", "4x3"), ("rescue", "4x3"), ("semantic", "4x3"),
        ("sweep", "8x3"), ("semantic", "8x3"), ("rescue", "8x3"), ("masks", "8x3"), ("panel", "8x3"),
        ("pathway", "8x3"), ("excess", "8x3"), ("sweep", DISCOVERY_SLICE), ("geometry", DISCOVERY_SLICE))}
    assert not _of(plan.plan(("ijepa_1k",), ("4x3", "8x3"), specs=(MINE,)), "mine")  # not selected: nothing


def test_a_discovering_checkpoint_s_claims_read_no_table_of_the_discovery_slice_but_discovery_s():
    everything = plan.plan(("ijepa_1k", "mine"), PAPER_SLICES, specs=(MINE,))
    assert {kind for _, kind, sl in _of(everything, "mine") if sl == DISCOVERY_SLICE} == set(DISCOVERY_KINDS)
    assert ("", "rescue", DISCOVERY_SLICE) in _of(everything, "ijepa_1k")  # C6 on 12x3 for the paper's own
    assert len(everything) > len(plan.plan(("ijepa_1k", "mine"), PAPER_SLICES))  # without specs: the old undercount


def test_the_extended_world_is_planned_for_every_new_encoder(tmp_path):
    world = extended_world(tmp_path)
    keys = tuple(c.key for c in world.checkpoints)
    planned = plan.plan(keys, world.slices, specs=world.checkpoints, discovery_slice=world.discovery_slice)
    for key in keys[1:]:
        tables = _of(planned, key)
        assert {("", kind, DISCOVERY_SLICE) for kind in DISCOVERY_KINDS} <= tables and ("", "sweep", "8x3") in tables
    assert _of(planned, "ijepa_1k") >= {("", "sweep", "8x3"), ("random:1234", "rescue", "8x3")}


def test_tables_at_undiscovered_roles_count_as_not_cached_without_computing_anything(tmp_path):
    """Their cache key names the discovered roles; finding those would compute the discovery tables."""
    world = toy_world(tmp_path / "cache")
    spec = replace(world.checkpoint("ijepa_1k"), discover_roles=True)
    store = TableStore(replace(world, checkpoints=(spec,)), tmp_path / "cache")
    assert not plan._cached(store, plan.PlannedTable("", "rescue", "ijepa_1k", "8x3"))
    assert store.cached("masks", "ijepa_1k", "8x3") is None  # the slice is readable: the False above is the roles'
    assert not (tmp_path / "cache" / "tables").exists()


def test_the_roles_probe_is_planned_on_the_discovery_slice_of_the_paper_s_i_jepa_checkpoints():
    """P8 discovers 1k's and 22k's roles beside the paper's: sweep and geometry on the discovery slice, when selected."""
    keys = ("ijepa_1k", "ijepa_22k", "mae")
    probed = {(t.kind, t.checkpoint) for t in plan.plan(keys, PAPER_SLICES) if t.slice_name == DISCOVERY_SLICE}
    assert {(kind, ck) for kind in DISCOVERY_KINDS for ck in ROLE_PROBE_CHECKPOINTS} <= probed
    assert ("sweep", "mae") not in probed and ("geometry", "ijepa_22k") not in {
        (t.kind, t.checkpoint) for t in plan.plan(keys, ("8x3",))}  # not selected: not planned


def test_p1_s_untrained_copies_discover_nothing_of_their_own(tmp_path):
    """An untrained copy of a discovering checkpoint reads the trained checkpoint's discovery tables (the same roles,
    trained and untrained); a copy of a checkpoint at relative-depth roles stays there."""
    world = toy_world(tmp_path)
    world = replace(world, checkpoints=(replace(world.checkpoint("ijepa_1k"), discover_roles=True), world.checkpoint("mae")))
    untrained = random_world(world, 1234)
    copy = untrained.checkpoint("ijepa_1k")
    assert copy.discover_roles and copy.roles_from == "toy:ijepa_1k" and copy.source.startswith("random:1234:")
    assert untrained.checkpoint("mae").roles_from is None
    helper = discovery_store(TableStore(untrained, tmp_path), "ijepa_1k")
    assert helper.world.checkpoint("ijepa_1k").source == "toy:ijepa_1k" and not helper.world.checkpoint("ijepa_1k").discover_roles


def test_the_trained_world_discovers_its_roles_and_its_untrained_copies_reuse_them():
    """Nothing planted the trained encoders' roles: each discovers them; P1's copies read the trained tables."""
    from jepa_claims.train.config import SMALL
    from jepa_claims.worlds.trained import trained_checkpoints

    specs = trained_checkpoints(SMALL)
    world = World("trained", specs, PAPER_SLICES, Path("."))
    assert all(spec.discover_roles for spec in specs)
    assert [c.roles_from for c in random_world(world, 1235).checkpoints] == [spec.source for spec in specs]
    planned = plan.plan(tuple(s.key for s in specs), PAPER_SLICES, specs=specs)
    assert not [t for t in planned if t.slice_name == DISCOVERY_SLICE and t.kind not in DISCOVERY_KINDS]
