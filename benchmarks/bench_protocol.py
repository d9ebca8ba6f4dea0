"""Issue 6: the paper's causal protocol for one checkpoint on one slice, three ways, on 2 CPU cores.

Model: the ViT-H/14-shaped random-init I-JEPA. Data: the first images (one per class, round robin)
of the synthetic 4x3 slice in the official Oxford-IIIT Pet layout; object and zero-overlap background
masks through the suite's own export path.

Protocols
- late window: the rescue runs of Table 2: groups single (29.intermediate), pair (+ 30.intermediate),
  triple (+ 30.attn.out + 31.attn.out), modes context-only and masked-only, object and background masks.
- full: the late window plus the depth sweep (every block's intermediate and attn.out alone,
  context-only, object masks), as the suite's rescue and sweep tables compute them.

Variants, each in its own process (so that each has its own peak memory):
- naive: what the paper describes: for every (image, mask, group, mode), a clean forward with plain
  forward hooks capturing the sites, a masked forward and a patched forward, each a full HF forward of
  one image (output_hidden_states=True). Run on the late window only (the sweep would need 192 full
  forwards per image).
- engine: the suite (measure.rescue_table: cached clean activations, resume, batch size "auto").
- nnsight: the same protocol written with nnsight (NNsight wrapper of the HF model): one clean trace
  per chunk saving the sites and late hidden states, one masked trace, one patched trace per group and
  mode; every trace is a full forward (nnsight runs the model's own forward: it cannot resume).

The FLOP floor is the matmul work the protocol cannot avoid (one clean forward per image, one masked
forward per mask, and the patched blocks from each group's first block on) divided by this machine's
throughput on the model's own matmul shapes, measured in the same run (before and after the variants).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

import common
from protocol_variants import LATE_MODES, engine_run, late_groups, naive_late, nnsight_run, sweep_groups

VARIANTS = ("naive", "engine", "nnsight")


# ------------------------------------------------------------------------------------------ child

def child(args) -> int:
    """Run one variant on both protocols; write timings, counts, memory and results as JSON."""
    from jepa_claims.engine.batching import auto_batch_size, encoder_item_bytes
    from jepa_claims.conventions import Conventions
    from jepa_claims.engine.runs import run

    conv = Conventions()
    encoder = common.load(Path(args.checkpoint), args.dtype)
    images, jobs = common.inputs(encoder, common.slice_records("4x3", args.images))
    objects = [j for j in jobs if j.mask == "object"]
    with torch.inference_mode():  # warm-up: one forward of one image, same for every variant
        run(encoder, next(iter(images.values()))[None].to(common.DTYPES[args.dtype]))
    result = {"variant": args.child, "rss_after_load": common.rss_bytes(), "jobs": len(jobs), "images": len(images)}
    sweep = sweep_groups(encoder.depth)
    parts = {"late": (jobs, late_groups(encoder.depth), LATE_MODES), "sweep": (objects, sweep, ("context",))}
    if args.child == "naive":
        parts.pop("sweep")
    all_sites = list(dict.fromkeys(s for _, groups, _ in parts.values() for g in groups for s in g))
    batch = auto_batch_size(encoder, all_sites)
    result["batch"] = batch
    result["item_bytes"] = {name: encoder_item_bytes(encoder, list(dict.fromkeys(s for g in groups for s in g)))
                            for name, (_, groups, _) in parts.items()}
    wrapped = None
    if args.child == "nnsight":
        from nnsight import NNsight

        wrapped = NNsight(encoder.model)
    s = common.shapes(encoder)
    batches = sorted({1, len(images), len(jobs)})
    dtype = common.DTYPES[args.dtype]
    for name, (part_jobs, groups, modes) in parts.items():
        # Matmul throughput right before and after the part: the floor under the same load as the part.
        around = [common.matmul_throughput(s, b, dtype, seconds=0.3) for b in batches]
        load_before = os.getloadavg()[0]
        with common.count_blocks(encoder) as counted:
            wall, cpu = time.perf_counter(), time.process_time()
            if args.child == "naive":
                values = naive_late(encoder, images, part_jobs, conv)
            elif args.child == "engine":
                values = engine_run(encoder, images, part_jobs, groups, modes, conv, "auto")
            else:
                values = nnsight_run(wrapped, encoder, images, part_jobs, groups, modes, conv, batch)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        load_after = os.getloadavg()[0]
        around += [common.matmul_throughput(s, b, dtype, seconds=0.3) for b in batches]
        result[name] = {"wall_s": wall, "cpu_s": cpu, "blocks": counted["blocks"], "peak_rss": common.peak_rss_bytes(),
                        "load_before": load_before, "load_after": load_after, "values": values,
                        "rates": common.best_rates(around)}
        print(f"{args.child} {name}: {wall:.1f} s wall, {cpu:.1f} s cpu, {counted['blocks'] / encoder.depth:.2f} forward equivalents",
              file=sys.stderr)
    result["shapes"] = s
    Path(args.json).write_text(json.dumps(result))
    return 0


# ----------------------------------------------------------------------------------------- parent

def floor_counts(s: dict, images: int, masks: int, objects: int) -> dict[str, tuple[float, float]]:
    """(full forwards, patched blocks) the protocols cannot avoid."""
    depth = s["depth"]
    late_blocks = masks * len(LATE_MODES) * sum(depth - min(g.block for g in group) for group in late_groups(depth))
    sweep_blocks = objects * sum(2 * (depth - b) for b in range(depth))
    return {"late": (images + masks, late_blocks), "full": (images + masks, late_blocks + sweep_blocks)}


def parent(args) -> int:
    checkpoint = test_checkpoint() if args.model == "test" else common.vith_checkpoint()
    common.data_root()
    variants = [v for v in VARIANTS if v not in args.skip]
    started = time.perf_counter()
    machine = common.machine()
    encoder = common.load(checkpoint, args.dtype)  # memory-mapped: only for the shapes
    s = common.shapes(encoder)
    del encoder
    jobs = 2 * args.images
    dtype = common.DTYPES[args.dtype]
    batches = sorted({1, args.images, jobs})
    # Matmul throughput at one image, at the clean chunk and at the masked chunk, before and after the
    # variants; the floor takes each shape's best rate (the most demanding floor).
    rate_sets = [common.matmul_throughput(s, b, dtype) for b in batches]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for variant in variants:
            cmd = [str(Path(__file__)), "--child", variant, "--checkpoint", str(checkpoint), "--images", str(args.images),
                   "--dtype", args.dtype]
            results[variant] = common.run_child(cmd, Path(tmp) / f"{variant}.json")
    rate_sets += [common.matmul_throughput(s, b, dtype) for b in batches]
    rates = common.best_rates(rate_sets)
    total = time.perf_counter() - started
    body = report(args, machine, results, s, rates, total)
    return common.publish("bench_protocol" if args.model == "vith14" else "bench_protocol_test", body, write=not args.no_write)


def test_checkpoint() -> Path:
    """A narrow depth-32 I-JEPA (hidden 64) with the same block indices, for a quick smoke run."""
    from jepa_claims.engine.builders import IJEPA_GEOMETRY, build_model, save_pretrained_layout, vith14_config

    directory = common.CACHE / "ijepa-depth32-narrow-seed0"
    if not (directory / "model.safetensors").is_file():
        config = vith14_config(hidden_size=64, intermediate_size=128, num_attention_heads=4)
        save_pretrained_layout(build_model("ijepa", config, 0), directory, IJEPA_GEOMETRY)
    return directory


def report(args, machine, results, s, rates, total) -> str:
    images = results[next(iter(results))]["images"]
    jobs = results[next(iter(results))]["jobs"]
    objects = jobs // 2
    counts = floor_counts(s, images, jobs, objects)
    depth = s["depth"]
    floors = {p: common.floor_seconds(s, full, blocks, rates["wall"]) for p, (full, blocks) in counts.items()}
    cpu_floors = {p: common.floor_seconds(s, full, blocks, rates["cpu"]) for p, (full, blocks) in counts.items()}
    floor_fwd = {p: full + blocks / depth for p, (full, blocks) in counts.items()}

    def near_floor(variant, protocol, clock):
        """The floor at the matmul rates measured just before and after this variant's parts."""
        r = results[variant]
        if protocol == "late":
            return common.floor_seconds(s, *counts["late"], r["late"]["rates"][clock])
        late_full, late_blocks = counts["late"]
        full_full, full_blocks = counts["full"]
        return (common.floor_seconds(s, late_full, late_blocks, r["late"]["rates"][clock])
                + common.floor_seconds(s, full_full - late_full, full_blocks - late_blocks, r["sweep"]["rates"][clock]))

    def part(variant, protocol):
        r = results.get(variant)
        if r is None or (protocol == "full" and "sweep" not in r):
            return None
        if protocol == "late":
            return r["late"]["wall_s"], r["late"]["cpu_s"], r["late"]["blocks"] / depth, r["late"]["peak_rss"]
        late, sweep = r["late"], r["sweep"]
        return (late["wall_s"] + sweep["wall_s"], late["cpu_s"] + sweep["cpu_s"],
                (late["blocks"] + sweep["blocks"]) / depth, sweep["peak_rss"])

    rows = []
    for protocol in ("late", "full"):
        for variant in VARIANTS:
            m = part(variant, protocol)
            if m is None:
                why = "not run (the sweep alone would be 192 full forwards per image)" if variant == "naive" else "skipped"
                rows.append((protocol, variant, why, "", "", "", "", "", "", ""))
                continue
            wall, cpu, fwd, peak = m
            rows.append((protocol, variant, f"{wall:.1f}", f"{cpu:.1f}", f"{fwd:.2f}", f"{peak / common.GIB:.2f}",
                         f"{(peak - results[variant]['rss_after_load']) / common.GIB:.2f}", f"{wall / floors[protocol]:.2f}x",
                         f"{cpu / cpu_floors[protocol]:.2f}x",
                         f"{wall / near_floor(variant, protocol, 'wall'):.2f}x / {cpu / near_floor(variant, protocol, 'cpu'):.2f}x"))
        rows.append((protocol, "FLOP floor", f"{floors[protocol]:.1f}", f"{cpu_floors[protocol]:.1f}", f"{floor_fwd[protocol]:.2f}",
                     "", "", "1.00x", "1.00x", ""))

    # Agreement of the values between variants (rescue of every image x mask x group x mode).
    agree = []
    engine = results.get("engine")
    for variant in ("naive", "nnsight"):
        if engine is None or variant not in results:
            continue
        for protocol in ("late", "sweep"):
            if protocol not in results[variant]:
                continue
            a, b = results[variant][protocol]["values"], engine[protocol]["values"]
            diff = max(abs(a[k] - b[k]) for k in b) if a.keys() == b.keys() else float("nan")
            agree.append(f"{variant} vs engine, {protocol}: {len(b)} rescue values, max |difference| {diff:.2e}")

    verdicts = []
    late = {v: part(v, "late") for v in VARIANTS}
    full = {v: part(v, "full") for v in VARIANTS}
    if late["naive"] and late["engine"]:
        speed = late["naive"][0] / late["engine"][0]
        verdicts.append(f"- Late window, engine >= 8x faster than naive: measured {speed:.2f}x wall "
                        f"({late['naive'][1] / late['engine'][1]:.2f}x CPU time, "
                        f"{late['naive'][2] / late['engine'][2]:.2f}x in forward equivalents): "
                        f"**{'met' if speed >= 8 else 'not met'}**.")
    if full["engine"]:
        ratio = full["engine"][0] / floors["full"]
        cpu_ratio = full["engine"][1] / cpu_floors["full"]
        verdicts.append(f"- Full protocol, engine within 1.5x of the FLOP floor: measured {ratio:.2f}x in wall time "
                        f"({full['engine'][0]:.1f} s vs {floors['full']:.1f} s), {cpu_ratio:.2f}x in CPU time "
                        f"({full['engine'][1]:.1f} s vs {cpu_floors['full']:.1f} s): "
                        f"**{'met' if ratio <= 1.5 else 'not met'}** (wall), **{'met' if cpu_ratio <= 1.5 else 'not met'}** (CPU); "
                        f"against the floor at the matmul rates measured just before and after the engine's parts (same load): "
                        f"{full['engine'][0] / near_floor('engine', 'full', 'wall'):.2f}x wall, "
                        f"{full['engine'][1] / near_floor('engine', 'full', 'cpu'):.2f}x CPU.")
    if full["engine"] and full["nnsight"]:
        speed = full["nnsight"][0] / full["engine"][0]
        verdicts.append(f"- Full protocol, engine faster than nnsight: measured {speed:.2f}x "
                        f"({full['nnsight'][0]:.1f} s vs {full['engine'][0]:.1f} s): **{'met' if speed > 1 else 'not met'}**.")
    loads = ", ".join(f"{v} {r[p]['load_before']:.1f} -> {r[p]['load_after']:.1f}" for v, r in results.items()
                      for p in ("late", "sweep") if p in r)
    engine_r = results.get("engine", {})
    engine_mem = (engine_r["sweep"]["peak_rss"] - engine_r["rss_after_load"]) if "sweep" in engine_r else 0
    item = engine_r.get("item_bytes", {})
    rate_text = ", ".join(f"{k} {v / 1e9:.0f}" for k, v in rates["wall"].items())
    cpu_rate_text = ", ".join(f"{k} {v / 1e9:.0f}" for k, v in rates["cpu"].items())
    lines = [
        *common.heading("Protocol (issue 6): naive hooks vs the engine vs nnsight, and the FLOP floor",
                        f" (whole run {total / 60:.1f} min).", machine_info=machine),
        f"Model: {'ViT-H/14-shaped' if args.model == 'vith14' else 'narrow depth-32 (smoke test)'} random-init I-JEPA, {args.dtype}. Data: {images} images of the synthetic 4x3 slice "
        f"(one per class), object + zero-overlap background masks ({jobs} mask jobs). Late window: 3 groups x "
        f"{len(LATE_MODES)} modes x {jobs} masks = {3 * len(LATE_MODES) * jobs} patched runs. Full: late window plus the "
        f"depth sweep, {2 * depth} single sites x {objects} object masks, context-only (the suite's rescue and "
        f"sweep tables, each with its own clean and masked runs).",
        "",
        common.table(["protocol", "variant", "wall s", "CPU s", "forward equivalents", "peak RSS GiB",
                      "peak above loaded model GiB", "wall / floor", "CPU / floor",
                      "wall / CPU vs floor at rates measured around this part"], rows),
        "",
        "Forward equivalents are counted, not computed: a pre-hook on every block counts block evaluations "
        "(batch items x blocks), divided by the depth (32). Peak RSS is the process's ru_maxrss (each variant in "
        "its own process; it includes the memory-mapped weights, about 2.4 GiB in float32); the next column "
        "subtracts the RSS right after loading. The full protocol's peak is that of the whole process.",
        "",
        f"FLOP floor: {floor_fwd['late']:.2f} (late) and {floor_fwd['full']:.2f} (full) forward equivalents of "
        f"matmuls (clean forward per image, masked forward per mask, patched blocks from each group's first "
        f"block), at this machine's measured matmul throughput on the model's shapes, best of batch 1 and the "
        f"engine's chunk (GFLOP per wall second: {rate_text}; per CPU second: {cpu_rate_text}); softmax, LayerNorm, "
        f"GELU and the patch embedding are left out, so the floor is a lower bound. The CPU-time floor divides the "
        f"same FLOPs by FLOP per CPU second of this process, which a busy machine disturbs less than wall time.",
        "",
        f"Engine batch size chosen from memory: {engine_r.get('batch', '-')} mask jobs per chunk "
        f"(estimate per job: late window {item.get('late', 0) / common.MIB:.0f} MiB, sweep "
        f"{item.get('sweep', 0) / common.MIB:.0f} MiB; capped at the slice's {jobs} jobs). Measured: the engine's peak "
        f"above the loaded model was {engine_mem / common.MIB:.0f} MiB for {min(engine_r.get('batch', 0), jobs)} jobs, "
        f"against an estimate of {min(engine_r.get('batch', 0), jobs) * max(item.values(), default=0) / common.MIB:.0f} MiB.",
        "",
        "Agreement: " + "; ".join(agree) + ".",
        "",
        f"Load average (1 min) before -> after each part: {loads}. The machine is shared with other work; "
        f"CPU time is given beside wall time for that reason.",
        "",
        "Targets:",
        "",
        *verdicts,
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=2, help="images of the 4x3 slice, one per class (default 2)")
    parser.add_argument("--dtype", choices=sorted(common.DTYPES), default="float32")
    parser.add_argument("--model", choices=["vith14", "test"], default="vith14",
                        help="vith14: the ViT-H/14-shaped model; test: a narrow depth-32 model for a smoke run")
    parser.add_argument("--skip", nargs="*", default=[], choices=VARIANTS, help="variants to leave out")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave RESULTS.md alone")
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--checkpoint", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return child(args) if args.child else parent(args)


if __name__ == "__main__":
    sys.exit(main())
