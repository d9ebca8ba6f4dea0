"""What computing tables costs: block evaluations per table, time on this device, a bar per table.

`table_blocks` is the engine's own accounting of a table computed on its own on a cold cache (one clean run per
image, one masked run per mask, patched runs resumed at the group's first block under the layer reading);
`planned_blocks` that of the tables a run plans, where a slice's SHARED tables are computed together and read each
clean and masked run once (lib/tables/together.py). The
time estimate times one transformer block of each checkpoint's shape on the run's device and threads
(`seconds_per_block`), so it holds for a GPU and for 2 CPU cores alike. Which tables a run needs is
lib/suite/plan.py's business (it reads the claim registry).
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch

from jepa_claims.conventions import Conventions
from jepa_claims.engine.masks import draw_count
from jepa_claims.roles import Roles
from jepa_claims.tables.minimum import together_split
from jepa_claims.tables.protocols import SWEEP_KINDS
from jepa_claims.tables.together import SHARED, together_order

IMAGES = {"4x3": 12, "8x3": 24, "12x3": 36, "16x3": 48, "voc8x3": 24}  # slice name x PER_CLASS (lib/data/slices.py)
SEMANTIC_MASKS = 3  # object, bg_rect and rect per image besides the background draws (lib/engine/masks.py MASK_KINDS)
GEOMETRY_MASKS = 14  # 7 areas x 2 aspects (lib/tables/protocols.py)
PANEL_BUDGETS = 3
FOOTPRINT_MASKS = PANEL_BUDGETS * 2  # square and elongated background footprint of each budget (tables/footprints.py)


def _start(sites: tuple[str, ...], conv: Conventions, depth: int) -> int:
    """The block a patched run of these paper-numbered sites resumes at, under the layer reading."""
    return min(conv.block(int(site.split(".")[0]), depth) for site in sites)


def _pathway_patched(conv: Conventions, depth: int) -> int:
    """Blocks of the pathway table's patched runs on one image (lib/tables/pathway.py PATHWAY_RUNS)."""
    from jepa_claims.tables.pathway import PATHWAY_RUNS, pathway_groups

    groups = pathway_groups(Roles.for_depth(depth))
    return sum(depth - _start(groups[name], conv, depth) for name, _ in PATHWAY_RUNS)


def _heads_patched(conv: Conventions, depth: int, heads: int) -> int:
    """Blocks of the heads table's patched runs on one image (lib/tables/heads.py head_groups)."""
    from jepa_claims.tables.heads import head_groups

    return sum(depth - _start(sites, conv, depth) for sites in head_groups(Roles.for_depth(depth), heads).values())


def table_blocks(kind: str, depth: int, images: int, conv: Conventions, heads: int = 1) -> int:
    """Block evaluations (per image) that computing one table costs on a cold cache (heads: attention heads per block)."""
    if kind == "heads":  # P7: clean + object, then every head group resumed at its first block
        return 2 * images * depth + images * _heads_patched(conv, depth, heads)
    n, d = images, depth
    backgrounds = draw_count(conv.background)  # the random rule's draws are each a masked (and patched) run
    pair = 1 + backgrounds  # object and background jobs (rescue, proxy, mae_default)
    groups = Roles.for_depth(d).groups().values()
    patched = sum(d - _start(sites, conv, d) for sites in groups)  # the three groups, each resumed at its first block
    sweep = [conv.block(b, d) for b in conv.site_layers(d) if conv.allow_inert_sites or conv.reaches(b, d)]
    late = [b for b in Roles.for_depth(d).late_sites if conv.allow_inert_sites or conv.reaches(b, d)]
    costs = {
        "masks": 0,
        "semantic": (1 + SEMANTIC_MASKS + backgrounds) * n * d,  # clean + object, bg_rect, rect + the backgrounds
        "geometry": (1 + GEOMETRY_MASKS) * n * d,
        "rescue": (1 + pair) * n * d + 2 * pair * n * patched,  # clean + masks; groups x 2 modes x masks
        "proxy": (1 + pair) * n * d + pair * n * patched,  # clean + masks; groups, context only
        "panel": (1 + PANEL_BUDGETS) * n * d + PANEL_BUDGETS * n * patched,
        "footprints": (1 + FOOTPRINT_MASKS) * n * d + FOOTPRINT_MASKS * n * patched,  # clean + each budget x footprint
        "sweep": 2 * n * d + len(SWEEP_KINDS) * n * sum(d - block for block in sweep),  # clean + object; a site per kind per layer
        "mae_default": 3 * pair * n * d,  # three library forwards per object / background job
        "pathway": 2 * n * d + n * _pathway_patched(conv, d),  # clean + object; PATHWAY_RUNS, each resumed
        "excess": (1 + pair) * n * d + pair * len(SWEEP_KINDS) * n * sum(d - conv.block(b, d) for b in late),  # object, backgrounds
    }
    return costs[kind]


def planned_blocks(tables: list, depth: int, heads: int = 1) -> list[int]:
    """Block evaluations of each of some tables of one checkpoint (items with variant, kind, slice_name, conv) as
    the store computes them: those of SHARED of one variant and slice under conventions of one `forward` together, in
    `together_order` (the first to read a run computes it), the others each on its own (heads: attention heads per
    block)."""
    weights = lambda t: t.variant if t.variant.startswith("random:") else ""  # P1's copies are other weights
    groups: dict[tuple, list[tuple[str, Conventions]]] = {}
    for t in tables:
        if t.kind in SHARED:  # one store computes them: the same weights, slice and forward
            groups.setdefault((weights(t), t.slice_name, t.conv.forward), []).append((t.kind, t.conv))
    split = {}
    for (name, slice_name, _), members in groups.items():
        if len(members) >= 2:
            split |= {(name, slice_name, conv, kind): IMAGES[slice_name] * blocks
                      for (kind, conv), blocks in together_split(together_order(set(members)), depth).items()}
    key = lambda t: (weights(t), t.slice_name, t.conv, t.kind)
    return [split[key(t)] if key(t) in split else table_blocks(t.kind, depth, IMAGES[t.slice_name], t.conv, heads)
            for t in tables]


@dataclass(frozen=True)
class Shape:
    """What the cost of one block evaluation depends on."""

    depth: int
    tokens: int
    hidden: int
    intermediate: int
    heads: int

    @classmethod
    def from_config(cls, config: dict) -> "Shape":
        """From a checkpoint's config.json (MAE and BEiT prepend a CLS token, I-JEPA does not)."""
        grid = config["image_size"] // config["patch_size"]
        prefix = 0 if config["model_type"] == "ijepa" else 1
        return cls(config["num_hidden_layers"], grid * grid + prefix, config["hidden_size"],
                   config["intermediate_size"], config["num_attention_heads"])

    @property
    def flops(self) -> float:
        """Multiply-adds x 2 of one block on one image: q, k, v, out projections, attention, MLP."""
        t, h, m = self.tokens, self.hidden, self.intermediate
        return 2 * t * (4 * h * h + 2 * h * m) + 4 * t * t * h


def seconds_per_block(shape: Shape, device: str, dtype: torch.dtype, threads: int, batch: int = 2,
                      budget: float = 0.5) -> float:
    """Measured seconds of one block on one image: a ViT block of this shape, timed on `device` with the
    torch CPU threads one test process will have.

    The fastest of several calls (at least three, for about `budget` seconds): other load on the machine
    only ever slows a call down, so the minimum is the block's own cost.
    """
    from transformers import IJepaConfig

    from jepa_claims.engine.builders import build_model

    config = IJepaConfig(hidden_size=shape.hidden, intermediate_size=shape.intermediate, num_attention_heads=shape.heads,
                         num_hidden_layers=1, image_size=14, patch_size=14)
    model = build_model("ijepa", config, seed=0).to(device, dtype)
    block = (model.layers if hasattr(model, "layers") else model.encoder.layer)[0]
    hidden = torch.zeros(batch, shape.tokens, shape.hidden, device=device, dtype=dtype)
    timings: list[float] = []
    saved = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        _time_calls(block, hidden, device, timings, budget)
    finally:
        torch.set_num_threads(saved)
    return min(timings) / batch


def _time_calls(block, hidden: torch.Tensor, device: str, timings: list[float], budget: float) -> None:
    """Append call times of `block(hidden)` until there are three and about `budget` seconds of them."""
    with torch.inference_mode():
        block(hidden)  # warm-up: kernels, allocator
        while len(timings) < 3 or (sum(timings) < budget and len(timings) < 50):
            started = time.perf_counter()
            block(hidden)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            timings.append(time.perf_counter() - started)


@dataclass(frozen=True)
class Census:
    """The plan with its cost: per checkpoint, tables to compute, block evaluations, estimated seconds."""

    device: str
    threads: int  # torch CPU threads of each test process
    rows: tuple[dict, ...]  # one per checkpoint
    cached: int  # tables of the plan already in the cache

    @property
    def seconds(self) -> float:
        """Estimated time of the whole plan."""
        return sum(row["seconds"] for row in self.rows)

    def lines(self) -> list[str]:
        """What the run header says."""
        blocks = sum(row["blocks"] for row in self.rows)
        tables = sum(row["tables"] for row in self.rows)
        where = self.device if self.device != "cpu" else f"cpu, {self.threads} thread(s) per process"
        head = (f"jepa-claims plan: {tables} tables to compute ({self.cached} already cached), {blocks:,} block "
                f"evaluations, about {_duration(self.seconds)} of model time on {where} (one block of each shape "
                "timed here; under -n the checkpoints run side by side)")
        return [head] + [
            f"  {row['checkpoint']}: {row['tables']} tables, {row['blocks']:,} block evaluations "
            f"({row['blocks'] / row['depth']:,.0f} forward equivalents of {row['depth']} blocks, "
            f"{row['gflops']:.2f} GFLOP per block), about {_duration(row['seconds'])}"
            for row in self.rows
        ]


def _duration(seconds: float) -> str:
    """'40 s', '12 min', '3.4 h'."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def census(todo: list, configs: dict[str, dict], device: str, dtype: torch.dtype, cached: int, threads: int) -> Census:
    """Cost of the tables still to compute (items with kind, checkpoint, slice_name, conv), per checkpoint
    (configs: checkpoint key -> config.json)."""
    rows, timed = [], {}
    for key, config in configs.items():
        mine = [t for t in todo if t.checkpoint == key]
        if not mine:
            continue
        shape = Shape.from_config(config)
        blocks = sum(planned_blocks(mine, shape.depth, shape.heads))
        if shape not in timed:
            timed[shape] = seconds_per_block(shape, device, dtype, threads)
        rows.append({"checkpoint": key, "tables": len(mine), "blocks": blocks, "depth": shape.depth,
                     "gflops": shape.flops / 1e9, "seconds": blocks * timed[shape]})
    return Census(device, threads, tuple(rows), cached)


def read_config(folder) -> dict:
    """A checkpoint's config.json."""
    return json.loads((folder / "config.json").read_text())


@contextmanager
def table_progress(label: str, total: int, stream) -> Iterator[None]:
    """A progress bar for one table, following the engine's block counter from a background thread."""
    import threading

    from tqdm import tqdm

    from jepa_claims.engine.runs import COUNTER

    start, done = COUNTER.blocks, threading.Event()
    bar = tqdm(total=total, desc=label, unit="block", file=stream, leave=False, disable=None, mininterval=0.5)

    def follow() -> None:
        while not done.wait(0.5):
            bar.n = min(total, COUNTER.blocks - start)
            bar.refresh()

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        bar.close()


class TerminalStream:
    """stderr with pytest's output capture lifted for each write, so progress shows while tests run."""

    def __init__(self, capture_manager) -> None:
        self.capture = capture_manager

    def write(self, text: str) -> int:
        """Write to the real stderr."""
        import sys

        with self.capture.global_and_fixture_disabled():
            sys.stderr.write(text)
            sys.stderr.flush()
        return len(text)

    def flush(self) -> None:
        """Writes are flushed as they happen."""

    def isatty(self) -> bool:
        """tqdm draws only on a terminal: asked of the real stderr (captured, fd 2 is a file)."""
        import sys

        with self.capture.global_and_fixture_disabled():
            return sys.stderr.isatty()
