"""C12: "MAE shows essentially no object-over-background advantage on this benchmark, while BEiT shows a strong
correlational semantic effect" (section 3.6; Table 3: MAE -0.0059, 10/24; BEiT +0.2601, 23/24).
"""
import pytest

from jepa_claims.claim.checks_scope import c12_other_families

pytestmark = pytest.mark.claim(check=c12_other_families)


def test_family_semantic_advantage_against_paper(verdict):
    """MAE shows no object advantage (CI includes 0); BEiT a strong one (CI excludes 0, p < 0.001)."""
    assert verdict.passed, verdict.statement
