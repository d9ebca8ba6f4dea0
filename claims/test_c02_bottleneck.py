"""C2: "Patching the layer-29 MLP intermediate state (context-only) yields strong late context rescue ...,
while many attention outputs at similar depths are neutral or even harmful" (section 3.1).
"""
import pytest

from jepa_claims.claim.checks import c2_bottleneck

pytestmark = pytest.mark.claim(check=c2_bottleneck)


def test_bottleneck_is_best_single_late_site_against_paper(verdict):
    """The bottleneck MLP intermediate is the best single late site; several late attention outputs are neutral or harmful."""
    assert verdict.passed, verdict.statement
