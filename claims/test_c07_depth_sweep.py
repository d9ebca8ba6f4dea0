"""C7: "A full-depth causal sweep with zero-overlap controls reveals three regimes: an early local
token-handling phase, a mid-depth rise, and a sharply peaked late repair window centered on layers
28-30" (section 3.3).
"""
import pytest

from jepa_claims.claim.checks import c7_depth_sweep

pytestmark = pytest.mark.claim(check=c7_depth_sweep)


def test_rescue_peaks_late_against_paper(verdict):
    """Single-site rescue is low early, rises mid-depth and peaks in the late window."""
    assert verdict.passed, verdict.statement
