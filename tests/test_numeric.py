"""Numeric agreement: every paper cell is measurable with its standard error, the tolerance is derived (wider with
more sampling error, plus a named floor), and the claim test passes within it and fails outside it.

In the toy world `claims/test_numeric_agreement.py` skips (paper numbers describe the paper's checkpoints),
so its test function is called here directly, on planted tables, as a paper world would call it.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from jepa_claims.paper import values as pv
from claim_modules import CLAIMS
from jepa_claims.claim.evidence import late_context
from jepa_claims.grading.numeric import (
    COUNT_SE, MEAN_SE, PAPER_SE_AS_MEASURED, PAPER_SE_OF_COUNT, Z, agreement, cell_location, count_se, derived_tolerance,
    measure_cell,
)
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
def test_every_cell_is_measurable_with_its_standard_error(cell_id):
    """Each cell id resolves to a checkpoint and slice and measures to a finite number with a finite s.e."""
    checkpoint, slice_name = cell_location(cell_id)
    assert checkpoint in pv.FAMILIES and slice_name in pv.SLICES
    m = measure_cell(cell_id, Planted())
    assert math.isfinite(m.value) and math.isfinite(m.se) and m.se >= 0 and m.n > 1
    assert m.se_method == (COUNT_SE if CELLS[cell_id].count else MEAN_SE)


def test_the_standard_error_is_that_of_the_per_image_mean():
    """The advantage's s.e. is std / sqrt(n) of the per-image object - background differences."""
    late = late_context(Planted(), "ijepa_1k", "8x3")
    diff = (late["object"] - late["background"]).to_numpy()
    m = measure_cell("table1/8x3/advantage", Planted())
    assert m.value == pytest.approx(diff.mean()) and m.n == diff.size
    assert m.se == pytest.approx(diff.std(ddof=1) / np.sqrt(diff.size)) and m.se > 0


def test_a_win_share_has_a_binomial_error_even_at_every_image():
    """24 of 24 is not exact: the Agresti-Coull s.e. is positive, and largest near half the images."""
    assert 0 < count_se(24, 24) < count_se(12, 24)
    assert count_se(12, 24) == pytest.approx(math.sqrt(0.5 * 0.5 / 28))


def test_more_sampling_error_gives_a_wider_tolerance():
    """The tolerance grows with either standard error, and by the floor's share of |paper|."""
    base = derived_tolerance(0.01, 0.01, 0.1, 0.2)
    assert base == pytest.approx(Z * math.sqrt(2) * 0.01 + 0.02) and Z == pytest.approx(1.959964, abs=1e-6)
    assert derived_tolerance(0.02, 0.01, 0.1, 0.2) > base and derived_tolerance(0.01, 0.02, 0.1, 0.2) > base
    assert derived_tolerance(0.01, 0.01, 0.2, 0.2) > base and derived_tolerance(0.01, 0.01, 0.1, -0.4) > base
    assert derived_tolerance(0.0, 0.0, 0.1, 0.2) == pytest.approx(0.02)


def test_noisier_images_widen_a_cells_tolerance():
    """On planted tables, MAE's per-image advantages ten times noisier give a wider tolerance for Table 3's MAE cell."""
    cell = CELLS["table3/mae/advantage"]
    quiet, noisy = agreement(cell, Planted({"mae_noise": 0.02})), agreement(cell, Planted({"mae_noise": 0.2}))
    assert noisy.se > 5 * quiet.se and noisy.tolerance > quiet.tolerance
    assert quiet.paper_se == quiet.se and quiet.paper_se_source == PAPER_SE_AS_MEASURED


def test_a_win_cell_takes_the_papers_error_from_its_printed_count():
    """Table 3's MAE wins (10 of 24): the paper's s.e. is the binomial error of 10 of 24, not the measured one."""
    found = agreement(CELLS["table3/mae/wins"], Planted())
    assert found.paper_se == pytest.approx(count_se(10, 24)) and found.paper_se_source == PAPER_SE_OF_COUNT
    assert found.floor_name == "win_fraction" and found.floor == pv.FLOORS["win_fraction"].relative


def test_within_is_the_derived_tolerance_on_both_sides():
    """An agreement holds at its tolerance on either side of the paper's value and fails just beyond it."""
    found = agreement(CELLS["table1/8x3/advantage"], Planted())
    for sign in (1, -1):
        edge = found.paper + sign * found.tolerance
        assert type(found)(**{**found.__dict__, "measured": edge - sign * 1e-12}).within
        assert not type(found)(**{**found.__dict__, "measured": edge + sign * 1e-9}).within


@pytest.mark.parametrize(("cell_id", "knobs"), [
    ("table1/8x3/advantage", {}), ("table3/ijepa_22k/wins", {}), ("proxy/object_context_drift", {}),
])
def test_cell_passes_within_its_tolerance(cell_id, knobs):
    """Planted values near the paper's pass, and the record carries measured, s.e., paper, floor and tolerance."""
    recorded = []
    _claim_test()(CELLS[cell_id], _paper_world(), Planted(knobs), lambda key, value: recorded.append((key, value)))
    (key, value), = recorded
    assert key == "numeric" and value["cell"] == cell_id and value["paper"] == CELLS[cell_id].paper.value
    assert value["within"] and abs(value["diff"]) <= value["tolerance"] and value["se"] >= 0
    assert value["floor_name"] == CELLS[cell_id].floor and value["source"] == str(CELLS[cell_id].paper.source)


@pytest.mark.parametrize(("cell_id", "knobs"), [
    ("table1/8x3/advantage", {"advantage_scale": 2.0}), ("table3/mae/wins", {"mae_advantage": 0.1}), ("table2/8x3/29.intermediate/rescue", {}),
])
def test_cell_fails_outside_its_tolerance(cell_id, knobs):
    """A measured value beyond the derived tolerance fails, naming the cell, both values, the s.e. and the floor."""
    with pytest.raises(AssertionError, match=rf"{cell_id}: measured .* \(s.e. .*\), paper .* tolerance \+/- .* floor {CELLS[cell_id].floor}"):
        _claim_test()(CELLS[cell_id], _paper_world(), Planted(knobs), lambda key, value: None)


def test_cells_skip_outside_the_paper_world():
    """The toy world has no paper numbers to agree with: the cell skips and says why."""
    with pytest.raises(pytest.skip.Exception, match="paper's checkpoints only"):
        _claim_test()(CELLS["table1/8x3/advantage"], _paper_world("toy"), Planted(), lambda key, value: None)


def test_each_claim_cell_names_its_paper_numbers():
    """Magnitude's cells exist and sit on the claim's own checkpoint (C5: its slices); claims without one get none."""
    for claim in CLAIMS:
        for checkpoint, slice_name in claim.cells():
            for cell in claim.numeric_cells(checkpoint, slice_name):
                assert cell in CELLS and cell_location(cell)[0] == checkpoint, (claim.id, cell)
                assert cell_location(cell)[1] in (slice_name, *claim.reads_slices), (claim.id, cell)
    assert CLAIMS.get("C4").numeric_cells("ijepa_1k", "8x3") == ["table1/8x3/advantage", "table3/ijepa_1k/wins"]
    assert CLAIMS.get("C4").numeric_cells("ijepa_1k", "voc8x3") == ["table1/voc8x3/advantage", "wins/voc8x3"]
    assert CLAIMS.get("C6").numeric_cells("ijepa_1k", "12x3")[:2] == ["table2/12x3/29.intermediate/rescue", "table2/12x3/29.intermediate/rescue_fraction"]
    assert CLAIMS.get("C13").numeric_cells("ijepa_1k", "8x3") == ["table4/8x3/object_tokens"]
    assert [c.id for c in CLAIMS if not any(c.numeric_cells(*cell) for cell in c.cells())] == ["C1", "C3", "C7", "C8", "C9", "C14", "C15", "C16", "C17", "C18", "C19"]


def test_every_paper_cell_a_claim_names_is_a_cell_of_the_paper():
    """numeric_cells drops unknown ids, so a misspelt paper cell would vanish silently: none is misspelt."""
    for claim in CLAIMS:
        for cell in claim.cells() if claim.paper_cells else ():
            unknown = [c for c in claim.paper_cells(*cell) if c not in CELLS]
            assert not unknown, (claim.id, cell, unknown)
