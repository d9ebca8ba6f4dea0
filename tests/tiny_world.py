"""A world of one tiny checkpoint (depth 4) and four synthetic pet breeds, for the store's tests."""
from __future__ import annotations

from pathlib import Path

from jepa_claims.data.synthetic import write_pets
from jepa_claims.engine.builders import build_model, save_pretrained_layout, tiny_config
from jepa_claims.engine.models import ProcessorGeometry
from jepa_claims.worlds.world import CheckpointSpec, World

GEOMETRY = ProcessorGeometry(size=112, resample=2, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))


def tiny_world(root: Path) -> World:
    """One tiny I-JEPA checkpoint saved in the Hugging Face layout under root, and 12 images of 4x3 (4 breeds x 3)."""
    model = build_model("ijepa", tiny_config("ijepa", image_size=112, num_hidden_layers=4), seed=0, jitter=0.02)
    folder = save_pretrained_layout(model, root / "ckpt", GEOMETRY)
    write_pets(root / "data", breeds=4, per_breed=3, seed=0)
    return World("test", (CheckpointSpec("ijepa_1k", "ijepa", str(folder), "tiny"),), ("4x3",), root / "data")
