"""Scaling: the engine's time on the 4x3, 8x3 and 16x3 slices grows linearly with the number of images.

ViT-H on 2 CPU cores is too slow for 84 images of the full protocol (about 37 forward equivalents
per image), so this uses a cheaper model: a ViT-S/14-shaped random-init I-JEPA (384 hidden, 12
blocks, 6 heads, 1536 MLP, 224 px, 256 tokens; about 21M parameters), with the suite's own protocols
(protocols.rescue_table_ and protocols.sweep_table, roles at depth 12: bottleneck 9, pair 9 + 10,
triple 9 + 10 + 11) on the synthetic slices, batch size auto. One process, model loaded once.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import common


def vits_checkpoint():
    from jepa_claims.engine.builders import IJEPA_GEOMETRY, build_model, save_pretrained_layout, vith14_config

    directory = common.CACHE / "ijepa-vits14-random-seed0"
    if not (directory / "model.safetensors").is_file():
        config = vith14_config(hidden_size=384, intermediate_size=1536, num_attention_heads=6, num_hidden_layers=12)
        save_pretrained_layout(build_model("ijepa", config, 0), directory, IJEPA_GEOMETRY)
    return directory


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slices", default="4x3,8x3,16x3")
    parser.add_argument("--warmup-images", type=int, default=4, help="images of the first slice run untimed first")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave RESULTS.md alone")
    args = parser.parse_args(argv)

    from jepa_claims.conventions import Conventions
    from jepa_claims.tables.protocols import Inputs, rescue_table_, sweep_table
    from jepa_claims.engine.runs import COUNTER
    from jepa_claims.roles import Roles

    conv = Conventions()
    encoder = common.load(vits_checkpoint())
    roles = Roles.for_depth(encoder.depth)
    params = sum(p.numel() for p in encoder.model.parameters())
    slices = [s for s in args.slices.split(",") if s]
    prepared = {}
    for name in slices:
        records = common.slice_records(name)
        images, jobs = common.inputs(encoder, records)
        prepared[name] = Inputs(images, tuple(jobs), {r.image_id: r.class_name for r in records})
    # Warm-up, untimed: both tables on the first images of the smallest slice (allocator, oneDNN kernels).
    first = prepared[slices[0]]
    some = list(first.images)[: args.warmup_images]
    warm = Inputs({i: first.images[i] for i in some}, tuple(j for j in first.jobs if j.image_id in some), first.classes)
    rescue_table_(encoder, roles, warm, conv, "auto")
    sweep_table(encoder, roles, warm, conv, "auto")
    rows = []
    for name in slices:
        inputs = prepared[name]
        COUNTER.reset()
        load = os.getloadavg()[0]
        wall, cpu = time.perf_counter(), time.process_time()
        late = rescue_table_(encoder, roles, inputs, conv, "auto")
        sweep = sweep_table(encoder, roles, inputs, conv, "auto")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        n = len(inputs.images)
        rows.append({"slice": name, "images": n, "jobs": len(inputs.jobs), "rows": len(late) + len(sweep), "wall": wall,
                     "cpu": cpu, "fwd": COUNTER.equivalents(encoder.depth), "load": (load, os.getloadavg()[0])})
        print(rows[-1], file=sys.stderr)

    n = np.array([r["images"] for r in rows], float)
    fits = {}
    for clock in ("wall", "cpu"):
        t = np.array([r[clock] for r in rows])
        slope, intercept = np.polyfit(n, t, 1)
        predicted = slope * n + intercept
        r2 = 1 - ((t - predicted) ** 2).sum() / ((t - t.mean()) ** 2).sum() if len(t) > 2 else float("nan")
        fits[clock] = (slope, intercept, r2, float((np.abs(t - predicted) / t).max()), (t / n).max() / (t / n).min())
    table = common.table(
        ["slice", "images", "mask jobs", "table rows", "wall s", "CPU s", "forward equivalents", "wall s per image",
         "CPU s per image", "forward equivalents per image", "load avg before -> after"],
        [(r["slice"], r["images"], r["jobs"], r["rows"], f"{r['wall']:.1f}", f"{r['cpu']:.1f}", f"{r['fwd']:.1f}",
          f"{r['wall'] / r['images']:.2f}", f"{r['cpu'] / r['images']:.2f}", f"{r['fwd'] / r['images']:.2f}",
          f"{r['load'][0]:.1f} -> {r['load'][1]:.1f}") for r in rows],
    )
    fit_lines = [f"- {clock}: time = {s:.3f} s x images {'+' if b >= 0 else '-'} {abs(b):.2f} s, R^2 = {r2:.4f}, "
                 f"largest residual {res:.1%} of the point; time per image varies by a factor {spread:.2f} across slices"
                 for clock, (s, b, r2, res, spread) in fits.items()]
    linear = fits["cpu"][2] >= 0.99 and fits["cpu"][3] <= 0.10
    body = "\n".join([
        *common.heading("Scaling: the engine on 4x3, 8x3 and 16x3"),
        f"Model: ViT-S/14-shaped random-init I-JEPA ({params / 1e6:.1f}M parameters, {encoder.depth} blocks, 384 hidden), "
        "float32 (ViT-H is too slow for 84 images of the full protocol on 2 cores). Protocol per slice: the suite's rescue "
        "table (3 groups x context/masked x object/background) and sweep table (every block's intermediate and "
        "attn.out, context-only, object masks), batch size auto.",
        "",
        table,
        "",
        "Least-squares line through the three points:",
        "",
        *fit_lines,
        "",
        f"Target (linear growth with the number of images): **{'met' if linear else 'not met'}** "
        "(judged on CPU time, which the shared machine disturbs less than wall time: a straight line fits the three "
        "points with R^2 >= 0.99 and every point within 10% of it. The slope is the marginal cost per image; the "
        "intercept is what does not grow with the slice, e.g. batches that fill better on larger slices. Forward "
        "equivalents per image are constant by construction).",
    ])
    return common.publish("bench_scaling", body, write=not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
