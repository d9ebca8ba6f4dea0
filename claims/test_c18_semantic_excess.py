"""C18: "Using submodule-specific activation capture, we localize the largest semantic excess to late MLP
intermediate states (mlp_intermediate), with attention.output and value streams contributing more narrowly at
the very end of the stack" (section 3.3).
"""
import pytest

from jepa_claims.claim.text_claims import c18_semantic_excess

pytestmark = pytest.mark.claim(check=c18_semantic_excess)


def test_semantic_excess_largest_at_the_mlp_against_paper(verdict):
    """The largest object-minus-background rescue sits at an MLP intermediate; late attention outputs add a narrower one."""
    assert verdict.passed, verdict.statement
