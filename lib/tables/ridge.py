"""The predictor proxy's ridge map (section 3.6), fitted out of sample: each class is predicted by a map
fitted on the other classes' clean runs (leave one class out), so the proxy's "clean fit" is a
held-out fit and not the training error.

Fits are built from per-class moments (count, sums, x^T x, x^T y), so leaving a class out is a
subtraction, not a refit over every token again.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

from jepa_claims.engine.cpu import one_thread

# The paper states no penalty. alpha = 0.1 x the mean variance per input direction x n: directions that
# barely vary on clean runs (which would otherwise get large weights that explode on masked runs) are
# shrunk alike for any width, token count or activation scale.
RIDGE_RELATIVE_ALPHA = 0.1


@dataclass(frozen=True)
class Moments:
    """Sufficient statistics of a ridge fit x [n, d] -> y [n, d] (float64)."""

    n: int
    sx: torch.Tensor  # [d]
    sy: torch.Tensor  # [d]
    xx: torch.Tensor  # [d, d]
    xy: torch.Tensor  # [d, d]

    @classmethod
    def of(cls, x: torch.Tensor, y: torch.Tensor) -> "Moments":
        """Moments of paired rows (one thread: bit-identical whatever the thread count, tests/test_cpu.py)."""
        with one_thread():
            x, y = x.double(), y.double()
            return cls(x.shape[0], x.sum(0), y.sum(0), x.T @ x, x.T @ y)

    def __add__(self, other: "Moments") -> "Moments":
        return Moments(self.n + other.n, self.sx + other.sx, self.sy + other.sy, self.xx + other.xx, self.xy + other.xy)

    def __sub__(self, other: "Moments") -> "Moments":
        return Moments(self.n - other.n, self.sx - other.sx, self.sy - other.sy, self.xx - other.xx, self.xy - other.xy)


def solve(m: Moments, relative_alpha: float = RIDGE_RELATIVE_ALPHA) -> torch.Tensor:
    """Ridge weights with an unpenalised bias from moments: [d + 1, d] (the last row is the bias)."""
    if m.n < 2:
        raise ValueError(f"a ridge fit needs at least two rows, got {m.n}")
    with one_thread():
        x_mean, y_mean = m.sx / m.n, m.sy / m.n
        gram = m.xx - m.n * torch.outer(x_mean, x_mean)  # centred x^T x
        cross = m.xy - m.n * torch.outer(x_mean, y_mean)
        alpha = relative_alpha * float(torch.trace(gram)) / gram.shape[0]
        eye = torch.eye(gram.shape[0], dtype=torch.float64, device=gram.device)
        weights = torch.linalg.solve(gram + alpha * eye, cross)
    return torch.cat([weights, (y_mean - x_mean @ weights)[None]])


def fit_ridge(x: torch.Tensor, y: torch.Tensor, relative_alpha: float = RIDGE_RELATIVE_ALPHA) -> torch.Tensor:
    """Ridge map x [n, d] -> y [n, d] fitted on every row: weights [d + 1, d]."""
    return solve(Moments.of(x, y), relative_alpha)


def held_out_fits(by_group: Mapping[str, Moments], relative_alpha: float = RIDGE_RELATIVE_ALPHA) -> dict[str, torch.Tensor]:
    """For each group, the ridge map fitted on every other group (leave one group out)."""
    if len(by_group) < 2:
        raise ValueError(f"leaving one group out needs at least two groups, got {len(by_group)}")
    groups = list(by_group.values())
    total = groups[0]
    for m in groups[1:]:
        total = total + m
    return {name: solve(total - m, relative_alpha) for name, m in by_group.items()}


def apply(weights: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Ridge prediction for x [..., d]."""
    return torch.cat([x.double(), torch.ones(*x.shape[:-1], 1, dtype=torch.float64, device=x.device)], -1) @ weights
