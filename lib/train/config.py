"""One encoder shape and one training budget shared by the three objectives (I-JEPA, MAE, BEiT)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from transformers import PretrainedConfig

from jepa_claims.engine.builders import tiny_config
from jepa_claims.engine.models import ProcessorGeometry

OBJECTIVES = {"ijepa": "I-JEPA", "vit_mae": "MAE", "beit": "BEiT-style"}


@dataclass(frozen=True)
class TrainConfig:
    """Encoder shape, data and optimisation of one training run (the same for every family)."""

    name: str = "full"
    image_size: int = 64
    patch_size: int = 8
    hidden: int = 96
    depth: int = 12
    heads: int = 4
    mlp: int = 384
    scenes: int = 2048  # the training pool: synthetic scenes of the trained world's style, not its slices
    steps: int = 250
    batch: int = 32
    lr: float = 1e-3
    warmup: int = 30
    weight_decay: float = 0.05
    seed: int = 0
    predictor_width: int = 64  # I-JEPA's predictor is narrower than the encoder (I-JEPA paper, section 4)
    predictor_depth: int = 3
    ema: tuple[float, float] = (0.99, 1.0)  # target momentum, linear over training (I-JEPA: 0.996 -> 1 over far more steps)
    decoder_width: int = 64  # MAE's light decoder
    decoder_depth: int = 2
    codebook: int = 128  # BEiT-style targets: k-means centroids of patches (a stand-in for BEiT's dVAE tokens)
    kmeans_iterations: int = 15
    beit_mask_ratio: float = 0.4  # BEiT masks about 40% of patches, in blocks
    mae_mask_ratio: float = 0.75

    def as_dict(self) -> dict:
        """The configuration as plain JSON values."""
        return asdict(self)

    @property
    def grid(self) -> int:
        """Patches per side."""
        return self.image_size // self.patch_size


FULL = TrainConfig()
# CI's setting: the same code on a model and budget small enough to train in seconds.
SMALL = TrainConfig(name="small", image_size=32, hidden=32, depth=4, heads=2, mlp=64, scenes=24, steps=3, batch=4,
                    warmup=1, predictor_width=16, predictor_depth=1, decoder_width=16, decoder_depth=1, codebook=8,
                    kmeans_iterations=3)
CONFIGS = {c.name: c for c in (FULL, SMALL)}


def geometry(cfg: TrainConfig) -> ProcessorGeometry:
    """Straight bilinear resize to the training size, mean = std = 0.5 (I-JEPA's processor), for all three."""
    return ProcessorGeometry(size=cfg.image_size, resample=2, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))


def encoder_config(family: str, cfg: TrainConfig, **extra) -> PretrainedConfig:
    """The family's HF config at the shared shape, without dropout or drop path (a short budget)."""
    common = dict(image_size=cfg.image_size, patch_size=cfg.patch_size, hidden_size=cfg.hidden,
                  num_hidden_layers=cfg.depth, num_attention_heads=cfg.heads, intermediate_size=cfg.mlp)
    if family == "beit":
        common["drop_path_rate"] = 0.0
    return tiny_config(family, **common, **extra)
