"""C1: "Small masks leave the onset layer undefined at our propagation threshold, while larger square masks
trigger a sharp rise in context drift around layers 23-29. At matched area, square masks typically
trigger earlier propagation than highly elongated masks" (section 3.1).
"""
import pytest

pytestmark = pytest.mark.claim("C1", checkpoints=("ijepa_1k",), slices=("4x3",))


def test_depth_transition_against_paper(verdict):
    """Small masks never reach onset; large squares reach it in the onset window; squares no later than elongated."""
    assert verdict.passed, verdict.statement
