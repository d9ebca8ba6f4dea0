"""The masks of each objective, drawn from a torch.Generator (so a run is a pure function of its seed).

- I-JEPA (Assran et al. 2023, section 3): 4 target blocks of scale 0.15-0.2 and aspect 0.75-1.5, one
  size per block index for the whole batch; a context block of scale 0.85-1.0 with the targets removed,
  truncated to the batch's smallest context so the batch stacks (as the I-JEPA collator does).
- BEiT (Bao et al. 2022, algorithm 1): blockwise masking, rectangles of at least 2 tokens and aspect
  0.3-3.3 added until about 40% of the patches are masked.
- MAE: uniform noise handed to HF ViTMAE's own random 75% masking (`noise=`).
"""
from __future__ import annotations

import math

import torch

TARGETS, TARGET_SCALE, TARGET_ASPECT, CONTEXT_SCALE = 4, (0.15, 0.2), (0.75, 1.5), (0.85, 1.0)


def _uniform(gen: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * float(torch.rand((), generator=gen))


def _block_size(gen: torch.Generator, grid: int, scale: tuple[float, float], aspect: tuple[float, float]) -> tuple[int, int]:
    """(height, width) in tokens of a block covering `scale` of the grid at an aspect drawn log-uniformly."""
    area = _uniform(gen, *scale) * grid * grid
    ratio = math.exp(_uniform(gen, math.log(aspect[0]), math.log(aspect[1])))
    height = max(1, min(grid, round(math.sqrt(area * ratio))))
    return height, max(1, min(grid, round(math.sqrt(area / ratio))))


def _place(gen: torch.Generator, grid: int, size: tuple[int, int]) -> torch.Tensor:
    """A bool [grid, grid] block of `size` at a random position."""
    top = int(torch.randint(grid - size[0] + 1, (), generator=gen))
    left = int(torch.randint(grid - size[1] + 1, (), generator=gen))
    mask = torch.zeros(grid, grid, dtype=torch.bool)
    mask[top:top + size[0], left:left + size[1]] = True
    return mask


def ijepa_masks(gen: torch.Generator, batch: int, grid: int) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """(context token indices [batch, k], one [batch, n_m] index tensor per target block)."""
    sizes = [_block_size(gen, grid, TARGET_SCALE, TARGET_ASPECT) for _ in range(TARGETS)]
    context_size = _block_size(gen, grid, CONTEXT_SCALE, (1.0, 1.0))
    contexts, targets = [], [[] for _ in sizes]
    for _ in range(batch):
        blocks = [_place(gen, grid, s).flatten() for s in sizes]
        hidden = torch.stack(blocks).any(0)
        contexts.append(torch.nonzero(_place(gen, grid, context_size).flatten() & ~hidden).flatten())
        for m, block in enumerate(blocks):
            targets[m].append(torch.nonzero(block).flatten())
    keep = max(1, min(len(c) for c in contexts))
    contexts = [c[:keep] if len(c) else torch.zeros(keep, dtype=torch.long) for c in contexts]
    return torch.stack(contexts), [torch.stack(t) for t in targets]


def beit_masks(gen: torch.Generator, batch: int, grid: int, ratio: float) -> torch.Tensor:
    """Blockwise masks, bool [batch, grid * grid], each with about `ratio` of the tokens."""
    goal, out = round(ratio * grid * grid), []
    for _ in range(batch):
        mask = torch.zeros(grid, grid, dtype=torch.bool)
        while int(mask.sum()) < goal:
            room = goal - int(mask.sum())
            size = _block_size(gen, grid, (2 / (grid * grid), max(2, room) / (grid * grid)), (0.3, 1 / 0.3))
            mask |= _place(gen, grid, size)
        out.append(mask.flatten())
    return torch.stack(out)


def mae_noise(gen: torch.Generator, batch: int, grid: int) -> torch.Tensor:
    """The noise HF ViTMAE argsorts to pick its kept tokens: [batch, grid * grid]."""
    return torch.rand(batch, grid * grid, generator=gen)
