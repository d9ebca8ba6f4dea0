"""The trained world: small I-JEPA, MAE and BEiT-style encoders trained here (`jepa_claims.train`) on
synthetic scenes, checked on slices of the same scene style written in the official on-disk layouts.

A checkpoint source `trained:<config>:<family>` names a training run; it is trained on first use and
cached by config, seed and code version (`build_once`), so a second run loads it. The saved folder
holds the family's Hugging Face layout (loaded by the real loading code) and the training record
(`training.json`: steps, wall time, loss per step, weights hash) with its loss curve (`loss_curve.png`).
"""
from __future__ import annotations

from pathlib import Path

from jepa_claims.cache import COMPLETE, build_once, code_version
from jepa_claims.train.config import CONFIGS, OBJECTIVES, TrainConfig
from jepa_claims.train.loop import CURVE_FILE, read_training, train
from jepa_claims.worlds.world import DISCOVERY_SLICE, PAPER_SLICES, CheckpointSpec, World

TRAINED_KEYS = {"ijepa": "ijepa_1k", "vit_mae": "mae", "beit": "beit"}  # the claims' checkpoint keys


def trained_checkpoints(cfg: TrainConfig) -> tuple[CheckpointSpec, ...]:
    """One checkpoint per objective, under the keys the claims name (no second I-JEPA: the second checkpoint's claim does not run). Nothing
    planted them, so their roles are discovered on the discovery slice and their claims read the other slices."""
    return tuple(CheckpointSpec(key, family, f"trained:{cfg.name}:{family}", f"{OBJECTIVES[family]} trained here ({cfg.name})",
                                discover_roles=True)
                 for family, key in TRAINED_KEYS.items())


def _config_of(spec: CheckpointSpec) -> tuple[TrainConfig, str]:
    """(training config, family) named by a `trained:<config>:<family>` source."""
    _, name, family = spec.source.split(":")
    if name not in CONFIGS:
        raise KeyError(f"unknown training config {name!r}; known: {', '.join(CONFIGS)}")
    return CONFIGS[name], family


def trained_folder_path(spec: CheckpointSpec, cache_dir: Path) -> Path:
    """Where the trained checkpoint is (or will be) cached: keyed by config, family, code version and seed."""
    cfg, family = _config_of(spec)
    return Path(cache_dir) / "trained-checkpoints" / f"{cfg.name}-{family}-{code_version()}-seed{cfg.seed}"


def trained_folder(spec: CheckpointSpec, cache_dir: Path) -> Path:
    """The trained checkpoint's folder, training it first if it is not cached."""
    cfg, family = _config_of(spec)
    return build_once(trained_folder_path(spec, cache_dir), lambda folder: train(family, cfg, folder))


def training_rows(world: World, cache_dir: Path) -> list[dict]:
    """What was trained and for how long, for each trained checkpoint already in the cache (never trains)."""
    rows = []
    for spec in world.checkpoints:
        if not spec.source.startswith("trained:"):
            continue
        folder = trained_folder_path(spec, cache_dir)
        if not (folder / COMPLETE).exists():
            rows.append({"key": spec.key, "label": spec.label, "trained": False})
            continue
        info = read_training(folder)
        rows.append({"key": spec.key, "label": spec.label, "trained": True, "objective": info["objective"],
                     "architecture": info["architecture"], "steps": info["steps"], "images_seen": info["images_seen"],
                     "seconds": info["seconds"], "first_loss": info["loss"][0], "last_loss": info["loss"][-1],
                     "weights_sha256": info["weights_sha256"], "config": info["config"], "curve": str(folder / CURVE_FILE)})
    return rows


def trained_banner(cfg: TrainConfig) -> str:
    """The record's front line of a trained-world run."""
    return (f"TRAINED WORLD - this is not a replication. The claims ran on three small ViTs of one shape ({cfg.depth} "
            f"blocks, width {cfg.hidden}, {cfg.image_size} px, patch {cfg.patch_size}) trained on this machine with the "
            f"I-JEPA, MAE and BEiT-style objectives, the same synthetic scenes and the same budget ({cfg.steps} steps of "
            f"{cfg.batch} images, seed {cfg.seed}). Their verdicts are findings about these encoders, not about the paper's "
            "checkpoints; there is no second I-JEPA checkpoint, so the second checkpoint's claim does not run. Their layers' roles are discovered "
            f"on the {DISCOVERY_SLICE} slice and their claims read the other slices only (cells on {DISCOVERY_SLICE}, and "
            f"the claim that compares {DISCOVERY_SLICE} with 4x3, do not run).")


def trained_world(cache_dir: Path, cfg: TrainConfig = CONFIGS["full"]) -> World:
    """Slices of the rich scene style written (once) into the official layouts; encoders trained on first use."""
    from jepa_claims.data.synthetic import RICH, write_all

    root = build_once(Path(cache_dir) / f"trained-data-{code_version()}", lambda folder: write_all(folder, seed=0, style=RICH))
    return World("trained", trained_checkpoints(cfg), PAPER_SLICES, root, banner=trained_banner(cfg))
