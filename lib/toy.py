"""Toy encoders of the toy world (to be replaced by planted-mechanism models, issue 5)."""
from __future__ import annotations

from .builders import build_model, tiny_config
from .models import ProcessorGeometry

GEOMETRY = ProcessorGeometry(size=224, resample=2, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
_SPECS = {
    "ijepa_1k": ("ijepa", dict(patch_size=14), 0),
    "ijepa_22k": ("ijepa", dict(patch_size=14), 1),
    "mae": ("vit_mae", dict(patch_size=16), 2),
    "beit": ("beit", dict(patch_size=16), 3),
}


def build_toy(name: str):
    """(model, processor geometry) of a toy checkpoint."""
    family, shape, seed = _SPECS[name]
    config = tiny_config(family, image_size=224, hidden_size=64, num_hidden_layers=8, intermediate_size=128, **shape)
    return build_model(family, config, seed, jitter=0.02), GEOMETRY
