"""C16: "Mixed-site causal patching over this window shows that late attention and late MLP sites are not
redundant" (section 3.3); "Late attention outputs at layers 30-31 add a narrower but nonredundant final-stage
rescue on top of the MLP bottleneck" (abstract).

Non-redundant means each part of the triple adds rescue the other does not give. Passes when, by paired tests
(one Holm family of two): (1) triple > single (the attention outputs add rescue on top of the bottleneck), and
(2) single > attention-only ("narrower"). Together they put the triple above the attention-only group: its
gain over the pair is not the attention outputs' own rescue, since the bottleneck still adds with attention
present. Shown: triple minus attention-only (implied by (1) and (2), so not a condition of its own). The late pathway's
triple > pair compares attention with the layer-30 MLP, not with nothing, so it cannot say this.
"""
from __future__ import annotations

import pytest

from jepa_claims.claim.evidence import pathway_series
from jepa_claims.claim.source import TableSource
from jepa_claims.claim.unit import Claim, Headline, Untrained
from jepa_claims.claim.verdict import Verdict
from jepa_claims.stats.family import DEFAULT_ALPHA, Family
from jepa_claims.stats.paired import compare_paired


def c16_attention_nonredundant(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """Late attention adds rescue on top of the bottleneck (triple > single) and is narrower (single > attention-only),
    by paired tests (one Holm family of two); together they put the triple above the attention-only group, shown
    (implied, so not a condition of its own)."""
    rescue = {g: pathway_series(source, checkpoint, slice_name, g, "context", "rescue").to_numpy() for g in ("single", "triple", "attention")}
    tests = Family(DEFAULT_ALPHA)
    gain = tests.add("triple - single", compare_paired(rescue["triple"], rescue["single"]), "adds on top of the bottleneck")
    tests.add("single - attention", compare_paired(rescue["single"], rescue["attention"]), "narrower")
    tests.show("triple - attention", compare_paired(rescue["triple"], rescue["attention"]), "shown: implied by the two deciding tests")
    holds = {label: tests.holds(label) for label in tests.deciding()}
    return Verdict.of({f"{label} (by the paired test)": held for label, held in holds.items()},
                      measured={"attention_gain": gain.mean_diff, **{f"{g}_rescue": float(r.mean()) for g, r in rescue.items()}},
                      stats=tests.stats())


CLAIM = Claim(
    "C16",
    doc=__doc__,
    short="Late attention adds a narrower but nonredundant rescue on top of the bottleneck",
    sentences=("abstract.5", "figure1.2", "3.3.3", "3.6.20", "4.4"),
    checkpoints=("ijepa_1k",), slices=("8x3",),
    reads=("pathway",),
    check=c16_attention_nonredundant,
    headline=Headline("attention_gain", None, "triple - single rescue"),
    untrained=Untrained("attention_gain", expect="a smaller gain from late attention: no learned late pathway"),
    planted=("ijepa_1k:no_late_attention",),
)
pytestmark = pytest.mark.claim(CLAIM)


def test_late_attention_and_bottleneck_are_not_redundant_against_paper(verdict):
    """The triple beats the bottleneck alone and the attention-only group, which rescues less than the bottleneck."""
    assert verdict.passed, verdict.statement
