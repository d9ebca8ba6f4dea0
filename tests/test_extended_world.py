"""The extended world (`--world extended`): other public I-JEPA encoders and a DINOv2 control, checked on
a rehearsal of their hub cache (tests/extended_rehearsal.py: their real shapes at reduced width)."""
from __future__ import annotations

import argparse

import pytest
from extended_rehearsal import CONFIGS, made_up_commit, write_extended_cache
from rehearsal import write_hub_cache

from jepa_claims.data.fetch import EXTENDED_REVISIONS, MODEL_REVISIONS, add_fetch_arguments, run_fetch
from jepa_claims.suite.options import SuiteOptions, WorldUnavailable, resolve_world
from jepa_claims.worlds.checkpoints import checkpoint_identity, load_checkpoint
from jepa_claims.worlds.extended import extended_missing, extended_world

# key -> (depth, tokens per side, prefix tokens): ViT-H/16 at 448 px, ViT-g/16 at 224 px, DINOv2 at its 224 crop
SHAPES = {"ijepa_1k": (32, 16, 0), "ijepa_h16_448": (32, 28, 0), "ijepa_g16_22k": (40, 14, 0), "dinov2": (12, 16, 1)}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """The hub cache holding the paper's IN-1k encoder and the three new ones."""
    cache = tmp_path_factory.mktemp("extended-hub")
    write_hub_cache(cache, ("facebook/ijepa_vith14_1k",))
    write_extended_cache(cache)
    return cache


def test_only_the_paper_pin_is_a_sha_the_others_resolve_at_fetch():
    assert EXTENDED_REVISIONS["facebook/ijepa_vith14_1k"] == MODEL_REVISIONS["facebook/ijepa_vith14_1k"]
    assert [EXTENDED_REVISIONS[repo] for repo in CONFIGS] == [None, None, None]


def test_every_checkpoint_loads_with_its_real_shape_and_records_its_commit(hub, tmp_path):
    world = extended_world(tmp_path / "data", hub)
    assert [c.key for c in world.checkpoints] == list(SHAPES)
    for spec in world.checkpoints:
        encoder = load_checkpoint(spec, tmp_path)
        assert (encoder.depth, encoder.grid, encoder.prefix_tokens) == SHAPES[spec.key], spec.key
        assert encoder.family == spec.family
        expected = MODEL_REVISIONS.get(spec.source) or made_up_commit(spec.source)
        assert checkpoint_identity(spec, tmp_path) == f"{spec.source}@{expected}"
        assert spec.discover_roles == (spec.key != "ijepa_1k") and spec.stands_for in (None, "ijepa_1k")


def _fetch_check(hub, world: str) -> int:
    """`jepa-claims fetch --world WORLD --only models --check` against the cache."""
    parser = argparse.ArgumentParser()
    add_fetch_arguments(parser)
    return run_fetch(parser.parse_args(["--world", world, "--only", "models", "--check", "--hf-cache", str(hub)]))


def test_fetch_checks_the_extended_world_s_checkpoints(hub, tmp_path, capsys):
    assert _fetch_check(hub, "extended") == 0
    assert {line.split(":")[0] for line in capsys.readouterr().out.splitlines()} == set(EXTENDED_REVISIONS)
    assert _fetch_check(tmp_path / "empty", "extended") == 1
    assert "facebook/dinov2-base: missing (not in the HF cache" in capsys.readouterr().out


def test_the_suite_names_what_the_extended_world_lacks(hub, tmp_path):
    world = extended_world(tmp_path / "data", hub)
    assert extended_missing(world.select(("dinov2",), ("voc8x3",))) == ["voc2012-trainval: missing"]
    with pytest.raises(WorldUnavailable, match="fetch --world extended"):
        resolve_world(SuiteOptions(world="extended", data_root=str(tmp_path / "data"), hf_cache=hub,
                                   cache_dir=tmp_path / "cache", checkpoints=("dinov2",), slices=("voc8x3",)))
