"""Seeded random-init encoders of each family, saved the way real checkpoints are laid out.

Tests, the toy world, the random-init control (P1) and the benchmarks build models here instead of
downloading them; `save_hub_cache` writes the Hugging Face cache layout so offline loading is exercised.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import torch
from transformers import PretrainedConfig

from jepa_claims.engine.loading_log import transformers_bars_off
from jepa_claims.engine.models import COMMIT_SHA, FAMILIES, POOLED, ProcessorGeometry

# Small but with a real grid: I-JEPA 56 px / 14 = 4x4 tokens, MAE and BEiT 56 px / 8 = 7x7 (+ CLS).
_TINY = {
    "ijepa": dict(image_size=56, patch_size=14),
    "vit_mae": dict(image_size=56, patch_size=8),
    # Like microsoft/beit-base-patch16-224-pt22k-ft22k: relative position bias per block, mean pooling,
    # layer scale 0.1, drop path 0.1 (inactive in eval), no absolute position embeddings.
    "beit": dict(
        image_size=56, patch_size=8, use_relative_position_bias=True, use_mean_pooling=True,
        layer_scale_init_value=0.1, drop_path_rate=0.1, use_absolute_position_embeddings=False,
    ),
    "vit": dict(image_size=56, patch_size=8),
    # DINOv2 sizes its MLP by mlp_ratio (hidden 32 x 2 = 64, the others' intermediate_size); layer scale on.
    "dinov2": dict(image_size=56, patch_size=8, mlp_ratio=2, layerscale_value=0.5),
}
_TINY_COMMON = dict(
    hidden_size=32, num_hidden_layers=4, num_attention_heads=4, intermediate_size=64, layer_norm_eps=1e-6
)
PROCESSOR_TYPES = {"ijepa": "ViTImageProcessor", "vit_mae": "ViTImageProcessor", "beit": "BeitImageProcessor",
                   "vit": "ViTImageProcessor", "dinov2": "BitImageProcessor"}
# facebook/ijepa_vith14_1k's preprocessor_config.json: straight resize to 224x224, bilinear, mean = std = 0.5.
IJEPA_GEOMETRY = ProcessorGeometry(size=224, resample=2, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))


def tiny_config(family: str, **overrides) -> PretrainedConfig:
    """A small config of `family` (hidden 32, 4 blocks, 4 heads, MLP 64, 56 px); overrides win."""
    config_class, _ = FAMILIES[_known(family)]
    return config_class(**{**_TINY_COMMON, **_TINY[family], **overrides})


def vith14_config(**overrides) -> PretrainedConfig:
    """The shape of facebook/ijepa_vith14_1k: ViT-H/14, 1280 hidden, 32 blocks, 16 heads, 5120 MLP, 224 px."""
    config_class, _ = FAMILIES["ijepa"]
    shape = dict(
        hidden_size=1280, num_hidden_layers=32, num_attention_heads=16, intermediate_size=5120,
        image_size=224, patch_size=14, layer_norm_eps=1e-6, hidden_act="gelu", qkv_bias=True,
    )
    return config_class(**{**shape, **overrides})


def build_model(family: str, config: PretrainedConfig, seed: int, *, jitter: float = 0.0) -> torch.nn.Module:
    """The family's base model with HF's own random init under `seed`, in eval mode; global RNG untouched.

    `jitter` adds seeded N(0, jitter^2) noise to every parameter, so that those HF initialises to
    constants (BEiT relative position tables, biases, CLS token, LayerNorm) are exercised by tests.
    """
    _, model_class = FAMILIES[_known(family)]
    extra = {"add_pooling_layer": False} if family in POOLED else {}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_class(config, **extra)
        if jitter:
            with torch.no_grad():
                for parameter in model.parameters():
                    parameter.add_(torch.randn_like(parameter) * jitter)
    return model.eval()


def save_pretrained_layout(model: torch.nn.Module, directory: str | Path, geometry: ProcessorGeometry) -> Path:
    """Write config.json, model.safetensors and preprocessor_config.json like a hub checkpoint."""
    directory = Path(directory)
    with transformers_bars_off():
        model.save_pretrained(str(directory))
    family = model.config.model_type
    processor = {
        "image_processor_type": PROCESSOR_TYPES[_known(family)],
        "do_resize": True,
        "size": {"height": geometry.size, "width": geometry.size},
        "resample": geometry.resample,
        "do_rescale": True,
        "rescale_factor": 1 / 255,
        "do_normalize": True,
        "image_mean": list(geometry.mean),
        "image_std": list(geometry.std),
    }
    (directory / "preprocessor_config.json").write_text(json.dumps(processor, indent=2) + "\n")
    return directory


def save_hub_cache(
    model: torch.nn.Module, cache_dir: str | Path, repo_id: str, revision_sha: str, geometry: ProcessorGeometry
) -> Path:
    """Write the HF hub cache layout (blobs, snapshots/<sha>, refs/main) and return the snapshot folder."""
    with tempfile.TemporaryDirectory() as staging:
        save_pretrained_layout(model, staging, geometry)
        return store_snapshot(Path(staging), cache_dir, repo_id, revision_sha, ref="main")


def store_snapshot(folder: Path, cache_dir: str | Path, repo_id: str, revision_sha: str, ref: str | None) -> Path:
    """Move a checkpoint folder's files into the HF hub cache as blobs + snapshots/<sha>; returns the snapshot.

    `ref=None` writes no refs/ entry, as `snapshot_download(repo, revision=<sha>)` leaves the cache.
    """
    if not COMMIT_SHA.fullmatch(revision_sha):
        raise ValueError(f"revision_sha must be 40 lowercase hex digits, got {revision_sha!r}")
    storage = Path(cache_dir) / f"models--{repo_id.replace('/', '--')}"
    snapshot = storage / "snapshots" / revision_sha
    (storage / "blobs").mkdir(parents=True, exist_ok=True)
    snapshot.mkdir(parents=True, exist_ok=True)
    for file in sorted(Path(folder).iterdir()):
        _store_blob(file, storage / "blobs", snapshot / file.name)
    if ref is not None:
        (storage / "refs").mkdir(exist_ok=True)
        # huggingface_hub writes the ref without a trailing newline and reads it back verbatim.
        (storage / "refs" / ref).write_text(revision_sha)
    return snapshot


def _store_blob(file: Path, blobs: Path, target: Path) -> None:
    """Move `file` into blobs under its etag and point the snapshot entry at it (copy if no symlinks)."""
    data = file.read_bytes()
    # The hub's etag: sha256 for LFS files (weights), git blob sha1 for small text files.
    if file.suffix == ".safetensors":
        etag = hashlib.sha256(data).hexdigest()
    else:
        etag = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    blob = blobs / etag
    if not blob.exists():
        shutil.move(str(file), blob)
    target.unlink(missing_ok=True)
    try:
        target.symlink_to(os.path.relpath(blob, target.parent))
    except OSError:
        shutil.copyfile(blob, target)


def _known(family: str) -> str:
    """`family` if this suite supports it, else a clear error."""
    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r}; supported: {', '.join(sorted(FAMILIES))}")
    return family
