"""From a checkpoint and a slice to a tidy table: the glue behind `jepa-claims measure`."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import torch

from jepa_claims.conventions import Conventions
from jepa_claims.engine.images import to_pixel_values
from jepa_claims.engine.masks import MASK_KINDS, image_seed, mask_family, sample_masks, token_roles
from jepa_claims.engine.tabulate import MaskJob, drift_table, rescue_table
from jepa_claims.engine.sites import parse_sites
from jepa_claims.tables.draws import average_draws


def slice_inputs(encoder, records, data_root: Path, conv: Conventions, kinds: Sequence[str]) -> tuple[dict[str, torch.Tensor], list[MaskJob]]:
    """Prepared pixel values per image and the mask jobs of the requested families."""
    from jepa_claims.data.samples import load_sample

    unknown = sorted(set(kinds) - set(MASK_KINDS))
    if unknown or not kinds:
        raise ValueError(f"unknown mask families {unknown}: choose from {', '.join(MASK_KINDS)}")
    images, jobs = {}, []
    for record in records:
        sample = load_sample(record, data_root)
        images[record.image_id] = to_pixel_values(sample.image, encoder.geometry, conv)
        roles = token_roles(sample.label, record.label_kind, record.target_class,
                            encoder.geometry.size, encoder.patch_size, conv)
        masks = sample_masks(*roles, conv.background, image_seed(record.image_id))
        jobs.extend(MaskJob(record.image_id, name, tokens) for name, tokens in masks.items() if mask_family(name) in kinds)
    return images, jobs


def measure_slice(
    *, checkpoint: str, data_root: Path, slice_name: str, protocol: str, conv: Conventions,
    revision: str | None = None, offline: bool = False, sites: str | None = None, mode: str = "context",
    masks: Sequence[str] = ("object", "background"), device: str = "cpu", dtype: torch.dtype = torch.float32,
    batch_size: int | str = "auto", skip_unreadable: bool = False, hf_cache: Path | None = None,
) -> pd.DataFrame:
    """Load the checkpoint and the slice, run one protocol, return its table."""
    from jepa_claims.data.slices import load_slice

    if protocol not in ("drift", "rescue"):
        raise ValueError(f"unknown protocol {protocol!r}: expected 'drift' or 'rescue'")
    encoder = _load(checkpoint, revision, offline, hf_cache, device, dtype)
    try:  # every protocol reads the late window: a window outside the depth is an error before any run
        conv.late_layers(encoder.depth)
    except ValueError as error:
        raise ValueError(f"--late-window: {error} (depth {encoder.depth}, {conv.layer_indexing} indexing)") from error
    if protocol == "rescue" and not sites:
        raise ValueError("the rescue protocol needs --sites, e.g. 29.intermediate,30.attn.out,31.attn.out")
    group = parse_sites(sites) if sites else ()  # the paper's site numbers: the engine places them by the reading
    manifest = load_slice(slice_name, Path(data_root), conv, skip_unreadable=skip_unreadable)
    images, jobs = slice_inputs(encoder, manifest.records, Path(data_root), conv, masks)
    if protocol == "drift":
        return average_draws(drift_table(encoder, images, jobs, conv, batch_size))
    return average_draws(rescue_table(encoder, images, jobs, [group], [mode], conv, batch_size))


def _load(checkpoint: str, revision: str | None, offline: bool, hf_cache: Path | None, device: str, dtype: torch.dtype):
    """The encoder: a paper checkpoint at its pinned revision unless another is named; from the shared hub cache."""
    from jepa_claims.data.fetch import pinned_revision
    from jepa_claims.engine.hub import hub_cache
    from jepa_claims.engine.models import CheckpointError, load_encoder

    chosen = pinned_revision(checkpoint, revision) if not Path(checkpoint).expanduser().is_dir() else revision
    try:
        return load_encoder(checkpoint, revision=chosen, local_files_only=offline, cache_dir=str(hub_cache(hf_cache)),
                            device=device, dtype=dtype)
    except CheckpointError as error:
        if chosen is not None:
            raise
        # An id without a pin resolves "main", which a download by commit sha never writes (no refs/main).
        raise CheckpointError(f"{error}; {checkpoint} has no pinned revision in this suite: name the one you "
                              "downloaded with --revision <commit sha or branch>") from error
