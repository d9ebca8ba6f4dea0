"""Numeric agreement: every paper cell is measurable, and the claim test passes within tolerance and fails outside it.

In the toy world `claims/test_numeric_agreement.py` skips (paper numbers describe the paper's checkpoints),
so its test function is called here directly, on planted tables, as a paper world would call it.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from jepa_claims.verdicts import paper_values as pv
from jepa_claims.verdicts.numeric import cell_location, measure_cell
from claim_modules import claim_function
from planted import Planted

CELLS = {c.id: c for c in pv.cells()}


def _claim_test():
    """claims/test_numeric_agreement.py's test function."""
    return claim_function("test_numeric_agreement", "test_cell_against_paper")


def _paper_world(name: str = "paper"):
    """The attributes of a World that the numeric test reads."""
    checkpoints = tuple(SimpleNamespace(key=k) for k in pv.FAMILIES)
    return SimpleNamespace(name=name, checkpoints=checkpoints, slices=pv.SLICES)


@pytest.mark.parametrize("cell_id", list(CELLS))
def test_every_cell_is_measurable(cell_id):
    """Each cell id resolves to a checkpoint and slice and measures to a finite number."""
    checkpoint, slice_name = cell_location(cell_id)
    assert checkpoint in pv.FAMILIES and slice_name in pv.SLICES
    assert math.isfinite(measure_cell(cell_id, Planted()))


@pytest.mark.parametrize(("cell_id", "knobs"), [
    ("table1/8x3/advantage", {}), ("table3/ijepa_22k/wins", {}), ("proxy/object_context_drift", {}),
])
def test_cell_passes_within_its_tolerance(cell_id, knobs):
    """Planted values near the paper's pass, and the record carries measured, paper and tolerance."""
    recorded = []
    _claim_test()(CELLS[cell_id], _paper_world(), Planted(knobs), lambda key, value: recorded.append((key, value)))
    (key, value), = recorded
    assert key == "numeric" and value["cell"] == cell_id and value["paper"] == CELLS[cell_id].paper.value
    assert abs(value["measured"] - value["paper"]) <= value["abs"]


@pytest.mark.parametrize(("cell_id", "knobs"), [
    ("table1/8x3/advantage", {"advantage_scale": 2.0}), ("table3/mae/wins", {}), ("table2/8x3/29.intermediate/rescue", {}),
])
def test_cell_fails_outside_its_tolerance(cell_id, knobs):
    """A measured value beyond the named tolerance fails, naming the cell, both values and the tolerance."""
    with pytest.raises(AssertionError, match=rf"{cell_id}: measured .* paper .* tolerance {CELLS[cell_id].tolerance}"):
        _claim_test()(CELLS[cell_id], _paper_world(), Planted(knobs), lambda key, value: None)


def test_cells_skip_outside_the_paper_world():
    """The toy world has no paper numbers to agree with: the cell skips and says why."""
    with pytest.raises(pytest.skip.Exception, match="paper's checkpoints only"):
        _claim_test()(CELLS["table1/8x3/advantage"], _paper_world("toy"), Planted(), lambda key, value: None)
