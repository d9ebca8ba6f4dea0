"""Drift statistics (paper, section 2.2) and context rescue (section 2.5)."""
from __future__ import annotations

import numpy as np
import torch

from jepa_claims.conventions import Conventions
from jepa_claims.engine.host import to_host


def token_drift(clean: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
    """1 - cos between matching tokens (eq. 1): [..., tokens, dim] -> [..., tokens], float64."""
    if clean.shape != other.shape:
        raise ValueError(f"cannot compare activations of shapes {tuple(clean.shape)} and {tuple(other.shape)}")
    a, b = clean.double(), other.double()
    cos = (a * b).sum(-1) / (a.norm(dim=-1) * b.norm(dim=-1)).clamp_min(1e-12)
    # Rounding puts cos(a, a) a few ulps off 1; equal tokens have drift exactly 0 by definition.
    return torch.where((a == b).all(-1), 0.0, 1.0 - cos)


def drift_profiles(
    clean: torch.Tensor, other: torch.Tensor, masked: torch.Tensor, prefix: int
) -> dict[str, np.ndarray]:
    """Global, masked and context drift per layer over patch tokens: each [batch, layers].

    clean, other: [layers, batch, prefix + patches, dim]; masked: [batch, patches] bool. Prefix
    (CLS) tokens are not patches and are left out of every mean (the paper's N is the patch count).
    """
    check_masks(masked)
    return to_host(drift_profile_tensors(clean, other, masked, prefix))


def check_masks(masked: torch.Tensor | np.ndarray, names: list[str] | None = None) -> None:
    """Every mask [batch, patches] hides at least one patch and leaves at least one visible (else its drift has no
    mean): checked on the host's masks where a batch is built, so the drift of a batch need not wait for the GPU.
    names: what each row is (image and mask), for the error."""
    counts = np.asarray(masked.cpu() if isinstance(masked, torch.Tensor) else masked, dtype=bool).sum(-1)
    bad = np.flatnonzero((counts == 0) | (counts == np.shape(masked)[-1]))
    if bad.size:
        which = f": {', '.join(names[i] for i in bad[:5])}{' and more' if bad.size > 5 else ''}" if names else ""
        raise ValueError(f"every mask must hide at least one patch and leave at least one visible{which}")


def drift_profile_tensors(
    clean: torch.Tensor, other: torch.Tensor, masked: torch.Tensor, prefix: int
) -> dict[str, torch.Tensor]:
    """`drift_profiles` left on the device (float64, no synchronisation): the masks already checked (`check_masks`)."""
    per_token = token_drift(clean, other)[..., prefix:]  # [layers, batch, patches]
    m = masked.to(per_token.device, torch.float64).unsqueeze(0)  # [1, batch, patches]
    profiles = {
        "global": per_token.mean(-1),
        "masked": (per_token * m).sum(-1) / m.sum(-1),
        "context": (per_token * (1 - m)).sum(-1) / (1 - m).sum(-1),
    }
    return {k: v.transpose(0, 1) for k, v in profiles.items()}


def in_convention(profile: np.ndarray, conv: Conventions, depth: int) -> tuple[list[int], np.ndarray]:  # host arrays
    """(layer labels, columns) of a [batch, depth + 1] hidden_states profile in the convention."""
    layers = list(conv.layers(depth))
    columns = [conv.hidden_index(layer) for layer in layers]
    return layers, profile[:, columns]


def late_mean(profile: np.ndarray, conv: Conventions, depth: int) -> np.ndarray:
    """Mean of a [batch, depth + 1] hidden_states profile over the late window: [batch]."""
    columns = [conv.hidden_index(layer) for layer in conv.late_layers(depth)]
    return profile[:, columns].mean(axis=1)


def onset(context: np.ndarray, layers: list[int], tau: float) -> int | None:
    """First layer whose context drift exceeds tau; None when it never does (section 2.2)."""
    above = np.flatnonzero(np.asarray(context) > tau)
    return layers[int(above[0])] if above.size else None


def rescue(late_masked: np.ndarray, late_patched: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(absolute context rescue, rescue fraction) as in section 2.5."""
    absolute = np.asarray(late_masked) - np.asarray(late_patched)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(np.asarray(late_masked) > 0, absolute / late_masked, np.nan)
    return absolute, fraction
