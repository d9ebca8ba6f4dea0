"""A user's own checkpoints (`--checkpoints ijepa_1k,mine=ORG/NAME@REV` or `mine=FOLDER`): families beyond the
paper's (ViT, DINOv2), shapes read from the checkpoint's own files, clear errors, and the suite end to end."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from jepa_claims.engine.builders import build_model, save_hub_cache, save_pretrained_layout, tiny_config
from jepa_claims.engine.models import CheckpointError, FAMILIES, ProcessorGeometry, load_encoder
from jepa_claims.engine.processor import read_geometry
from jepa_claims.engine.sites import KINDS, parse_site, resolve_site
from jepa_claims.worlds.checkpoints import checkpoint_identity
from jepa_claims.worlds.own import own_checkpoint, split_entries, with_own
from jepa_claims.worlds.world import PAPER_SLICES, TOY_CHECKPOINTS, World

ROOT = Path(__file__).resolve().parents[1]
SHA = "0123456789abcdef0123456789abcdef01234567"


def save_shaped(family: str, folder: Path, depth: int = 7, size: int = 96, patch: int = 16) -> Path:
    """A jittered random checkpoint of `family` at an unusual depth and image size, in the HF layout."""
    config = tiny_config(family, num_hidden_layers=depth, image_size=size, patch_size=patch)
    model = build_model(family, config, seed=3, jitter=0.05)
    return save_pretrained_layout(model, folder, ProcessorGeometry(size, 2, (0.5,) * 3, (0.5,) * 3))


def test_entries_split_into_world_keys_and_own_checkpoints():
    assert split_entries(("ijepa_1k", "mine=org/repo@v1", "x = ./folder")) == (
        ("ijepa_1k",), (("mine", "org/repo@v1"), ("x", "./folder")))
    assert split_entries(None) == (None, ())
    assert split_entries(("a=b",)) == (None, (("a", "b"),))
    for bad in ("=org/repo", "1st=org/repo", "mine=", "a b=c"):
        with pytest.raises(ValueError, match="expected NAME="):
            split_entries((bad,))


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_an_own_folder_is_read_from_its_files_at_any_depth_and_size(family, tmp_path):
    folder = save_shaped(family, tmp_path / family)
    spec = own_checkpoint("mine", str(folder))
    assert (spec.key, spec.family, spec.stands_for) == ("mine", family, "ijepa_1k")
    assert "7 blocks, 96 px / patch 16 = 36 tokens" in spec.label
    encoder = load_encoder(spec.source)
    assert (encoder.depth, encoder.grid, encoder.patch_size) == (7, 6, 16)
    for kind in KINDS:  # every site kind resolves on every family, in the last block too
        resolve_site(encoder, parse_site(f"6.{kind}", encoder.depth))


def test_large_images_give_large_grids(tmp_path):
    encoder = load_encoder(str(save_shaped("vit", tmp_path / "vit448", depth=2, size=448, patch=16)))
    assert encoder.grid ** 2 == 784
    with torch.no_grad():
        assert encoder.model(torch.zeros(1, 3, 448, 448)).last_hidden_state.shape[1] == 785  # CLS + 784


def test_an_unsupported_family_is_a_clear_error_naming_the_supported_ones(tmp_path):
    folder = save_shaped("vit", tmp_path / "swin")
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "model_type": "swin"}))
    with pytest.raises(CheckpointError, match="model_type 'swin' is not supported; supported: beit, dinov2, ijepa, vit, vit_mae"):
        own_checkpoint("mine", str(folder))


def test_a_size_that_is_not_whole_patches_is_refused(tmp_path):
    folder = save_shaped("vit", tmp_path / "odd", size=100, patch=16)
    with pytest.raises(CheckpointError, match="100 is not a whole number of 16-pixel patches"):
        own_checkpoint("mine", str(folder))


def test_dinov2_processor_is_read_as_a_straight_resize_to_its_crop(tmp_path):
    # facebook/dinov2-base's preprocessor_config.json: shortest edge 256, centre crop 224, bicubic, ImageNet stats.
    folder = save_shaped("dinov2", tmp_path / "dino", size=518, patch=14)  # as published: 518 in config.json
    (folder / "preprocessor_config.json").write_text(json.dumps({
        "crop_size": {"height": 224, "width": 224}, "do_center_crop": True, "do_normalize": True, "do_rescale": True,
        "do_resize": True, "image_mean": [0.485, 0.456, 0.406], "image_processor_type": "BitImageProcessor",
        "image_std": [0.229, 0.224, 0.225], "resample": 3, "rescale_factor": 0.00392156862745098,
        "size": {"shortest_edge": 256}}))
    geometry = read_geometry(folder, "dinov2")
    assert (geometry.size, geometry.resample) == (224, 3) and "straight resize to 224x224" in geometry.note
    spec = own_checkpoint("dino", str(folder))
    assert "224 px / patch 14 = 256 tokens" in spec.label and "centre-crops" in spec.label
    assert load_encoder(str(folder)).grid == 16
    # the same json on another family keeps being refused (its crop is not read as a resize)
    with pytest.raises(CheckpointError, match="a center crop smaller than the resize"):
        read_geometry(folder, "vit")


def test_a_hub_reference_resolves_to_its_commit(tmp_path):
    model = build_model("beit", tiny_config("beit", num_hidden_layers=5), seed=1)
    save_hub_cache(model, tmp_path / "hub", "someone/beit-5", SHA, ProcessorGeometry(56, 2, (0.5,) * 3, (0.5,) * 3))
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        spec = own_checkpoint("b5", "someone/beit-5@main", tmp_path / "hub")
    finally:
        del os.environ["HF_HUB_OFFLINE"]
    assert (spec.source, spec.revision, spec.family) == ("someone/beit-5", SHA, "beit")
    assert checkpoint_identity(spec, tmp_path) == f"someone/beit-5@{SHA}"


def test_own_names_must_not_clash_and_stand_in_for_ijepa_1k(tmp_path):
    world = World("toy", TOY_CHECKPOINTS, PAPER_SLICES, tmp_path)
    spec = own_checkpoint("mine", str(save_shaped("vit", tmp_path / "v")))
    assert [c.key for c in with_own(world, None, (spec,)).checkpoints] == ["mine"]
    assert [c.key for c in with_own(world, ("mae",), (spec,)).checkpoints] == ["mae", "mine"]
    assert [c.key for c in with_own(world, None, ()).checkpoints] == [c.key for c in TOY_CHECKPOINTS]
    mixed = with_own(world, ("ijepa_1k",), (spec,))
    assert mixed.with_stand_ins([("ijepa_1k", "4x3"), ("mae", "8x3")]) == [
        ("ijepa_1k", "4x3"), ("mae", "8x3"), ("mine", "4x3")]
    with pytest.raises(ValueError, match="mae names two checkpoints"):
        with_own(world, None, (own_checkpoint("mae", str(tmp_path / "v")),))


def test_a_folder_identity_follows_its_contents(tmp_path):
    folder = save_shaped("vit", tmp_path / "v")
    spec = own_checkpoint("mine", str(folder))
    before = checkpoint_identity(spec, tmp_path)
    save_shaped("vit", folder, depth=6)  # the same folder rewritten with other weights
    assert before.startswith(str(folder.resolve()) + "@sha256:") and checkpoint_identity(spec, tmp_path) != before


def _suite(*args: str) -> subprocess.CompletedProcess:
    """`pytest claims/ ARGS` in a fresh process from the repository root."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")} | {"PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_an_unsupported_checkpoint_stops_the_suite_with_a_usage_error(tmp_path):
    folder = save_shaped("vit", tmp_path / "swin")
    (folder / "config.json").write_text(json.dumps({"model_type": "swin"}))
    done = _suite("claims/test_c04_semantic_advantage.py", "--world", "toy", "--checkpoints", f"mine={folder}",
                  "--cache-dir", str(tmp_path / "cache"))
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr[-2000:]
    assert "model_type 'swin' is not supported; supported: beit, dinov2, ijepa, vit, vit_mae" in done.stderr


@pytest.mark.slow
def test_an_own_checkpoint_runs_through_the_suite_with_a_full_record(tmp_path):
    """A 7-block ViT at 256 px / patch 16 (a 16 x 16 grid) on the toy data: its cells run and the record names it."""
    folder = save_shaped("vit", tmp_path / "vit7", size=256)
    report = tmp_path / "r" / "replication.html"
    done = _suite("claims/test_c04_semantic_advantage.py", "claims/test_c13_token_budgets.py", "--world", "toy",
                  "--checkpoints", f"mine={folder}", "--slices", "4x3", "--cache-dir", str(tmp_path / "cache"),
                  f"--html={report}")
    assert "mine-4x3" in done.stdout and "error" not in done.stdout.splitlines()[-1], done.stdout[-3000:]
    summary = json.loads(report.with_name("stats_summary.json").read_text())
    row = next(r for r in summary["provenance"]["checkpoints"] if r["key"] == "mine")
    assert row["family"] == "vit" and row["source"] == str(folder.resolve())
    assert row["resolved"].startswith(f"{folder.resolve()}@sha256:") and "7 blocks, 256 px / patch 16" in row["label"]
    assert summary["provenance"]["roles"]["mine"]["depth"] == 7
    assert {"C4|mine|4x3", "C13|mine|4x3"} <= set(summary["matrix"])
    assert summary["matrix"]["C13|mine|4x3"]["status"] == "PASS"  # equal budgets hold by construction of the masks


def test_dinov2_sites_capture_the_values_they_name(tmp_path):
    """attn.out before the layer scale, intermediate = GELU(fc1), resid = the block's output (as for BEiT)."""
    from model_helpers import all_sites, capture, pixels

    encoder = load_encoder(str(save_shaped("dinov2", tmp_path / "dino", depth=2, size=56, patch=8)))
    x = pixels(encoder)
    seen = {name: values[0] for name, values in capture(encoder, all_sites(encoder), x).items()}
    with torch.no_grad():
        hidden = encoder.embed(x)
        for index, block in enumerate(encoder.blocks):
            assert not torch.allclose(block.layer_scale1.lambda1, torch.ones(encoder.hidden_size))
            middle = hidden + block.layer_scale1(seen[f"{index}.attn.out"])
            fc1 = block.mlp.fc1(block.norm2(middle))
            torch.testing.assert_close(seen[f"{index}.fc1"], fc1, atol=1e-5, rtol=0)
            torch.testing.assert_close(seen[f"{index}.intermediate"], torch.nn.functional.gelu(fc1), atol=1e-5, rtol=0)
            out = middle + block.layer_scale2(block.mlp.fc2(seen[f"{index}.intermediate"]))
            hidden = encoder.run_block(index, hidden, x.shape)
            torch.testing.assert_close(seen[f"{index}.resid"], out, atol=1e-5, rtol=0)
            torch.testing.assert_close(seen[f"{index}.resid"], hidden, atol=1e-5, rtol=0)


def test_own_checkpoints_are_not_confirmed_on_their_discovery_slice(tmp_path):
    from claim_modules import CLAIMS
    from jepa_claims.worlds.world import DISCOVERY_SLICE

    spec = own_checkpoint("mine", str(save_shaped("vit", tmp_path / "v")))
    world = with_own(World("toy", TOY_CHECKPOINTS, PAPER_SLICES, tmp_path), ("ijepa_1k",), (spec,))
    assert spec.discover_roles and DISCOVERY_SLICE not in world.confirmation_slices("mine")
    assert world.confirmation_slices("ijepa_1k") == PAPER_SLICES  # the paper's checkpoints keep every slice
    keys = [c.key for c in world.checkpoints]
    # C5 on 4x3 reads 12x3 (the discovery slice): it runs for ijepa_1k, not for the discovering checkpoint
    c5 = CLAIMS.get("C5")
    assert not c5.missing("ijepa_1k", "4x3", keys, world.confirmation_slices("ijepa_1k"))
    assert c5.missing("mine", "4x3", keys, world.confirmation_slices("mine")) == [DISCOVERY_SLICE]
