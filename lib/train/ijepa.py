"""I-JEPA's objective (Assran et al. 2023): a context encoder sees a large context block, a narrow
predictor predicts the EMA target encoder's (layer-normed) features of four target blocks from it.

Both encoders are HF `IJepaModel`s of the shared shape; the target encoder (the EMA copy) is the one
saved, as the I-JEPA release does. The predictor is a small pre-norm transformer with fixed 2-D
sin-cos positions, discarded after training.
"""
from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from jepa_claims.engine.builders import build_model
from jepa_claims.train.config import TrainConfig, encoder_config
from jepa_claims.train.masking import ijepa_masks


def sincos_positions(grid: int, width: int) -> torch.Tensor:
    """Fixed 2-D sin-cos position embeddings: [grid * grid, width] (width divisible by 4)."""
    quarter = width // 4
    omega = 1.0 / 10000 ** (torch.arange(quarter, dtype=torch.float32) / quarter)
    ys, xs = torch.meshgrid(torch.arange(grid, dtype=torch.float32), torch.arange(grid, dtype=torch.float32), indexing="ij")
    parts = [f(c.flatten()[:, None] * omega[None]) for c in (ys, xs) for f in (torch.sin, torch.cos)]
    return torch.cat(parts, dim=1)


def gather(tokens: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """tokens [batch, n, d] at index [batch, k] -> [batch, k, d]."""
    return torch.gather(tokens, 1, index[..., None].expand(-1, -1, tokens.shape[-1]))


class Predictor(nn.Module):
    """Narrow transformer: context features plus mask tokens at the target positions -> target features."""

    def __init__(self, cfg: TrainConfig) -> None:
        super().__init__()
        width = cfg.predictor_width
        self.embed, self.out = nn.Linear(cfg.hidden, width), nn.Linear(width, cfg.hidden)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, width))
        nn.init.trunc_normal_(self.mask_token, std=0.02)
        self.register_buffer("positions", sincos_positions(cfg.grid, width), persistent=False)
        layer = nn.TransformerEncoderLayer(width, max(1, width // 16), 4 * width, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, cfg.predictor_depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)

    def forward(self, context: torch.Tensor, context_index: torch.Tensor, target_index: torch.Tensor) -> torch.Tensor:
        """Predicted features [batch, targets, hidden]."""
        x = self.embed(context) + self.positions[context_index]
        queries = self.mask_token + self.positions[target_index]
        x = self.norm(self.blocks(torch.cat([x, queries], dim=1)))
        return self.out(x[:, context.shape[1]:])


class IJepaObjective(nn.Module):
    """Context encoder and predictor (trained), target encoder (EMA of the context encoder)."""

    family = "ijepa"

    def __init__(self, cfg: TrainConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.context = build_model("ijepa", encoder_config("ijepa", cfg), cfg.seed).train()
        self.target = copy.deepcopy(self.context).eval().requires_grad_(False)
        self.predictor = Predictor(cfg)

    def trainable(self) -> list[nn.Parameter]:
        """What the optimiser updates."""
        return [*self.context.parameters(), *self.predictor.parameters()]

    def encode_context(self, pixels: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """The context encoder on the context tokens only (patch and position embeddings, blocks, final norm)."""
        x = gather(self.context.embeddings(pixels), index)
        for block in _blocks(self.context):
            x = block(x)
            x = x[0] if isinstance(x, tuple) else x
        return self.context.layernorm(x)

    def loss(self, pixels: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """Smooth L1 between predicted and layer-normed target features, averaged over the target blocks."""
        context_index, targets = ijepa_masks(gen, pixels.shape[0], self.cfg.grid)
        with torch.no_grad():
            features = self.target(pixels).last_hidden_state
            features = F.layer_norm(features, features.shape[-1:])
        context = self.encode_context(pixels, context_index)
        losses = [F.smooth_l1_loss(self.predictor(context, context_index, t), gather(features, t)) for t in targets]
        return torch.stack(losses).mean()

    @torch.no_grad()
    def after_step(self, step: int) -> None:
        """EMA update of the target encoder, its momentum rising linearly to the end of training."""
        start, end = self.cfg.ema
        momentum = start + (end - start) * (step + 1) / self.cfg.steps
        for target, online in zip(self.target.parameters(), self.context.parameters()):
            target.mul_(momentum).add_(online.detach(), alpha=1 - momentum)

    def checkpoint(self) -> nn.Module:
        """The model saved: the target encoder."""
        return self.target


def _blocks(model: nn.Module) -> nn.ModuleList:
    """The transformer blocks on either transformers layout (5.9+: `layers`; before: `encoder.layer`)."""
    return model.layers if hasattr(model, "layers") else model.encoder.layer
