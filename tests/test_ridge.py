"""The predictor proxy's ridge map (lib/tables/ridge.py): closed form, leave-one-class-out, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from jepa_claims.tables.ridge import Moments, apply, fit_ridge, held_out_fits, solve


def _data(seed: int, n: int = 200, d: int = 5, shift: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows x [n, d] and a noisy linear map of them y [n, d]."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g, dtype=torch.float64) + shift
    w = torch.arange(d * d, dtype=torch.float64).reshape(d, d) / d**2
    return x, x @ w + 0.5 + 0.01 * torch.randn(n, d, generator=g, dtype=torch.float64)


def test_fit_is_the_closed_form_with_an_unpenalised_bias():
    """Weights solve (Xc^T Xc + alpha I) W = Xc^T Yc with alpha = 0.1 x trace / d; the bias makes the means meet."""
    x, y = _data(0)
    weights = fit_ridge(x, y).numpy()
    xc, yc = (x - x.mean(0)).numpy(), (y - y.mean(0)).numpy()
    gram = xc.T @ xc
    expected = np.linalg.solve(gram + 0.1 * np.trace(gram) / 5 * np.eye(5), xc.T @ yc)
    np.testing.assert_allclose(weights[:-1], expected, rtol=1e-9)
    np.testing.assert_allclose(apply(torch.from_numpy(weights), x.mean(0)).numpy(), y.mean(0).numpy(), rtol=1e-9)


def test_leave_one_group_out_equals_a_fit_on_the_others():
    """Each group's map is the fit on every other group's rows, and differs from the fit on all rows."""
    parts = {name: _data(seed, shift=seed) for seed, name in enumerate("abc")}
    fits = held_out_fits({name: Moments.of(x, y) for name, (x, y) in parts.items()})
    others = [parts[k] for k in "bc"]
    direct = fit_ridge(torch.cat([x for x, _ in others]), torch.cat([y for _, y in others]))
    torch.testing.assert_close(fits["a"], direct, rtol=1e-9, atol=1e-9)
    everything = fit_ridge(torch.cat([x for x, _ in parts.values()]), torch.cat([y for _, y in parts.values()]))
    assert not torch.allclose(fits["a"], everything)


def test_too_few_rows_or_groups_are_errors():
    """A fit needs two rows; leaving one group out needs two groups."""
    x, y = _data(1, n=1)
    with pytest.raises(ValueError, match="two rows"):
        solve(Moments.of(x, y))
    with pytest.raises(ValueError, match="two groups"):
        held_out_fits({"a": Moments.of(*_data(2))})
