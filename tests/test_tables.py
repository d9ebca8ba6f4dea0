"""The table store: computed once, cached on disk, shared between processes, keyed by what made it."""
from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pandas as pd
import pytest
import torch

from jepa_claims.engine.builders import build_model, save_pretrained_layout, tiny_config
from jepa_claims.conventions import Conventions
from jepa_claims.engine.cpu import use_threads
from jepa_claims.data.synthetic import write_pets
from jepa_claims.engine.models import ProcessorGeometry
from jepa_claims.engine.runs import COUNTER
from jepa_claims.tables.store import TableStore
from jepa_claims.tables.worklog import forwards_of_run
from jepa_claims.worlds.world import CheckpointSpec, World

GEOMETRY = ProcessorGeometry(size=224, resample=2, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    """A world of one tiny checkpoint folder and four synthetic pet breeds."""
    root = tmp_path_factory.mktemp("world")
    model = build_model("ijepa", tiny_config("ijepa", image_size=224, num_hidden_layers=4), seed=0, jitter=0.02)
    folder = save_pretrained_layout(model, root / "ckpt", GEOMETRY)
    data = root / "data"
    write_pets(data, breeds=4, per_breed=3, seed=0)
    return World("test", (CheckpointSpec("ijepa_1k", "ijepa", str(folder), "tiny"),), ("4x3",), data)


def test_table_is_computed_once_then_read(world, tmp_path):
    """The second request reads the cache: no block runs, one log entry for the run."""
    store = TableStore(world, tmp_path, Conventions(late_window=(3, 4)), run_id="r1")
    assert store.cached("semantic", "ijepa_1k", "4x3") is None
    first = store.table("semantic", "ijepa_1k", "4x3")
    blocks = COUNTER.blocks
    again = TableStore(world, tmp_path, Conventions(late_window=(3, 4)), run_id="r2").table("semantic", "ijepa_1k", "4x3")
    assert COUNTER.blocks == blocks
    pd.testing.assert_frame_equal(first, again)
    assert forwards_of_run(tmp_path, "r1")["tables_computed"] == 1
    assert forwards_of_run(tmp_path, "r1")["forwards"] == 12 * (1 + 4)  # clean + four masks per image
    assert forwards_of_run(tmp_path, "r2") == {"forwards": 0, "tables_computed": 0, "entries": [], "computed_twice": [],
                                               "recomputed": [], "log_lines_skipped": []}
    assert forwards_of_run(tmp_path, "r1")["computed_twice"] == []


def test_a_table_computed_twice_in_one_run_is_named(world, tmp_path):
    """Two stores of one run that both compute a table (e.g. a cache wiped in between) show up."""
    for _ in range(2):
        TableStore(world, tmp_path, Conventions(late_window=(3, 4)), run_id="r1").table("masks", "ijepa_1k", "4x3")
        for path in (tmp_path / "tables").glob("masks-*.parquet"):
            path.unlink()
    twice = forwards_of_run(tmp_path, "r1")["computed_twice"]
    assert len(twice) == 1 and twice[0].startswith("masks-ijepa_1k-4x3-")


def test_keys_change_with_conventions_and_kind(world, tmp_path):
    """Anything that changes a number changes the key."""
    store = TableStore(world, tmp_path)
    keys = {store.key("semantic", "ijepa_1k", "4x3"), store.key("rescue", "ijepa_1k", "4x3"),
            store.variant(conv=Conventions(fill="mean")).key("semantic", "ijepa_1k", "4x3"),
            store.variant(conv=Conventions(layer_indexing="hidden_states_1based")).key("semantic", "ijepa_1k", "4x3")}
    assert len(keys) == 4


def _compute(args) -> int:
    """Worker: ask for a table, return the blocks this process ran."""
    world, cache, run_id = args
    TableStore(world, Path(cache), Conventions(late_window=(3, 4)), run_id=run_id).table("masks", "ijepa_1k", "4x3")
    return COUNTER.blocks


def test_concurrent_workers_compute_a_table_once(world, tmp_path):
    """Four processes asking at once: one computes under the lock, the others read."""
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pool.map(_compute, [(world, str(tmp_path), "par")] * 4)
    entries = [json.loads(line) for line in (tmp_path / "forwards.jsonl").read_text().splitlines()]
    assert [e["kind"] for e in entries] == ["masks"]


def test_unknown_kind_is_refused(world, tmp_path):
    """A typo in a table kind is a clear error."""
    with pytest.raises(ValueError, match="unknown table kind"):
        TableStore(world, tmp_path).table("semantics", "ijepa_1k", "4x3")


def test_unreadable_image_stops_the_slice_unless_the_world_skips_it(world, tmp_path):
    """Strict by default (the error names the file); with skip_unreadable the manifest lists it and the
    report's provenance names it, and the slice is still full size."""
    from dataclasses import replace

    from data_helpers import truncate
    from jepa_claims.data import pets
    from jepa_claims.data.slices import DataError
    from jepa_claims.record.provenance import manifest_rows

    data = tmp_path / "data"
    write_pets(data, breeds=4, per_breed=4, seed=0)
    first = sorted(pets.read_split(data), key=lambda e: (e.class_id, e.number))[0]
    broken = truncate(data / pets.image_rel(first.image_id))
    strict = TableStore(replace(world, data_root=data), tmp_path / "cache")
    with pytest.raises(DataError, match=broken.name):
        strict.manifest("4x3")
    lenient = TableStore(replace(world, data_root=data, skip_unreadable=True), tmp_path / "cache")
    manifest = lenient.manifest("4x3")
    assert len(manifest.records) == 12 and broken.stem not in {r.image_id for r in manifest.records}
    [row] = manifest_rows(lenient, ("4x3",))
    assert row["unreadable_skipped"] == [broken.stem] and row["images"] == 12
    assert len(list((tmp_path / "cache" / "manifests").glob("4x3-*.jsonl"))) == 1  # the strict build wrote none


@pytest.mark.parametrize("kind", ["semantic", "proxy"])
def test_table_bits_do_not_depend_on_threads(world, tmp_path, kind):
    """One worker's thread (under -n 4) and all cores (under -n 0) compute the same table, bit for bit."""
    before = torch.get_num_threads()
    frames = []
    try:
        for threads in (1, 2):
            use_threads(threads)
            store = TableStore(world, tmp_path / f"threads-{threads}", Conventions(late_window=(3, 4)))
            frames.append(store.table(kind, "ijepa_1k", "4x3"))
    finally:
        torch.set_num_threads(before)
    pd.testing.assert_frame_equal(frames[0], frames[1], check_exact=True)


def test_convention_variants_share_the_loaded_encoder(world, tmp_path):
    """P3's stores under other conventions reuse the loaded weights; a store over another world loads its own."""
    from jepa_claims.tables.probes import ALTERNATIVES

    store = TableStore(world, tmp_path)
    encoder = store.encoder("ijepa_1k")
    for conv in ALTERNATIVES.values():
        assert store.variant(conv=conv).encoder("ijepa_1k") is encoder
    assert store.variant(world=world).encoder("ijepa_1k") is not encoder


def test_the_table_format_keeps_every_float_and_dtype_exactly(tmp_path):
    """Parquet round trip: subnormals, -0.0, nan, inf and float32 bits, string, int and category dtypes, the index."""
    import numpy as np

    from jepa_claims.tables.files import read_table, write_table

    floats = np.array([0.1, -0.0, np.nan, np.inf, 5e-324, 1.7976931348623157e308, 1 / 3, np.nextafter(1.0, 2.0)])
    frame = pd.DataFrame({
        "image_id": pd.array([f"img{i}" for i in range(8)], dtype="string"), "layer": np.arange(8, dtype="int64"),
        "drift": floats, "drift32": np.where(np.isfinite(floats) & (abs(floats) > 3e38), 3.4e38, floats).astype("float32"), "mask": pd.Categorical(["object", "background"] * 4),
    }, index=pd.RangeIndex(3, 11))
    path = tmp_path / "t.parquet"
    write_table(path, frame)
    back = read_table(path)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert back["drift"].to_numpy().tobytes() == floats.tobytes()  # bit for bit, -0.0 and nan included
    assert path.read_bytes()[:4] == b"PAR1"  # data only: reading it can never run code, unlike a pickle


def test_a_table_that_does_not_match_its_hash_is_never_read(tmp_path):
    """Altered, truncated, or without its hash: DamagedTable with the reason; moved aside, never deleted."""
    from jepa_claims.tables.files import DAMAGED, DamagedTable, hash_path, move_aside, read_table, write_table

    path = tmp_path / "t.parquet"
    write_table(path, pd.DataFrame({"x": [1.0, 2.0]}))
    write_table(tmp_path / "other.parquet", pd.DataFrame({"x": [1.0, 9.0]}))
    path.write_bytes((tmp_path / "other.parquet").read_bytes())  # a valid table, not the one hashed
    with pytest.raises(DamagedTable, match="do not match the hash"):
        read_table(path)
    moved = move_aside(path)
    assert not path.exists() and not hash_path(path).exists() and moved.parent.name == DAMAGED
    assert moved.read_bytes() == (tmp_path / "other.parquet").read_bytes() and hash_path(moved).exists()
    hash_path(tmp_path / "other.parquet").unlink()
    with pytest.raises(DamagedTable, match="hash is missing"):
        read_table(tmp_path / "other.parquet")
    assert read_table(tmp_path / "absent.parquet") is None
