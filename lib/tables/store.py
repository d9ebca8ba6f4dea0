"""Measurement tables cached on disk, shared by xdist workers, computed at most once.

A table is keyed by a hash of everything that produced it: the table kind, the checkpoint (source,
pinned and resolved revision), the slice manifest hash, the conventions, and the code version (a
hash of the measuring code). It is stored as Parquet with a content hash checked on every read
(`tables.files`), written atomically and computed under a file lock, so with `-n 4` one worker
computes while the others wait and then read. Every computation appends its model work (forward
equivalents) to a log that the report sums per run (`tables.worklog`).
"""
from __future__ import annotations

import gc
import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pandas as pd
import torch
from filelock import FileLock

from jepa_claims.cache import code_version
from jepa_claims.conventions import Conventions
from jepa_claims.engine.batching import Batch
from jepa_claims.engine.precision import float32_maths
from jepa_claims.engine.tabulate import ImageTooLarge
from jepa_claims.tables.draws import average_draws
from jepa_claims.tables.files import SUFFIX, DamagedTable, move_aside, read_table, write_table
from jepa_claims.tables.protocols import PROTOCOLS, Inputs
from jepa_claims.tables.together import SHARED, Measured, Table, measure_together, together_order
from jepa_claims.tables.worklog import append_entry
from jepa_claims.engine.runs import COUNTER
from jepa_claims.roles import Roles
from jepa_claims.worlds.world import World


# Table kinds whose protocol reads no role but the depth (lib/tables/protocols.py): the same table at
# discovered and at relative-depth roles, so they share one cache entry (discovery reads two of them).
DEPTH_ONLY = ("masks", "semantic", "sweep", "geometry")


@dataclass
class TableStore:
    """Lazily loads encoders and slices; returns cached tables, computing each at most once."""

    world: World
    cache_dir: Path
    conv: Conventions = Conventions()
    device: str = "cpu"
    dtype: torch.dtype = torch.float32
    run_id: str = "local"
    # Rows laid out 8 jobs a chunk (every table's row order), forward batches sized from the memory there is.
    batch_size: int | Batch = Batch()
    progress_stream: object | None = None  # where a bar per computed table goes (None: no bar)
    # (kind, checkpoint source, slice, conventions) of every table the run will read (the suite's plan): what the
    # store computes together with a table asked for; empty: each table on its own
    wanted: frozenset = frozenset()
    tf32: bool = False  # float32 maths may round to TF32 on CUDA (engine/precision.py): its own cache key
    worker: str = "main"  # the xdist worker computing here ("main" without xdist), for the model-work log
    _encoders: dict = field(default_factory=dict)
    _manifests: dict = field(default_factory=dict)
    _inputs: dict = field(default_factory=dict)
    _roles: dict = field(default_factory=dict)
    _variants: dict = field(default_factory=dict)  # conventions -> the store over them (tables computed together)

    def variant(self, world: World | None = None, conv: Conventions | None = None) -> "TableStore":
        """A store over another world or conventions, sharing this one's cache and device; under other
        conventions only, also its loaded encoders (conventions never change weights: one load per checkpoint)."""
        return TableStore(world or self.world, self.cache_dir, conv or self.conv, self.device, self.dtype,
                          self.run_id, self.batch_size, self.progress_stream, self.wanted, self.tf32, self.worker,
                          _encoders=self._encoders if world is None else {})

    def encoder(self, key: str):
        """The checkpoint's encoder, loaded once per process."""
        if key not in self._encoders:
            from jepa_claims.worlds.checkpoints import load_checkpoint

            self._encoders[key] = load_checkpoint(self.world.checkpoint(key), self.cache_dir, self.device, self.dtype)
        return self._encoders[key]

    def release_done(self) -> list[str]:
        """Let go of each loaded encoder whose tables the run wants are all in the cache, so that the other workers
        on the device get its memory back; returns the keys let go. Without a plan (`wanted`) nothing is released.
        A later need loads the encoder again: releasing changes when a model is held, never a number."""
        mine = {c.key for c in self.world.checkpoints}  # the dict may be shared with a store over another world
        done = [key for key in self._encoders if key in mine and self._all_cached(key)]
        for key in done:
            del self._encoders[key]  # the dict is shared with the stores under other conventions
        if done:
            gc.collect()
            if str(self.device).startswith("cuda"):
                torch.cuda.empty_cache()
        return done

    def _all_cached(self, key: str) -> bool:
        """Every table of this checkpoint the run wants is in the cache (False when the run wants none)."""
        source = self.world.checkpoint(key).source
        mine = [(kind, name, conv) for kind, s, name, conv in self.wanted if s == source]
        return bool(mine) and all(self._over(conv).path(kind, key, name).exists() for kind, name, conv in mine)

    def roles(self, key: str) -> Roles:
        """Roles of a checkpoint's layers: from its depth, or discovered on the discovery slice (lib/tables/discovery.py)."""
        if key not in self._roles:
            from jepa_claims.worlds.checkpoints import checkpoint_depth

            spec = self.world.checkpoint(key)
            depth = checkpoint_depth(spec, self.cache_dir)
            self._roles[key] = Roles.for_depth(depth)
            if spec.discover_roles:
                from jepa_claims.tables.discovery import discover_roles, discovery_store

                found = discover_roles(discovery_store(self, key), key, depth, self.world.discovery_slice)
                self._roles[key] = replace(found, confirmed_on=self.world.confirmation_slices(key))
        return self._roles[key]

    def manifest(self, slice_name: str):
        """The slice's manifest, built once per data root and verified against the files."""
        if slice_name not in self._manifests:
            from jepa_claims.data.slices import build_slice, read_manifest, verify_manifest, write_manifest

            policy = "skip-unreadable" if self.world.skip_unreadable else "strict"
            tag = hashlib.sha256(f"{self.world.data_root.resolve()}|{self.conv.trimap_object}|{policy}".encode()).hexdigest()[:12]
            path = self.cache_dir / "manifests" / f"{slice_name}-{tag}.jsonl"
            with FileLock(str(path) + ".lock"):
                if path.exists():
                    manifest = read_manifest(path)
                    verify_manifest(manifest, self.world.data_root)
                else:
                    manifest = build_slice(slice_name, self.world.data_root, self.conv, skip_unreadable=self.world.skip_unreadable)
                    write_manifest(manifest, path)
            self._manifests[slice_name] = manifest
        return self._manifests[slice_name]

    def key(self, kind: str, checkpoint: str, slice_name: str) -> str:
        """Cache key of a table."""
        from jepa_claims.worlds.checkpoints import checkpoint_identity

        spec = self.world.checkpoint(checkpoint)
        parts = {
            "kind": kind, "checkpoint": checkpoint_identity(spec, self.cache_dir), "slice": slice_name,
            "manifest": self.manifest(slice_name).sha256, "conventions": self.conv.as_dict(),
            "dtype": str(self.dtype) + ("+tf32" if self.tf32 else ""), "code": code_version(),
        }
        if spec.discover_roles and kind not in DEPTH_ONLY:  # measured at discovered roles, not the depth's
            parts["roles"] = asdict(self.roles(checkpoint))
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:24]

    def path(self, kind: str, checkpoint: str, slice_name: str) -> Path:
        """Where the table lives in the cache."""
        if kind not in PROTOCOLS:
            raise ValueError(f"unknown table kind {kind!r}; known: {sorted(PROTOCOLS)}")
        name = f"{kind}-{checkpoint}-{slice_name}-{self.key(kind, checkpoint, slice_name)}{SUFFIX}"
        return self.cache_dir / "tables" / name

    def cached(self, kind: str, checkpoint: str, slice_name: str) -> pd.DataFrame | None:
        """The table if a sound copy is already in the cache, else None (never computes, never moves a file)."""
        return _sound(self.path(kind, checkpoint, slice_name))

    def table(self, kind: str, checkpoint: str, slice_name: str) -> pd.DataFrame:
        """The table, from the cache or computed now (under a lock shared by all workers).

        A damaged cached table (hash mismatch, unreadable) is moved aside and computed again; the
        model-work log names it and why, so the record's provenance says what was recomputed.
        """
        path = self.path(kind, checkpoint, slice_name)
        frame = _sound(path)
        if frame is not None:
            return frame
        together = self._together(kind, checkpoint, slice_name)
        if len(together) > 1:
            self._compute_together(together, checkpoint, slice_name)
            frame = _sound(path)
            if frame is not None:
                return frame
        with FileLock(str(path) + ".lock"):
            try:
                frame, repair = read_table(path), None
            except DamagedTable as damage:
                frame, repair = None, {"reason": str(damage), "moved_to": str(move_aside(path).relative_to(self.cache_dir))}
            if frame is None:
                frame = self._compute(kind, checkpoint, slice_name, path, repair)
        return frame

    def _compute(self, kind: str, checkpoint: str, slice_name: str, path: Path, repair: dict | None) -> pd.DataFrame:
        """Run the protocol, store the table, log the model work it took (and the repair it made, if any)."""
        encoder = self.encoder(checkpoint)
        inputs = self.inputs(checkpoint, slice_name)
        before, retried, started, start = COUNTER.blocks, COUNTER.retries, time.perf_counter(), time.time()
        with self._progress([(kind, self.conv)], checkpoint, slice_name, len(inputs.images), encoder), \
                float32_maths(self.tf32), _naming(kind, checkpoint, slice_name, path):
            frame = average_draws(PROTOCOLS[kind](encoder, self.roles(checkpoint), inputs, self.conv, self.batch_size))
        work = Measured(frame, COUNTER.blocks - before, time.perf_counter() - started, COUNTER.retries - retried)
        self._store(kind, checkpoint, slice_name, path, work, repair, start)
        self.release_done()
        return read_table(path)

    def _store(self, kind: str, checkpoint: str, slice_name: str, path: Path, work: Measured, repair: dict | None,
               start: float) -> None:
        """Write a computed table and log the model work it took (forward batches halved after out-of-memory errors
        included), which worker did it from when to when (wall clock, seconds since the epoch), and the repair it made,
        if any."""
        write_table(path, work.frame)
        entry = {"run": self.run_id, "table": path.name, "kind": kind, "checkpoint": checkpoint, "slice": slice_name,
                 "blocks": work.blocks, "forwards": work.blocks / self.encoder(checkpoint).depth,
                 "seconds": round(work.seconds, 3), "oom_retries": work.retries,
                 "worker": self.worker, "start": round(start, 3), "end": round(time.time(), 3)}
        append_entry(self.cache_dir, entry | (repair or {}))

    def _together(self, kind: str, checkpoint: str, slice_name: str) -> list[Table]:
        """The table and the others the run wants that share its runs (SHARED kinds of this checkpoint and slice,
        under conventions with this one's `forward`) and are not cached yet, in `together_order`."""
        if kind not in SHARED:
            return [(kind, self.conv)]
        source = self.world.checkpoint(checkpoint).source
        others = {(k, conv) for k, s, name, conv in self.wanted if k in SHARED and s == source and name == slice_name
                  and conv.forward == self.conv.forward and (k, conv) != (kind, self.conv)}
        return together_order([(kind, self.conv)] + [(k, conv) for k, conv in others
                                                    if self._over(conv).cached(k, checkpoint, slice_name) is None])

    def _over(self, conv: Conventions) -> "TableStore":
        """This store under other conventions (one per conventions, kept)."""
        if conv == self.conv:
            return self
        if conv not in self._variants:
            self._variants[conv] = self.variant(conv=conv)
        return self._variants[conv]

    def _compute_together(self, tables: list[Table], checkpoint: str, slice_name: str) -> None:
        """Compute the tables still missing once their locks are held (lib/tables/together.py)."""
        stores = {conv: self._over(conv) for _, conv in tables}
        roles = {conv: store.roles(checkpoint) for conv, store in stores.items()}  # before any lock: discovery reads tables
        paths = {(kind, conv): stores[conv].path(kind, checkpoint, slice_name) for kind, conv in tables}
        with ExitStack() as locks:
            for path in sorted(paths.values()):  # one order for every process: no two wait on each other
                locks.enter_context(FileLock(str(path) + ".lock"))
            repairs = {table: _damage(path, self.cache_dir) for table, path in paths.items()}
            todo = [table for table in tables if repairs[table] != "sound"]
            if not todo:
                return
            encoder, inputs = self.encoder(checkpoint), self.inputs(checkpoint, slice_name)
            start = time.time()  # the tables computed together are computed over one span, group by group
            with self._progress(todo, checkpoint, slice_name, len(inputs.images), encoder), float32_maths(self.tf32):
                results = measure_together([(kind, conv, roles[conv]) for kind, conv in todo], encoder, inputs,
                                           self.batch_size)
            for (kind, conv), work in results.items():
                stores[conv]._store(kind, checkpoint, slice_name, paths[(kind, conv)],
                                    work._replace(frame=average_draws(work.frame)), repairs[(kind, conv)], start)
        self.release_done()

    def _progress(self, tables: list[Table], checkpoint: str, slice_name: str, images: int, encoder):
        """One bar for these tables (computed together), naming them, their checkpoint and slice (nothing when there
        is no stream)."""
        from contextlib import nullcontext

        from jepa_claims.engine.sites import head_count
        from jepa_claims.tables.census import table_blocks, table_progress
        from jepa_claims.tables.minimum import together_split

        if self.progress_stream is None:
            return nullcontext()
        names = " + ".join(kind + ("" if conv == self.conv else f" ({_differences(conv, self.conv)})") for kind, conv in tables)
        label = f"{names} {'tables' if len(tables) > 1 else 'table'}, {self.world.checkpoint(checkpoint).key} ({self.world.name}), {slice_name}"
        blocks = (images * sum(together_split(tables, encoder.depth).values()) if len(tables) > 1
                  else table_blocks(tables[0][0], encoder.depth, images, tables[0][1], head_count(encoder)))
        return table_progress(label, blocks, self.progress_stream)

    def inputs(self, checkpoint: str, slice_name: str) -> Inputs:
        """Prepared images and semantic masks of a slice for a checkpoint's geometry."""
        if (checkpoint, slice_name) not in self._inputs:
            from jepa_claims.tables.export import slice_inputs
            from jepa_claims.engine.masks import MASK_KINDS

            manifest = self.manifest(slice_name)
            images, jobs = slice_inputs(self.encoder(checkpoint), manifest.records, self.world.data_root, self.conv, MASK_KINDS)
            classes = {r.image_id: r.class_name for r in manifest.records}
            self._inputs[(checkpoint, slice_name)] = Inputs(images, tuple(jobs), classes)
        return self._inputs[(checkpoint, slice_name)]


@contextmanager
def _naming(kind: str, checkpoint: str, slice_name: str, path: Path) -> Iterator[None]:
    """An image too large for memory named with the table it was computed for."""
    try:
        yield
    except ImageTooLarge as error:
        raise ImageTooLarge(f"{kind} table of {checkpoint} on {slice_name} ({path.name}): {error}") from error


def _differences(conv: Conventions, base: Conventions) -> str:
    """The conventions in which `conv` differs from `base`, as name=value."""
    mine, theirs = conv.as_dict(), base.as_dict()
    return ", ".join(f"{name}={value}" for name, value in mine.items() if value != theirs[name])


def _damage(path: Path, cache_dir: Path) -> str | dict | None:
    """"sound" for a sound table, None for an absent one, the repair made for a damaged one (moved aside)."""
    try:
        return "sound" if read_table(path) is not None else None
    except DamagedTable as damage:
        return {"reason": str(damage), "moved_to": str(move_aside(path).relative_to(cache_dir))}


def _sound(path: Path) -> pd.DataFrame | None:
    """The table at `path` when it is there and sound; None when absent or damaged (then left in place)."""
    try:
        return read_table(path)
    except DamagedTable:
        return None
