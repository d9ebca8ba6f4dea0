"""Materialise a world's checkpoint as an Encoder: from the HF cache (paper) or built by code (toy).

Toy checkpoints are saved in the Hugging Face layout and loaded back through `load_encoder`, so the
real loading code runs in every toy session. A `random:SEED:` prefix on a checkpoint's source builds the
same architecture untrained with HF's own init under that torch seed (the random-init control, P1);
the seed is part of the untrained copy's folder and cache identity, so seeds never share a table.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
from pathlib import Path

import torch
from transformers import AutoConfig

from jepa_claims.cache import build_once, code_version
from jepa_claims.engine.builders import build_model, save_pretrained_layout
from jepa_claims.engine.hub import hub_cache
from jepa_claims.engine.models import ALLOW_PATTERNS, Encoder, load_encoder, read_geometry
from jepa_claims.toy.models import build_toy
from jepa_claims.worlds.world import CheckpointSpec

RANDOM_PREFIX = re.compile(r"random:(\d+):")  # random:SEED:<the trained checkpoint's source>


def _toy_dir(spec: CheckpointSpec, cache_dir: Path) -> Path:
    """Folder of a toy checkpoint, built once per code version."""
    name = spec.source.split(":", 1)[1]

    def build(folder: Path) -> None:
        model, geometry = build_toy(name)
        save_pretrained_layout(model, folder, geometry)

    return build_once(Path(cache_dir) / "toy-checkpoints" / f"{name}-{code_version()}", build)


def _snapshot(spec: CheckpointSpec, cache_dir: Path) -> Path:
    """The paper checkpoint's snapshot folder in the HF cache; never downloads."""
    from huggingface_hub import snapshot_download

    # The same cache `jepa-claims fetch` and `measure` use (engine/hub.py).
    return Path(snapshot_download(spec.source, revision=spec.revision, local_files_only=True,
                                  allow_patterns=ALLOW_PATTERNS, cache_dir=str(hub_cache(spec.hub_cache))))


def untrained_source(source: str, seed: int) -> str:
    """The source of a checkpoint's untrained architecture under one init seed (P1)."""
    return f"random:{int(seed)}:{source}"


def split_untrained(source: str) -> tuple[int, str] | None:
    """(seed, trained source) of an untrained source, None for any other source."""
    match = RANDOM_PREFIX.match(source)
    if match is None:
        if source.startswith("random:"):
            raise ValueError(f"checkpoint source {source!r}: an untrained copy is named random:SEED:<source>")
        return None
    return int(match[1]), source[match.end():]


def _random_name(spec: CheckpointSpec, cache_dir: Path) -> str:
    """Folder name of an untrained copy (P1): keyed by the trained checkpoint's identity (repo id and
    revision, or toy code version), not by where its snapshot lies, so moving the HF cache keeps it."""
    seed, source = split_untrained(spec.source)
    tag = hashlib.sha256(checkpoint_identity(dataclasses.replace(spec, source=source), cache_dir).encode()).hexdigest()[:12]
    return f"{spec.key}-{tag}-seed{seed}"


def _random_dir(spec: CheckpointSpec, cache_dir: Path) -> Path:
    """Folder of an untrained copy of another checkpoint's architecture (P1), built once."""
    seed, source = split_untrained(spec.source)
    source_dir = checkpoint_folder(dataclasses.replace(spec, source=source), cache_dir)

    def build(folder: Path) -> None:
        config = AutoConfig.from_pretrained(str(source_dir))
        model = build_model(config.model_type, config, seed)
        save_pretrained_layout(model, folder, read_geometry(source_dir, config.model_type))

    return build_once(Path(cache_dir) / "random-checkpoints" / _random_name(spec, cache_dir), build)


def checkpoint_folder(spec: CheckpointSpec, cache_dir: Path) -> Path:
    """Where the checkpoint's config.json and weights are."""
    if split_untrained(spec.source):
        return _random_dir(spec, cache_dir)
    if spec.source.startswith("toy:"):
        return _toy_dir(spec, cache_dir)
    if spec.source.startswith("trained:"):  # trained here on first use (worlds/trained.py)
        from jepa_claims.worlds.trained import trained_folder

        return trained_folder(spec, cache_dir)
    if Path(spec.source).is_dir():  # a user's own checkpoint folder in the HF layout
        return Path(spec.source)
    return _snapshot(spec, cache_dir)


def checkpoint_depth(spec: CheckpointSpec, cache_dir: Path) -> int:
    """Number of blocks, read from config.json without loading weights."""
    config = json.loads((checkpoint_folder(spec, cache_dir) / "config.json").read_text())
    return int(config["num_hidden_layers"])


def checkpoint_identity(spec: CheckpointSpec, cache_dir: Path) -> str:
    """What identifies the weights in a cache key: source plus resolved revision (or toy code version)."""
    if split_untrained(spec.source):  # named without building it (the census asks before anything runs)
        return f"{spec.source}@{_random_name(spec, cache_dir)}"
    if spec.stands_for and Path(spec.source).is_dir():  # a user's folder: its files, which may change in place
        return f"{spec.source}@{folder_digest(Path(spec.source))}"
    return f"{spec.source}@{checkpoint_folder(spec, cache_dir).name}"


def folder_digest(folder: Path) -> str:
    """sha256 over a checkpoint folder's files (names and contents), computed once per file state."""
    state = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.iterdir()) if p.is_file())
    return _digest(folder.resolve(), state)


@functools.lru_cache(maxsize=32)
def _digest(folder: Path, state: tuple) -> str:
    """The digest of `folder` in this state (the state is the cache key: a rewritten file is hashed again)."""
    digest = hashlib.sha256()
    for name, _, _ in state:
        digest.update(name.encode() + b"\0")
        with open(folder / name, "rb") as handle:
            for chunk in iter(lambda: handle.read(2**20), b""):
                digest.update(chunk)
    return f"sha256:{digest.hexdigest()[:16]}"


def load_checkpoint(spec: CheckpointSpec, cache_dir: Path, device: str = "cpu", dtype: torch.dtype = torch.float32) -> Encoder:
    """The checkpoint's encoder in eval mode with grads off."""
    return load_encoder(str(checkpoint_folder(spec, cache_dir)), device=device, dtype=dtype)

