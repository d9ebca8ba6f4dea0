"""Batch size from the memory available: how many mask jobs a measurement chunk may hold at once.

A chunk of `measure` keeps, per mask job (one batch item): the masked run's hidden states, a copy of
the clean run's (indexed per job), the clean run's captured sites, one patched run at a time (its
state list and the stacked trace), and the float64 temporaries of the drift statistics. Every one
of these scales with (depth + 1) x tokens x hidden (or the sites' widths), times the bytes of the
dtype: `item_bytes` adds them up. `auto_batch_size` divides a fraction of the memory available
(GPU: torch.cuda.mem_get_info; CPU: MemAvailable, capped by a cgroup limit) by that estimate.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import torch

# The share of available memory a chunk may use: the rest is headroom for the allocator's caching,
# fragmentation, the other tables a worker holds, and other processes (pytest-xdist workers).
DEFAULT_FRACTION = 0.5
# Beyond a few dozen images a batch is no faster (CPU or GPU) and only delays the first result.
DEFAULT_CAP = 32
FLOAT64 = 8


def dtype_bytes(dtype: torch.dtype) -> int:
    """Bytes per element of a torch dtype."""
    return torch.empty((), dtype=dtype).element_size()


def item_bytes(
    *,
    hidden: int,
    tokens: int,
    depth: int,
    mlp: int = 0,
    heads: int = 1,
    site_widths: Sequence[int] = (),
    dtype: torch.dtype = torch.float32,
    patched: bool = True,
) -> int:
    """Estimated peak bytes one mask job adds to a measurement chunk (model weights not included).

    hidden, tokens (prefix + patches), depth, mlp width and heads describe the encoder; site_widths
    are the widths of every captured site (the clean run keeps them, patch sources copy them);
    `patched` is False for drift tables (no patched runs, no captured sites).
    """
    e = dtype_bytes(dtype)
    trace = (depth + 1) * tokens * hidden * e  # one Trace.hidden of one item
    sites = tokens * sum(site_widths) * e
    kept = 3 * trace + sites  # masked trace, clean trace (<= one per job), clean.hidden[:, index] copy
    if patched:
        kept += 2 * trace + sites  # patched run: the state list and the stacked trace; patch sources
    # drift_profiles: clean and other cast to float64, their product, then [layers, tokens] scalars.
    drift = 3 * (depth + 1) * tokens * hidden * FLOAT64
    # One block's transient working set: qkv, attention scores and probabilities, MLP expansion.
    block = (6 * tokens * hidden + 3 * heads * tokens * tokens + 2 * tokens * max(mlp, hidden)) * e
    return int(kept + drift + block)


def encoder_item_bytes(encoder, sites: Sequence = (), *, patched: bool = True) -> int:
    """`item_bytes` for a loaded Encoder and the sites a chunk captures."""
    config = encoder.model.config
    weight = next(encoder.model.parameters())
    mlp = int(getattr(config, "intermediate_size", 0) or 0)
    widths = [mlp if site.kind in ("intermediate", "fc1") else encoder.hidden_size for site in sites]
    return item_bytes(
        hidden=encoder.hidden_size, tokens=encoder.prefix_tokens + encoder.grid ** 2, depth=encoder.depth,
        mlp=mlp, heads=int(getattr(config, "num_attention_heads", 1) or 1), site_widths=widths,
        dtype=weight.dtype, patched=patched,
    )


def _cgroup_free() -> int | None:
    """Bytes left under this process's cgroup v2 (or v1) memory limit, None when unlimited."""
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit == "max" or int(limit) >= 1 << 60:
            return None
        return max(0, int(limit) - usage)
    return None


def available_bytes(device: str | torch.device = "cpu") -> int:
    """Memory this process can still allocate on `device`."""
    device = torch.device(device)
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    free = None
    try:
        import psutil

        free = int(psutil.virtual_memory().available)
    except ImportError:
        try:
            for line in Path("/proc/meminfo").read_text().splitlines():
                if line.startswith("MemAvailable:"):
                    free = int(line.split()[1]) * 1024
                    break
        except OSError:
            pass
    if free is None:  # neither psutil nor /proc: physical pages as a last resort
        free = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    cgroup = _cgroup_free()
    return free if cgroup is None else min(free, cgroup)


def choose_batch_size(per_item: int, available: int, *, fraction: float = DEFAULT_FRACTION, cap: int = DEFAULT_CAP) -> int:
    """The largest batch whose estimate fits `fraction` of `available` bytes, in 1..cap."""
    if per_item <= 0:
        raise ValueError(f"bytes per item must be positive, got {per_item}")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    return max(1, min(cap, int(available * fraction) // per_item))


def auto_batch_size(encoder, sites: Sequence = (), *, patched: bool = True, fraction: float = DEFAULT_FRACTION,
                    cap: int = DEFAULT_CAP, available: int | None = None) -> int:
    """Batch size (mask jobs per chunk) for `encoder` from the memory available on its device."""
    if available is None:
        available = available_bytes(next(encoder.model.parameters()).device)
    return choose_batch_size(encoder_item_bytes(encoder, sites, patched=patched), available, fraction=fraction, cap=cap)


def resolve_batch_size(batch_size, encoder, sites: Sequence = (), *, patched: bool = True) -> int:
    """An explicit batch size as given; None or "auto": chosen from memory."""
    if batch_size is None or batch_size == "auto":
        return auto_batch_size(encoder, sites, patched=patched)
    if isinstance(batch_size, str):
        try:
            batch_size = int(batch_size)
        except ValueError as error:
            raise ValueError(f"batch size must be a positive integer or 'auto', got {batch_size!r}") from error
    return int(batch_size)
