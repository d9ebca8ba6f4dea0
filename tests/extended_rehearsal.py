"""A rehearsal of the extended world's checkpoints: their published shapes at the rehearsal's reduced widths.

The shapes are those transformers' own conversion script (convert_ijepa_to_hf.py, get_ijepa_config) gives
the I-JEPA repos, and DINOv2 base's config.json as published (not re-checked from this offline machine).
Depths, image sizes, patch sizes, norms and layer scale are kept; widths are tests/rehearsal.py's
WIDTHS. Each is written into the hub cache layout with refs/main pointing at a commit id made up for
the test (the extended world pins no sha: it resolves main at fetch), under the transformers 4.x names.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

from rehearsal import PREPROCESSORS, WIDTHS, _pretraining_model, legacy_key
from safetensors.torch import save_file

from jepa_claims.engine.builders import store_snapshot

_IJEPA = {"architectures": ["IJepaModel"], "hidden_act": "gelu", "layer_norm_eps": 1e-06, "model_type": "ijepa",
          "num_attention_heads": 16, "num_channels": 3, "qkv_bias": True, "attention_probs_dropout_prob": 0.0,
          "hidden_dropout_prob": 0.0, "initializer_range": 0.02}
CONFIGS = {
    "facebook/ijepa_vith16_1k": {**_IJEPA, "hidden_size": 1280, "intermediate_size": 5120, "num_hidden_layers": 32,
                                 "image_size": 448, "patch_size": 16},
    "facebook/ijepa_vitg16_22k": {**_IJEPA, "hidden_size": 1408, "intermediate_size": 6144, "num_hidden_layers": 40,
                                  "image_size": 224, "patch_size": 16},
    "facebook/dinov2-base": {
        "architectures": ["Dinov2Model"], "attention_probs_dropout_prob": 0.0, "drop_path_rate": 0.0, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0, "hidden_size": 768, "image_size": 518, "initializer_range": 0.02,
        "layer_norm_eps": 1e-06, "layerscale_value": 1.0, "mlp_ratio": 4, "model_type": "dinov2",
        "num_attention_heads": 12, "num_channels": 3, "num_hidden_layers": 12, "patch_size": 14, "qkv_bias": True,
        "use_swiglu_ffn": False},
}
# ViTImageProcessor(size=...) as the conversion script saves it; DINOv2: shortest edge 256, centre crop 224.
PROCESSORS = {
    "facebook/ijepa_vith16_1k": {**PREPROCESSORS["ijepa"], "size": {"height": 448, "width": 448}},
    "facebook/ijepa_vitg16_22k": PREPROCESSORS["ijepa"],
    "facebook/dinov2-base": {
        "crop_size": {"height": 224, "width": 224}, "do_center_crop": True, "do_convert_rgb": True, "do_normalize": True,
        "do_rescale": True, "do_resize": True, "image_mean": [0.485, 0.456, 0.406],
        "image_processor_type": "BitImageProcessor", "image_std": [0.229, 0.224, 0.225], "resample": 3,
        "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": 256}},
}


def made_up_commit(repo: str) -> str:
    """A 40-hex commit id made up for this test's cache (never a real revision)."""
    return hashlib.sha1(f"test-only {repo}".encode()).hexdigest()


def _reduced(repo: str) -> dict:
    """The published config with the rehearsal's widths (DINOv2 sizes its MLP by mlp_ratio)."""
    widths = {k: v for k, v in WIDTHS.items() if not (repo.endswith("dinov2-base") and k == "intermediate_size")}
    return {**CONFIGS[repo], **widths}


def _dinov2_key(name: str) -> str:
    """DINOv2's 4.x names: the attention as for the others, the MLP keeps `mlp.fc1` / `mlp.fc2`."""
    return legacy_key(name.replace(".mlp.", ".MLP.")).replace(".MLP.", ".mlp.")


def write_extended_cache(cache_dir: Path) -> dict[str, Path]:
    """Every extended repo (less the paper's, see tests/rehearsal.py) in the hub cache with refs/main; repo -> snapshot."""
    snapshots = {}
    for seed, repo in enumerate(CONFIGS):
        config = _reduced(repo)
        model = _pretraining_model(config, seed)
        rename = _dinov2_key if config["model_type"] == "dinov2" else legacy_key
        with tempfile.TemporaryDirectory() as staging:
            folder = Path(staging)
            save_file({rename(k): v.detach().clone().contiguous() for k, v in model.state_dict().items()},
                      str(folder / "model.safetensors"), metadata={"format": "pt"})
            (folder / "config.json").write_text(json.dumps({**config, "transformers_version": "4.57.6"}, indent=2))
            (folder / "preprocessor_config.json").write_text(json.dumps(PROCESSORS[repo], indent=2))
            snapshots[repo] = store_snapshot(folder, cache_dir, repo, made_up_commit(repo), ref="main")
    return snapshots
