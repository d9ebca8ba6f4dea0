"""Probe tables outside the engine still show up in the report's forwards counter."""
from __future__ import annotations

import numpy as np

from jepa_claims.config import Conventions
from jepa_claims.measure import MaskJob
from jepa_claims.models import load_encoder
from jepa_claims.probes import mae_default_table
from jepa_claims.protocols import Inputs
from jepa_claims.runs import COUNTER
from model_helpers import pixels, save_tiny


def test_mae_default_table_counts_its_forwards(tmp_path):
    """P2 runs HF's own forward (random masking), three per job; each counts as a full forward."""
    encoder = load_encoder(str(save_tiny("vit_mae", tmp_path / "mae")))
    image = pixels(encoder, batch=1)[0]
    tokens = np.zeros(encoder.grid * encoder.grid, dtype=bool)
    jobs = (MaskJob("a", "object", tokens.copy()), MaskJob("a", "background", tokens.copy()), MaskJob("a", "rect", tokens))
    jobs[0].tokens[:3] = True
    jobs[1].tokens[-3:] = True
    before = (COUNTER.blocks, COUNTER.embeds)
    table = mae_default_table(encoder, None, Inputs({"a": image}, jobs, {"a": "x"}), Conventions(), 4)
    assert list(table["mask"]) == ["object", "background"]  # the rect job is not part of P2
    assert COUNTER.embeds - before[1] == 2 * 3
    assert COUNTER.blocks - before[0] == 2 * 3 * encoder.depth
