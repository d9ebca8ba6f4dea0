"""The training loop shared by the three objectives: seeded, on one CPU thread, saved in the HF layout.

Every family sees the same scenes in the same order (one batch stream from the seed) for the same
number of steps with the same optimiser (AdamW, linear warm-up then cosine decay, gradients clipped at
norm 1). Training runs on one torch thread inside a forked RNG, so its weights are a pure function of
the config and the seed on one machine and torch build, whatever threads the calling process uses.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
from pathlib import Path

import torch

from jepa_claims.engine.builders import save_pretrained_layout
from jepa_claims.engine.cpu import one_thread
from jepa_claims.train.beit import BeitObjective
from jepa_claims.train.config import OBJECTIVES, TrainConfig, geometry
from jepa_claims.train.curves import save_curve
from jepa_claims.train.ijepa import IJepaObjective
from jepa_claims.train.mae import MaeObjective
from jepa_claims.train.scenes import training_images

TRAINING_FILE, CURVE_FILE = "training.json", "loss_curve.png"


def objective(family: str, cfg: TrainConfig, images: torch.Tensor) -> torch.nn.Module:
    """The family's objective module, built under the config's seed."""
    if family == "ijepa":
        return IJepaObjective(cfg)
    if family == "vit_mae":
        return MaeObjective(cfg)
    if family == "beit":
        return BeitObjective(cfg, images)
    raise ValueError(f"no training objective for family {family!r}; known: {', '.join(OBJECTIVES)}")


def learning_rate(cfg: TrainConfig, step: int) -> float:
    """Linear warm-up to cfg.lr, then cosine decay to zero at the last step."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * progress))


def _fit(task: torch.nn.Module, cfg: TrainConfig, images: torch.Tensor) -> list[float]:
    """Run cfg.steps optimiser steps; the loss of each step."""
    params = task.trainable()
    optimiser = torch.optim.AdamW(params, lr=cfg.lr, betas=(0.9, 0.95), weight_decay=cfg.weight_decay)
    batches, masks = torch.Generator().manual_seed(cfg.seed + 1), torch.Generator().manual_seed(cfg.seed + 2)
    losses = []
    for step in range(cfg.steps):
        for group in optimiser.param_groups:
            group["lr"] = learning_rate(cfg, step)
        loss = task.loss(images[torch.randint(len(images), (cfg.batch,), generator=batches)], masks)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        task.after_step(step)
        losses.append(float(loss.detach()))
    return losses


def train(family: str, cfg: TrainConfig, folder: Path) -> dict:
    """Train one family's encoder and save it (HF layout), its loss curve (JSON and PNG) and what ran."""
    started = time.perf_counter()
    with one_thread(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        images = training_images(cfg)
        task = objective(family, cfg, images)
        prepared = time.perf_counter() - started
        losses = _fit(task, cfg, images)
    model = task.checkpoint().eval()
    save_pretrained_layout(model, folder, geometry(cfg))
    info = {"family": family, "objective": OBJECTIVES[family], "architecture": type(model).__name__,
            "config": cfg.as_dict(), "steps": cfg.steps, "images_seen": cfg.steps * cfg.batch,
            "seconds": round(time.perf_counter() - started, 1), "seconds_preparing": round(prepared, 1),
            "torch": torch.__version__, "loss": losses, "weights_sha256": weights_hash(folder)}
    (Path(folder) / TRAINING_FILE).write_text(json.dumps(info, indent=1) + "\n")
    save_curve(info, Path(folder) / CURVE_FILE)
    return info


def weights_hash(folder: Path) -> str:
    """sha256 of the saved weights file (what reproducibility is checked on)."""
    return hashlib.sha256((Path(folder) / "model.safetensors").read_bytes()).hexdigest()


def read_training(folder: Path) -> dict:
    """The training record saved beside a trained checkpoint."""
    return json.loads((Path(folder) / TRAINING_FILE).read_text())
