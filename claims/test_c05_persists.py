"""C5: "Figure 2 summarizes this strict semantic advantage and shows that it persists and slightly strengthens
as we scale to 12 classes" (section 3.2; Table 1: 4x3 +0.1179, 12x3 +0.1451, 16x3 +0.1501).
"""
import pytest

from jepa_claims.claim.checks import c5_persists

pytestmark = pytest.mark.claim(check=c5_persists)


def test_advantage_persists_across_slices_against_paper(verdict):
    """The semantic advantage stays positive and is no smaller on 12x3 and 16x3 than on 4x3."""
    assert verdict.passed, verdict.statement
