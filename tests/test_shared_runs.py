"""Tables of one slice computed together (lib/tables/together.py, lib/engine/shared.py): the same numbers as each
computed on its own, each clean and masked run computed once, and the work logged is the census's plan."""
from __future__ import annotations

import json

import pandas as pd
import pytest
import torch
from tiny_world import tiny_world

from jepa_claims.conventions import Conventions
from jepa_claims.engine.runs import run
from jepa_claims.suite.plan import PlannedTable
from jepa_claims.tables.census import planned_blocks, table_blocks
from jepa_claims.tables.store import TableStore
from jepa_claims.worlds.checkpoints import load_checkpoint
from jepa_claims.worlds.world import World

CONV = Conventions()
KINDS = ("semantic", "rescue", "panel", "pathway")


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    """One tiny checkpoint (depth 4) and four synthetic pet breeds."""
    return tiny_world(tmp_path_factory.mktemp("world"))


def test_a_forward_gives_each_image_the_same_numbers_in_any_batch(world, tmp_path):
    """What sharing rests on: a run computed in another table's batch is the run this table would have computed
    (bit for bit)."""
    encoder = load_checkpoint(world.checkpoints[0], tmp_path)
    pixels = torch.randn(5, 3, 112, 112)
    together = run(encoder, pixels).hidden
    apart = torch.cat([run(encoder, pixels[i : i + 1]).hidden for i in range(5)], dim=1)
    assert torch.equal(together, apart)


def _in_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by what names them (tables computed together list them a few images at a time)."""
    names = [c for c in frame.columns if not pd.api.types.is_float_dtype(frame[c])]
    return frame.sort_values(names, kind="stable").reset_index(drop=True)


def _log(cache) -> dict[str, int]:
    lines = (cache / "forwards.jsonl").read_text().splitlines()
    return {entry["kind"]: entry["blocks"] for entry in map(json.loads, lines)}


def test_tables_computed_together_equal_each_alone_and_log_the_planned_work(world, tmp_path):
    """Rescue asked for computes semantic and panel with it (the store's `wanted`); each table equals the one computed
    on its own exactly, and the blocks each logs are the census's (lib/tables/census.py planned_blocks), fewer than
    on their own (panel's full budget reads the object mask's run)."""
    source = world.checkpoints[0].source
    wanted = frozenset((kind, source, "4x3", CONV) for kind in KINDS)
    shared = TableStore(world, tmp_path / "shared", CONV, wanted=wanted)
    alone = TableStore(world, tmp_path / "alone", CONV)
    first = shared.table("rescue", "ijepa_1k", "4x3")  # computes all three
    assert sorted(_log(tmp_path / "shared")) == sorted(KINDS)
    for kind in KINDS:
        together = shared.table(kind, "ijepa_1k", "4x3") if kind != "rescue" else first
        pd.testing.assert_frame_equal(_in_order(together), _in_order(alone.table(kind, "ijepa_1k", "4x3")), check_exact=True)
    tables = [PlannedTable("", kind, "ijepa_1k", "4x3", CONV) for kind in KINDS]
    logged, planned = _log(tmp_path / "shared"), planned_blocks(tables, 4)
    assert [logged[kind] for kind in KINDS] == planned
    assert _log(tmp_path / "alone") == {kind: table_blocks(kind, 4, 12, CONV) for kind in KINDS}
    assert sum(planned) < sum(_log(tmp_path / "alone").values())


READINGS = (CONV, Conventions(layer_indexing="hidden_states_1based"),
            Conventions(layer_indexing="hidden_states", allow_inert_sites=True))


def test_layer_readings_share_the_runs_of_the_default_and_equal_each_alone(world, tmp_path):
    """P3's layer readings read the runs of the default reading (the same blocks patched, other layers read): the sweep
    and semantic tables of three readings computed together equal each computed on its own exactly, the other
    readings compute no block, and the blocks each logs are the census's."""
    source = world.checkpoints[0].source
    wanted = frozenset((kind, source, "4x3", conv) for kind in ("semantic", "sweep") for conv in READINGS)
    shared = TableStore(world, tmp_path / "shared", READINGS[1], wanted=wanted)
    shared.table("sweep", "ijepa_1k", "4x3")  # under the 1-based reading: computes all six
    log = [json.loads(line) for line in (tmp_path / "shared" / "forwards.jsonl").read_text().splitlines()]
    assert len(log) == 6
    tables = [PlannedTable("", kind, "ijepa_1k", "4x3", conv) for kind in ("semantic", "sweep") for conv in READINGS]
    logged = {(e["kind"], e["table"]): e["blocks"] for e in log}
    for table, planned in zip(tables, planned_blocks(tables, 4)):
        store = TableStore(world, tmp_path / "shared", table.conv)
        name = store.path(table.kind, "ijepa_1k", "4x3").name
        assert logged[(table.kind, name)] == planned
        assert planned == 0 or table.conv == CONV, f"{table.kind} under {table.conv.layer_indexing} computed {planned}"
        alone = TableStore(world, tmp_path / "alone", table.conv).table(table.kind, "ijepa_1k", "4x3")
        pd.testing.assert_frame_equal(_in_order(store.table(table.kind, "ijepa_1k", "4x3")), _in_order(alone), check_exact=True)


def test_a_memo_keeps_patched_runs_only_for_conventions_of_its_forward(world, tmp_path):
    """Conventions that change a forward pass (the fill) get no run of another's memo; a reading does."""
    from jepa_claims.engine.shared import active_memo, shared_runs

    encoder = load_checkpoint(world.checkpoints[0], tmp_path)
    with shared_runs(encoder, READINGS[2], late=(3, 4)) as memo:
        assert active_memo(encoder, CONV) is memo and active_memo(encoder, READINGS[1]) is memo
        assert active_memo(encoder, Conventions(fill="mean")) is None
    assert active_memo(encoder, CONV) is None
