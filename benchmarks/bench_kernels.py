"""Kernels on this CPU for one ViT-H/14 block at 256 tokens, side by side in one run.

Variants, each timed in interleaved rounds (so load on the shared machine falls on all alike):
attention through torch's scaled_dot_product_attention ("sdpa", transformers' default) or the eager
matmul-softmax-matmul path, weights in float32 or bfloat16, 1 torch thread or every core. Two more
questions get their own measurement: OpenMP thread pinning (OMP_PROC_BIND / OMP_PLACES, which torch
reads at start, so it runs in child processes) and channels-last memory format, which only applies
to 4-d tensors: the patch embedding's convolution is the one convolution in a ViT, run once per
image where the blocks run 32 times.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch

import common

BATCH = 2  # the census's own block timing batch (lib/tables/census.py seconds_per_block)
PINNED = {"OMP_PROC_BIND": "close", "OMP_PLACES": "cores"}


def vith_block(attention: str, dtype: torch.dtype) -> torch.nn.Module:
    """One transformer block of the ViT-H/14-shaped I-JEPA with the given attention implementation."""
    from jepa_claims.engine.builders import build_model, vith14_config

    config = vith14_config(num_hidden_layers=1)
    config._attn_implementation = attention  # transformers reads it at each forward
    model = build_model("ijepa", config, seed=0).to(dtype)
    return (model.layers if hasattr(model, "layers") else model.encoder.layer)[0]


def time_call(fn, threads: int) -> tuple[float, float]:
    """(wall s, CPU s) of one call of fn under `threads` torch threads."""
    torch.set_num_threads(threads)
    started, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - started, time.process_time() - cpu


def block_variants(cores: int) -> dict[str, tuple]:
    """name -> (callable, threads) for every block variant."""
    variants = {}
    for dtype_name in ("float32", "bfloat16"):
        dtype = common.DTYPES[dtype_name]
        hidden = torch.randn(BATCH, 256, 1280).to(dtype)
        for attention in ("sdpa", "eager"):
            block = vith_block(attention, dtype)
            for threads in sorted({1, cores}):
                variants[f"{dtype_name} {attention} {threads}t"] = (lambda b=block, h=hidden: b(h), threads)
    return variants


def embed_variants(cores: int) -> dict[str, tuple]:
    """The patch embedding convolution in contiguous and channels-last memory format, float32, every core."""
    conv = torch.nn.Conv2d(3, 1280, 14, 14)
    pixels = torch.randn(BATCH, 3, 224, 224)
    last = (conv.to(memory_format=torch.channels_last), pixels.to(memory_format=torch.channels_last))
    plain = (torch.nn.Conv2d(3, 1280, 14, 14).eval(), pixels.contiguous())
    return {f"embed contiguous {cores}t": (lambda c=plain[0], x=plain[1]: c(x), cores),
            f"embed channels-last {cores}t": (lambda c=last[0], x=last[1]: c(x), cores)}


def measure(variants: dict[str, tuple], rounds: int) -> dict[str, dict[str, list[float]]]:
    """Wall and CPU seconds per call of every variant over interleaved rounds (after one warm-up each)."""
    out = {name: {"wall": [], "cpu": []} for name in variants}
    with torch.inference_mode():
        for fn, threads in variants.values():
            time_call(fn, threads)
        for _ in range(rounds):
            for name, (fn, threads) in variants.items():
                wall, cpu = time_call(fn, threads)
                out[name]["wall"].append(wall)
                out[name]["cpu"].append(cpu)
    return out


def child(pinned: bool, cores: int, rounds: int, out: Path) -> dict:
    """The float32 and bfloat16 SDPA blocks on every core in a fresh process, pinned or not."""
    env = {k: v for k, v in os.environ.items() if k not in PINNED} | (PINNED if pinned else {})
    subprocess.run([sys.executable, __file__, "--child", str(cores), "--rounds", str(rounds), "--json", str(out)],
                   cwd=common.ROOT, env=env, check=True)
    return json.loads(out.read_text())


def child_main(cores: int, rounds: int, out: Path) -> int:
    """What a pinning child measures: the SDPA block in both dtypes on `cores` threads."""
    variants = {k: v for k, v in block_variants(cores).items() if " sdpa " in k and k.endswith(f" {cores}t")}
    out.write_text(json.dumps(measure(variants, rounds)))
    return 0


def row(name: str, times: dict[str, list[float]], reference: float) -> tuple:
    """A table row: min and median wall and CPU seconds per block per image, speed against the reference."""
    per = lambda values: [v / BATCH for v in values]  # noqa: E731 - seconds per block per image
    best = min(per(times["wall"]))
    return (name, f"{best * 1e3:.0f}", f"{common.median(per(times['wall'])) * 1e3:.0f}",
            f"{min(per(times['cpu'])) * 1e3:.0f}", f"{reference / best:.2f}x")


def ratio(times: dict, slow: str, fast: str, clock: str = "wall") -> float:
    """How many times faster `fast` is than `slow` (best call of each)."""
    return min(times[slow][clock]) / min(times[fast][clock])


def findings(blocks: dict, pinned: dict, embeds: dict, cores: int) -> list[str]:
    """One line per question: how much faster each choice measured (best call, wall; CPU time beside)."""
    pairs = [(d, t) for d in ("float32", "bfloat16") for t in sorted({1, cores})]
    sdpa = ", ".join(f"{d} {t}t {ratio(blocks, f'{d} eager {t}t', f'{d} sdpa {t}t'):.2f}x "
                     f"(CPU {ratio(blocks, f'{d} eager {t}t', f'{d} sdpa {t}t', 'cpu'):.2f}x)" for d, t in pairs)
    bf16 = ", ".join(f"{a} {t}t {ratio(blocks, f'float32 {a} {t}t', f'bfloat16 {a} {t}t'):.2f}x "
                     f"(CPU {ratio(blocks, f'float32 {a} {t}t', f'bfloat16 {a} {t}t', 'cpu'):.2f}x)"
                     for a in ("sdpa", "eager") for t in sorted({1, cores}))
    threads = ", ".join(f"{d} {ratio(blocks, f'{d} sdpa 1t', f'{d} sdpa {cores}t'):.2f}x" for d in ("float32", "bfloat16"))
    pins = ", ".join(f"{d} {ratio(pinned, f'{d} sdpa {cores}t, not pinned', f'{d} sdpa {cores}t, pinned'):.2f}x"
                     for d in ("float32", "bfloat16"))
    embed = ratio(embeds, f"embed contiguous {cores}t", f"embed channels-last {cores}t")
    share = min(embeds[f"embed contiguous {cores}t"]["wall"]) / (32 * min(blocks[f"float32 sdpa {cores}t"]["wall"]))
    return [f"- SDPA against eager attention (eager time / SDPA time): {sdpa}.",
            f"- bfloat16 against float32 (float32 time / bfloat16 time): {bf16}.",
            f"- {cores} threads against 1 (SDPA block): {threads}.",
            f"- OpenMP pinning against none ({cores} threads): {pins}.",
            f"- Channels-last patch embedding against contiguous: {embed:.2f}x; the embedding is {share:.2%} of a "
            "32-block forward's time (float32), so its format cannot move a table's time measurably."]


def pinning_rows(cores: int, rounds: int) -> tuple[list[tuple], dict[str, dict]]:
    """Unpinned and pinned children alternately, twice each; every variant's calls pooled per setting."""
    pooled: dict[str, dict[str, list[float]]] = {}
    with_load = []
    for index in range(4):
        pinned = index % 2 == 1
        before = os.getloadavg()[0]
        result = child(pinned, cores, rounds, common.CACHE / "kernels-child.json")
        with_load.append((pinned, before, os.getloadavg()[0]))
        for name, times in result.items():
            slot = pooled.setdefault(f"{name}, {'pinned' if pinned else 'not pinned'}", {"wall": [], "cpu": []})
            slot["wall"] += times["wall"]
            slot["cpu"] += times["cpu"]
    return with_load, pooled


def agreement() -> float:
    """Max |difference| between the SDPA and eager block outputs (float32): the two compute the same thing."""
    hidden = torch.randn(BATCH, 256, 1280)
    with torch.inference_mode():
        return float((vith_block("sdpa", torch.float32)(hidden) - vith_block("eager", torch.float32)(hidden)).abs().max())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of every variant (default 5)")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave RESULTS.md alone")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        return child_main(args.child, args.rounds, args.json)
    common.CACHE.mkdir(parents=True, exist_ok=True)
    cores = common.machine()["cores"]
    load_before = os.getloadavg()[0]
    blocks = measure(block_variants(cores), args.rounds)
    embeds = measure(embed_variants(cores), args.rounds)
    load_mid = os.getloadavg()[0]
    pin_load, pinned = pinning_rows(cores, args.rounds)
    ref = min(blocks[f"float32 sdpa {cores}t"]["wall"]) / BATCH
    best = min(blocks, key=lambda name: min(blocks[name]["wall"]))
    header = ["variant", "min ms per block per image", "median ms", "min CPU ms", f"speed vs float32 sdpa {cores}t"]
    emb_ref = min(embeds[f"embed contiguous {cores}t"]["wall"]) / BATCH
    body = "\n".join([
        *common.heading("Kernels: one ViT-H/14 block at 256 tokens on this CPU (issue 15)"),
        f"One block of the ViT-H/14-shaped I-JEPA (1280 hidden, 5120 MLP, 16 heads) on a batch of {BATCH} images "
        f"(the census's block timing), {args.rounds} interleaved rounds after one warm-up per variant; times are "
        "per block per image. `sdpa` is transformers' default attention (torch's scaled_dot_product_attention), "
        "`eager` its matmul-softmax-matmul path; `Nt` is torch's intra-op threads.",
        "",
        common.table(header, [row(name, times, ref) for name, times in blocks.items()]),
        "",
        f"SDPA and eager agree: max |difference| of the float32 block outputs {agreement():.2e}. "
        f"Fastest variant: **{best}**. Load average (1 min) before -> after: {load_before:.1f} -> {load_mid:.1f}.",
        "",
        f"OpenMP thread pinning ({', '.join(f'{k}={v}' for k, v in PINNED.items())}), SDPA block on {cores} threads, "
        "in child processes alternately not pinned and pinned (two each, calls pooled; load average before -> after "
        "each: " + ", ".join(f"{'pinned' if p else 'not pinned'} {a:.1f} -> {b:.1f}" for p, a, b in pin_load) + "):",
        "",
        common.table(header, [row(name, times, ref) for name, times in pinned.items()]),
        "",
        "Side by side (a ratio above 1: the first named is faster):",
        "",
        *findings(blocks, pinned, embeds, cores),
        "",
        "Channels-last applies to 4-d tensors only; in a ViT that is the patch embedding's 14x14 stride-14 "
        f"convolution, run once per image (float32, {cores} threads, per image):",
        "",
        common.table(["variant", "min ms per image", "median ms", "min CPU ms", "speed vs contiguous"],
                     [row(name, times, emb_ref) for name, times in embeds.items()]),
    ])
    return common.publish("bench_kernels", body, write=not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
