"""Shared pieces of the benchmarks: the machine, the ViT-H-shaped checkpoint, data, counters, FLOPs, RESULTS.md.

Benchmarks run as scripts (`python benchmarks/bench_*.py`); this file sits beside them on sys.path.
"""
from __future__ import annotations

import json
import os
import platform
import re
import resource
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import torch
import transformers

from jepa_claims.engine.models import DTYPES

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "RESULTS.md"
CACHE = ROOT / ".cache" / "benchmarks"
VITH_SEED = 0
GIB = 1 << 30
MIB = 1 << 20


# ----------------------------------------------------------------------------------------- machine

def machine() -> dict:
    """What ran the benchmark: CPU, cores, memory, library versions, torch threads."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        flags = next((l for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("flags")), "")
    except OSError:
        flags = ""
    isa = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if re.search(rf"\b{f}\b", flags)]
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpu": cpu,
        "isa": ",".join(isa) or "-",
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": round(total / GIB, 1),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "torch_threads": torch.get_num_threads(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none",
    }


def machine_line(m: dict | None = None) -> str:
    """One line describing the machine, for RESULTS.md."""
    m = m or machine()
    return (f"{m['cpu']} ({m['isa']}), {m['cores']} cores, {m['memory_gib']} GiB RAM, GPU: {m['gpu']}; "
            f"Python {m['python']}, torch {m['torch']} ({m['torch_threads']} threads), transformers {m['transformers']}")


def git_head() -> str:
    """The checkout's commit (short), for figures that change with the code (the census), or 'unknown'."""
    run = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    return run.stdout.strip() or "unknown"


def command_line() -> str:
    """The command that ran this script, as it could be typed again from the repository root."""
    script = Path(sys.argv[0]).resolve()
    try:
        script = script.relative_to(ROOT)
    except ValueError:
        pass
    return " ".join([".venv/bin/python", str(script), *map(shlex.quote, sys.argv[1:])])


def heading(title: str, note: str = "", machine_info: dict | None = None) -> list[str]:
    """A section's first lines: its title, when and by what command it was measured (plus note), the machine."""
    return [f"## {title}", "", f"Measured {stamp()} with `{command_line()}`{note}", "",
            f"Machine: {machine_line(machine_info)}.", ""]


# -------------------------------------------------------------------------------------- memory

def rss_bytes() -> int:
    """Resident set size of this process now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far (Linux ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_child(args: Sequence[str], out: Path) -> dict:
    """Run this interpreter on `args` in a fresh process (own peak memory); return the JSON it wrote to `out`."""
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, *args, "--json", str(out)], cwd=ROOT)
    if completed.returncode != 0:
        raise RuntimeError(f"child {' '.join(args)} failed with exit code {completed.returncode}")
    result = json.loads(out.read_text())
    result["process_wall_s"] = time.perf_counter() - started
    return result


# ---------------------------------------------------------------------------------- checkpoints

def vith_checkpoint() -> Path:
    """A ViT-H/14-shaped random-init I-JEPA (seed 0) saved once as a hub-like checkpoint directory."""
    from jepa_claims.cache import build_once
    from jepa_claims.engine.builders import IJEPA_GEOMETRY, build_model, save_pretrained_layout, vith14_config

    directory = CACHE / f"ijepa-vith14-random-seed{VITH_SEED}"

    def build(folder: Path) -> None:
        print(f"building the ViT-H-shaped random-init I-JEPA into {directory} (once)", file=sys.stderr)
        save_pretrained_layout(build_model("ijepa", vith14_config(), VITH_SEED), folder, IJEPA_GEOMETRY)

    return build_once(directory, build)


def load(directory: Path, dtype: str = "float32"):
    """Load a checkpoint directory as an Encoder."""
    from jepa_claims.engine.models import load_encoder

    return load_encoder(str(directory), dtype=DTYPES[dtype])


# ----------------------------------------------------------------------------------------- data

def data_root() -> Path:
    """Synthetic scenes in the official Oxford-IIIT Pet / VOC layouts (written once, deterministic)."""
    from jepa_claims.cache import build_once
    from jepa_claims.data.synthetic import write_all

    return build_once(CACHE / "data", lambda folder: write_all(folder, seed=0))


def slice_records(slice_name: str, images: int | None = None) -> list:
    """Records of a slice; with `images`, that many spread over the classes (round robin, manifest order)."""
    from jepa_claims.data.slices import load_slice

    records = list(load_slice(slice_name, data_root()).records)
    if images is None:
        return records
    by_class: dict = {}
    for record in records:
        by_class.setdefault(record.class_name, []).append(record)
    order = [r for rank in range(max(map(len, by_class.values()))) for group in by_class.values() if rank < len(group) for r in [group[rank]]]
    return order[:images]


def inputs(encoder, records, kinds=("object", "background")):
    """(images, jobs) for the records, through the suite's own export path."""
    from jepa_claims.conventions import Conventions
    from jepa_claims.tables.export import slice_inputs

    return slice_inputs(encoder, records, data_root(), Conventions(), kinds)


# -------------------------------------------------------------------------------------- counting

@contextmanager
def count_blocks(encoder) -> Iterator[dict]:
    """Count block evaluations (batch items x blocks) by a pre-hook on every block of the encoder."""
    seen = {"blocks": 0}

    def hook(_module, args, kwargs=None):
        hidden = args[0] if args else next(iter((kwargs or {}).values()))
        seen["blocks"] += hidden.shape[0]

    handles = [block.register_forward_pre_hook(hook) for block in encoder.blocks]
    try:
        yield seen
    finally:
        for handle in handles:
            handle.remove()


# ----------------------------------------------------------------------------------------- FLOPs

def shapes(encoder) -> dict:
    """The encoder's sizes: hidden, mlp, heads, tokens, depth, patch."""
    config = encoder.model.config
    return {
        "hidden": encoder.hidden_size, "mlp": config.intermediate_size, "heads": config.num_attention_heads,
        "tokens": encoder.prefix_tokens + encoder.grid ** 2, "depth": encoder.depth, "patch": encoder.patch_size,
    }


def matmul_ops(s: dict) -> list[tuple[str, int, int, int, int]]:
    """(name, count per block, m, k, n) of one image's matmuls in one block: attention per head."""
    t, h, f, heads = s["tokens"], s["hidden"], s["mlp"], s["heads"]
    d = h // heads
    return [
        ("qkv", 3, t, h, h), ("o_proj", 1, t, h, h), ("fc1", 1, t, h, f), ("fc2", 1, t, f, h),
        ("scores", heads, t, d, t), ("values", heads, t, t, d),
    ]


def block_flops(s: dict) -> int:
    """Multiply-add FLOPs (2 per MAC) of one block on one image."""
    return sum(2 * count * m * k * n for _, count, m, k, n in matmul_ops(s))


def embed_flops(s: dict) -> int:
    """FLOPs of the patch embedding of one image."""
    return 2 * (s["tokens"]) * 3 * s["patch"] ** 2 * s["hidden"]


def matmul_throughput(s: dict, batch: int, dtype: torch.dtype = torch.float32, seconds: float = 0.5) -> dict[str, dict[str, float]]:
    """Measured FLOP per second of each of the model's matmul shapes at `batch` images (torch.matmul).

    {"wall": {shape: FLOP per wall second}, "cpu": {shape: FLOP per CPU second of this process}}.
    """
    rates: dict[str, dict[str, float]] = {"wall": {}, "cpu": {}}
    with torch.inference_mode():
        for name, count, m, k, n in matmul_ops(s):
            if name in ("scores", "values"):
                a = torch.randn(batch * s["heads"], m, k, dtype=dtype)
                b = torch.randn(batch * s["heads"], k, n, dtype=dtype)
                flops = 2 * batch * s["heads"] * m * k * n
            else:
                a = torch.randn(batch * m, k, dtype=dtype)
                b = torch.randn(k, n, dtype=dtype)
                flops = 2 * batch * m * k * n
            torch.matmul(a, b)  # warm-up
            calls, started, cpu = 0, time.perf_counter(), time.process_time()
            while (elapsed := time.perf_counter() - started) < seconds or calls < 3:
                torch.matmul(a, b)
                calls += 1
            rates["wall"][name] = calls * flops / elapsed
            rates["cpu"][name] = calls * flops / max(time.process_time() - cpu, 1e-9)
    return rates


def best_rates(measured: Sequence[dict]) -> dict[str, dict[str, float]]:
    """Each shape's best rate over several measurements (the most demanding floor)."""
    return {clock: {name: max(m[clock][name] for m in measured) for name in measured[0][clock]} for clock in ("wall", "cpu")}


def floor_seconds(s: dict, full_forwards: float, patched_blocks: float, rates: dict[str, float]) -> float:
    """Seconds the unavoidable matmuls take at the measured rates: full forwards plus patched blocks."""
    blocks = full_forwards * s["depth"] + patched_blocks
    per_block = sum(2 * count * m * k * n / rates[name] for name, count, m, k, n in matmul_ops(s))
    return blocks * per_block


# --------------------------------------------------------------------------------------- timing

def median(values: Sequence[float]) -> float:
    """Median of a non-empty sequence."""
    return statistics.median(values)


def fmt_s(seconds: float) -> str:
    """Seconds with sensible precision."""
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}"


# ------------------------------------------------------------------------------------ RESULTS.md

HEADER = """# Benchmarks

Every table below was measured in one run of the command printed above it, on the machine named
there; nothing is typed in by hand. To rerun everything (about 75 minutes on 2 quiet CPU cores; longer on a busy machine):

    .venv/bin/python benchmarks/run_all.py

Each section is rewritten in place by its own script (`benchmarks/bench_*.py`); `--help` lists options.
"""


def write_section(name: str, body: str, path: Path = RESULTS) -> None:
    """Replace (or append) the section between this benchmark's markers in RESULTS.md."""
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    text = path.read_text() if path.is_file() else HEADER
    block = f"{begin}\n{body.rstrip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    text = with_summary(text)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def publish(name: str, body: str, write: bool = True) -> int:
    """Print a benchmark's section and (unless told not to) write it into RESULTS.md; exit code 0."""
    print(body)
    if write:
        write_section(name, body)
    return 0


def with_summary(text: str) -> str:
    """Put (or refresh) a summary after the header: every target verdict line of every section, as measured."""
    begin, end = "<!-- BEGIN summary -->", "<!-- END summary -->"
    text = re.sub(re.escape(begin) + r".*?" + re.escape(end) + r"\n*", "", text, flags=re.S)
    lines, title = [], None
    for line in text.splitlines():
        if line.startswith("## "):
            title = line[3:]
        elif title and any(f"**{verdict}**" in line for verdict in ("met", "not met", "not measured")):
            lines.append(f"{line.lstrip('- ').rstrip()} ({title.split(':')[0]})")
    if not lines:
        return text
    block = "\n".join([begin, "## Targets at a glance", "", "Copied from the sections below (each verdict with its own run's numbers):", "",
                        *[f"- {line}" for line in lines], end])
    first = text.find("<!-- BEGIN ")
    return (text[:first] + block + "\n\n" + text[first:]) if first >= 0 else text.rstrip() + "\n\n" + block + "\n"


def stamp() -> str:
    """Date and time of a measurement (local, to the minute)."""
    return time.strftime("%Y-%m-%d %H:%M")


def table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
