"""C6: "On the 8x3 slice, the best three-site group ... delivers the strongest absolute late context rescue,
outperforming the best single site and the best MLP-only pair. The same ordering holds on the 12x3 and
16x3 Oxford slices and also on the Pascal VOC 8x3 benchmark" (section 3.3; Table 2).
"""
import pytest

from jepa_claims.claim.checks import c6_late_pathway

pytestmark = pytest.mark.claim(check=c6_late_pathway)


def test_triple_beats_pair_beats_single_against_paper(verdict):
    """Triple > pair > single in absolute context rescue and in rescue fraction."""
    assert verdict.passed, verdict.statement
