"""The geometry panel's background arm (lib/tables/footprints.py): footprints, their table and its cost."""
from __future__ import annotations

import numpy as np
import pytest
from model_helpers import pixels

from jepa_claims.conventions import Conventions
from jepa_claims.engine.runs import COUNTER
from jepa_claims.engine.tabulate import MaskJob
from jepa_claims.roles import Roles
from jepa_claims.tables.census import table_blocks
from jepa_claims.tables.footprints import FOOTPRINTS, footprint_mask, footprint_table
from jepa_claims.tables.protocols import Inputs


def _object(rows: slice, cols: slice, grid: int = 16) -> np.ndarray:
    tokens = np.zeros((grid, grid), dtype=bool)
    tokens[rows, cols] = True
    return tokens.reshape(-1)


def _extent(mask: np.ndarray, grid: int = 16) -> tuple[int, int]:
    """Height and width of the mask's bounding box."""
    rows, cols = np.divmod(np.flatnonzero(mask), grid)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


@pytest.mark.parametrize("count", [16, 36, 64])
def test_footprints_hide_the_budget_outside_the_object_as_a_square_and_a_wide_block(count):
    """Exactly `count` tokens, none of them the object's; the square is square, the elongated block 4:1 wide."""
    obj = _object(slice(4, 10), slice(3, 9))
    square, wide = (footprint_mask(obj, count, aspect) for aspect in (FOOTPRINTS["square"], FOOTPRINTS["elongated"]))
    assert square.sum() == wide.sum() == count and not (square & obj).any() and not (wide & obj).any()
    height, width = _extent(square)
    assert height == width
    height, width = _extent(wide)
    assert width == 4 * height


def test_a_footprint_takes_every_free_token_when_the_object_leaves_fewer():
    """An object over 250 of 256 tokens leaves 6: the footprint is those 6, never an object token."""
    obj = ~_object(slice(0, 2), slice(0, 3))
    mask = footprint_mask(obj, 100, 1.0)
    assert mask.sum() == 6 and not (mask & obj).any()
    with pytest.raises(ValueError, match="covers every token"):
        footprint_mask(np.ones(256, dtype=bool), 4, 1.0)


def test_footprint_table_costs_what_the_census_plans(tiny_encoders):
    """Clean, six footprints per image, the three groups on each: the blocks the census counts, rows per group."""
    encoder = tiny_encoders["ijepa"]
    roles, conv = Roles.for_depth(encoder.depth), Conventions()
    images = dict(zip("ab", pixels(encoder, batch=2)))
    grid = encoder.grid
    tokens = np.zeros(grid * grid, dtype=bool)
    tokens[:5] = True
    inputs = Inputs(images, tuple(MaskJob(i, "object", tokens) for i in images), {"a": "x", "b": "y"})
    before = COUNTER.blocks
    table = footprint_table(encoder, roles, inputs, conv, 8)
    assert COUNTER.blocks - before == table_blocks("footprints", encoder.depth, 2, conv)
    assert len(table) == 2 * 3 * len(FOOTPRINTS) * 3
    assert set(table["budget"]) == {"small", "medium", "full"} and (table["tokens"] == table["budget_tokens"]).all()
