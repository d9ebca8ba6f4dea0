"""Numeric agreement with every cell of Tables 1-4 and the section 3.6 proxy numbers.

Separate from the directional claim tests: the slices' image ids are not published, so a cell may
miss by sampling alone. Each cell has a named two-sided tolerance (`paper_values.TOLERANCES`).
Paper numbers describe the paper's checkpoints: in the toy world these cells are skipped.
"""
import pytest

from jepa_claims.verdicts import paper_values as pv
from jepa_claims.verdicts.numeric import cell_location, measure_cell

CELLS = pv.cells()


def _param(cell: pv.Cell):
    """One test per cell, grouped with the checkpoint it is measured on."""
    checkpoint, _ = cell_location(cell.id)
    return pytest.param(cell, id=cell.id, marks=pytest.mark.xdist_group(checkpoint))


@pytest.mark.parametrize("cell", [_param(c) for c in CELLS])
def test_cell_against_paper(cell, world, store, record_property):
    """The measured value lies within the cell's named tolerance of the paper's number."""
    checkpoint, slice_name = cell_location(cell.id)
    if world.name != "paper":
        pytest.skip("numeric agreement is tested on the paper's checkpoints only (toy world)")
    if checkpoint not in [c.key for c in world.checkpoints] or slice_name not in world.slices:
        pytest.skip(f"{checkpoint} / {slice_name} not selected in this run")
    measured = measure_cell(cell.id, store)
    tolerance = pv.TOLERANCES[cell.tolerance]
    record_property("numeric", {"cell": cell.id, "measured": measured, "paper": cell.paper.value,
                                "source": cell.paper.source, "tolerance": cell.tolerance, "abs": tolerance.abs})
    if not pv.within(measured, cell.paper, tolerance):
        # Raised, not asserted: pytest's assertion rewrite would append object reprs (memory addresses),
        # and two runs with equal numbers would write different records.
        raise AssertionError(f"{cell.id}: measured {measured:.4f}, paper {cell.paper.value} ({cell.paper.source}), "
                             f"tolerance {cell.tolerance} +/- {tolerance.abs}")
