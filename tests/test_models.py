"""Self-tests for loading encoders (lib/engine/models.py) and building them (lib/engine/builders.py).

Written to pass unchanged under transformers 4.57 (v4 layout) and 5.x (v5 layout).
"""
from __future__ import annotations

import json
import os

import pytest
import torch
from huggingface_hub import try_to_load_from_cache
from jepa_claims.engine.builders import (
    IJEPA_GEOMETRY,
    build_model,
    save_hub_cache,
    save_pretrained_layout,
    tiny_config,
    vith14_config,
)
from jepa_claims.engine.models import CheckpointError, ProcessorGeometry, load_encoder, read_geometry
from model_helpers import FAMILIES, geometry_for, pixels, save_tiny

SHA = "0123456789abcdef0123456789abcdef01234567"
EXPECTED = {  # family: (prefix tokens, grid) of the tiny configs
    "ijepa": (0, 4),
    "vit_mae": (1, 7),
    "beit": (1, 7),
}


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> dict:
    """One tiny checkpoint directory per family."""
    root = tmp_path_factory.mktemp("checkpoints")
    return {family: save_tiny(family, root / family) for family in FAMILIES}


def _forward_matches(encoder) -> None:
    """embed -> run_block... -> final_norm equals every HF hidden state and last_hidden_state."""
    x = pixels(encoder)
    with torch.no_grad():
        reference = encoder.model(x, output_hidden_states=True, **encoder.forward_kwargs(x))
        hidden = encoder.embed(x)
        # hidden_states[0] is the embedding output, hidden_states[i + 1] the output of block i (both layouts).
        assert len(reference.hidden_states) == encoder.depth + 1
        torch.testing.assert_close(hidden, reference.hidden_states[0], atol=1e-5, rtol=0)
        for index in range(encoder.depth):
            hidden = encoder.run_block(index, hidden, x.shape)
            torch.testing.assert_close(hidden, reference.hidden_states[index + 1], atol=1e-5, rtol=0)
        torch.testing.assert_close(encoder.final_norm(hidden), reference.last_hidden_state, atol=1e-5, rtol=0)


@pytest.mark.parametrize("family", FAMILIES)
def test_block_by_block_equals_hf_forward(checkpoints, family):
    _forward_matches(load_encoder(str(checkpoints[family])))


def test_block_by_block_equals_hf_forward_with_shared_beit_bias(tmp_path):
    directory = save_tiny("beit", tmp_path, use_relative_position_bias=False, use_shared_relative_position_bias=True)
    _forward_matches(load_encoder(str(directory)))


@pytest.mark.parametrize("family", FAMILIES)
def test_local_directory_facts(checkpoints, family):
    encoder = load_encoder(str(checkpoints[family]))
    config = tiny_config(family)
    assert (encoder.family, encoder.source, encoder.revision) == (family, str(checkpoints[family]), None)
    assert (encoder.prefix_tokens, encoder.grid) == EXPECTED[family]
    assert (encoder.depth, encoder.hidden_size, encoder.patch_size) == (4, 32, config.patch_size)
    assert encoder.layout == ("v5" if hasattr(encoder.model, "layers") else "v4")
    assert len(encoder.blocks) == encoder.depth
    assert encoder.geometry == geometry_for(config)
    assert not encoder.model.training
    assert not any(parameter.requires_grad for parameter in encoder.model.parameters())


def test_loaded_weights_equal_built_weights(tmp_path):
    config = tiny_config("ijepa")
    model = build_model("ijepa", config, seed=3)
    save_pretrained_layout(model, tmp_path, geometry_for(config))
    loaded = load_encoder(str(tmp_path)).model.state_dict()
    for key, value in model.state_dict().items():
        torch.testing.assert_close(loaded[key], value, atol=0, rtol=0)


def test_dtype_and_device(checkpoints):
    encoder = load_encoder(str(checkpoints["ijepa"]), dtype=torch.float64, device="cpu")
    assert {parameter.dtype for parameter in encoder.model.parameters()} == {torch.float64}
    assert encoder.embed(pixels(encoder)).dtype == torch.float64


def test_hub_cache_offline_records_revision(tmp_path, monkeypatch):
    model = build_model("ijepa", tiny_config("ijepa"), seed=0)
    snapshot = save_hub_cache(model, tmp_path, "org/tiny-ijepa", SHA, geometry_for(model.config))
    storage = tmp_path / "models--org--tiny-ijepa"
    assert (storage / "refs" / "main").read_text() == SHA
    assert snapshot == storage / "snapshots" / SHA
    assert all((snapshot / name).resolve().parent == storage / "blobs" for name in ("config.json", "model.safetensors"))
    assert try_to_load_from_cache("org/tiny-ijepa", "config.json", cache_dir=tmp_path) == str(snapshot / "config.json")
    encoder = load_encoder("org/tiny-ijepa", cache_dir=str(tmp_path), local_files_only=True)
    assert (encoder.revision, encoder.source) == (SHA, "org/tiny-ijepa")
    assert load_encoder("org/tiny-ijepa", revision=SHA, cache_dir=str(tmp_path), local_files_only=True).revision == SHA
    # HF_HUB_OFFLINE=1 alone must keep the load off the network (read at call time, not at import).
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert load_encoder("org/tiny-ijepa", cache_dir=str(tmp_path)).revision == SHA
    with pytest.raises(CheckpointError, match="not in the HF cache"):
        load_encoder("org/absent", cache_dir=str(tmp_path))


def test_snapshot_folder_keeps_its_commit(tmp_path):
    model = build_model("beit", tiny_config("beit"), seed=0)
    snapshot = save_hub_cache(model, tmp_path, "org/tiny-beit", SHA, geometry_for(model.config))
    assert load_encoder(str(snapshot)).revision == SHA


def test_unknown_id_offline(tmp_path):
    with pytest.raises(CheckpointError, match="facebook/no-such-model.*not in the HF cache"):
        load_encoder("facebook/no-such-model", cache_dir=str(tmp_path), local_files_only=True)


def test_neither_directory_nor_hub_id(tmp_path):
    with pytest.raises(CheckpointError, match="neither an existing directory nor a valid hub id"):
        load_encoder(str(tmp_path / "missing" / "deeper" / "dir"), cache_dir=str(tmp_path), local_files_only=True)


def test_revision_on_local_directory_refused(checkpoints):
    with pytest.raises(CheckpointError, match="hub ids only"):
        load_encoder(str(checkpoints["ijepa"]), revision=SHA)


def _copy_without(source, target, *dropped):
    """Copy a checkpoint directory leaving some files out."""
    target.mkdir()
    for file in source.iterdir():
        if file.name not in dropped:
            (target / file.name).write_bytes(file.read_bytes())
    return target


def test_pickle_only_checkpoint_refused(checkpoints, tmp_path):
    directory = _copy_without(checkpoints["ijepa"], tmp_path / "bin", "model.safetensors")
    # Not a real pickle: the loader must refuse before ever opening it.
    (directory / "pytorch_model.bin").write_bytes(b"not a pickle")
    with pytest.raises(CheckpointError, match="only pickled weights.*pytorch_model.bin.*safetensors"):
        load_encoder(str(directory))


@pytest.mark.parametrize(("dropped", "message"), [
    ("config.json", "no config.json"),
    ("model.safetensors", "no model.safetensors"),
    ("preprocessor_config.json", "no preprocessor_config.json"),
])
def test_missing_files(checkpoints, tmp_path, dropped, message):
    directory = _copy_without(checkpoints["vit_mae"], tmp_path / "partial", dropped)
    with pytest.raises(CheckpointError, match=message):
        load_encoder(str(directory))


def test_wrong_architecture_named(checkpoints, tmp_path):
    directory = _copy_without(checkpoints["ijepa"], tmp_path / "bert", "config.json")
    (directory / "config.json").write_text(json.dumps({"model_type": "bert", "architectures": ["BertModel"]}))
    with pytest.raises(CheckpointError, match="'bert' is not supported; supported: beit, dinov2, ijepa, vit, vit_mae"):
        load_encoder(str(directory))


def test_weights_that_do_not_fit_the_config(checkpoints, tmp_path):
    directory = _copy_without(checkpoints["ijepa"], tmp_path / "deeper", "config.json")
    config = json.loads((checkpoints["ijepa"] / "config.json").read_text())
    (directory / "config.json").write_text(json.dumps({**config, "num_hidden_layers": 6}))
    with pytest.raises(CheckpointError, match="do not match the ijepa architecture"):
        load_encoder(str(directory))


def test_preprocessor_size_must_match_config(checkpoints, tmp_path):
    directory = _copy_without(checkpoints["ijepa"], tmp_path / "resized", "preprocessor_config.json")
    spec = json.loads((checkpoints["ijepa"] / "preprocessor_config.json").read_text())
    (directory / "preprocessor_config.json").write_text(json.dumps({**spec, "size": {"height": 224, "width": 224}}))
    with pytest.raises(CheckpointError, match="preprocessor size 224 differs from config image_size 56"):
        load_encoder(str(directory))


BEIT_HUB_STYLE = {  # old feature-extractor style: int size, explicit center-crop flag off
    "feature_extractor_type": "BeitFeatureExtractor", "size": 224, "crop_size": 224, "do_center_crop": False,
    "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
}


@pytest.mark.parametrize(("spec", "family", "expected"), [
    ({"size": {"height": 224, "width": 224}, "resample": 2, "image_mean": [0.5] * 3, "image_std": [0.5] * 3},
     "ijepa", IJEPA_GEOMETRY),
    ({"size": 224, "resample": 3, "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]},
     "vit_mae", ProcessorGeometry(224, 3, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225))),
    (BEIT_HUB_STYLE, "beit", ProcessorGeometry(224, 3, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5))),
    ({"image_processor_type": "ViTImageProcessor", "size": 96, "do_normalize": False},
     "ijepa", ProcessorGeometry(96, 2, (0.0, 0.0, 0.0), (1.0, 1.0, 1.0))),
])
def test_geometry_from_preprocessor_config(tmp_path, spec, family, expected):
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(spec))
    assert read_geometry(tmp_path, family) == expected


@pytest.mark.parametrize(("spec", "message"), [
    ({"size": {"height": 224, "width": 160}}, "not a square resize"),
    ({"size": {"shortest_edge": 224}}, "not a square resize"),
    ({"size": 256, "do_center_crop": True, "crop_size": {"height": 224, "width": 224}}, "center crop"),
    ({"size": 224, "do_resize": False}, "do_resize is false"),
    ({"size": 224, "rescale_factor": 1 / 127.5}, "rescaling"),
    ({"feature_extractor_type": "BeitFeatureExtractor", "size": 256, "crop_size": 224}, "center crop"),
    ({"size": 224, "image_mean": [0.5, 0.5]}, "three per-channel values"),
    ({"resample": 2}, "size None is not a square resize"),
])
def test_unsupported_preprocessing_refused(tmp_path, spec, message):
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(spec))
    with pytest.raises(CheckpointError, match=message):
        read_geometry(tmp_path, "ijepa")


def test_preprocessor_config_must_be_json(tmp_path):
    (tmp_path / "preprocessor_config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not a JSON object"):
        read_geometry(tmp_path, "beit")


def test_mae_default_config_masks_and_shuffles(checkpoints):
    encoder = load_encoder(str(checkpoints["vit_mae"]), mae_mask_ratio=None)
    assert encoder.model.config.mask_ratio == 0.75 and encoder.mae_mask_ratio is None
    x = pixels(encoder)
    with torch.no_grad():
        first, second = encoder.model(x).last_hidden_state, encoder.model(x).last_hidden_state
        embedded = encoder.embed(x)
    # 75% of the 49 patches dropped at random: 1 CLS + 12 kept, a different 12 on each forward.
    assert first.shape == second.shape == embedded.shape == (2, 1 + 12, 32)
    assert not torch.allclose(first, second)


def test_mae_our_default_keeps_every_token_in_order(checkpoints):
    encoder = load_encoder(str(checkpoints["vit_mae"]))
    assert encoder.model.config.mask_ratio == 0.0 and encoder.mae_mask_ratio == 0.0
    x = pixels(encoder)
    embeddings = encoder.model.embeddings
    with torch.no_grad():
        embedded = encoder.embed(x)
        in_order = embeddings.patch_embeddings(x) + embeddings.position_embeddings[:, 1:]
        ours = encoder.model(x, **encoder.forward_kwargs(x)).last_hidden_state
        torch.manual_seed(0)
        plain = encoder.model(x).last_hidden_state
    torch.testing.assert_close(encoder.embed(x), embedded, atol=0, rtol=0)
    torch.testing.assert_close(embedded[:, 1:], in_order, atol=1e-6, rtol=0)
    # Without our noise, HF still shuffles at mask_ratio 0: same tokens (CLS first), permuted.
    assert plain.shape == ours.shape and not torch.allclose(plain, ours)
    torch.testing.assert_close(plain[:, 0], ours[:, 0], atol=1e-5, rtol=0)
    match = torch.cdist(plain[:, 1:], ours[:, 1:]).argmin(dim=-1)
    assert all(sorted(row.tolist()) == list(range(49)) for row in match)
    permuted = torch.stack([row[order] for row, order in zip(ours[:, 1:], match, strict=True)])
    torch.testing.assert_close(plain[:, 1:], permuted, atol=1e-5, rtol=0)


def test_mae_mask_ratio_values(checkpoints):
    with pytest.raises(ValueError, match="mae_mask_ratio"):
        load_encoder(str(checkpoints["vit_mae"]), mae_mask_ratio=0.5)
    assert load_encoder(str(checkpoints["ijepa"])).mae_mask_ratio is None


@pytest.mark.parametrize("family", FAMILIES)
def test_build_model_is_seeded_and_leaves_global_rng_alone(family):
    config = tiny_config(family)
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    first, again, other = (build_model(family, config, seed) for seed in (7, 7, 8))
    assert torch.equal(torch.rand(1), expected_next)
    assert not first.training
    for (key, a), b in zip(first.state_dict().items(), again.state_dict().values(), strict=True):
        assert torch.equal(a, b), key
    pairs = zip(first.state_dict().values(), other.state_dict().values(), strict=True)
    assert any(not torch.equal(a, c) for a, c in pairs)


def test_tiny_beit_is_shaped_like_the_paper_checkpoint():
    config = tiny_config("beit")
    assert config.use_relative_position_bias and config.use_mean_pooling
    assert not config.use_absolute_position_embeddings and not config.use_shared_relative_position_bias
    assert config.layer_scale_init_value == 0.1
    assert tiny_config("ijepa", num_hidden_layers=2).num_hidden_layers == 2
    with pytest.raises(ValueError, match="unknown model family 'swin'"):
        tiny_config("swin")


def test_vith14_config_matches_the_public_checkpoint():
    config = vith14_config()
    assert config.model_type == "ijepa"
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads) == (1280, 32, 16)
    assert (config.intermediate_size, config.image_size, config.patch_size) == (5120, 224, 14)
    assert config.layer_norm_eps == 1e-6 and (config.image_size // config.patch_size) ** 2 == 256


def test_save_hub_cache_rejects_a_branch_name(tmp_path):
    model = build_model("ijepa", tiny_config("ijepa"), seed=0)
    with pytest.raises(ValueError, match="40 lowercase hex"):
        save_hub_cache(model, tmp_path, "org/x", "main", IJEPA_GEOMETRY)
    assert not os.listdir(tmp_path)
