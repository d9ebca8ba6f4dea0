"""C13: "our strict zero-overlap procedure explicitly guarantees that the selected background mask contains
exactly the same area (number of patches) as the respective object" (appendix B; Table 4).
"""
import pytest

from jepa_claims.claim.checks_scope import c13_token_budgets

pytestmark = pytest.mark.claim(check=c13_token_budgets)


def test_object_and_background_budgets_equal_against_paper(verdict):
    """Object and zero-overlap background masks hide the same number of tokens on every image."""
    assert verdict.passed, verdict.statement
