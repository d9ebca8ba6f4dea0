"""C16: "Mixed-site causal patching over this window shows that late attention and late MLP sites are not
redundant" (section 3.3); "Late attention outputs at layers 30-31 add a narrower but nonredundant final-stage
rescue on top of the MLP bottleneck" (abstract).
"""
import pytest

from jepa_claims.claim.text_claims import c16_attention_nonredundant

pytestmark = pytest.mark.claim(check=c16_attention_nonredundant)


def test_late_attention_and_bottleneck_are_not_redundant_against_paper(verdict):
    """The triple beats the bottleneck alone and the attention-only group, which rescues less than the bottleneck."""
    assert verdict.passed, verdict.statement
