"""What a paper-world run will compute, said before it starts (the run header's census).

The plan is every measurement table the selected claims and probes read: each claim's cells, the slices
and checkpoints it reads beyond them, the table kinds its check reads and the conventions P3 reruns it
under come from the claim itself, and what a probe reads from the probe (lib/claim/unit.py; the suite's
claims and probes are found by lib/claim/catalogue.py). tests/test_rehearsal.py checks the plan
against an actual run (planned block evaluations = logged ones). Numeric agreement reads tables the
claims already read. Tables already in the cache are counted as cached, not as work.

A checkpoint that stands in for a paper checkpoint (own --checkpoints NAME=PATH, the extended world) is
planned on that one's claim cells; one that discovers its roles (lib/tables/discovery.py) adds the
discovery's sweep and geometry tables on the discovery slice, and its claims read the other slices
only. Its patched tables are costed at the relative-depth roles: the discovered ones are not known
before the discovery tables exist (the site groups' first blocks, hence the cost, may differ a little).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

from jepa_claims.claim.catalogue import Catalogue, load, repository_suite
from jepa_claims.claim.unit import Claim
from jepa_claims.conventions import Conventions
from jepa_claims.suite.options import DEFAULT_UNTRAINED_SEEDS
from jepa_claims.tables.census import Census, census, read_config
from jepa_claims.tables.discovery import DISCOVERY_KINDS, roles_known
from jepa_claims.worlds.world import DISCOVERY_SLICE, CheckpointSpec



@dataclass(frozen=True)
class PlannedTable:
    """One table the run needs: its variant ("" default, "random:SEED" for P1, a P3 alternative's name)."""

    variant: str
    kind: str
    checkpoint: str
    slice_name: str
    conv: Conventions = Conventions()


def untrained_variant(seed: int) -> str:
    """The plan's variant name of P1's untrained world under one init seed."""
    return f"random:{seed}"


def plan(checkpoints: tuple[str, ...], slices: tuple[str, ...], run: Conventions = Conventions(),
         untrained_seeds: int = DEFAULT_UNTRAINED_SEEDS, specs: tuple[CheckpointSpec, ...] = (),
         discovery_slice: str = DISCOVERY_SLICE, claims: Catalogue | None = None) -> list[PlannedTable]:
    """Every table the selected claims and probes read under the run's conventions (--convention), once each, in a
    stable order; P1's once per untrained seed; P3's under the run's conventions changed by each alternative (none
    where they are equal). `specs`: the world's checkpoints, for those that stand in for another or discover roles;
    `claims`: the suite's claims (the repository's claims/ by default)."""
    claims = claims if claims is not None else load(repository_suite())
    wanted: dict[PlannedTable, None] = dict.fromkeys(_discovery(checkpoints, specs, discovery_slice, run))

    def add(variant: str, ids, checkpoint: str, slice_name: str, conv: Conventions = run) -> None:
        if checkpoint in checkpoints and slice_name in slices:
            kinds = [kind for claim in ids if claim in claims for kind in claims.get(claim).reads]
            wanted.update({PlannedTable(variant, kind, checkpoint, slice_name, conv): None for kind in kinds})

    for variant, claim, checkpoint, slice_name in _claim_cells(claims, checkpoints, slices, untrained_seeds, specs, discovery_slice):
        for needed_checkpoint, needed_slice in sorted(claim.needs(checkpoint, slice_name)):
            add(variant, [claim.id], needed_checkpoint, needed_slice)
    for probe in claims.probes():
        for checkpoint, slice_name in itertools.product(probe.checkpoints, probe.slices):
            if probe.reruns_conventions:
                _alternatives(claims, add, run, checkpoint, slice_name)
            if checkpoint in checkpoints and slice_name in slices:
                wanted.update(dict.fromkeys(PlannedTable("", kind, checkpoint, slice_name, run) for kind in probe.reads))
            add("", probe.reads_claims, checkpoint, slice_name)
    return list(wanted)


def _alternatives(claims: Catalogue, add, run: Conventions, checkpoint: str, slice_name: str) -> None:
    """P3's tables on one cell: each alternative's claims under it and under the run's own conventions (an alternative
    the run's conventions already are is skipped)."""
    from jepa_claims.tables.probes import ALTERNATIVES, p3_conventions

    for name in ALTERNATIVES:
        rerun, conv = [c.id for c in p3_claims(claims, name)], p3_conventions(name, run)
        if conv != run:
            add(name, rerun, checkpoint, slice_name, conv)
            add("", rerun, checkpoint, slice_name)


def _discovery(checkpoints, specs, discovery_slice: str, run: Conventions) -> list[PlannedTable]:
    """The tables role discovery reads for each selected checkpoint that discovers its roles (any slice selection)."""
    return [PlannedTable("", kind, spec.key, discovery_slice, run) for spec in specs
            if spec.discover_roles and spec.key in checkpoints for kind in DISCOVERY_KINDS]


def p3_claims(claims: Catalogue, alternative: str) -> list[Claim]:
    """The claims P3 reruns under one alternative convention (a key of tables/probes.py ALTERNATIVES): those whose
    `rerun_under` names the alternative's group."""
    from jepa_claims.tables.probes import alternative_group

    return [claim for claim in claims if alternative_group(alternative) in claim.rerun_under]


def _claim_cells(claims: Catalogue, checkpoints, slices, seeds: int, specs, discovery_slice: str):
    """(variant, claim, checkpoint, slice) of every cell that runs: the claims' own cells and their stand-ins' (as the
    suite parametrizes them, a discovering checkpoint on its confirmation slices), and P1's per seed on the own cells."""
    from jepa_claims.tables.probes import untrained_seeds as seeds_of

    discovering = {spec.key for spec in specs if spec.discover_roles}
    stand_ins = [(spec.key, spec.stands_for) for spec in specs if spec.stands_for]
    for claim in claims:
        variants = [""] + ([untrained_variant(s) for s in seeds_of(seeds)] if claim.untrained.effect else [])
        own = claim.cells()
        cells = [*own, *[(key, sl) for key, paper in stand_ins for ck, sl in own if ck == paper]]
        for checkpoint, slice_name in cells:
            readable = tuple(s for s in slices if not (checkpoint in discovering and s == discovery_slice))
            if not claim.missing(checkpoint, slice_name, checkpoints, readable):
                for variant in (variants if (checkpoint, slice_name) in own else [""]):
                    yield variant, claim, checkpoint, slice_name


def run_census(store, threads: int, untrained_seeds: int = DEFAULT_UNTRAINED_SEEDS, claims: Catalogue | None = None) -> Census:
    """The census of a store's world with these claims (the repository's by default): what its selection needs, less
    what the cache already holds."""
    from jepa_claims.tables.probes import random_world, untrained_seeds as seeds_of
    from jepa_claims.worlds.checkpoints import checkpoint_folder

    world = store.world
    planned = plan(tuple(c.key for c in world.checkpoints), world.slices, store.conv, untrained_seeds, world.checkpoints,
                   world.discovery_slice, claims)
    stores = {"": store} | {untrained_variant(s): store.variant(world=random_world(world, s)) for s in seeds_of(untrained_seeds)}
    todo = [t for t in planned if not _cached(stores.get(t.variant) or store.variant(conv=t.conv), t)]
    configs = {spec.key: read_config(checkpoint_folder(spec, store.cache_dir)) for spec in world.checkpoints}
    return census(todo, configs, store.device, store.dtype, cached=len(planned) - len(todo), threads=threads)


def _cached(store, table: PlannedTable) -> bool:
    """Whether the table is in the cache already (an unreadable slice counts as not: its test will say why; a table
    at roles not yet discovered counts as not: its key names the roles, and finding them would compute)."""
    from jepa_claims.data.files import DataError
    from jepa_claims.tables.store import DEPTH_ONLY

    try:
        if table.kind not in DEPTH_ONLY and not roles_known(store, table.checkpoint):
            return False
        return store.cached(table.kind, table.checkpoint, table.slice_name) is not None
    except DataError:
        return False
