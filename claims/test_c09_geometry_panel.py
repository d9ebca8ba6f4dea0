"""C9: "for very small budgets, the MLP-only pair can slightly outperform the three-site group, but for medium
and full budgets the three-site attention-plus-MLP pathway is best" (section 3.4; Figure 6).
"""
import pytest

from jepa_claims.claim.checks_scope import c9_geometry_panel

pytestmark = pytest.mark.claim(check=c9_geometry_panel)


def test_triple_best_at_medium_and_full_budgets_against_paper(verdict):
    """The triple is the best group at medium and full object token budgets."""
    assert verdict.passed, verdict.statement
