"""Probe P7's table (lib/tables/heads.py) on a tiny encoder, and its reading (lib/claim/heads.py) on planted tables."""
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
from jepa_claims.claim.heads import read_heads
from model_helpers import pixels
from planted import planted_heads_table


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


def test_read_heads_finds_the_planted_carrier_and_none_where_no_head_beats_the_pair():
    """A head adding 0.05 to the bottleneck beats the pair (0.02): found; at 0.01 it does not: none."""
    found = read_heads(planted_heads_table(0.05))
    assert found.carriers == ("30.attn.head1",) and found.n == 12 and found.partition_error == 0
    assert [h.site for h in found.heads] == ["30.attn.head0", "30.attn.head1", "31.attn.head0", "31.attn.head1"]
    assert found.heads[1].gain > 0.04 and found.heads[1].holm_p < 0.05
    assert read_heads(planted_heads_table(0.01)).carriers == ()


class _Planted:
    """A table source holding one planted heads table."""

    def __init__(self, table: pd.DataFrame):
        self.frame = table

    def table(self, kind, checkpoint, slice_name):
        assert kind == "heads"
        return self.frame


def test_the_record_shows_the_heads_by_block_with_their_numbers_and_the_figure_stars_the_carrier():
    """P7's grid prints each head's difference from the pair at its place in the record, the carrier in bold."""
    from jepa_claims.record import figures
    from jepa_claims.record.html import HEAD_COLUMNS, heads_grid
    from jepa_claims.record.templating import render_template
    from test_report import check_numbers_match

    report = read_heads(planted_heads_table(0.05))
    record = {"probes": {"P7": {"id": "P7", "rows": [{"checkpoint": "ijepa_1k", "slice": "8x3", "measured": {"heads": report.recorded()}}]}}}
    html = render_template("heads.html.j2", probe=record["probes"]["P7"], heads_grid=heads_grid, head_columns=HEAD_COLUMNS)
    assert len(check_numbers_match(html, record)) == 4 + 4 * 7
    assert html.count("<b>") == 1 and 'data-path="/probes/P7/rows/0/measured/heads/1/over_pair"' in html.split("<b>")[1]
    data = figures.heads_figure(_Planted(planted_heads_table(0.05)), None)
    assert data["blocks"] == [30, 31] and data["heads"] == 2 and data["carriers"] == ["30.attn.head1"]
    assert figures.draw({"id": "heads", "available": True, "data": data})
