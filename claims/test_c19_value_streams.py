"""C19: "We sweep this intervention across MLP intermediate states ('mlp.fc1'), attention output streams
('attn.proj'), and value streams to construct causal impact maps across depths and layer types" (appendix
A.1), "with attention.output and value streams contributing more narrowly at the very end of the stack"
(section 3.3).
"""
import pytest

from jepa_claims.claim.text_claims import c19_value_streams

pytestmark = pytest.mark.claim(check=c19_value_streams)


def test_value_streams_narrow_and_at_the_end_against_paper(verdict):
    """Value streams rescue less than the MLP intermediates and, before the late attention blocks, next to nothing."""
    assert verdict.passed, verdict.statement
