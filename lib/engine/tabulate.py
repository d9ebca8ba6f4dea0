"""Measurement protocols: tidy tables of drift and rescue, one row per image x mask x condition.

Work is organised so that nothing is computed twice: images are processed in chunks; each chunk
has one clean run (capturing every site any group needs), one masked run per mask, and one resumed
patched run per group and mode, starting at the group's earliest block.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import torch

from jepa_claims.engine.batching import as_batch, forward_jobs, memory_seen
from jepa_claims.conventions import Conventions
from jepa_claims.engine.drift import check_masks, drift_profile_tensors, in_convention, rescue
from jepa_claims.engine.host import take, to_device, to_host
from jepa_claims.engine.images import apply_pixel_mask, fill_value
from jepa_claims.engine.masks import token_to_pixel_mask
from jepa_claims.engine.runs import COUNTER, Mode, SitePatch, Trace, run, select_tokens
from jepa_claims.engine.shared import active_memo
from jepa_claims.engine.sites import Site

DRIFT_COLUMNS = ["image_id", "mask", "layer", "global_drift", "masked_drift", "context_drift"]
RESCUE_COLUMNS = [
    "image_id", "mask", "sites", "mode",
    "late_context_drift_masked", "late_context_drift_patched", "rescue", "rescue_fraction",
]


@dataclass(frozen=True)
class MaskJob:
    """One masked input: which image, which mask family, which patch tokens are hidden."""

    image_id: str
    mask: str
    tokens: np.ndarray  # [patches] bool, row-major
    run_name: str | None = None  # the job whose masked run this is where another table names it so (default: mask)

    @property
    def run_key(self) -> tuple[str, str, bytes]:
        """What names this job's masked run among the runs of one slice (engine/shared.py)."""
        return self.image_id, self.run_name or self.mask, self.tokens.tobytes()


def group_name(group: Sequence[Site]) -> str:
    """A patch group's name as the paper writes it: '29.intermediate + 30.attn.out'."""
    return " + ".join(site.name for site in group)


class InertSiteError(ValueError):
    """A patch group names a site that cannot change the layers it is measured on."""


def place_group(group: Sequence[Site], conv: Conventions, depth: int, measured: Sequence[int] | None = None) -> tuple[Site, ...]:
    """A group named in the paper's site numbers, moved to the blocks the layer reading puts them in.

    Refuses (InertSiteError) a site whose block cannot change the measured layers (the paper's layer
    numbers; default the late window): patching it would change nothing the group is judged on.
    `conv.allow_inert_sites` lets a probe run such a group anyway, to show what the reading does.
    """
    layers = tuple(conv.late_layers(depth) if measured is None else measured)
    inert = [site.name for site in group if not conv.reaches(site.block, depth, layers)]
    if inert and not conv.allow_inert_sites:
        hidden = [conv.hidden_index(layer) for layer in layers]
        raise InertSiteError(
            f"patch group {group_name(group)}: {', '.join(inert)} cannot reach the measured layers {list(layers)} "
            f"(hidden_states {hidden}) under the {conv.layer_indexing} layer reading: a site in block b changes "
            f"hidden_states[b + 1] onwards only, so patching it would change nothing that is measured")
    return tuple(replace(site, block=conv.block(site.block, depth)) for site in group)


def masked_pixels(encoder, pixel_values: torch.Tensor, tokens: np.ndarray, conv: Conventions) -> torch.Tensor:
    """Fill the hidden patches on exact patch blocks. pixel_values [B, 3, S, S], tokens [B, N] (the host's masks)."""
    pixel_masks = np.stack([token_to_pixel_mask(t, encoder.grid, encoder.patch_size) for t in tokens])
    return apply_pixel_mask(pixel_values, to_device(torch.from_numpy(pixel_masks), pixel_values.device),
                            fill_value(encoder.geometry, conv))


def chunks(jobs: Sequence[MaskJob], batch_size: int) -> Iterator[list[MaskJob]]:
    """Consecutive jobs of whole images, about batch_size jobs a chunk (an image is never split)."""
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, got {batch_size}")
    chunk: list[MaskJob] = []
    for i, job in enumerate(jobs):
        chunk.append(job)
        last_of_image = i + 1 == len(jobs) or jobs[i + 1].image_id != job.image_id
        if last_of_image and len(chunk) >= batch_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class ChunkRuns:
    """Clean and masked runs of one chunk, aligned job by job."""

    jobs: list[MaskJob]
    pixels: torch.Tensor  # [jobs, 3, S, S] masked inputs
    tokens: torch.Tensor  # [jobs, patches] bool
    clean: Trace  # per image
    index: list[int]  # job -> row of `clean`
    masked: Trace  # per job

    def rows(self, rows: Sequence[int]) -> "ChunkRuns":
        """The runs of some of the chunk's jobs (the clean runs stay per image)."""
        return ChunkRuns([self.jobs[r] for r in rows], take(self.pixels, 0, rows), take(self.tokens, 0, rows), self.clean,
                         [self.index[r] for r in rows], Trace(hidden=take(self.masked.hidden, 1, rows)))

    def clean_at(self, layers: Sequence[int]) -> torch.Tensor:
        """The clean run's hidden states at `layers` (hidden_states indices), one row per job: [layers, jobs, tokens, dim]."""
        return take(take(self.clean.hidden, 0, layers), 1, self.index)


def run_chunk(encoder, images: dict[str, torch.Tensor], jobs: list[MaskJob], sites: Sequence[Site], conv: Conventions) -> ChunkRuns:
    """One clean run per image of the chunk (capturing sites), one masked run per job; inside a shared_runs block
    (engine/shared.py) only those no earlier table of the block computed."""
    ids, clean_pixels, index, tokens, pixels = masked_inputs(encoder, images, jobs, conv)
    memo = active_memo(encoder, conv)
    if memo is None:
        return ChunkRuns(jobs, pixels, tokens, run(encoder, clean_pixels, sites=sites), index, run(encoder, pixels))
    clean = memo.clean_trace(ids, sites, lambda missing, every: run(encoder, on_device(encoder, images, missing), sites=every))
    masked = memo.masked_trace([job.run_key for job in jobs], lambda rows: run(encoder, take(pixels, 0, rows)))
    return ChunkRuns(jobs, pixels, tokens, clean, index, masked)


def on_device(encoder, images: dict[str, torch.Tensor], names: Sequence[str]) -> torch.Tensor:
    """The named images stacked on the encoder's device in its dtype: [images, 3, S, S]."""
    weight = next(encoder.model.parameters())
    return to_device(torch.stack([images[i] for i in names]), weight.device).to(weight.dtype)


def masked_inputs(encoder, images: dict[str, torch.Tensor], jobs: Sequence[MaskJob], conv: Conventions):
    """(image ids in first use, their pixels, job -> image row, hidden tokens [jobs, patches], masked pixels [jobs, ...])."""
    ids = list(dict.fromkeys(job.image_id for job in jobs))
    clean_pixels = on_device(encoder, images, ids)
    index = [ids.index(job.image_id) for job in jobs]
    hidden = np.stack([job.tokens for job in jobs])  # [jobs, patches]
    check_masks(hidden, [f"{job.image_id} ({job.mask})" for job in jobs])
    tokens = to_device(torch.from_numpy(hidden), clean_pixels.device)
    return ids, clean_pixels, index, tokens, masked_pixels(encoder, take(clean_pixels, 0, index), hidden, conv)


# What a forward batch measured, one entry per job along axis 0: numpy arrays read back (`to_host`), or tensors left on
# the device (the proxy's clean pass keeps states for its second pass).
Values = dict[Hashable, np.ndarray | torch.Tensor]


class ImageTooLarge(RuntimeError):
    """The runs of one image do not fit in the memory there is, even alone."""


def forward_groups(jobs: Sequence[MaskJob], rows: int, per_forward: int) -> Iterator[list[list[MaskJob]]]:
    """Consecutive row chunks of `rows` jobs, as many to a forward batch as hold about `per_forward` jobs (one at least):
    a batch is always whole row chunks, so a table's rows do not depend on how many jobs run at once."""
    group: list[list[MaskJob]] = []
    size = 0
    for chunk in chunks(jobs, rows):
        if group and size + len(chunk) > per_forward:
            yield group
            group, size = [], 0
        group.append(chunk)
        size += len(chunk)
    if group:
        yield group


def fit_memory(jobs: list[MaskJob], compute: Callable[[list[MaskJob]], Values], device) -> Values:
    """compute(jobs); on a CUDA out-of-memory error the jobs halved (whole images), each half computed (halved again
    if need be) and their values joined: a forward gives each image the same numbers in any batch. One image that
    cannot fit is an error (ImageTooLarge) saying what memory the device showed. For values that stay on the device,
    `fit_pieces` (a join there would need the whole batch's memory again)."""
    pieces = [values for _part, values in fit_pieces(jobs, compute, device)]
    return pieces[0] if len(pieces) == 1 else {key: _join([piece[key] for piece in pieces]) for key in pieces[0]}


def fit_pieces(jobs: list[MaskJob], compute: Callable[[list[MaskJob]], Values],
               device) -> Iterator[tuple[list[MaskJob], Values]]:
    """(jobs, compute(jobs)) in one piece, or, after a CUDA out-of-memory error, in halves of whole images (halved
    again if need be), each computed only once the one before it was taken: pieces in the jobs' order, never joined."""
    try:
        values = compute(jobs)
    except torch.cuda.OutOfMemoryError as error:
        ids = list(dict.fromkeys(job.image_id for job in jobs))
        if len(ids) == 1:
            raise ImageTooLarge(f"the runs of image {ids[0]} ({len(jobs)} mask jobs) do not fit even alone: "
                                f"{memory_seen(device)}") from error
    else:
        yield jobs, values
        return
    # Retried outside the handler, so the failed attempt's tensors (held by its traceback) are freed first.
    COUNTER.retries += 1
    if torch.device(device).type == "cuda":
        torch.cuda.empty_cache()
    first = set(ids[: len(ids) // 2])
    for inside in (True, False):
        yield from fit_pieces([job for job in jobs if (job.image_id in first) == inside], compute, device)


def _join(parts: list) -> np.ndarray | torch.Tensor:
    """Values of consecutive jobs joined along axis 0 (numpy arrays, or tensors where numpy has no dtype for them)."""
    return torch.cat(parts) if isinstance(parts[0], torch.Tensor) else np.concatenate(parts)


def chunk_values(encoder, jobs: Sequence[MaskJob], batch, sites: Sequence[Site], compute: Callable[[list[MaskJob]], Values],
                 *, patched: bool = True) -> Iterator[tuple[list[MaskJob], Values]]:
    """Each row chunk of `jobs` (`batch.rows` jobs of whole images) with its values, computed a forward batch of whole
    row chunks at a time (as many jobs as `batch` allows, halved on out-of-memory): a table that lays its rows out
    chunk by chunk gets the same rows however many jobs run at once."""
    batch = as_batch(batch)
    for group in forward_groups(jobs, batch.rows, forward_jobs(batch, encoder, sites, patched=patched)):
        values = fit_memory([job for chunk in group for job in chunk], compute, device_of(encoder))
        offset = 0
        for chunk in group:
            yield chunk, {key: value[offset : offset + len(chunk)] for key, value in values.items()}
            offset += len(chunk)


def device_of(encoder) -> torch.device:
    """Where the encoder's weights are."""
    return next(encoder.model.parameters()).device


def drift_table(encoder, images: dict[str, torch.Tensor], jobs: Sequence[MaskJob], conv: Conventions,
                batch_size=8) -> pd.DataFrame:
    """Per-layer global, masked and context drift of every mask job.

    batch_size: mask jobs per chunk, "auto" or None (chosen from the memory available, batching.py), or a Batch
    (rows per chunk, jobs per forward batch).
    """
    layers = list(conv.layers(encoder.depth))

    def compute(part: list[MaskJob]) -> Values:
        runs = run_chunk(encoder, images, part, (), conv)
        clean = take(runs.clean.hidden, 1, runs.index)
        profiles = to_host(drift_profile_tensors(clean, runs.masked.hidden, runs.tokens, encoder.prefix_tokens))
        return {k: in_convention(v, conv, encoder.depth)[1] for k, v in profiles.items()}

    rows = []
    for chunk, columns in chunk_values(encoder, jobs, batch_size, (), compute, patched=False):
        for j, job in enumerate(chunk):
            for c, layer in enumerate(layers):
                rows.append((job.image_id, job.mask, layer, *(float(columns[k][j, c]) for k in ("global", "masked", "context"))))
    return pd.DataFrame(rows, columns=DRIFT_COLUMNS)


def rescue_table(
    encoder,
    images: dict[str, torch.Tensor],
    jobs: Sequence[MaskJob],
    groups: Sequence[Sequence[Site]],
    modes: Sequence[Mode],
    conv: Conventions,
    batch_size=8,
) -> pd.DataFrame:
    """Late context rescue of every patch group and mode, for every mask job (section 2.5).

    groups: sites in the paper's numbers, placed by the layer reading (`place_group`, which refuses a
    site that cannot reach the late window). batch_size: as `drift_table`'s; rows come chunk by chunk (group x
    mode x job within a chunk of `rows` jobs), however many jobs run at once.
    """
    groups = [place_group(group, conv, encoder.depth) for group in groups]
    sites = list(dict.fromkeys(site for group in groups for site in group))
    compute = lambda part: _rescue_values(encoder, images, part, groups, modes, conv)
    rows = []
    for chunk, values in chunk_values(encoder, jobs, batch_size, sites, compute):
        for g, group in enumerate(groups):
            for mode in modes:
                masked, patched = values["masked"], values[(g, mode)]
                absolute, fraction = rescue(masked, patched)
                rows += [(job.image_id, job.mask, group_name(group), mode, float(masked[j]), float(patched[j]),
                          float(absolute[j]), float(fraction[j])) for j, job in enumerate(chunk)]
    return pd.DataFrame(rows, columns=RESCUE_COLUMNS)


def _rescue_values(encoder, images: dict[str, torch.Tensor], jobs: list[MaskJob], groups: Sequence[tuple[Site, ...]],
                   modes: Sequence[Mode], conv: Conventions) -> Values:
    """Late context drift [jobs] of the masked runs ("masked") and of each group's patched runs ((group index, mode))."""
    sites = list(dict.fromkeys(site for group in groups for site in group))
    runs = run_chunk(encoder, images, jobs, sites, conv)
    # Only the late window enters the rescue: drift is computed on those layers alone (same values
    # as late_mean of the full profile, at a fraction of the float64 work and memory).
    late = [conv.hidden_index(layer) for layer in conv.late_layers(encoder.depth)]
    clean_late = runs.clean_at(late)
    profiles = {"masked": late_profile(clean_late, runs.masked, late, runs.tokens, encoder)}
    for g, group in enumerate(groups):
        for mode in modes:
            profiles[(g, mode)] = _late_patched(encoder, runs, group, mode, clean_late, late, conv)
    # The mean over the late window is taken on the host: numpy's gives each job the same number in any batch.
    return {key: profile.mean(axis=1) for key, profile in to_host(profiles).items()}


def patched_run(encoder, runs: ChunkRuns, group: Sequence[Site], mode: Mode) -> Trace:
    """The masked run with the group's (placed) sites patched from the clean run, resumed at its first block."""
    sources = {site.name: take(runs.clean.sites[site.name], 0, runs.index) for site in group}
    return resumed_patch(encoder, runs.pixels, runs.masked, runs.tokens, sources, group, mode)


def resumed_patch(encoder, pixels: torch.Tensor, resume: Trace, tokens: torch.Tensor, sources: dict[str, torch.Tensor],
                  group: Sequence[Site], mode: Mode) -> Trace:
    """The run `resume` holds (of `pixels`, masking `tokens`) with the group's sites patched from `sources` (site name
    -> [jobs, tokens, width]) at the tokens of `mode`, resumed at the group's first block."""
    select = select_tokens(tokens, mode, encoder.prefix_tokens)
    patches = [SitePatch(site, sources[site.name], select) for site in group]
    return run(encoder, pixels, patches=patches, resume=resume, start=min(site.block for site in group))


def _late_patched(encoder, runs: ChunkRuns, group: Sequence[Site], mode: Mode, clean_late: torch.Tensor, late: list[int],
                  conv: Conventions) -> torch.Tensor:
    """Context drift [jobs, late] (on the device) of the group's patched runs at the late window (hidden_states indices
    `late`); inside a shared_runs block whose window covers `late`, each run once for every table that patches its
    blocks."""
    memo = active_memo(encoder, conv)
    if memo is None or not set(late) <= set(memo.late):
        return late_profile(clean_late, patched_run(encoder, runs, group, mode), late, runs.tokens, encoder)
    kept = list(memo.late)

    def compute(rows: list[int]) -> torch.Tensor:
        part = runs.rows(rows)
        patched = take(patched_run(encoder, part, group, mode).hidden, 0, kept)
        return drift_profile_tensors(part.clean_at(kept), patched, part.tokens, encoder.prefix_tokens)["context"]

    placed = frozenset((site.block, site.kind) for site in group)
    context = memo.patched_context([(job.run_key, placed, mode) for job in runs.jobs], compute)  # [jobs, kept]
    return take(context, 1, [kept.index(index) for index in late])


def late_profile(clean_late: torch.Tensor, trace: Trace, late: Sequence[int], tokens: torch.Tensor, encoder) -> torch.Tensor:
    """Context drift [jobs, late] (on the device) at the late window (hidden_states indices `late`) against the clean
    run's states there (`clean_late`, [late, jobs, tokens, dim])."""
    return drift_profile_tensors(clean_late, take(trace.hidden, 0, late), tokens, encoder.prefix_tokens)["context"]
