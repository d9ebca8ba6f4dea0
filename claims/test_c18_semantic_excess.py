"""C18: "Using submodule-specific activation capture, we localize the largest semantic excess to late MLP
intermediate states (mlp_intermediate), with attention.output and value streams contributing more narrowly at
the very end of the stack" (section 3.3).

Table `excess`: context-only rescue of every single site of the late sites 28-31 (MLP intermediate, attention
output, value stream) on the object and the zero-overlap background masks; a site's semantic excess per image
is object minus background rescue. Passes when (1) the site with the largest mean excess is an MLP
intermediate; at the very end of the stack (the late attention blocks 30 and 31), the attention-output or
value site with the largest mean excess (2) has an excess above 0 (by the paired test: "contributing") and (3)
a smaller one than the best MLP intermediate site (by the paired test: "more narrowly"); (2) and (3) are one
Holm family. Which site is largest (1) is read from the means: a location, not a direction. The value stream
need not contribute on its own: the sentence names the two attention submodules together.
"""
from __future__ import annotations

import pandas as pd
import pytest

from jepa_claims.claim.source import TableSource
from jepa_claims.claim.unit import BACKGROUND_REGION, Claim, Headline, Untrained
from jepa_claims.claim.verdict import Verdict
from jepa_claims.stats.family import DEFAULT_ALPHA, Family
from jepa_claims.stats.paired import compare_paired


def site_excess(source: TableSource, checkpoint: str, slice_name: str) -> pd.DataFrame:
    """Object minus background context-only rescue of every late single site, per image (rows) and site (columns)."""
    table = source.table("excess", checkpoint, slice_name)
    rescue = table.pivot_table(index="image_id", columns=["mask", "sites"], values="rescue")
    return rescue["object"] - rescue["background"]


def c18_semantic_excess(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """Largest mean excess at an MLP intermediate site; at the very end (late attention blocks) the best attention-output
    or value site has a positive excess and a narrower one than the best MLP site, by paired tests (one Holm family)."""
    excess = site_excess(source, checkpoint, slice_name)
    means = excess.mean()
    best = str(means.idxmax())
    mlp = str(means[[s for s in means.index if s.endswith(".intermediate")]].idxmax())
    end = [s for s in means.index if int(s.split(".")[0]) in source.roles(checkpoint).late_attention and not s.endswith(".intermediate")]
    end_best = str(means[end].idxmax())
    tests = Family(DEFAULT_ALPHA)
    tests.add(f"{end_best} excess", compare_paired(excess[end_best].to_numpy(), 0 * excess[end_best].to_numpy()), "end contributes")
    tests.add(f"{mlp} - {end_best} excess", compare_paired(excess[mlp].to_numpy(), excess[end_best].to_numpy()), "narrower")
    holds = {"largest at an MLP intermediate": best == mlp, "end contributes (by the paired test)": tests.holds(f"{end_best} excess"),
             "narrower than the MLP (by the paired test)": tests.holds(f"{mlp} - {end_best} excess")}
    return Verdict.of(holds,
                      measured={"mlp_excess": float(means[mlp]), "end_excess": float(means[end_best]), "best_site": best,
                                "end_site": end_best, "excess_by_site": {str(k): float(v) for k, v in means.items()}},
                      stats=tests.stats())


CLAIM = Claim(
    "C18",
    doc=__doc__,
    short="The largest semantic excess sits at late MLP intermediates; attention and value streams add narrowly at the end",
    sentences=("3.3.1", "4.18"),
    checkpoints=("ijepa_1k",), slices=("8x3",),
    reads=("excess",),
    check=c18_semantic_excess,
    headline=Headline("mlp_excess", None, "largest MLP semantic excess"),
    untrained=Untrained("mlp_excess", expect="a smaller semantic excess: untrained features know no objects"),
    planted=("ijepa_1k:no_late_attention",),
    rerun_under=(BACKGROUND_REGION,),
)
pytestmark = pytest.mark.claim(CLAIM)


def test_semantic_excess_largest_at_the_mlp_against_paper(verdict):
    """The largest object-minus-background rescue sits at an MLP intermediate; late attention outputs add a narrower one."""
    assert verdict.passed, verdict.statement
