"""P1's untrained checkpoints built ahead of need by a process of their own (lib/worlds/ahead.py) are the folders
built on demand: the same weights hash, whether the builder finished first or a test asked while it was building."""
from __future__ import annotations

from jepa_claims.tables.probes import random_world
from jepa_claims.worlds.ahead import build_ahead, stop
from jepa_claims.worlds.checkpoints import checkpoint_folder, folder_digest
from jepa_claims.worlds.world import toy_world

SEEDS = (1234, 1235)


def untrained_specs(world, seeds) -> list:
    """P1's untrained copies of every checkpoint of the world under each seed (what the suite builds ahead)."""
    return [spec for seed in seeds for spec in random_world(world, seed).checkpoints]


def test_built_ahead_is_built_on_demand(tmp_path):
    """Every untrained copy built by the builder process hashes as the one built here on demand; asking for them
    while the builder runs waits for (or builds) each under its lock, to the same hash."""
    world = toy_world(tmp_path / "scenes")
    specs = untrained_specs(world, SEEDS)
    assert len(specs) == len(world.checkpoints) * len(SEEDS)
    builder = build_ahead(specs, tmp_path / "ahead")
    builder.join(300)
    assert builder.exitcode == 0
    racing = build_ahead(specs, tmp_path / "racing")
    raced = {spec.source: folder_digest(checkpoint_folder(spec, tmp_path / "racing")) for spec in specs}
    stop(racing)
    for spec in specs:
        on_demand = folder_digest(checkpoint_folder(spec, tmp_path / "demand"))
        assert folder_digest(checkpoint_folder(spec, tmp_path / "ahead")) == on_demand == raced[spec.source], spec.source
    assert not list((tmp_path / "racing").rglob("*.tmp")), "a half-built folder was left behind"


def test_a_builder_stopped_midway_leaves_no_half_built_folder(tmp_path):
    """Stopped at once, the builder leaves complete folders or none."""
    world = toy_world(tmp_path / "scenes")
    builder = build_ahead(untrained_specs(world, SEEDS), tmp_path / "cache")
    stop(builder)
    assert builder.exitcode is not None
    assert not list(tmp_path.joinpath("cache").rglob("*.tmp"))
