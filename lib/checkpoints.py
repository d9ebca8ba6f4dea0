"""Materialise a world's checkpoint as an Encoder: from the HF cache (paper) or built by code (toy).

Toy checkpoints are saved in the Hugging Face layout and loaded back through `load_encoder`, so the
real loading code runs in every toy session. A `random:` prefix on a checkpoint key builds the same
architecture untrained with HF's own init under a fixed seed (the random-init control, P1).
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from filelock import FileLock

from .models import Encoder, load_encoder
from .worlds import CheckpointSpec

RANDOM_SEED = 1234


def _toy_dir(spec: CheckpointSpec, cache_dir: Path) -> Path:
    """Folder of a toy checkpoint, written once per code version under a lock."""
    from .tables import code_version
    from .toy import build_toy

    name = spec.source.split(":", 1)[1]
    folder = Path(cache_dir) / "toy-checkpoints" / f"{name}-{code_version()}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock"):
        if not (folder / "model.safetensors").exists():
            from .builders import save_pretrained_layout

            model, geometry = build_toy(name)
            save_pretrained_layout(model, folder, geometry)
    return folder


def _snapshot(spec: CheckpointSpec, cache_dir: Path) -> Path:
    """The paper checkpoint's snapshot folder in the HF cache; never downloads."""
    from huggingface_hub import snapshot_download

    from .models import ALLOW_PATTERNS

    # The standard HF cache (where `jepa-claims fetch` puts the checkpoints by default).
    return Path(snapshot_download(spec.source, revision=spec.revision, local_files_only=True,
                                  allow_patterns=ALLOW_PATTERNS))


def _random_dir(spec: CheckpointSpec, cache_dir: Path) -> Path:
    """Folder of an untrained copy of another checkpoint's architecture (P1), written once."""
    import dataclasses
    import hashlib

    from .builders import build_model, save_pretrained_layout
    from .models import read_geometry

    inner = dataclasses.replace(spec, source=spec.source.removeprefix("random:"))
    source_dir = checkpoint_folder(inner, cache_dir)
    tag = hashlib.sha256(str(source_dir.resolve()).encode()).hexdigest()[:12]
    folder = Path(cache_dir) / "random-checkpoints" / f"{spec.key}-{tag}-seed{RANDOM_SEED}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock"):
        if not (folder / "model.safetensors").exists():
            from transformers import AutoConfig

            config = AutoConfig.from_pretrained(str(source_dir))
            model = build_model(config.model_type, config, RANDOM_SEED)
            save_pretrained_layout(model, folder, read_geometry(source_dir, config.model_type))
    return folder


def checkpoint_folder(spec: CheckpointSpec, cache_dir: Path) -> Path:
    """Where the checkpoint's config.json and weights are."""
    if spec.source.startswith("random:"):
        return _random_dir(spec, cache_dir)
    if spec.source.startswith("toy:"):
        return _toy_dir(spec, cache_dir)
    if Path(spec.source).is_dir():  # a user's own checkpoint folder in the HF layout
        return Path(spec.source)
    return _snapshot(spec, cache_dir)


def checkpoint_depth(spec: CheckpointSpec, cache_dir: Path) -> int:
    """Number of blocks, read from config.json without loading weights."""
    config = json.loads((checkpoint_folder(spec, cache_dir) / "config.json").read_text())
    return int(config["num_hidden_layers"])


def checkpoint_identity(spec: CheckpointSpec, cache_dir: Path) -> str:
    """What identifies the weights in a cache key: source plus resolved revision (or toy code version)."""
    return f"{spec.source}@{checkpoint_folder(spec, cache_dir).name}"


def load_checkpoint(spec: CheckpointSpec, cache_dir: Path, device: str = "cpu", dtype: torch.dtype = torch.float32) -> Encoder:
    """The checkpoint's encoder in eval mode with grads off."""
    return load_encoder(str(checkpoint_folder(spec, cache_dir)), device=device, dtype=dtype)

