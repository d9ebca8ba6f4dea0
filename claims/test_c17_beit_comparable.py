"""C17: "BEiT shows a strong correlational semantic effect (+0.2601, 23/24 wins), comparable to or larger than
JEPA's drift-level advantage" (section 4; Table 3).
"""
import pytest

from jepa_claims.claim.text_claims import c17_beit_comparable

pytestmark = pytest.mark.claim(check=c17_beit_comparable)


def test_beit_advantage_comparable_to_or_larger_than_ijepa_against_paper(verdict):
    """BEiT's per-image advantage is not smaller than I-JEPA 1k's beyond a quarter of I-JEPA's advantage."""
    assert verdict.passed, verdict.statement
