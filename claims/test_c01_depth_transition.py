"""C1: "Small masks leave the onset layer undefined at our propagation threshold, while larger square masks
trigger a sharp rise in context drift around layers 23-29. At matched area, square masks typically
trigger earlier propagation than highly elongated masks" (section 3.1).

Onset per image and rectangle, in the reading's layer numbers (none if context drift never exceeds tau).
Passes when all hold: (1) no image reaches onset under the smallest area (0.02), at either aspect; (2) every
image reaches onset within the onset window, layers 23-29 inclusive, under every square (aspect 1) of area >=
0.3; (3) at every area the median onset of squares is no later than the median onset of the elongated blocks,
counting "never" as later than any layer. The elongated block hides exactly the square's token count at every
area (`geometry_masks`: as close to 4:1 as the 16-token grid allows; a 4:1 rectangle clipped at the grid would
hide 64/80/96 tokens against the squares' 81/100/132). No sampling test: onset layers are read against a
window.
"""
from __future__ import annotations

import numpy as np
import pytest

from jepa_claims.claim.evidence import no_test, onset_layers
from jepa_claims.claim.source import TableSource
from jepa_claims.claim.unit import LAYER_READING, Claim, Headline, Untrained
from jepa_claims.claim.verdict import Verdict
from jepa_claims.paper import values as pv


def c1_depth_transition(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """Small masks never reach onset; large squares reach it in the onset window; squares no later."""
    onsets = onset_layers(source, checkpoint, slice_name)
    lo, hi = source.roles(checkpoint).onset_window
    small = onsets[onsets["area"] == onsets["area"].min()]
    large = onsets[(onsets["area"] >= 0.3) & (onsets["aspect"] == 1.0)]
    median = onsets.fillna(np.inf).groupby(["area", "aspect"])["onset"].median().unstack("aspect")
    square_first = bool((median[1.0] <= median[median.columns.max()]).all())
    small_never = bool(small["onset"].isna().all())
    large_in = bool(large["onset"].between(lo, hi).all())
    return Verdict.of({"smallest masks never reach onset": small_never,
                       f"large squares reach onset within layers {lo}-{hi}": large_in,
                       "square no later than elongated at every area": square_first},
                      measured={"small_reaching_onset": int(small["onset"].notna().sum()),
                                "large_onset_median": float(large["onset"].median()), "onset_window": [lo, hi]},
                      paper={"onset_window": list(pv.ONSET_RANGE)},
                      stats=no_test("onset layers read against a window: no sampling test"),
                      details={"large-square onsets": sorted(large["onset"].dropna().unique().tolist())})


CLAIM = Claim(
    "C1",
    doc=__doc__,
    short="Small masks never reach onset; large squares reach it in layers 23-29, squares no later than elongated masks",
    sentences=("abstract.2", "3.1.1", "3.1.2", "3.1.3", "4.2", "4.5", "7.2"),
    checkpoints=("ijepa_1k",), slices=("4x3",),
    reads=("geometry",),
    check=c1_depth_transition,
    headline=Headline("large_onset_median", "onset_window", "large-square onset (median layer)", window="onset_window"),
    untrained=Untrained(not_run="an onset layer is a depth, not an effect training should enlarge: no trained - untrained difference to test"),
    planted=("ijepa_1k:early_onset",),
    rerun_under=(LAYER_READING,),
)
pytestmark = pytest.mark.claim(CLAIM)


def test_depth_transition_against_paper(verdict):
    """Small masks never reach onset; large squares reach it in the onset window; squares no later than elongated."""
    assert verdict.passed, verdict.statement
