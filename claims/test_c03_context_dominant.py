"""C3: "Token-selective patching at layer 29 shows that restoring only visible-context tokens yields strong
late context rescue, whereas restoring only masked tokens has minimal effect. This pattern is consistent
across all four breeds in the 4x3 slice" (section 3.2).

The single group's rescue per image under context-only and masked-only patching. Passes when (1) context-only
is strong where masked-only is minimal: per image, the context-only minus masked-only rescue fraction exceeds
the paper's stated minimum, 0.2153, by the paired test (of the gap minus 0.2153, claimed above 0, alpha 0.05);
and (2) for every class (breed), the class mean of context-only rescue is strictly greater than that of
masked-only rescue. Shown: the absolute context-only minus masked-only rescue with its test. The per-class
part is read from means: with 3 images a class, the smallest two-sided sign-flip p is 0.25, so no per-class
test can decide it.

Why a minimum, and why 0.2153 (`paper_values.MINIMUM_EFFECTS["context_over_masked"]`): the sentence states
sizes, "strong" against "minimal". Strong is the paper's own context-only rescue fraction at the bottleneck
(Table 2's single-site row; its smallest Oxford value is 0.4306, and 4x3 has no row); a minimal masked-only
rescue is under half of that (the masked-only bound, 0.2, is below it), so the gap is at least the other half, 0.4306 /
2. Nothing here is fitted to a measured world. Without the minimum, context-only (most of the tokens) beats
masked-only in any network: on the toy world the untrained seeds pass the plain paired test on 2 of 3 seeds
with gaps near 0.0002 in absolute rescue. With it, the trained toy's gap is 0.450 (95% CI 0.424 to 0.484) and
the untrained seeds' are -0.008, 0.021 and 0.019 (CI upper bounds at most 0.036), so P1 finds this claim diagnostic.
Each condition fails alone on a planted table: the minimum once by the test with every class's means still
winning, once with context-only beating masked-only on every image by less than the minimum.
"""
from __future__ import annotations

import pandas as pd
import pytest

from jepa_claims.claim.evidence import per_image_rescue
from jepa_claims.claim.source import TableSource
from jepa_claims.claim.unit import Claim, Headline, Untrained
from jepa_claims.claim.verdict import Verdict
from jepa_claims.paper import values as pv
from jepa_claims.stats.family import DEFAULT_ALPHA, Family
from jepa_claims.stats.paired import compare_paired


def c3_context_dominant(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """At the bottleneck, context-only rescue is strong where masked-only is minimal: per image, the context-only minus
    masked-only rescue fraction exceeds the paper's stated minimum (pv.MINIMUM_EFFECTS) by the paired test; and in every
    class's mean context-only rescue exceeds masked-only: with 3 images a class no per-class test can reach alpha (its
    smallest two-sided sign-flip p is 0.25), so "consistent across all four breeds" is read from the class means."""
    classes = source.table("masks", checkpoint, slice_name).drop_duplicates("image_id").set_index("image_id")["class_name"]
    context, masked = (per_image_rescue(source, checkpoint, slice_name, "single", mode) for mode in ("context", "masked"))
    share = {mode: per_image_rescue(source, checkpoint, slice_name, "single", mode, value="rescue_fraction") for mode in ("context", "masked")}
    by_class = pd.DataFrame({"context": context, "masked": masked}).groupby(classes).mean()
    losing = by_class.index[by_class["context"] <= by_class["masked"]].tolist()
    floor = pv.MINIMUM_EFFECTS["context_over_masked"].value
    gap = (share["context"] - share["masked"].loc[share["context"].index]).to_numpy()
    tests = Family(DEFAULT_ALPHA)
    label = f"context - masked fraction - {floor}"
    tests.add(label, compare_paired(gap, 0 * gap + floor), "strong over minimal")
    tests.show("context - masked", compare_paired(context.to_numpy(), masked.loc[context.index].to_numpy()), "shown: the absolute rescues")
    dominant = tests.holds(label)
    return Verdict.of({"strong over minimal": dominant, "context wins in every class": not losing},
                      measured={"context_rescue": float(context.mean()), "masked_rescue": float(masked.mean()),
                                "fraction_gap": float(gap.mean()), "classes": len(by_class), "classes_losing": len(losing),
                                "strong_over_minimal": dominant},
                      paper={"fraction_gap_min": floor}, stats=tests.stats(), details={"classes where context does not win": losing})


CLAIM = Claim(
    "C3",
    doc=__doc__,
    short="At the bottleneck, context-only patching rescues far more than masked-only, in every breed",
    sentences=("abstract.3", "2.5.7", "3.2.1", "3.2.2", "4.3"),
    checkpoints=("ijepa_1k",), slices=("4x3",),
    reads=("masks", "rescue"),
    check=c3_context_dominant,
    headline=Headline("context_rescue", None, "context-only rescue"),
    untrained=Untrained("context_rescue", expect="a smaller context-only rescue: untrained blocks carry no learned context repair"),
    planted=("ijepa_1k:bottleneck_elsewhere", "ijepa_1k:masked_repair"),
)
pytestmark = pytest.mark.claim(CLAIM)


def test_context_only_beats_masked_only_per_class_against_paper(verdict):
    """At the bottleneck, context-only rescue exceeds masked-only rescue for every class."""
    assert verdict.passed, verdict.statement
