"""Probes beyond the paper (P1-P6, docs/claims.md): what each one changes, and its extra protocol.

- P1 random-init control: the same architecture untrained, under several init seeds (`random_world`,
  `untrained_seeds`).
- P2 MAE masking artifact: HF ViTMAE masks 75% of tokens at random and shuffles them on every
  forward unless mask_ratio = 0; token-wise drift then compares different patches (`mae_default_table`).
- P3 convention sensitivity: the layer reading (`READING_ALTERNATIVES`), fill, normalisation,
  patch-label rule, zero-overlap background region (`ALTERNATIVES`).
- P5 the causal protocol on MAE and BEiT (roles scaled to depth 12; tables as for I-JEPA).
- P6 multiplicity: Holm across slices and checkpoints (lib/stats/paired.py `holm`).
"""
from __future__ import annotations

import dataclasses
from contextlib import contextmanager

import pandas as pd
import torch

from jepa_claims.conventions import BACKGROUND_REGION, LAYER_READING, MASKING, Conventions
from jepa_claims.engine.drift import token_drift
from jepa_claims.engine.host import to_host
from jepa_claims.engine.masks import RANDOM_DRAWS, mask_family
from jepa_claims.engine.tabulate import masked_pixels
from jepa_claims.engine.runs import COUNTER
from jepa_claims.worlds.checkpoints import untrained_source
from jepa_claims.worlds.world import World

# The other layer readings (conventions.READINGS). The hidden_states one cannot reach the late window
# from block 31, so its groups are run with the inert site allowed: that is what the reading does.
READING_ALTERNATIVES: dict[str, Conventions] = {
    "hidden_states_1based reading": Conventions(layer_indexing="hidden_states_1based"),
    "hidden_states reading (0-based sites)": Conventions(layer_indexing="hidden_states", allow_inert_sites=True),
}
# The zero-overlap background region (engine/masks.py matched_background): the default is the region
# farthest from the object, which sits towards the image edge; these move it without that bias.
BACKGROUND_ALTERNATIVES: dict[str, Conventions] = {
    f"random zero-overlap background ({RANDOM_DRAWS} seeded draws per image, averaged)": Conventions(background="random"),
    "distance-matched zero-overlap background": Conventions(background="distance_matched"),
}
ALTERNATIVES: dict[str, Conventions] = {
    **READING_ALTERNATIVES,
    "mean-grey fill": Conventions(fill="mean"),
    "ImageNet normalisation": Conventions(normalisation="imagenet"),
    "pet-only object pixels (trimap 1)": Conventions(trimap_object="pet"),
    **BACKGROUND_ALTERNATIVES,
}


def alternative_group(alternative: str) -> str:
    """The group of conventions an alternative (a key of ALTERNATIVES) belongs to: a claim names the groups P3
    reruns it under (Claim.rerun_under)."""
    if alternative not in ALTERNATIVES:
        raise KeyError(f"unknown P3 alternative {alternative!r}; known: {', '.join(ALTERNATIVES)}")
    if alternative in READING_ALTERNATIVES:
        return LAYER_READING
    return BACKGROUND_REGION if alternative in BACKGROUND_ALTERNATIVES else MASKING


def p3_conventions(alternative: str, run: Conventions) -> Conventions:
    """The run's conventions with what one alternative (a key of ALTERNATIVES) changes from the defaults: under
    --convention, P3 varies the run's own conventions; the alternative equals them when the run already uses it."""
    changed = ALTERNATIVES[alternative]
    default = Conventions()
    return run.with_(**{f.name: getattr(changed, f.name) for f in dataclasses.fields(Conventions)
                        if getattr(changed, f.name) != getattr(default, f.name)})


HF_DEFAULT_MASK_RATIO = 0.75  # ViTMAEConfig default
P2_SEEDS = (11, 12)  # seeds of the clean and the masked forward: two independent shuffles


FIRST_UNTRAINED_SEED = 1234  # P1's init seeds are 1234, 1235, ... (1234 was the single seed before several)


def untrained_seeds(count: int) -> tuple[int, ...]:
    """The torch seeds of P1's untrained architectures: the same first `count` on every run."""
    return tuple(range(FIRST_UNTRAINED_SEED, FIRST_UNTRAINED_SEED + count))


def random_world(world: World, seed: int) -> World:
    """The world with every checkpoint replaced by its untrained architecture under one init seed (P1); one that
    discovers its roles keeps the trained checkpoint's (the same layers are compared, trained and untrained)."""
    untrained = tuple(dataclasses.replace(c, source=untrained_source(c.source, seed), label=f"{c.label}, random init (seed {seed})",
                                          roles_from=c.source if c.discover_roles else None)
                      for c in world.checkpoints)
    return dataclasses.replace(world, checkpoints=untrained)


@contextmanager
def library_default_masking(encoder):
    """Temporarily give a ViTMAE model the library's default random masking (mask_ratio 0.75)."""
    config = encoder.model.config
    saved = config.mask_ratio
    config.mask_ratio = HF_DEFAULT_MASK_RATIO
    try:
        yield
    finally:
        config.mask_ratio = saved


def _hf_hidden(encoder, pixels: torch.Tensor, seed: int) -> torch.Tensor:
    """HF forward with the library's own random masking under a seed: [layers, batch, kept + 1, dim]."""
    with torch.random.fork_rng(devices=[]), torch.inference_mode():
        torch.manual_seed(seed)
        out = encoder.model(pixels, output_hidden_states=True)
    # counted like the engine's forwards, so the report's counter covers P2 too (at 25% of the tokens
    # each block is cheaper than a full one; the counter counts block evaluations, not FLOPs)
    COUNTER.embeds += pixels.shape[0]
    COUNTER.blocks += encoder.depth * pixels.shape[0]
    return torch.stack(out.hidden_states)


def mae_default_table(encoder, roles, inputs, conv: Conventions, batch_size: int) -> pd.DataFrame:
    """Late global drift as a naive pipeline on HF ViTMAE defaults would measure it (P2).

    Rows per job: the drift between a clean and a masked forward, each with its own random 75%
    masking and shuffle, compared position by position (different patches), and the same for two
    clean forwards of the same image (which should be 0 and is not).
    """
    if encoder.family != "vit_mae":
        raise ValueError("the MAE masking probe needs a ViT-MAE checkpoint")
    window = [conv.hidden_index(layer) for layer in conv.late_layers(encoder.depth)]
    weight = next(encoder.model.parameters())
    jobs = [j for j in inputs.jobs if mask_family(j.mask) in ("object", "background")]
    drifts = {}  # per job (masked, clean) late drift, on the device until every job has run (one read-back)
    with library_default_masking(encoder):
        for k, job in enumerate(jobs):
            clean = inputs.images[job.image_id].unsqueeze(0).to(weight.device, weight.dtype)
            masked = masked_pixels(encoder, clean, job.tokens[None], conv)
            reference = _hf_hidden(encoder, clean, P2_SEEDS[0])
            late = lambda other: token_drift(reference[window, :, 1:], other[window, :, 1:]).mean()
            pair = (_hf_hidden(encoder, masked, P2_SEEDS[1]), _hf_hidden(encoder, clean, P2_SEEDS[1]))
            drifts[k] = torch.stack([late(other) for other in pair])
    drifts = to_host(drifts)
    rows = [(job.image_id, job.mask, float(drifts[k][0]), float(drifts[k][1])) for k, job in enumerate(jobs)]
    return pd.DataFrame(rows, columns=["image_id", "mask", "late_global_drift", "clean_vs_clean_drift"])
