"""Forward runs of an encoder: clean, masked and patched, with capture and resume.

The engine runs the encoder block by block (embed -> blocks -> final norm) through the Encoder
adapter, which tests prove equal to the transformers forward. Running the blocks ourselves is what
makes resume cheap: a patch at block k leaves hidden_states[0..k] as they were in the unpatched
run, so a patched run starts from that run's cached hidden_states[k] and computes only blocks
k..depth-1.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import torch

from jepa_claims.engine.hooks import Overwrite, capture, overwrite, track
from jepa_claims.engine.sites import Site, resolve_tap

Mode = Literal["full", "masked", "context"]
MODES: tuple[Mode, ...] = ("full", "masked", "context")


@dataclass
class ForwardCounter:
    """Model work done in this process: block evaluations and embedding passes, per image, and the forward batches
    halved after a CUDA out-of-memory error (runs a failed attempt finished but did not keep count again: they are computed twice)."""

    blocks: int = 0
    embeds: int = 0
    retries: int = 0

    def equivalents(self, depth: int) -> float:
        """Work in units of one full forward of one image."""
        return self.blocks / depth if depth else 0.0

    def reset(self) -> None:
        """Start counting from zero."""
        self.blocks = self.embeds = self.retries = 0


COUNTER = ForwardCounter()


@dataclass
class Trace:
    """What one batched run produced."""

    hidden: torch.Tensor  # [depth + 1, batch, tokens, hidden], HF hidden_states indexing
    sites: dict[str, torch.Tensor] = field(default_factory=dict)  # site name -> [batch, tokens, width]
    start: int = 0  # first block actually computed (rows 0..start were copied when resuming)


@dataclass(frozen=True)
class SitePatch:
    """Overwrite a site's output with clean activations at selected tokens."""

    site: Site
    source: torch.Tensor  # [batch, tokens, width]
    select: torch.Tensor  # [batch, tokens] bool


def select_tokens(masked: torch.Tensor, mode: Mode, prefix: int) -> torch.Tensor:
    """Tokens a patch overwrites, over prefix + patch tokens: [batch, prefix + patches] bool.

    The prefix (CLS) token is never masked in pixel space, so it counts as visible context:
    patched in `full` and `context` modes, left alone in `masked` mode.
    """
    if mode not in MODES:
        raise ValueError(f"unknown patching mode {mode!r}: expected one of {MODES}")
    batch = masked.shape[0]
    if mode == "full":
        return torch.ones(batch, prefix + masked.shape[1], dtype=torch.bool, device=masked.device)
    head = torch.full((batch, prefix), mode == "context", dtype=torch.bool, device=masked.device)
    return torch.cat([head, masked if mode == "masked" else ~masked], dim=1)


def run(
    encoder,
    pixel_values: torch.Tensor,
    sites: Sequence[Site] = (),
    patches: Sequence[SitePatch] = (),
    resume: Trace | None = None,
    start: int = 0,
) -> Trace:
    """One forward of a batch [batch, 3, S, S]; capture `sites`, apply `patches`.

    With `resume`, blocks before `start` are not run: hidden_states[start] is taken from `resume`
    (a trace of the same inputs with no patch before block `start`).
    """
    depth = encoder.depth
    if any(p.site.block < start for p in patches):
        raise ValueError(f"a patch before block {start} cannot be applied when resuming at block {start}")
    if resume is None and start:
        raise ValueError("start > 0 needs a trace to resume from")
    model = track(encoder.model)
    modules = {site.name: resolve_tap(encoder, site) for site in sites}
    overwrites = [Overwrite(resolve_tap(encoder, p.site), p.source, p.select) for p in patches]
    with torch.inference_mode(), capture(model, modules) as store, overwrite(model, overwrites):
        if resume is None:
            states = [encoder.embed(pixel_values)]
            COUNTER.embeds += pixel_values.shape[0]
        else:
            states = list(resume.hidden[: start + 1])
        hidden = states[-1]
        for index in range(start, depth):
            hidden = encoder.run_block(index, hidden, tuple(pixel_values.shape))
            states.append(hidden)
        COUNTER.blocks += (depth - start) * pixel_values.shape[0]
    return Trace(hidden=torch.stack(states), sites=dict(store), start=start)


def final_output(encoder, trace: Trace) -> torch.Tensor:
    """The encoder's last_hidden_state for a trace: the final norm of the last block output."""
    with torch.inference_mode():
        return encoder.final_norm(trace.hidden[-1])
