"""Shared helpers for the model and site self-tests: tiny checkpoints, pixels, hook captures.

Run as a script (`python model_helpers.py PIXELS CHECKPOINT OUT [CHECKPOINT OUT ...]`) it loads each
CHECKPOINT with this interpreter's transformers, captures every site at every block on PIXELS, writes
them to OUT (safetensors) and prints its transformers version; test_sites.py uses that to compare the
two module layouts across versions.
"""
from __future__ import annotations

import sys
from pathlib import Path

import torch
import transformers
from jepa_claims.engine.builders import build_model, save_pretrained_layout, tiny_config
from jepa_claims.engine.models import Encoder, ProcessorGeometry, load_encoder
from jepa_claims.engine.sites import KINDS, Site, parse_site, resolve_site
from safetensors.torch import load_file, save_file

FAMILIES = ("ijepa", "vit_mae", "beit")
# Enough noise that constant-initialised parameters (BEiT relative position tables, biases) matter.
JITTER = 0.05


def geometry_for(config) -> ProcessorGeometry:
    """An I-JEPA-like processor geometry at the config's image size."""
    return ProcessorGeometry(size=config.image_size, resample=2, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))


def save_tiny(family: str, directory: Path, seed: int = 0, **overrides) -> Path:
    """Build a jittered tiny model of `family` and save it as a checkpoint directory."""
    config = tiny_config(family, **overrides)
    model = build_model(family, config, seed, jitter=JITTER)
    return save_pretrained_layout(model, directory, geometry_for(config))


def pixels(encoder: Encoder, batch: int = 2, seed: int = 0) -> torch.Tensor:
    """Seeded normalised pixel values of the encoder's input size."""
    generator = torch.Generator().manual_seed(seed)
    size = encoder.geometry.size
    return torch.randn(batch, 3, size, size, generator=generator)


def all_sites(encoder: Encoder) -> list[Site]:
    """Every kind at every block."""
    return [parse_site(f"{block}.{kind}", encoder.depth) for block in range(encoder.depth) for kind in KINDS]


def capture(encoder: Encoder, sites: list[Site], pixel_values: torch.Tensor) -> dict[str, list[torch.Tensor]]:
    """Run the HF forward once with hooks on `sites`; every value each hook saw, by canonical name."""
    seen: dict[str, list[torch.Tensor]] = {site.name: [] for site in sites}
    handles = []
    for site in sites:
        def hook(module, args, output, name=site.name):
            seen[name].append((output[0] if isinstance(output, tuple) else output).detach().clone())
        handles.append(resolve_site(encoder, site).register_forward_hook(hook))
    try:
        with torch.no_grad():
            encoder.model(pixel_values, **encoder.forward_kwargs(pixel_values))
    finally:
        for handle in handles:
            handle.remove()
    return seen


def main(pixel_file: str, *pairs: str) -> None:
    """Capture every site of each checkpoint on the saved pixels and write them to its output file."""
    pixel_values = load_file(pixel_file)["pixel_values"]
    for checkpoint, out_file in zip(pairs[::2], pairs[1::2], strict=True):
        encoder = load_encoder(checkpoint)
        seen = capture(encoder, all_sites(encoder), pixel_values)
        save_file({name: values[0].contiguous() for name, values in seen.items()}, out_file)
    sys.stdout.write(transformers.__version__)


if __name__ == "__main__":
    main(*sys.argv[1:])
