"""Numeric agreement with every cell of Tables 1-4 and the section 3.6 proxy numbers.

Separate from the directional claim tests: the slices' image ids are not published, so a cell may
miss by sampling alone. Each cell's tolerance is derived, not fixed: 1.96 x the standard error of the
difference of two independent draws (the measured one from the per-image values; the paper prints none,
so its own is taken equal, except a win count's, which is binomial) plus a named relative floor
(`paper_values.FLOORS`). Paper numbers describe the paper's checkpoints: in the toy world these cells
are skipped.
"""
import pytest

from jepa_claims.grading.numeric import agreement, cell_location
from jepa_claims.paper import values as pv

CELLS = pv.cells()
# The paper's sentences that introduce its tables: numeric agreement is what tests them (a prefix of the cells).
SENTENCES = {"3.5.1": "table1/", "3.5.2": "table2/"}


def _param(cell: pv.Cell):
    """One test per cell, grouped with the checkpoint it is measured on."""
    checkpoint, _ = cell_location(cell.id)
    return pytest.param(cell, id=cell.id, marks=pytest.mark.xdist_group(checkpoint))


@pytest.mark.parametrize("cell", [_param(c) for c in CELLS])
def test_cell_against_paper(cell, world, store, record_property):
    """The measured value lies within the cell's derived tolerance of the paper's number."""
    checkpoint, slice_name = cell_location(cell.id)
    if world.name != "paper":
        pytest.skip("numeric agreement is tested on the paper's checkpoints only (toy world)")
    if checkpoint not in [c.key for c in world.checkpoints] or slice_name not in world.slices:
        pytest.skip(f"{checkpoint} / {slice_name} not selected in this run")
    found = agreement(cell, store)
    record_property("numeric", found.to_dict() | {"source": str(cell.paper.source)})
    if not found.within:
        # Raised, not asserted: pytest's assertion rewrite would append object reprs (memory addresses),
        # and two runs with equal numbers would write different records.
        raise AssertionError(f"{cell.id}: measured {found.measured:.4f} (s.e. {found.se:.4f}), paper {found.paper} "
                             f"({cell.paper.source}), tolerance +/- {found.tolerance:.4f} = {found.z:.2f} x sampling "
                             f"+ floor {cell.floor} {found.floor:.0%} of |paper|")
