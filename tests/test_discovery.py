"""Roles discovered on the discovery slice (lib/tables/discovery.py), claims confirmed on the other slices.

On the toy world the discovered roles are the planted ones; on the toy variant whose bottleneck sits
elsewhere (lib/toy/models.py: the repair block, gather and MLP, in the first late site by relative depth,
one block before the roles' own), discovery finds it, where the roles placed by relative depth miss it,
and the claims that read the sweep (C2, C7) pass at the discovered roles and fail at the fixed ones on a
confirmation slice. To keep CI short the toy discovers on 4x3 (12 images); C3 (a 4x3 cell) and C14 were
measured at the world's own discovery slice instead, where they pass at the discovered roles too.
"""
from __future__ import annotations

from dataclasses import replace

import pytest

from jepa_claims.roles import Roles
from jepa_claims.tables.store import TableStore
from jepa_claims.toy import models as toy
from claim_modules import evaluate
from jepa_claims.worlds.world import DISCOVERY_SLICE, World, toy_world

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("discovery")]
VARIANT = "ijepa_1k:bottleneck_elsewhere"
FOUND_ON = "4x3"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[World, object]:
    """The toy world (discovering on 4x3) and its cache folder."""
    cache = tmp_path_factory.mktemp("discovery")
    return replace(toy_world(cache), discovery_slice=FOUND_ON), cache


def _store(world, source: str, discover: bool) -> TableStore:
    """A store whose only checkpoint is ijepa_1k built from `source`, with roles discovered or fixed."""
    base, cache = world
    spec = replace(base.checkpoint("ijepa_1k"), source=source, discover_roles=discover)
    return TableStore(replace(base, checkpoints=(spec,)), cache)


def test_discovered_roles_are_the_planted_ones(world):
    roles = _store(world, "toy:ijepa_1k", discover=True).roles("ijepa_1k")
    plan = toy.PLANS["ijepa_1k"]
    assert (roles.bottleneck, roles.mlp_partner, roles.late_attention) == (plan.bottleneck, plan.partner, (plan.late_attention, plan.depth - 1))
    # block_output reading: the onset MLP's block is the layer where large squares cross tau
    assert roles.onset_window[0] <= plan.onset <= roles.onset_window[1]
    assert roles.found_on == FOUND_ON and FOUND_ON not in roles.confirmed_on and "8x3" in roles.confirmed_on
    assert Roles.for_depth(plan.depth).found_on is None and DISCOVERY_SLICE == "12x3"


def test_discovery_finds_a_moved_bottleneck(world):
    discovered, fixed = _store(world, f"toy:{VARIANT}", True), _store(world, f"toy:{VARIANT}", False)
    roles = discovered.roles("ijepa_1k")
    assert roles.bottleneck == toy.PLANS[VARIANT].bottleneck != fixed.roles("ijepa_1k").bottleneck
    assert roles.peak_window[0] <= roles.bottleneck <= roles.peak_window[1]


def test_tables_at_discovered_roles_are_keyed_by_them(world):
    discovered, fixed = _store(world, "toy:ijepa_1k", True), _store(world, "toy:ijepa_1k", False)
    assert discovered.key("rescue", "ijepa_1k", "4x3") != fixed.key("rescue", "ijepa_1k", "4x3")
    assert discovered.key("sweep", "ijepa_1k", "8x3") == fixed.key("sweep", "ijepa_1k", "8x3")  # the depth's only


@pytest.mark.parametrize("claim", ["C2", "C7"])
def test_the_moved_bottleneck_s_claims_pass_at_the_discovered_roles_and_fail_at_the_fixed(world, claim):
    """On 8x3, a confirmation slice (one sweep table: it depends on the depth only, so both stores read it)."""
    discovered, fixed = _store(world, f"toy:{VARIANT}", True), _store(world, f"toy:{VARIANT}", False)
    found, placed = evaluate(claim, discovered, "ijepa_1k", "8x3"), evaluate(claim, fixed, "ijepa_1k", "8x3")
    assert found.passed and not placed.passed, f"discovered: {found.statement}\nfixed: {placed.statement}"
