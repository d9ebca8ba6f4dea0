"""P1's untrained architectures under several init seeds: the option, the source naming, the init and the cache identity."""
from __future__ import annotations

import dataclasses

import pytest
from safetensors.torch import load_file

from jepa_claims.suite.options import DEFAULT_UNTRAINED_SEEDS, SuiteOptions, check_untrained_seeds, resolve_world
from jepa_claims.tables.probes import random_world, untrained_seeds
from jepa_claims.worlds import checkpoints
from jepa_claims.worlds.world import TOY_CHECKPOINTS, World


def test_the_option_defaults_to_three_and_refuses_fewer_than_two(pytestconfig, tmp_path):
    """--untrained-seeds is registered (so --help lists it), 3 by default; 1 is refused before any work."""
    assert pytestconfig.getoption("--untrained-seeds") == DEFAULT_UNTRAINED_SEEDS == SuiteOptions().untrained_seeds == 3
    check_untrained_seeds(2)
    with pytest.raises(ValueError, match=r"^--untrained-seeds 1: must be at least 2 "):
        resolve_world(SuiteOptions(world="toy", untrained_seeds=1, cache_dir=tmp_path / "cache"))
    assert not (tmp_path / "cache").exists()


def test_seeds_are_the_same_on_every_run():
    assert untrained_seeds(3) == (1234, 1235, 1236) and untrained_seeds(4)[:3] == untrained_seeds(3)


def test_untrained_sources_name_their_seed_and_a_seedless_one_is_refused():
    source = checkpoints.untrained_source("facebook/ijepa_vith14_1k", 1235)
    assert source == "random:1235:facebook/ijepa_vith14_1k"
    assert checkpoints.split_untrained(source) == (1235, "facebook/ijepa_vith14_1k")
    assert checkpoints.split_untrained("toy:ijepa_1k") is None
    with pytest.raises(ValueError, match="random:SEED:<source>"):
        checkpoints.split_untrained("random:toy:ijepa_1k")


def test_each_seed_is_its_own_init_and_its_own_cache_identity(tmp_path):
    """Two seeds: different weights, folders and identities; the same seed again: the same weights (HF's init
    under a fixed torch seed is deterministic)."""
    world = World("toy", TOY_CHECKPOINTS[:1], ("4x3",), tmp_path)
    specs = {seed: random_world(world, seed).checkpoint("ijepa_1k") for seed in (1234, 1235)}
    folders = {seed: checkpoints.checkpoint_folder(spec, tmp_path / "a") for seed, spec in specs.items()}
    again = checkpoints.checkpoint_folder(specs[1234], tmp_path / "b")  # built afresh in another cache
    weights = {name: load_file(str(folder / "model.safetensors")) for name, folder in
               (("1234", folders[1234]), ("1235", folders[1235]), ("again", again))}
    key = next(k for k in weights["1234"] if k.endswith("mlp.fc1.weight") or k.endswith("intermediate.dense.weight"))
    assert not weights["1234"][key].equal(weights["1235"][key])
    assert all(weights["1234"][k].equal(weights["again"][k]) for k in weights["1234"])
    identities = {seed: checkpoints.checkpoint_identity(spec, tmp_path / "a") for seed, spec in specs.items()}
    assert folders[1234] != folders[1235] and identities[1234] != identities[1235]
    assert folders[1234].name.endswith("-seed1234") and "random:1234:toy:ijepa_1k" in identities[1234]
    assert specs[1234].label.endswith("random init (seed 1234)")
    assert dataclasses.replace(specs[1234], source="toy:ijepa_1k", label=TOY_CHECKPOINTS[0].label) == TOY_CHECKPOINTS[0]
