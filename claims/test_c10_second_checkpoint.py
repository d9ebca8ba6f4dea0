"""C10: "object masks still beat zero-overlap background masks on all 24 images, and the same late triple still
outperforms the MLP-only pair and the single layer-29 bottleneck. However, the effect sizes are smaller
than in the 1k checkpoint" (section 3.6; Table 3: +0.0938, 24/24).
"""
import pytest

from jepa_claims.claim.checks_scope import c10_second_checkpoint

pytestmark = pytest.mark.claim(check=c10_second_checkpoint)


def test_second_checkpoint_against_paper(verdict):
    """On the 22k checkpoint object beats background on every image, same ordering, smaller effects than 1k."""
    assert verdict.passed, verdict.statement
