"""C13: "our strict zero-overlap procedure explicitly guarantees that the selected background mask contains
exactly the same area (number of patches) as the respective object" (appendix B; Table 4).

Passes when the object and the zero-overlap background masks hide the same number of tokens on every image.
The cell reports the mean object tokens and the visible context (patches minus object tokens) beside Table 4.
No sampling test: an exact equality.
"""
from __future__ import annotations

import pytest

from jepa_claims.claim.evidence import no_test
from jepa_claims.claim.source import TableSource
from jepa_claims.claim.unit import PROTOCOL, Claim, Headline, Untrained
from jepa_claims.claim.verdict import Verdict
from jepa_claims.paper import values as pv


def c13_token_budgets(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """Object and zero-overlap background budgets are equal on every image."""
    masks = source.table("masks", checkpoint, slice_name)
    budget = masks.pivot(index="image_id", columns="mask", values="tokens")
    unequal = budget.index[budget["object"] != budget["background"]].tolist()
    patches = int(masks["patches"].iloc[0])
    mean_obj = float(budget["object"].mean())
    return Verdict.of({"budgets equal on every image": not unequal},
                      measured={"object_tokens": mean_obj, "background_tokens": float(budget["background"].mean()),
                                "visible_context": patches - mean_obj},
                      stats=no_test("an exact equality of token counts on every image: no sampling test"),
                      paper={k: v.value for k, v in pv.TABLE4.get(slice_name, {}).items()}, details={"unequal budgets": unequal})


CLAIM = Claim(
    "C13",
    doc=__doc__,
    short="Object and zero-overlap background masks hide equal token budgets on every image",
    sentences=("A.2.1", "B.2"),
    checkpoints=("ijepa_1k",), slices=("4x3", "8x3", "16x3"),
    reads=("masks",),
    check=c13_token_budgets,
    headline=Headline("object_tokens", "object_tokens", "mean object tokens"),
    untrained=Untrained(not_run="mask budgets, no model"),
    planted=("planted table: the masks table with one background budget shifted by a token",),
    paper_cells=lambda ck, sl: [f"table4/{sl}/object_tokens"],
    kind=PROTOCOL,
)
pytestmark = pytest.mark.claim(CLAIM)


def test_object_and_background_budgets_equal_against_paper(verdict):
    """Object and zero-overlap background masks hide the same number of tokens on every image."""
    assert verdict.passed, verdict.statement
