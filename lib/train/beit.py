"""A BEiT-style objective (Bao et al. 2022): predict the visual token of each masked patch (blockwise
masking, about 40%) with HF's own `BeitForMaskedImageModeling`.

BEiT's tokens come from a DALL-E dVAE; here they are a fixed codebook from k-means on the training
patches (normalised pixels), fitted once before training: a stand-in that keeps the objective's form
(classify each masked patch into a discrete vocabulary) without a second network.
"""
from __future__ import annotations

import torch
from torch import nn
from transformers import BeitForMaskedImageModeling

from jepa_claims.train.config import TrainConfig, encoder_config
from jepa_claims.train.masking import beit_masks
from jepa_claims.train.scenes import patches

KMEANS_IMAGES = 1024  # the codebook is fitted on the first scenes of the training set (64k patches at full size)


def kmeans(points: torch.Tensor, k: int, iterations: int, gen: torch.Generator) -> torch.Tensor:
    """Lloyd's k-means from k distinct points drawn by `gen`: centroids [k, dim] (an empty cluster keeps its centroid)."""
    centroids = points[torch.randperm(len(points), generator=gen)[:k]].clone()
    for _ in range(iterations):
        labels = torch.cdist(points, centroids).argmin(1)
        sums = torch.zeros_like(centroids).index_add_(0, labels, points)
        counts = torch.bincount(labels, minlength=k).to(points.dtype)[:, None]
        centroids = torch.where(counts > 0, sums / counts.clamp(min=1), centroids)
    return centroids


class BeitObjective(nn.Module):
    """BeitForMaskedImageModeling at the shared shape; the vocabulary is the k-means codebook."""

    family = "beit"

    def __init__(self, cfg: TrainConfig, images: torch.Tensor) -> None:
        super().__init__()
        self.cfg = cfg
        config = encoder_config("beit", cfg, use_mask_token=True, vocab_size=cfg.codebook)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            self.model = BeitForMaskedImageModeling(config).train()
        gen = torch.Generator().manual_seed(cfg.seed)
        flat = patches(images[:KMEANS_IMAGES], cfg.patch_size).reshape(-1, 3 * cfg.patch_size ** 2)
        self.register_buffer("codebook", kmeans(flat, cfg.codebook, cfg.kmeans_iterations, gen))

    def tokens(self, pixels: torch.Tensor) -> torch.Tensor:
        """Each patch's nearest codebook entry: [batch, tokens]."""
        flat = patches(pixels, self.cfg.patch_size)
        return torch.cdist(flat, self.codebook[None].expand(len(flat), -1, -1)).argmin(-1)

    def trainable(self) -> list[nn.Parameter]:
        """What the optimiser updates."""
        return list(self.model.parameters())

    def loss(self, pixels: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """Cross-entropy of the masked patches' codebook tokens."""
        masked = beit_masks(gen, pixels.shape[0], self.cfg.grid, self.cfg.beit_mask_ratio)
        return self.model(pixel_values=pixels, bool_masked_pos=masked, labels=self.tokens(pixels)[masked]).loss

    def after_step(self, step: int) -> None:
        """Nothing to do between steps."""

    def checkpoint(self) -> nn.Module:
        """The model saved: the whole masked-image-modelling model (encoder + token head)."""
        return self.model
