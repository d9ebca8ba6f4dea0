"""The extended world (`--world extended`): beyond the paper's encoders, on the paper's data.

The other public I-JEPA encoders (ViT-H/16 at 448 px on IN-1k: a 28 x 28 grid of 784 tokens; ViT-g/16 on
IN-22k: 40 blocks of width 1408) and DINOv2 base, a non-masking control (self-distillation, no masked
prediction), beside the paper's I-JEPA ViT-H/14 IN-1k as the reference. Each new encoder stands in for
that reference on its claim cells, at roles discovered on the discovery slice (lib/tables/discovery.py).
Revisions: lib/data/fetch.py EXTENDED_REVISIONS (the paper's pin; the others resolved at fetch).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from jepa_claims.worlds.world import PAPER_CHECKPOINTS, PAPER_SLICES, SLICE_DATASETS, CheckpointSpec, World

_NEW = (  # key, family, repo, label
    ("ijepa_h16_448", "ijepa", "facebook/ijepa_vith16_1k", "I-JEPA ViT-H/16 448 px (IN-1k)"),
    ("ijepa_g16_22k", "ijepa", "facebook/ijepa_vitg16_22k", "I-JEPA ViT-g/16 (IN-22k)"),
    ("dinov2", "dinov2", "facebook/dinov2-base", "DINOv2 base (non-masking control)"),
)


def extended_world(data_root: Path, hub_cache: Path | None = None) -> World:
    """The extended world's checkpoints (looked up in `hub_cache`, never downloaded here) and the paper's slices."""
    from jepa_claims.data.fetch import EXTENDED_REVISIONS

    reference = replace(PAPER_CHECKPOINTS[0], hub_cache=hub_cache)
    new = tuple(CheckpointSpec(key, family, repo, label, EXTENDED_REVISIONS[repo], hub_cache,
                               stands_for=reference.key, discover_roles=True) for key, family, repo, label in _NEW)
    return World("extended", (reference, *new), PAPER_SLICES, Path(data_root))


def extended_missing(world: World) -> list[str]:
    """What the selected extended world lacks: its checkpoints' snapshots and its slices' data sets."""
    from jepa_claims.data.fetch import ARCHIVES, check_data, check_models

    hub = world.checkpoints[0].hub_cache if world.checkpoints else None
    datasets = {SLICE_DATASETS[name] for name in world.slices}
    status = {**check_models(hub, {spec.source: spec.revision for spec in world.checkpoints}),
              **check_data(world.data_root, [a for a in ARCHIVES if a.dataset in datasets])}
    return [f"{name}: {state}" for name, state in status.items() if state != "present"]
