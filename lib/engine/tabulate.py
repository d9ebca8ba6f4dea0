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
from jepa_claims.engine.drift import drift_profiles, in_convention, rescue
from jepa_claims.engine.images import apply_pixel_mask, fill_value
from jepa_claims.engine.masks import token_to_pixel_mask
from jepa_claims.engine.runs import Mode, SitePatch, Trace, run, select_tokens
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


def masked_pixels(encoder, pixel_values: torch.Tensor, tokens: torch.Tensor, conv: Conventions) -> torch.Tensor:
    """Fill the hidden patches on exact patch blocks. pixel_values [B, 3, S, S], tokens [B, N]."""
    pixel_masks = np.stack(
        [token_to_pixel_mask(t, encoder.grid, encoder.patch_size) for t in tokens.cpu().numpy()]
    )
    return apply_pixel_mask(pixel_values, torch.from_numpy(pixel_masks), fill_value(encoder.geometry, conv))


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
        return ChunkRuns([self.jobs[r] for r in rows], self.pixels[rows], self.tokens[rows], self.clean,
                         [self.index[r] for r in rows], Trace(hidden=self.masked.hidden[:, rows]))


def run_chunk(encoder, images: dict[str, torch.Tensor], jobs: list[MaskJob], sites: Sequence[Site], conv: Conventions) -> ChunkRuns:
    """One clean run per image of the chunk (capturing sites), one masked run per job; inside a shared_runs block
    (engine/shared.py) only those no earlier table of the block computed."""
    ids = list(dict.fromkeys(job.image_id for job in jobs))
    weight = next(encoder.model.parameters())
    device = weight.device
    pixels_of = lambda names: torch.stack([images[i] for i in names]).to(device, weight.dtype)
    clean_pixels = pixels_of(ids)
    index = [ids.index(job.image_id) for job in jobs]
    tokens = torch.from_numpy(np.stack([job.tokens for job in jobs])).to(device)
    pixels = masked_pixels(encoder, clean_pixels[index], tokens, conv)
    memo = active_memo(encoder, conv)
    if memo is None:
        return ChunkRuns(jobs, pixels, tokens, run(encoder, clean_pixels, sites=sites), index, run(encoder, pixels))
    clean = memo.clean_trace(ids, sites, lambda missing, every: run(encoder, pixels_of(missing), sites=every))
    masked = memo.masked_trace([job.run_key for job in jobs], lambda rows: run(encoder, pixels[rows]))
    return ChunkRuns(jobs, pixels, tokens, clean, index, masked)


Values = dict[Hashable, np.ndarray]  # what a forward batch measured, one entry per job along axis 0


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
    cannot fit is an error (ImageTooLarge) saying what memory the device showed."""
    try:
        return compute(jobs)
    except torch.cuda.OutOfMemoryError as error:
        ids = list(dict.fromkeys(job.image_id for job in jobs))
        if len(ids) == 1:
            raise ImageTooLarge(f"the runs of image {ids[0]} ({len(jobs)} mask jobs) do not fit even alone: "
                                f"{memory_seen(device)}") from error
    # Retried outside the handler, so the failed attempt's tensors (held by its traceback) are freed first.
    if torch.device(device).type == "cuda":
        torch.cuda.empty_cache()
    first = set(ids[: len(ids) // 2])
    halves = [fit_memory([job for job in jobs if (job.image_id in first) == inside], compute, device)
              for inside in (True, False)]
    return {key: np.concatenate([half[key] for half in halves]) for key in halves[0]}


def _device(encoder) -> torch.device:
    """Where the encoder's weights are."""
    return next(encoder.model.parameters()).device


def drift_table(encoder, images: dict[str, torch.Tensor], jobs: Sequence[MaskJob], conv: Conventions,
                batch_size=8) -> pd.DataFrame:
    """Per-layer global, masked and context drift of every mask job.

    batch_size: mask jobs per chunk, "auto" or None (chosen from the memory available, batching.py), or a Batch
    (rows per chunk, jobs per forward batch).
    """
    batch = as_batch(batch_size)
    layers = list(conv.layers(encoder.depth))

    def compute(part: list[MaskJob]) -> Values:
        runs = run_chunk(encoder, images, part, (), conv)
        profiles = drift_profiles(runs.clean.hidden[:, runs.index], runs.masked.hidden, runs.tokens, encoder.prefix_tokens)
        return {k: in_convention(v, conv, encoder.depth)[1] for k, v in profiles.items()}

    rows = []
    for group in forward_groups(jobs, batch.rows, forward_jobs(batch, encoder, patched=False)):
        part = [job for chunk in group for job in chunk]
        columns = fit_memory(part, compute, _device(encoder))
        for j, job in enumerate(part):
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
    batch = as_batch(batch_size)
    groups = [place_group(group, conv, encoder.depth) for group in groups]
    sites = list(dict.fromkeys(site for group in groups for site in group))
    rows = []
    for group_of_chunks in forward_groups(jobs, batch.rows, forward_jobs(batch, encoder, sites)):
        part = [job for chunk in group_of_chunks for job in chunk]
        values = fit_memory(part, lambda some: _rescue_values(encoder, images, some, groups, modes, conv), _device(encoder))
        offset = 0
        for chunk in group_of_chunks:
            here = slice(offset, offset + len(chunk))
            for g, group in enumerate(groups):
                for mode in modes:
                    masked, patched = values["masked"][here], values[(g, mode)][here]
                    absolute, fraction = rescue(masked, patched)
                    rows += [(job.image_id, job.mask, group_name(group), mode, float(masked[j]), float(patched[j]),
                              float(absolute[j]), float(fraction[j])) for j, job in enumerate(chunk)]
            offset += len(chunk)
    return pd.DataFrame(rows, columns=RESCUE_COLUMNS)


def _rescue_values(encoder, images: dict[str, torch.Tensor], jobs: list[MaskJob], groups: Sequence[tuple[Site, ...]],
                   modes: Sequence[Mode], conv: Conventions) -> Values:
    """Late context drift [jobs] of the masked runs ("masked") and of each group's patched runs ((group index, mode))."""
    sites = list(dict.fromkeys(site for group in groups for site in group))
    runs = run_chunk(encoder, images, jobs, sites, conv)
    # Only the late window enters the rescue: drift is computed on those layers alone (same values
    # as late_mean of the full profile, at a fraction of the float64 work and memory).
    late = [conv.hidden_index(layer) for layer in conv.late_layers(encoder.depth)]
    clean_late = runs.clean.hidden[late][:, runs.index]
    values: Values = {"masked": _late_context(clean_late, runs.masked, late, runs.tokens, encoder)}
    for g, group in enumerate(groups):
        for mode in modes:
            values[(g, mode)] = _late_patched(encoder, runs, group, mode, clean_late, late, conv)
    return values


def patched_run(encoder, runs: ChunkRuns, group: Sequence[Site], mode: Mode) -> Trace:
    """The masked run with the group's (placed) sites patched from the clean run, resumed at its first block."""
    select = select_tokens(runs.tokens, mode, encoder.prefix_tokens)
    patches = [SitePatch(site, runs.clean.sites[site.name][runs.index], select) for site in group]
    start = min(site.block for site in group)
    return run(encoder, runs.pixels, patches=patches, resume=runs.masked, start=start)


def _late_patched(encoder, runs: ChunkRuns, group: Sequence[Site], mode: Mode, clean_late: torch.Tensor, late: list[int],
                  conv: Conventions) -> np.ndarray:
    """Mean context drift [jobs] of the group's patched runs over the late window (hidden_states indices `late`);
    inside a shared_runs block whose window covers `late`, each run once for every table that patches its blocks."""
    memo = active_memo(encoder, conv)
    if memo is None or not set(late) <= set(memo.late):
        return _late_context(clean_late, patched_run(encoder, runs, group, mode), late, runs.tokens, encoder)
    kept = list(memo.late)

    def compute(rows: list[int]) -> np.ndarray:
        part = runs.rows(rows)
        patched = patched_run(encoder, part, group, mode).hidden[kept]
        return drift_profiles(runs.clean.hidden[kept][:, part.index], patched, part.tokens, encoder.prefix_tokens)["context"]

    placed = frozenset((site.block, site.kind) for site in group)
    context = memo.patched_context([(job.run_key, placed, mode) for job in runs.jobs], compute)  # [jobs, kept]
    return context[:, [kept.index(index) for index in late]].mean(axis=1)


def _late_context(clean_late: torch.Tensor, trace: Trace, late: Sequence[int], tokens: torch.Tensor, encoder) -> np.ndarray:
    """Mean context drift [jobs] over the late window (hidden_states indices `late`) against the clean run."""
    return drift_profiles(clean_late, trace.hidden[late], tokens, encoder.prefix_tokens)["context"].mean(axis=1)
