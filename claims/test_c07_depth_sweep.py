"""C7: "A full-depth causal sweep with zero-overlap controls reveals three regimes: an early local
token-handling phase, a mid-depth rise, and a sharply peaked late repair window centered on layers
28-30" (section 3.3).
"""
import pytest

pytestmark = pytest.mark.claim("C7", checkpoints=("ijepa_1k",), slices=("8x3",))


def test_rescue_peaks_late_against_paper(verdict):
    """Single-site rescue is low early, rises mid-depth and peaks in the late window."""
    assert verdict.passed, verdict.statement
