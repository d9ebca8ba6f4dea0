"""MAE's objective (He et al. 2022): the encoder sees 25% of the patches, a light decoder reconstructs the
masked 75% in normalised pixels (`norm_pix_loss`), all in HF's own `ViTMAEForPreTraining`.

The whole pre-training model is saved, as facebook/vit-mae-base is; the suite loads its encoder
(`ViTMAEModel`, decoder weights unused) with mask_ratio 0.
"""
from __future__ import annotations

import torch
from torch import nn
from transformers import ViTMAEForPreTraining

from jepa_claims.train.config import TrainConfig, encoder_config
from jepa_claims.train.masking import mae_noise


class MaeObjective(nn.Module):
    """ViTMAEForPreTraining at the shared shape with a narrow decoder."""

    family = "vit_mae"

    def __init__(self, cfg: TrainConfig) -> None:
        super().__init__()
        self.cfg = cfg
        config = encoder_config("vit_mae", cfg, mask_ratio=cfg.mae_mask_ratio, norm_pix_loss=True,
                                decoder_hidden_size=cfg.decoder_width, decoder_num_hidden_layers=cfg.decoder_depth,
                                decoder_num_attention_heads=max(1, cfg.decoder_width // 16),
                                decoder_intermediate_size=4 * cfg.decoder_width)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            self.model = ViTMAEForPreTraining(config).train()

    def trainable(self) -> list[nn.Parameter]:
        """What the optimiser updates."""
        return list(self.model.parameters())

    def loss(self, pixels: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """Mean squared error on the masked patches' normalised pixels."""
        return self.model(pixel_values=pixels, noise=mae_noise(gen, pixels.shape[0], self.cfg.grid)).loss

    def after_step(self, step: int) -> None:
        """Nothing to do between steps."""

    def checkpoint(self) -> nn.Module:
        """The model saved: the whole pre-training model (encoder + decoder)."""
        return self.model
