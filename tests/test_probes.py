"""Probe tables outside the engine still show up in the report's forwards counter; P5 can fail."""
from __future__ import annotations

import numpy as np
import pytest

from jepa_claims.conventions import Conventions
from jepa_claims.engine.tabulate import MaskJob
from jepa_claims.engine.models import load_encoder
from jepa_claims.tables.probes import mae_default_table
from jepa_claims.tables.protocols import Inputs
from jepa_claims.engine.runs import COUNTER
from claim_modules import CLAIMS, claim_function
from model_helpers import pixels, save_tiny
from planted import Planted


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


class _NoPatchEffect:
    """Planted tables in which the late-group patches changed nothing (every rescue 0)."""

    def __init__(self):
        self.planted = Planted()
        self.conv, self.roles = self.planted.conv, self.planted.roles

    def table(self, kind, checkpoint, slice_name):
        table = self.planted.table(kind, checkpoint, slice_name)
        return table.assign(rescue=0.0, rescue_fraction=0.0) if kind == "rescue" else table


def test_p5_records_a_finding_and_fails_when_the_patch_did_nothing():
    """P5 reports C6 on MAE as a finding; the test itself fails only if patching had no effect at all."""
    p5 = claim_function("test_p5_causal_other_families", "test_causal_protocol_runs_on_other_families_against_ijepa")
    found = []
    p5(Planted(), CLAIMS, "mae", "8x3", lambda *args, **kwargs: found.append(args))
    assert found and found[0][:3] == ("C6", "mae", "8x3")
    with pytest.raises(AssertionError, match="changed no late drift"):
        p5(_NoPatchEffect(), CLAIMS, "mae", "8x3", lambda *args, **kwargs: None)
