"""The work census: per planned table, the block evaluations it computes beside the least it needs.

`census_rows` reads the plan (lib/suite/plan.py) of a world without loading a weight: the paper world's
depths are its published configs', the toy world's its planted circuits'. What a table computes is the
engine's own accounting (lib/tables/census.py `table_blocks`, which tests/test_rehearsal.py holds equal to
what a run logs); the minimum counts every distinct forward run once across all tables, claims and probes
(lib/tables/minimum.py), each shared run charged to the first table of the plan that reads it.
`jepa-claims census` prints it; the benchmarks write it into their results.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from jepa_claims.conventions import Conventions
from jepa_claims.suite.options import DEFAULT_UNTRAINED_SEEDS
from jepa_claims.suite.plan import PlannedTable, plan
from jepa_claims.tables.census import IMAGES, planned_blocks
from jepa_claims.tables.minimum import first_needed, table_runs
from jepa_claims.worlds.world import PAPER_CHECKPOINTS, PAPER_SLICES, TOY_CHECKPOINTS

PAPER_DEPTHS = {"ijepa_1k": 32, "ijepa_22k": 32, "mae": 12, "beit": 12}  # num_hidden_layers of the published configs
PAPER_HEADS = {"ijepa_1k": 16, "ijepa_22k": 16, "mae": 12, "beit": 12}  # num_attention_heads of the published configs
WORLDS = ("paper", "toy")


@dataclass(frozen=True)
class CensusOptions:
    """What to take the census of: a world's selection, its conventions, P1's untrained seeds."""

    checkpoints: tuple[str, ...] | None = None  # None: every checkpoint of the world
    slices: tuple[str, ...] | None = None  # None: every slice
    conv: Conventions = Conventions()
    untrained_seeds: int = DEFAULT_UNTRAINED_SEEDS


def world_depths(world: str) -> dict[str, int]:
    """Blocks of each checkpoint of a world, without loading weights."""
    if world == "paper":
        return {spec.key: PAPER_DEPTHS[spec.key] for spec in PAPER_CHECKPOINTS}
    if world == "toy":
        from jepa_claims.toy.models import PLANS

        return {spec.key: PLANS[spec.source.split(":", 1)[1]].depth for spec in TOY_CHECKPOINTS}
    raise ValueError(f"the census knows the worlds {', '.join(WORLDS)}, not {world!r}")


def census_rows(world: str = "paper", options: CensusOptions = CensusOptions(), claims=None) -> list[dict]:
    """One row per planned table, in plan order: variant, kind, checkpoint, slice, images, depth, computed, minimum
    (block evaluations); `claims`: the suite's catalogue (the repository's claims/ by default)."""
    depths = world_depths(world)
    checkpoints = options.checkpoints or tuple(depths)
    unknown = sorted(set(checkpoints) - set(depths)) + sorted(set(options.slices or ()) - set(PAPER_SLICES))
    if unknown:
        raise ValueError(f"unknown checkpoints or slices {unknown}; the {world} world has {list(depths)} and {list(PAPER_SLICES)}")
    planned = plan(checkpoints, options.slices or PAPER_SLICES, options.conv, options.untrained_seeds, claims=claims)
    heads = world_heads(world)
    computed = [0] * len(planned)
    for key, depth in depths.items():  # as the store computes them: SHARED tables of one slice together
        mine = [i for i, t in enumerate(planned) if t.checkpoint == key]
        for i, blocks in zip(mine, planned_blocks([planned[i] for i in mine], depth, heads[key])):
            computed[i] = blocks
    minimum = first_needed([(_runs(t, depths[t.checkpoint], heads[t.checkpoint]), IMAGES[t.slice_name]) for t in planned])
    return [{"variant": t.variant, "kind": t.kind, "checkpoint": t.checkpoint, "slice": t.slice_name,
             "conventions": _changed(t.conv), "images": IMAGES[t.slice_name], "depth": depths[t.checkpoint],
             "computed": c, "minimum": m} for t, c, m in zip(planned, computed, minimum)]


def world_rows(world, conv: Conventions, untrained_seeds: int, claims=None) -> list[dict] | None:
    """The census rows of a world's selection with these claims (census_rows'); None for a world the census cannot cost
    without loading weights."""
    if world.name not in WORLDS:
        return None
    try:
        return census_rows(world.name, CensusOptions(tuple(spec.key for spec in world.checkpoints), tuple(world.slices),
                                                     conv, untrained_seeds), claims)
    except (KeyError, ValueError):  # a selection the census does not know (own checkpoints)
        return None


def world_heads(world: str) -> dict[str, int]:
    """Attention heads per block of each checkpoint of a world (the heads table patches each one)."""
    if world == "paper":
        return dict(PAPER_HEADS)
    from jepa_claims.toy.models import HEADS

    return {spec.key: HEADS for spec in TOY_CHECKPOINTS}


def wanted_tables(world, conv: Conventions, untrained_seeds: int, claims=None) -> frozenset:
    """(kind, checkpoint source, slice, conventions) of every table a run of `world` with these claims (the repository's
    by default) reads: what its store computes together (lib/tables/store.py `wanted`); P1's tables under their
    untrained copies' sources."""
    from jepa_claims.worlds.checkpoints import untrained_source

    sources = {spec.key: spec.source for spec in world.checkpoints}
    tables = plan(tuple(sources), world.slices, conv, untrained_seeds, world.checkpoints, world.discovery_slice, claims)
    source = lambda t: (untrained_source(sources[t.checkpoint], int(t.variant.split(":")[1]))
                        if t.variant.startswith("random:") else sources[t.checkpoint])
    return frozenset((t.kind, source(t), t.slice_name, t.conv) for t in tables)


def _runs(table: PlannedTable, depth: int, heads: int) -> dict:
    """The table's runs per image, named by their weights (P1's copies are other weights) and clean image."""
    weights = (table.checkpoint, table.variant if table.variant.startswith("random:") else "")
    image = (table.slice_name, table.conv.normalisation, table.conv.trimap_object)  # the trimap rule picks the images
    return table_runs(table.kind, depth, table.conv, weights, image, heads)


def _changed(conv: Conventions) -> str:
    """The conventions that differ from the defaults, as name=value ('' for none)."""
    default = Conventions()
    return ",".join(f"{f.name}={getattr(conv, f.name)}" for f in fields(Conventions)
                    if getattr(conv, f.name) != getattr(default, f.name))


def census_totals(rows: list[dict]) -> dict:
    """Tables, computed and minimum block evaluations of some rows, and their ratio."""
    computed, minimum = sum(r["computed"] for r in rows), sum(r["minimum"] for r in rows)
    return {"tables": len(rows), "computed": computed, "minimum": minimum,
            "ratio": computed / minimum if minimum else float("nan")}


def census_markdown(rows: list[dict]) -> list[str]:
    """The census as a markdown table: one line per table, a line per checkpoint and the total."""
    lines = ["| variant | table | checkpoint | slice | computed | minimum | ratio |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = f"{r['computed'] / r['minimum']:.2f}x" if r["minimum"] else ("-" if not r["computed"] else "all shared")
        lines.append(f"| {r['variant'] or 'claims'} | {r['kind']} | {r['checkpoint']} | {r['slice']} | "
                     f"{r['computed']:,} | {r['minimum']:,} | {ratio} |")
    for name in dict.fromkeys(r["checkpoint"] for r in rows):
        total = census_totals([r for r in rows if r["checkpoint"] == name])
        lines.append(f"| **{name}** | {total['tables']} tables | | | {total['computed']:,} | {total['minimum']:,} | "
                     f"{total['ratio']:.2f}x |")
    total = census_totals(rows)
    lines.append(f"| **all** | {total['tables']} tables | | | **{total['computed']:,}** | **{total['minimum']:,}** | "
                 f"**{total['ratio']:.2f}x** |")
    return lines + critical_path_lines(rows)


def critical_path_lines(rows: list[dict], workers: int = 4) -> list[str]:
    """The planned critical path under `-n workers`: the busiest worker's block evaluations against total / workers,
    with tests grouped per checkpoint and as the suite assigns them (lib/suite/assign.py, longest first)."""
    from jepa_claims.suite.assign import critical_path, longest_first, per_checkpoint, unit_blocks

    costs = unit_blocks(rows)
    lines = []
    for name, placed in (("per checkpoint", per_checkpoint(costs, workers)), ("as assigned", longest_first(costs, workers))):
        path = critical_path(costs, placed, workers)
        lines.append(f"| **critical path, -n {workers}** | {name} | busiest worker | | {path['busiest']:,} | "
                     f"{path['even']:,.0f} (total / {workers}) | {path['ratio']:.2f}x |")
    return lines
