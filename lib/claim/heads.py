"""Probe P7's reading of the heads table (lib/tables/heads.py): which late attention heads carry the triple's gain
over the pair.

The triple (bottleneck + both late attention outputs) beats the MLP-only pair (bottleneck + the next MLP) in the
paper. A head carries that gain when the bottleneck with this one head patched already beats the pair:
per image, rescue(bottleneck + head) - rescue(pair), a paired test (bootstrap CI, sign-flip p) per head,
Holm-adjusted over every head of the late blocks at the conventional alpha (the paper states none here).
Beside it, shown and not deciding: the head's gain over the bottleneck alone (its share of the triple's
attention part) and its rescue when patched alone.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from jepa_claims.stats.family import DEFAULT_ALPHA, Family
from jepa_claims.stats.paired import compare_paired

ALPHA = DEFAULT_ALPHA


@dataclass(frozen=True)
class HeadFinding:
    """One head of a late attention block: its rescues and whether it carries the triple's gain over the pair."""

    block: int  # the paper's layer number of the attention block
    head: int
    alone: float  # mean rescue of the head patched alone
    gain: float  # mean rescue(bottleneck + head) - rescue(bottleneck)
    over_pair: float  # mean rescue(bottleneck + head) - rescue(pair): the deciding difference
    over_pair_ci: tuple[float, float]
    p: float
    holm_p: float
    carries: bool

    @property
    def site(self) -> str:
        """The head's site in the paper's words."""
        return f"{self.block}.attn.head{self.head}"


@dataclass(frozen=True)
class HeadsReport:
    """Every late head's finding, the groups' mean rescues, and how well the heads add up to the triple."""

    heads: tuple[HeadFinding, ...]
    means: dict[str, float]  # single, pair, triple, all_heads: mean rescue
    triple_over_pair: float  # mean rescue(triple) - rescue(pair)
    partition_error: float  # max |rescue(all heads + bottleneck) - rescue(triple)| over images
    n: int

    @property
    def carriers(self) -> tuple[str, ...]:
        """Sites of the heads that carry the triple's gain over the pair."""
        return tuple(h.site for h in self.heads if h.carries)

    def recorded(self) -> list[dict]:
        """Every head's numbers, JSON-ready, as the record shows them (lib/record/heads.py)."""
        return [{"site": h.site, "alone": h.alone, "gain": h.gain, "over_pair": h.over_pair, "ci_low": h.over_pair_ci[0],
                 "ci_high": h.over_pair_ci[1], "p": h.p, "holm_p": h.holm_p, "carries": h.carries} for h in self.heads]


def _per_image(table: pd.DataFrame, group: str, block: int = -1, head: int = -1) -> pd.Series:
    """Rescue per image of one row kind of the heads table."""
    rows = table[(table["group"] == group) & (table["block"] == block) & (table["head"] == head)]
    return rows.set_index("image_id")["rescue"].sort_index()


def read_heads(table: pd.DataFrame) -> HeadsReport:
    """P7's findings from a heads table (one checkpoint and slice)."""
    groups = {g: _per_image(table, g) for g in ("single", "pair", "triple", "all_heads")}
    keys = sorted({(int(b), int(h)) for b, h in table.loc[table["group"] == "with_bottleneck", ["block", "head"]].itertuples(index=False)})
    family, deciding, shown = Family(ALPHA), {}, {}
    for block, head in keys:
        with_bottleneck = _per_image(table, "with_bottleneck", block, head)
        deciding[(block, head)] = family.add(f"{block}.attn.head{head}", compare_paired(with_bottleneck, groups["pair"]),
                                             decides=f"bottleneck + head {head} of block {block} beats the MLP-only pair")
        shown[(block, head)] = family.show(f"{block}.attn.head{head} gain", compare_paired(with_bottleneck, groups["single"]),
                                           "the head's gain over the bottleneck alone")
    adjusted = family.adjusted()
    heads = []
    for block, head in keys:
        label = f"{block}.attn.head{head}"
        test, gain = deciding[(block, head)], shown[(block, head)]
        heads.append(HeadFinding(block, head, float(_per_image(table, "alone", block, head).mean()), gain.mean_diff,
                                 test.mean_diff, (test.ci_low, test.ci_high), test.p, adjusted[label], family.holds(label)))
    return HeadsReport(tuple(heads), {g: float(s.mean()) for g, s in groups.items()},
                       float((groups["triple"] - groups["pair"]).mean()),
                       float((groups["all_heads"] - groups["triple"]).abs().max()), len(groups["triple"]))


def head_findings(source, checkpoint: str, slice_name: str) -> HeadsReport:
    """P7's findings on one cell, from its heads table."""
    return read_heads(source.table("heads", checkpoint, slice_name))
