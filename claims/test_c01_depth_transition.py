"""C1: "Small masks leave the onset layer undefined at our propagation threshold, while larger square masks
trigger a sharp rise in context drift around layers 23-29. At matched area, square masks typically
trigger earlier propagation than highly elongated masks" (section 3.1).
"""
import pytest

from jepa_claims.claim.checks import c1_depth_transition

pytestmark = pytest.mark.claim(check=c1_depth_transition)


def test_depth_transition_against_paper(verdict):
    """Small masks never reach onset; large squares reach it in the onset window; squares no later than elongated."""
    assert verdict.passed, verdict.statement
