"""The least model work a set of tables needs: every distinct forward run counted once, wherever it is read.

A run is named by what decides its numbers, never by the table that reads it: the weights (a checkpoint, or
one of P1's untrained copies), the clean image (the slice and the preprocessing: normalisation, and the
trimap rule, which can change which images a slice holds), for a masked run its token mask and fill, and for
a patched run that masked run, the blocks and kinds of the sites it patches (where the layer reading puts
them) and the token selection. A masked run costs `depth` block evaluations, a patched one `depth - first
block` (resumed from its masked run there), a clean one `depth`. What a table reads (which layers, which
statistic) never changes a run, so two tables that read the same run need it once: that is the minimum the
census (lib/tables/census.py) is measured against. Every image of a slice has the same runs, so the keys
are per image and the blocks are multiplied by the slice's images.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from jepa_claims.conventions import Conventions
from jepa_claims.engine.masks import draw_count
from jepa_claims.roles import Roles
from jepa_claims.tables.probes import P2_SEEDS

from jepa_claims.tables.heads import head_groups
from jepa_claims.tables.pathway import PATHWAY_RUNS, pathway_groups
from jepa_claims.tables.protocols import GEOMETRY_AREAS, GEOMETRY_ASPECTS, SWEEP_KINDS
from jepa_claims.tables.together import PATCHED_SHARED

GEOMETRY_MASK_COUNT = len(GEOMETRY_AREAS) * len(GEOMETRY_ASPECTS)

Key = tuple
Runs = dict  # run key -> block evaluations per image


def _placed(sites: Sequence[str], conv: Conventions, depth: int) -> frozenset[tuple[int, str]]:
    """Where the layer reading puts a group's paper-numbered sites: (block, kind) pairs."""
    return frozenset((conv.block(int(s.split(".", 1)[0]), depth), s.split(".", 1)[1]) for s in sites)


class TableRuns:
    """The runs of one table on one image: keys with their block evaluations."""

    def __init__(self, weights: Key, image: Key, conv: Conventions, depth: int) -> None:
        self.weights, self.image, self.conv, self.depth = weights, image, conv, depth
        self.runs: Runs = {}

    def clean(self) -> None:
        """The image's clean run."""
        self.runs[(self.weights, self.image, "clean")] = self.depth

    def masked(self, mask: Key) -> Key:
        """A masked run (its fill is part of its pixels); returns its key for the patched runs on it."""
        key = (self.weights, self.image, "masked", self.conv.fill, mask)
        self.runs[key] = self.depth
        return key

    def patched(self, masked: Key, sites: Sequence[str], mode: str) -> None:
        """A patched run on a masked one, resumed at its first site's block."""
        placed = _placed(sites, self.conv, self.depth)
        self.runs[(masked, placed, mode)] = self.depth - min(block for block, _ in placed)


def _backgrounds(conv: Conventions) -> list[Key]:
    """The background masks of the run's rule: one, or one per draw of the random rule."""
    return [("background", conv.background, k) for k in range(draw_count(conv.background))]


def _reachable(blocks: Iterable[int], conv: Conventions, depth: int) -> list[int]:
    """Paper site numbers whose patch can reach the late window (all of them where inert sites are allowed)."""
    return [b for b in blocks if conv.allow_inert_sites or conv.reaches(b, depth)]


def _group_runs(t: TableRuns, masks: Sequence[Key], groups: Sequence[Sequence[str]], modes: Sequence[str]) -> None:
    """Clean, one masked run per mask, and every group x mode patched on each."""
    t.clean()
    for mask in masks:
        masked = t.masked(mask)
        for sites in groups:
            for mode in modes:
                t.patched(masked, sites, mode)


def _single_sites(layers: Iterable[int]) -> list[tuple[str]]:
    """One group per site of every swept kind at these paper site numbers."""
    return [(f"{b}.{kind}",) for b in layers for kind in SWEEP_KINDS]


def table_runs(kind: str, depth: int, conv: Conventions, weights: Key, image: Key, heads: int = 1) -> Runs:
    """The runs one table of `kind` reads on one image (lib/tables/protocols.py, pathway.py, probes.py, heads.py;
    heads: attention heads per block)."""
    t = TableRuns(weights, image, conv, depth)
    roles = Roles.for_depth(depth)
    groups = list(roles.groups().values())
    pair = [("object",), *_backgrounds(conv)]
    if kind == "semantic":
        _group_runs(t, [*pair, ("bg_rect",), ("rect",)], (), ())
    elif kind == "geometry":
        _group_runs(t, [("geometry", i) for i in range(GEOMETRY_MASK_COUNT)], (), ())
    elif kind == "rescue":
        _group_runs(t, pair, groups, ("context", "masked"))
    elif kind == "proxy":
        _group_runs(t, pair, groups, ("context",))
    elif kind == "panel":  # the full budget keeps every object token: it is the object mask
        _group_runs(t, [("object", "small"), ("object", "medium"), ("object",)], groups, ("context",))
    elif kind == "footprints":  # the panel's background arm: each budget's square and elongated footprint
        footprints = [("footprint", budget, shape) for budget in ("small", "medium", "full") for shape in ("square", "elongated")]
        _group_runs(t, footprints, groups, ("context",))
    elif kind == "sweep":
        _group_runs(t, [("object",)], _single_sites(_reachable(conv.site_layers(depth), conv, depth)), ("context",))
    elif kind == "excess":
        _group_runs(t, pair, _single_sites(_reachable(roles.late_sites, conv, depth)), ("context",))
    elif kind == "pathway":
        _pathway_runs(t, roles)
    elif kind == "heads":  # P7: every head group on the object mask, context-only
        _group_runs(t, [("object",)], list(head_groups(roles, heads).values()), ("context",))
    elif kind == "mae_default":  # the library's forwards: two of each clean image, one of each masked job
        t.runs |= {(weights, image, "library", "clean", seed): depth for seed in P2_SEEDS}
        t.runs |= {(weights, image, "library", conv.fill, mask): depth for mask in pair}
    elif kind != "masks":
        raise ValueError(f"unknown table kind {kind!r}")
    return t.runs


def _pathway_runs(t: TableRuns, roles: Roles) -> None:
    """Clean, the object mask, and PATHWAY_RUNS patched on it."""
    named = pathway_groups(roles)
    t.clean()
    masked = t.masked(("object",))
    for name, mode in PATHWAY_RUNS:
        t.patched(masked, named[name], mode)


def first_needed(tables: Sequence[tuple[Runs, int]]) -> list[int]:
    """Per table (its runs per image, its images), the blocks of the runs no earlier table needed: the minimum,
    each shared run charged to the first table that reads it."""
    seen: set[Key] = set()
    minimum = []
    for runs, images in tables:
        new = {key: blocks for key, blocks in runs.items() if key not in seen}
        seen |= new.keys()
        minimum.append(images * sum(new.values()))
    return minimum


def together_split(tables: Sequence[tuple[str, Conventions]], depth: int) -> dict[tuple[str, Conventions], int]:
    """Block evaluations per image of each of some tables computed together in this order (lib/tables/together.py,
    conventions of one `forward`): every clean and masked run once, by the first table that reads it, and so every
    patched run of the rescue protocols (PATCHED_SHARED); the pathway table's patched runs its own."""
    seen: set[Key] = set()
    split = {}
    for kind, conv in tables:
        runs = table_runs(kind, depth, conv, (), ())
        own = {key for key in runs if kind not in PATCHED_SHARED and isinstance(key[1], frozenset)}  # (masked, sites, mode)
        split[(kind, conv)] = sum(blocks for key, blocks in runs.items() if key not in seen or key in own)
        seen |= runs.keys() - own
    return split
