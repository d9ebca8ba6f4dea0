"""A user's own checkpoints on the command line: `--checkpoints ijepa_1k,mine=ORG/NAME@REV` or `mine=PATH`.

An entry `NAME=REFERENCE` adds a checkpoint to the world under the key NAME: REFERENCE is a local folder
in the Hugging Face layout or a hub id with an optional `@REVISION`. Its family, depth, patch grid and
processor are read from its own files (config.json, preprocessor_config.json); a hub reference is
resolved to its commit sha here, once, and pinned, so every worker and the record use that commit.
An own checkpoint is tested on the claim cells of the paper's I-JEPA IN-1k checkpoint (`stands_for`), at
roles discovered on the discovery slice and confirmed on the others (lib/tables/discovery.py).
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from jepa_claims.worlds.world import CheckpointSpec, World

STANDS_FOR = "ijepa_1k"  # the paper's claims about I-JEPA are the questions asked of a new encoder
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")


def split_entries(entries: tuple[str, ...] | None) -> tuple[tuple[str, ...] | None, tuple[tuple[str, str], ...]]:
    """(world keys, (name, reference) pairs) from the --checkpoints entries; keys stay None when none is named."""
    keys, own = [], []
    for entry in entries or ():
        if "=" not in entry:
            keys.append(entry)
            continue
        name, reference = (part.strip() for part in entry.split("=", 1))
        if not NAME.fullmatch(name) or not reference:
            raise ValueError(f"--checkpoints {entry!r}: expected NAME=ORG/REPO[@REVISION] or NAME=FOLDER "
                             "with NAME letters, digits, '_', '.' or '-'")
        own.append((name, reference))
    return (tuple(keys) if keys else None), tuple(own)


def own_checkpoint(name: str, reference: str, hf_cache: Path | None = None) -> CheckpointSpec:
    """The spec of a user's checkpoint, its family and shape read from its own files (a bad one is a clear error)."""
    from jepa_claims.engine.hub import hub_cache
    from jepa_claims.engine.models import locate, read_checkpoint_files

    folder = Path(reference).expanduser()
    if folder.is_dir():
        source, revision = str(folder.resolve()), None
        directory, _ = locate(source, None, False, None)
    else:
        repo, _, wanted = reference.partition("@")
        directory, revision = locate(repo, wanted or None, False, str(hub_cache(hf_cache)))
        source = repo
    family, config, geometry = read_checkpoint_files(directory, reference)
    patch = _patch(config)
    tokens = (geometry.size // patch) ** 2
    label = (f"{name}: {family}, {config.num_hidden_layers} blocks, {geometry.size} px / patch {patch} = {tokens} tokens"
             + (f"; {geometry.note}" if geometry.note else ""))
    return CheckpointSpec(name, family, source, label, revision, hf_cache, stands_for=STANDS_FOR, discover_roles=True)


def _patch(config) -> int:
    """The patch side (config.patch_size is an int or a square pair; read_checkpoint_files refused others)."""
    patch = config.patch_size
    return int(patch[0] if isinstance(patch, (list, tuple)) else patch)


def with_own(world: World, keys: tuple[str, ...] | None, own: tuple[CheckpointSpec, ...]) -> World:
    """The world restricted to `keys` (all when None and nothing of one's own is added), plus the own checkpoints."""
    taken = [spec.key for spec in world.checkpoints] + [spec.key for spec in own]
    clash = sorted({key for key in taken if taken.count(key) > 1})
    if clash:
        raise ValueError(f"--checkpoints: {', '.join(clash)} names two checkpoints (world {world.name!r} has "
                         f"{', '.join(spec.key for spec in world.checkpoints)}); give your own another name")
    chosen = tuple(world.checkpoint(k) for k in keys) if keys else (() if own else world.checkpoints)
    return replace(world, checkpoints=(*chosen, *own))
