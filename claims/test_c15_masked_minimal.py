"""C15: "restoring only masked tokens has minimal effect" (section 3.2; abstract: "patching only masked tokens
helps very little").
"""
import pytest

from jepa_claims.claim.text_claims import c15_masked_minimal

pytestmark = pytest.mark.claim(check=c15_masked_minimal)


def test_masked_only_patch_has_minimal_effect_against_paper(verdict):
    """Masked-only patching of the bottleneck removes under a fifth of the late context drift (CI upper bound)."""
    assert verdict.passed, verdict.statement
