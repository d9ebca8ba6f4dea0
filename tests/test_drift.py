"""Drift statistics and rescue arithmetic (paper, sections 2.2 and 2.5)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from jepa_claims.conventions import Conventions
from jepa_claims.engine.drift import drift_profiles, in_convention, late_mean, onset, rescue, token_drift


def test_token_drift_zero_for_identical_and_two_for_opposite():
    """1 - cos is 0 for equal tokens, 1 for orthogonal, 2 for opposite."""
    a = torch.randn(3, 5, 8)
    assert torch.equal(token_drift(a, a.clone()), torch.zeros(3, 5, dtype=torch.float64))
    assert torch.allclose(token_drift(a, -a), torch.full((3, 5), 2.0, dtype=torch.float64))
    e = torch.eye(2).unsqueeze(0)
    assert torch.allclose(token_drift(e[:, :1], e[:, 1:]), torch.ones(1, 1, dtype=torch.float64))


def test_masked_and_context_means_weighted_give_global():
    """n_masked * masked + n_context * context = n * global, at every layer."""
    torch.manual_seed(0)
    clean, other = torch.randn(5, 3, 17, 8), torch.randn(5, 3, 17, 8)
    masked = torch.rand(3, 16) < 0.3
    masked[:, 0] = True
    masked[:, 1] = False
    p = drift_profiles(clean, other, masked, prefix=1)
    n_m = masked.sum(1, keepdim=True).numpy()
    assert np.allclose(n_m * p["masked"] + (16 - n_m) * p["context"], 16 * p["global"])


def test_prefix_tokens_are_left_out():
    """Changing only the CLS token changes no drift statistic."""
    clean = torch.randn(2, 1, 5, 4)
    other = clean.clone()
    other[:, :, 0] += 3.0
    p = drift_profiles(clean, other, torch.tensor([[True, False, False, False]]), prefix=1)
    assert all(np.all(v == 0) for v in p.values())


def test_empty_mask_is_refused():
    """A mask that hides nothing has no masked mean."""
    with pytest.raises(ValueError, match="at least one patch"):
        drift_profiles(torch.randn(2, 1, 4, 3), torch.randn(2, 1, 4, 3), torch.zeros(1, 4, dtype=torch.bool), 0)


def test_conventions_map_layers():
    """hidden_states readings keep indices; block_output (the default) shifts by one and drops the embeddings."""
    profile = np.arange(5.0)[None]  # depth 4
    for indexing in ("hidden_states", "hidden_states_1based"):
        layers, values = in_convention(profile, Conventions(layer_indexing=indexing), 4)
        assert layers == [0, 1, 2, 3, 4] and values.tolist() == profile.tolist()
        assert late_mean(profile, Conventions(layer_indexing=indexing), 4).tolist() == [2.5]  # hidden_states 2, 3
    layers, values = in_convention(profile, Conventions(), 4)
    assert layers == [0, 1, 2, 3] and values.tolist() == [[1.0, 2.0, 3.0, 4.0]]
    assert late_mean(profile, Conventions(), 4).tolist() == [3.5]  # outputs of blocks 2, 3
    assert Conventions().late_layers(32) == (30, 31)
    with pytest.raises(ValueError, match="outside"):
        Conventions(late_window=(31, 32)).late_layers(32)


def test_onset_first_layer_above_tau_or_none():
    """Onset is the first layer strictly above tau; undefined when never reached."""
    assert onset(np.array([0.0, 0.04, 0.06, 0.2]), [0, 1, 2, 3], 0.05) == 2
    assert onset(np.array([0.0, 0.05, 0.01]), [0, 1, 2], 0.05) is None


def test_rescue_definitions():
    """Absolute rescue = masked - patched; fraction = rescue / masked; NaN when nothing to rescue."""
    absolute, fraction = rescue(np.array([0.4, 0.2, 0.0]), np.array([0.1, 0.3, 0.0]))
    assert np.allclose(absolute, [0.3, -0.1, 0.0])
    assert np.allclose(fraction[:2], [0.75, -0.5]) and np.isnan(fraction[2])
