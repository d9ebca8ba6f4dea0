"""The paper world on 2 CPU cores, extrapolated from measured tables at full ViT-H width (issue 15's CPU target).

Measured: the suite's own protocols (lib/tables/protocols.py, called as the table store calls them: the
depth's roles, the run's conventions, 8 mask jobs per chunk) for the semantic (drift) and rescue tables
of ijepa_1k on the first images of 8x3, one per class, on the ViT-H/14-shaped random-init I-JEPA (1280
hidden, 5120 MLP, 16 heads, 32 blocks: the real ijepa_1k shape), in float32 and in bfloat16, on one torch
thread by default (what each worker of `-n 2` has on 2 cores; bench_kernels.py compares 1 and 2 threads).
The engine's block counter gives the block evaluations each table ran, so the rate is seconds per block
evaluation under the real call pattern (clean, masked and resumed patched runs, hooks, drift arithmetic).

Extrapolated: the census's block evaluations of the whole paper world (every claim and probe on every
slice, P1's untrained seeds included) times that rate; MAE's and BEiT's ViT-B/16 blocks (197 tokens)
at the ViT-H rate scaled by their FLOPs. Two schedules: `-n 2` as the suite runs it (ijepa_1k's tables, 93%
of the work, on one worker), in wall time on this shared machine; and every core busy, all CPU seconds over
the cores (what 2 cores of one's own give at best).

Floor: the census minimum's FLOPs (each checkpoint's minimum blocks x its FLOPs per block) over 2 cores at the
best measured FLOP/s of one core (a ViT-H block's FLOPs / the fewest CPU seconds a measured table spent per
block; CPU seconds count every thread, so this is per core whatever --threads): the least time the paper
world takes on 2 such cores with no redundant work and no overhead beyond the measured tables'. Beside it the
per-core rate the 60-minute target needs; the verdict says, with these numbers, whether the target is
within reach of this CPU.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

import common

IMAGES = 3  # one per class of 8x3
KINDS = ("semantic", "rescue")
TARGET_MIN = 60.0
TARGET_CORES = 2  # the target's machine: 2 CPU cores
VITB = {"tokens": 197, "hidden": 768, "mlp": 3072}
VITH = {"tokens": 256, "hidden": 1280, "mlp": 5120}


def flops(shape: dict) -> float:
    """FLOPs of one block on one image (lib/tables/census.py Shape.flops)."""
    t, h, m = shape["tokens"], shape["hidden"], shape["mlp"]
    return 2 * t * (4 * h * h + 2 * h * m) + 4 * t * t * h


def block_flops(key: str) -> float:
    """FLOPs of one block of a checkpoint on one image: ViT-H/14 for I-JEPA, ViT-B/16 for MAE and BEiT."""
    return flops(VITH) if key.startswith("ijepa") else flops(VITB)


def census_flops(blocks: dict[str, int]) -> float:
    """FLOPs of a census column: each checkpoint's block evaluations times its FLOPs per block."""
    return sum(count * block_flops(key) for key, count in blocks.items())


def paper_blocks(column: str) -> dict[str, int]:
    """Block evaluations of the whole paper world per checkpoint as the census counts them ("computed", or its
    "minimum"), under the default conventions with three untrained seeds on every slice."""
    from jepa_claims.suite.work import census_rows

    totals: dict[str, int] = {}
    for row in census_rows("paper"):
        totals[row["checkpoint"]] = totals.get(row["checkpoint"], 0) + row[column]
    return totals


def table_inputs(encoder):
    """The table store's inputs for ijepa_1k on the first IMAGES images of 8x3 (every mask family)."""
    from jepa_claims.engine.masks import MASK_KINDS
    from jepa_claims.tables.protocols import Inputs

    records = common.slice_records("8x3", IMAGES)
    images, jobs = common.inputs(encoder, records, MASK_KINDS)
    return Inputs(images, tuple(jobs), {r.image_id: r.class_name for r in records})


def time_tables(dtype: str, threads: int) -> dict:
    """Each table's wall and CPU seconds and block evaluations in one precision; the frames, to compare them."""
    import torch

    from jepa_claims.conventions import Conventions
    from jepa_claims.engine.runs import COUNTER
    from jepa_claims.roles import Roles
    from jepa_claims.tables.protocols import PROTOCOLS

    torch.set_num_threads(threads)
    encoder = common.load(common.vith_checkpoint(), dtype)
    inputs, conv, roles = table_inputs(encoder), Conventions(), Roles.for_depth(encoder.depth)
    out = {}
    with torch.inference_mode():
        for kind in KINDS:
            before, load = COUNTER.blocks, os.getloadavg()[0]
            started, cpu = time.perf_counter(), time.process_time()
            frame = PROTOCOLS[kind](encoder, roles, inputs, conv, 8)
            out[kind] = {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                         "blocks": COUNTER.blocks - before, "frame": frame, "load": (load, os.getloadavg()[0])}
            print(dtype, kind, {k: v for k, v in out[kind].items() if k != "frame"}, file=sys.stderr, flush=True)
    return out


def max_difference(a, b) -> float:
    """Largest |difference| over the numeric columns of two tables of the same rows."""
    columns = [c for c in a.columns if pd.api.types.is_float_dtype(a[c])]
    return float(np.nanmax(np.abs(a[columns].to_numpy() - b[columns].to_numpy())))


def rates(measured: dict) -> dict[str, float]:
    """Seconds per block evaluation over both tables: wall, and CPU seconds."""
    blocks = sum(m["blocks"] for m in measured.values())
    return {clock: sum(m[clock] for m in measured.values()) / blocks for clock in ("wall", "cpu")}


def extrapolate(blocks: dict[str, int], rate: float) -> dict[str, float]:
    """Seconds of each checkpoint's blocks at the ViT-H rate (ViT-B blocks scaled by FLOPs)."""
    scale = {key: block_flops(key) / flops(VITH) for key in blocks}
    return {key: count * rate * scale[key] for key, count in blocks.items()}


def schedules(blocks: dict[str, int], rate: dict[str, float], cores: int) -> tuple[float, float]:
    """(-n 2 wall: ijepa_1k's tables on one worker, the rest on the other; every core busy: CPU seconds / cores)."""
    wall = extrapolate(blocks, rate["wall"])
    one_worker = max(wall["ijepa_1k"], sum(v for k, v in wall.items() if k != "ijepa_1k"))
    return one_worker, sum(extrapolate(blocks, rate["cpu"]).values()) / cores


def hours(seconds: float) -> str:
    """'12.3 h (738 min)'."""
    return f"{seconds / 3600:.1f} h ({seconds / 60:,.0f} min)"


@dataclass(frozen=True)
class Floor:
    """The census minimum's FLOPs against the best measured per-core rate: the least time, and the rate the target needs."""

    minimum_flops: float
    per_core_flops: float  # FLOP/s of one core: flops(VITH) / the fewest CPU seconds a measured table spent per block
    source: str  # the measured table that gave it ("bfloat16 rescue")
    cpu_per_block: float  # its CPU seconds per block
    cores: int
    target_s: float

    @property
    def floor_s(self) -> float:
        """Least seconds the census minimum takes on `cores` cores at the measured per-core rate."""
        return self.minimum_flops / (self.cores * self.per_core_flops)

    @property
    def needed_per_core(self) -> float:
        """FLOP/s each core would need for the census minimum to fit the target."""
        return self.minimum_flops / (self.cores * self.target_s)

    @property
    def within_reach(self) -> bool:
        """Whether the floor fits the target: at the measured rate, removing redundant work alone could meet it."""
        return self.floor_s <= self.target_s


def floor_argument(measured: dict, minimum: dict[str, int], cores: int = TARGET_CORES,
                   target_min: float = TARGET_MIN) -> Floor:
    """The floor of the census minimum at the best per-core rate any measured table (either precision) reached."""
    cpu_per_block = {f"{dtype} {kind}": m["cpu"] / m["blocks"] for dtype, tables in measured.items()
                     for kind, m in tables.items()}
    source = min(cpu_per_block, key=cpu_per_block.get)
    return Floor(census_flops(minimum), flops(VITH) / cpu_per_block[source], source, cpu_per_block[source],
                 cores, target_min * 60)


def floor_paragraph(floor: Floor, minimum: dict[str, int]) -> str:
    """How the floor is got, with every input: the census minimum's FLOPs, the measured rate, the division."""
    terms = ", ".join(f"{k} {v:,} x {block_flops(k) / 1e9:.2f}" for k, v in minimum.items())
    return (f"Floor: the census minimum is {floor.minimum_flops / 1e15:.2f} PFLOP (blocks x GFLOP per block: {terms}). "
            f"The best measured rate of one core is {floor.per_core_flops / 1e9:.0f} GFLOP/s ({floor.source}: a ViT-H "
            f"block's {flops(VITH) / 1e9:.2f} GFLOP in {floor.cpu_per_block * 1e3:.0f} ms of CPU). {floor.cores} cores at "
            f"that rate take at least {floor.minimum_flops / 1e15:.2f} PFLOP / ({floor.cores} x "
            f"{floor.per_core_flops / 1e9:.0f} GFLOP/s) = {floor.floor_s / 60:,.0f} min, with no redundant work at all; "
            f"{floor.target_s / 60:.0f} min needs {floor.needed_per_core / 1e9:.0f} GFLOP/s per core, "
            f"{floor.needed_per_core / floor.per_core_flops:.1f}x the measured.")


def verdict_line(best: tuple[str, str, float], floor: Floor) -> str:
    """The target's verdict, with the floor's reason it is (or is not) within reach of this CPU."""
    met = "**met**" if best[2] < TARGET_MIN else "**not met**"
    floor_text = (f"the census minimum's floor on {floor.cores} cores at the best measured "
                  f"{floor.per_core_flops / 1e9:.0f} GFLOP/s per core is {floor.floor_s / 60:,.0f} min")
    if best[2] < TARGET_MIN:
        reason = floor_text
    elif floor.within_reach:
        reason = (f"within reach: {floor_text}, inside the target, so the gap is redundant work and the slower "
                  "tables' overheads, not this CPU's speed")
    else:
        reason = (f"out of reach on this CPU: {floor_text} even with zero redundant work; the target needs "
                  f"{floor.needed_per_core / 1e9:.0f} GFLOP/s per core, {floor.needed_per_core / floor.per_core_flops:.1f}x "
                  "the measured")
    return (f"- Paper world on {floor.cores} CPU cores under {TARGET_MIN:.0f} minutes (ijepa_1k 8x3 tables at full ViT-H "
            f"width, extrapolated over the census): best extrapolation {best[2]:,.0f} min ({best[0]}, {best[1]}), "
            f"{best[2] / TARGET_MIN:.1f}x the target: {met}; {reason}.")


def measured_rows(measured: dict) -> list[tuple]:
    """One row per measured table: blocks, wall and CPU seconds, per block, load."""
    return [(dtype, kind, m["blocks"], f"{m['wall']:.1f}", f"{m['cpu']:.1f}", f"{m['wall'] / m['blocks'] * 1e3:.0f}",
             f"{m['cpu'] / m['blocks'] * 1e3:.0f}", f"{m['load'][0]:.1f} -> {m['load'][1]:.1f}")
            for dtype, tables in measured.items() for kind, m in tables.items()]


def extrapolation(measured: dict, columns: dict[str, dict[str, int]], cores: int) -> tuple[list[tuple], list[tuple]]:
    """Rows of the extrapolation table (per precision and census column) and the computed work's verdict candidates."""
    rows, verdicts = [], []
    for dtype, tables in measured.items():
        rate = rates(tables)
        for name, counts in columns.items():
            workers, ideal = schedules(counts, rate, cores)
            per = extrapolate(counts, rate["wall"])
            rows.append((dtype, name, f"{sum(counts.values()):,}", f"{rate['wall'] * 1e3:.0f} / {rate['cpu'] * 1e3:.0f}",
                         *(hours(per[k]) for k in counts), f"**{hours(workers)}**", f"**{hours(ideal)}**"))
            if name == "computed":
                verdicts += [(dtype, "-n 2 wall", workers / 60), (dtype, f"CPU s / {cores}", ideal / 60)]
    return rows, verdicts


def section(measured: dict, blocks: dict[str, int], minimum: dict[str, int], cores: int, threads: int) -> str:
    """The RESULTS.md section: measured tables, precision difference, extrapolation, floor and verdict."""
    ext_rows, verdicts = extrapolation(measured, {"computed": blocks, "census minimum": minimum}, cores)
    diffs = {kind: max_difference(measured["float32"][kind]["frame"], measured["bfloat16"][kind]["frame"]) for kind in KINDS}
    floor = floor_argument(measured, minimum)
    return "\n".join([
        *common.heading("The paper world on 2 CPU cores, extrapolated from full-width tables (issue 15)"),
        f"ijepa_1k's semantic and rescue tables on the first {IMAGES} images of 8x3 (one per class), computed by the "
        "suite's protocols as the table store calls them (8 mask jobs per chunk) on the ViT-H/14-shaped random-init "
        f"I-JEPA at full width and depth 32, {threads} torch threads; blocks are the engine's own count.",
        "",
        common.table(["dtype", "table", "block evaluations", "wall s", "CPU s", "wall ms per block", "CPU ms per block",
                      "load avg before -> after"], measured_rows(measured)),
        "",
        "bfloat16 against float32 on these tables: max |difference| " + ", ".join(f"{k} {v:.2e}" for k, v in diffs.items())
        + " (drift and rescue values).",
        "",
        census_paragraph(blocks, minimum, cores, threads),
        "",
        common.table(["dtype", "blocks", "count", "ms per block (wall / CPU)", *(f"{k} (wall)" for k in blocks),
                      f"-n {cores}", f"CPU s / {cores}"], ext_rows),
        "",
        floor_paragraph(floor, minimum),
        "",
        verdict_line(min(verdicts, key=lambda v: v[2]), floor),
    ])


def census_paragraph(blocks: dict[str, int], minimum: dict[str, int], cores: int, threads: int) -> str:
    """What the extrapolation counts: the census's blocks per checkpoint, the FLOP scaling, the two schedules."""
    return (
        f"Census of the whole paper world at commit {common.git_head()} (every claim and probe, every slice, three "
        f"untrained seeds): {sum(blocks.values()):,} block "
        "evaluations (" + ", ".join(f"{k} {v:,}" for k, v in blocks.items()) + "); MAE and BEiT at the ViT-H rate x "
        f"{flops(VITB) / flops(VITH):.3f} (their FLOPs per block). Extrapolated for the blocks the engine computes and "
        f"for the census minimum ({sum(minimum.values()):,}: every distinct run once), at the measured wall and CPU "
        f"seconds per block on {threads} thread(s). `-n {cores}`: tests of one checkpoint stay on one worker, so "
        "ijepa_1k's tables run on one worker and the other checkpoints' on the other (the slower of the two, wall "
        f"rate); every core busy: all CPU seconds over {cores} cores, what {cores} cores of one's own give at best.")


def main(argv=None) -> int:
    """Measure the two tables in both precisions, extrapolate over the census, print (and write) the section."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: what each -n 2 worker has on 2 cores)")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave RESULTS.md alone")
    args = parser.parse_args(argv)
    cores = common.machine()["cores"]
    common.data_root()
    measured = {dtype: time_tables(dtype, args.threads) for dtype in ("float32", "bfloat16")}
    body = section(measured, paper_blocks("computed"), paper_blocks("minimum"), cores, args.threads)
    return common.publish("bench_paper_cpu", body, write=not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
