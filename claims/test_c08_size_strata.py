"""C8: "As object size increases, both the mean semantic advantage and the fraction of images where object
masks beat background controls increase, and the three-site group shows the strongest advantage over the
MLP-only pair in the largest bin" (section 3.4; Figure 4).
"""
import pytest

from jepa_claims.claim.checks_scope import c8_size_strata

pytestmark = pytest.mark.claim(check=c8_size_strata)


def test_advantage_rises_with_object_size_against_paper(verdict):
    """Advantage and win rate rise with object size; triple minus pair is largest for the largest objects."""
    assert verdict.passed, verdict.statement
