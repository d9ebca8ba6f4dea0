"""Probe P7's table (lib/tables/heads.py) on a tiny encoder, and its reading (lib/verdicts/heads.py) on planted tables."""
from __future__ import annotations

import numpy as np
import pandas as pd

from jepa_claims.conventions import Conventions
from jepa_claims.engine.runs import COUNTER
from jepa_claims.engine.sites import head_count
from jepa_claims.engine.tabulate import MaskJob
from jepa_claims.roles import Roles
from jepa_claims.tables.census import table_blocks
from jepa_claims.tables.heads import HEADS_COLUMNS, NO_HEAD, heads_table
from jepa_claims.tables.protocols import Inputs
from jepa_claims.verdicts.heads import read_heads
from model_helpers import pixels


def test_heads_table_costs_what_the_census_plans_and_the_heads_add_up_to_the_triple(tiny_encoders):
    """Every late head alone and with the bottleneck; all heads with the bottleneck rescue what the triple does."""
    encoder = tiny_encoders["ijepa"]
    roles, conv, heads = Roles.for_depth(encoder.depth), Conventions(), head_count(encoder)
    images = dict(zip("ab", pixels(encoder, batch=2)))
    tokens = np.zeros(encoder.grid ** 2, dtype=bool)
    tokens[:5] = True
    inputs = Inputs(images, tuple(MaskJob(i, "object", tokens) for i in images), {"a": "x", "b": "y"})
    before = COUNTER.blocks
    table = heads_table(encoder, roles, inputs, conv, 8)
    assert COUNTER.blocks - before == table_blocks("heads", encoder.depth, 2, conv, heads)
    assert list(table.columns) == HEADS_COLUMNS
    per_head = table[table["block"] != NO_HEAD]
    assert set(zip(per_head["block"], per_head["head"])) == {(b, h) for b in roles.late_attention for h in range(heads)}
    rescue = table.groupby("group")["rescue"].apply(np.asarray)
    np.testing.assert_allclose(rescue["all_heads"], rescue["triple"], atol=1e-6)
    assert (per_head["rescue"] != 0).all()  # every head patch reached the model


def _planted(carrier_gain: float) -> pd.DataFrame:
    """A heads table of 12 images: pair 0.02 above single, head 1 of block 30 adds `carrier_gain`, the others nothing."""
    rng = np.random.default_rng(0)
    single = 0.1 + rng.normal(0, 0.01, 12)
    rows = {("single", NO_HEAD, NO_HEAD): single, ("pair", NO_HEAD, NO_HEAD): single + 0.02 + rng.normal(0, 0.002, 12),
            ("triple", NO_HEAD, NO_HEAD): single + carrier_gain, ("all_heads", NO_HEAD, NO_HEAD): single + carrier_gain}
    for block in (30, 31):
        for head in range(2):
            gain = carrier_gain if (block, head) == (30, 1) else 0.0
            rows[("alone", block, head)] = np.full(12, gain / 2)
            rows[("with_bottleneck", block, head)] = single + gain + rng.normal(0, 0.002, 12)
    return pd.DataFrame([(f"img{i}", "object", g, b, h, "", 0.3, 0.3 - v, v, v / 0.3)
                         for (g, b, h), values in rows.items() for i, v in enumerate(values)], columns=HEADS_COLUMNS)


def test_read_heads_finds_the_planted_carrier_and_none_where_no_head_beats_the_pair():
    """A head adding 0.05 to the bottleneck beats the pair (0.02): found; at 0.01 it does not: none."""
    found = read_heads(_planted(0.05))
    assert found.carriers == ("30.attn.head1",) and found.n == 12 and found.partition_error == 0
    assert [h.site for h in found.heads] == ["30.attn.head0", "30.attn.head1", "31.attn.head0", "31.attn.head1"]
    assert found.heads[1].gain > 0.04 and found.heads[1].holm_p < 0.05
    assert read_heads(_planted(0.01)).carriers == ()
