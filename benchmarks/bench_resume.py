"""Issue 2: what resume saves on a late patch group, on the ViT-H/14-shaped random-init I-JEPA, CPU.

Runs, on the same batch of images (object masks from the synthetic 4x3 slice): the clean run
(capturing the group's sites), the masked run, and the patched run of the late group
29.intermediate + 30.attn.out + 31.attn.out (context-only), once resumed from the masked run's
hidden_states[29] and once from the embeddings. Repetitions are interleaved (the order alternates
every repetition) so that the machine's drift hits every variant alike. Writes its section of
benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch

import common

GROUP = "29.intermediate,30.attn.out,31.attn.out"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=2, help="images in the batch (default 2)")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repetitions (default 5)")
    parser.add_argument("--dtype", choices=sorted(common.DTYPES), default="float32")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave RESULTS.md alone")
    args = parser.parse_args(argv)

    from jepa_claims.conventions import Conventions
    from jepa_claims.engine.tabulate import masked_pixels
    from jepa_claims.engine.runs import COUNTER, SitePatch, run, select_tokens
    from jepa_claims.engine.sites import parse_sites

    encoder = common.load(common.vith_checkpoint(), args.dtype)
    images, jobs = common.inputs(encoder, common.slice_records("4x3", args.images), kinds=("object",))
    group = parse_sites(GROUP, encoder.depth)
    start = min(site.block for site in group)
    clean_pixels = torch.stack([images[job.image_id] for job in jobs]).to(common.DTYPES[args.dtype])
    tokens = torch.from_numpy(np.stack([job.tokens for job in jobs]))
    pixels = masked_pixels(encoder, clean_pixels, tokens.numpy(), Conventions())
    select = select_tokens(tokens, "context", encoder.prefix_tokens)

    state: dict = {}

    def clean():
        state["clean"] = run(encoder, clean_pixels, sites=group)

    def masked():
        state["masked"] = run(encoder, pixels)

    def patches():
        return [SitePatch(site, state["clean"].sites[site.name], select) for site in group]

    def patched_resume():
        state["resume"] = run(encoder, pixels, patches=patches(), resume=state["masked"], start=start)

    def patched_full():
        state["full"] = run(encoder, pixels, patches=patches())

    variants = {"clean": clean, "masked": masked, "patched, resumed at block %d" % start: patched_resume,
                "patched, from the embeddings": patched_full}
    names = list(variants)
    times: dict[str, list[float]] = {name: [] for name in names}
    cpu_times: dict[str, list[float]] = {name: [] for name in names}
    blocks: dict[str, int] = {}
    for name in names:  # warm-up, and the state every later call reads
        variants[name]()
    load_before = os.getloadavg()[0]
    for rep in range(args.repeats):
        # clean and masked first (the patched runs read them); the two patched runs swap every repetition.
        order = names[:2] + (names[2:] if rep % 2 == 0 else names[:1:-1])
        for name in order:
            COUNTER.reset()
            started, cpu = time.perf_counter(), time.process_time()
            variants[name]()
            times[name].append(time.perf_counter() - started)
            cpu_times[name].append(time.process_time() - cpu)
            blocks[name] = COUNTER.blocks
        print(f"repetition {rep + 1}/{args.repeats}: " + ", ".join(f"{n} {times[n][-1]:.2f}s" for n in names), file=sys.stderr)
    load_after = os.getloadavg()[0]
    difference = float((state["resume"].hidden.float() - state["full"].hidden.float()).abs().max())

    resumed, full = names[2], names[3]
    ratios = [f / r for f, r in zip(times[full], times[resumed])]
    cpu_ratios = [f / r for f, r in zip(cpu_times[full], cpu_times[resumed])]
    base = [c + m for c, m in zip(times["clean"], times["masked"])]
    protocol_ratios = [(b + f) / (b + r) for b, f, r in zip(base, times[full], times[resumed])]
    n = len(jobs)
    rows = []
    for name in names:
        t = times[name]
        rows.append((name, f"{common.median(t):.3f}", f"{min(t):.3f} - {max(t):.3f}", f"{common.median(cpu_times[name]):.3f}", blocks[name],
                     f"{blocks[name] / encoder.depth:.3f}", f"{common.median(t) / n:.3f}"))
    lines = [
        *common.heading("Resume (issue 2): a late patch group with and without resume"),
        f"Model: ViT-H/14-shaped random-init I-JEPA (1280 hidden, 32 blocks, 16 heads, 5120 MLP, 256 tokens), "
        f"{args.dtype}. Batch: {n} images (224 px) from the synthetic 4x3 slice, object masks. Patch group "
        f"`{GROUP.replace(',', ' + ')}`, context-only. {args.repeats} interleaved repetitions after one warm-up; "
        f"wall time per run of the whole batch.",
        "",
        common.table(["run", "median s", "min - max s", "median CPU s", "blocks run", "forward equivalents", "median s per image"], rows),
        "",
        common.table(["ratio (without / with resume)", "median", "min - max", "median in CPU time", "by block count"], [
            ("patched run alone", f"{common.median(ratios):.2f}x", f"{min(ratios):.2f} - {max(ratios):.2f}",
             f"{common.median(cpu_ratios):.2f}x",
             f"{blocks[full] / blocks[resumed]:.2f}x"),
            ("clean + masked + patched", f"{common.median(protocol_ratios):.2f}x",
             f"{min(protocol_ratios):.2f} - {max(protocol_ratios):.2f}", "",
             f"{(blocks['clean'] + blocks['masked'] + blocks[full]) / (blocks['clean'] + blocks['masked'] + blocks[resumed]):.2f}x"),
        ]),
        "",
        f"Resumed and full patched runs agree: max |difference| over all hidden states = {difference:.2e}.",
        "",
        f"Load average (1 min) before -> after the repetitions: {load_before:.1f} -> {load_after:.1f} "
        "(the machine is shared; the interleaving spreads the load over every variant alike).",
    ]
    body = "\n".join(lines)
    return common.publish("bench_resume", body, write=not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
