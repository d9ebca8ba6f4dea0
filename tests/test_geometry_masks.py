"""C1's geometry masks: squares and elongated blocks compared at equal token counts (lib/tables/protocols.py)."""
import numpy as np
import pytest

from jepa_claims.engine.masks import rect_mask
from jepa_claims.tables.protocols import GEOMETRY_AREAS, elongated_mask, geometry_masks


def _extent(mask: np.ndarray, grid: int = 16) -> tuple[int, int]:
    """(rows, columns) the mask spans."""
    m = mask.reshape(grid, grid)
    return int(m.any(1).sum()), int(m.any(0).sum())


def test_every_elongated_mask_hides_exactly_its_squares_tokens_and_is_wider():
    """At every area the elongated block has the square's token count and is wider than tall."""
    masks = geometry_masks(16)
    for area in GEOMETRY_AREAS:
        square, long = masks[f"rect:{area}:1.0"], masks[f"rect:{area}:4.0"]
        rows, cols = _extent(long)
        assert long.sum() == square.sum() and cols > rows, area


def test_a_clipped_4_to_1_rectangle_would_not_match():
    """Why the block is built by count: a 4:1 rectangle clipped at the grid hides fewer tokens than the square."""
    assert any(rect_mask(16, area, 4.0).sum() != rect_mask(16, area, 1.0).sum() for area in GEOMETRY_AREAS)


def test_a_count_that_does_not_fit_is_an_error():
    """More tokens than the grid holds is refused."""
    assert elongated_mask(16, 256, 4.0).all()
    with pytest.raises(ValueError, match="do not fit"):
        elongated_mask(16, 257, 4.0)
