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
from dataclasses import dataclass
from pathlib import Path

import torch

# The share of available memory a chunk may use: the rest is headroom for the allocator's caching,
# fragmentation, the other tables a worker holds, and other processes (pytest-xdist workers).
DEFAULT_FRACTION = 0.5
# Beyond a few dozen images a batch is no faster (CPU or GPU) and only delays the first result.
DEFAULT_CAP = 32
FLOAT64 = 8
# A table's rows are laid out chunk by chunk (rescue rows: group x mode x job within a chunk), so the row chunk
# stays at the 8 jobs every table has been computed at: computing more jobs at once leaves its rows as they were.
ROW_CHUNK = 8
GB = 10**9  # --gpu-memory is in decimal gigabytes, as cards are sold
# What a process's CUDA context holds on the card outside torch's allocator (the context and the kernels it loaded:
# about half a GB under torch 2.x on a Hopper card), taken from each worker's share before the split, so that the
# allocators' limits and the contexts together fit the card or the cap, as on a card of that size.
# benchmarks/gpu_targets.py's micro stage measures it on the card (`outside_torch_mib`).
CUDA_CONTEXT = GB // 2


@dataclass(frozen=True)
class Batch:
    """How a table batches its mask jobs: `rows` per chunk lay out its rows, `jobs` are run at once.

    jobs: a number, or "auto" (from `memory`, the bytes this process may use on its device; None: what the
    device reports free). A forward batch is a whole number of row chunks, so the rows never depend on it.
    """

    rows: int = ROW_CHUNK
    jobs: int | str = "auto"
    memory: int | None = None


def as_batch(batch_size) -> Batch:
    """A Batch from what a table was given: a Batch as it is; a number or "auto"/None runs and lays out rows alike."""
    if isinstance(batch_size, Batch):
        return batch_size
    if batch_size is None or batch_size == "auto":
        return Batch(rows=ROW_CHUNK, jobs="auto")
    size = _positive(batch_size)
    return Batch(rows=size, jobs=size)


def _positive(value) -> int:
    """A batch size as a positive int (a numeric string accepted)."""
    try:
        size = int(value)
    except ValueError as error:
        raise ValueError(f"batch size must be a positive integer or 'auto', got {value!r}") from error
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    return size


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
    # drift_profile_tensors: clean and other cast to float64, their product, then [layers, tokens] scalars.
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
    """An explicit batch size as given; None or "auto": chosen from memory; a Batch: its row chunk (what lays out
    rows; together.py groups a block's images by it)."""
    if isinstance(batch_size, Batch):
        return batch_size.rows
    if batch_size is None or batch_size == "auto":
        return auto_batch_size(encoder, sites, patched=patched)
    return _positive(batch_size)


def forward_jobs(batch: Batch, encoder, sites: Sequence = (), *, patched: bool = True) -> int:
    """Mask jobs one forward batch may hold: the Batch's number, or sized from its memory (or the device's)."""
    if batch.jobs != "auto":
        return _positive(batch.jobs)
    available = None if batch.memory is None else usable_bytes(batch.memory, next(encoder.model.parameters()).device)
    return auto_batch_size(encoder, sites, patched=patched, available=available)


def usable_bytes(budget: int, device: str | torch.device) -> int:
    """What is left of a process's memory budget on `device`: the budget less what torch holds there (CUDA),
    never more than the device reports free."""
    device = torch.device(device)
    if device.type != "cuda":
        return min(budget, available_bytes(device))
    return max(0, min(budget - torch.cuda.memory_allocated(device), available_bytes(device)))


def workers_on_device(workers: int, devices: int, index: int) -> int:
    """How many of `workers` xdist workers share device `index` (worker gwN takes device N mod `devices`)."""
    if workers < 1 or devices < 1 or not 0 <= index < devices:
        raise ValueError(f"{workers} workers on {devices} devices: no device {index}")
    return len(range(index, workers, devices)) or 1


def worker_budget(device_total: int, sharing: int, cap: int | None = None, context: int = 0) -> int:
    """Bytes one worker may use of a device `sharing` workers use: the device (or the run's cap) less each worker's
    `context` (memory the process holds outside torch's allocator), split evenly."""
    if sharing < 1:
        raise ValueError(f"a device is shared by at least one worker, got {sharing}")
    whole = device_total if cap is None else min(device_total, cap)
    if whole <= sharing * context:  # a budget of nothing would only show as every batch halving down to one image
        raise ValueError(f"{whole / GB:g} GB shared by {sharing} workers leaves nothing once each holds its "
                         f"{context / GB:g} GB outside torch's allocator (its CUDA context): give --gpu-memory more "
                         f"than {sharing * context / GB:g} GB, or run fewer workers")
    return (whole - sharing * context) // sharing


def memory_seen(device: str | torch.device) -> str:
    """What memory the device showed, for an error that says a single image does not fit."""
    device = torch.device(device)
    if device.type == "cuda":
        free, total = torch.cuda.mem_get_info(device)
        held = torch.cuda.memory_allocated(device)
        return f"{free / 2**30:.2f} GiB free of {total / 2**30:.2f} GiB on {device}, {held / 2**30:.2f} GiB held by this process"
    return f"{available_bytes(device) / 2**30:.2f} GiB available on {device}"


def process_budget(device: str, cap: int | None, workers: int, spread: bool = True) -> int | None:
    """Bytes this process may use on `device`: a GPU split evenly among the workers that share it (under the run's
    cap, if any); a CPU's free memory is shared as it goes, so there only a cap is split (None: no budget). `spread`:
    the workers were spread over the GPUs (`--device cuda`); else (`cuda:N`) they all share this one."""
    target = torch.device(device)
    if target.type != "cuda":
        return None if cap is None else worker_budget(cap, max(1, workers))
    index = target.index if target.index is not None else torch.cuda.current_device()
    sharing = sharing_workers(workers, torch.cuda.device_count(), index, spread)
    return worker_budget(torch.cuda.get_device_properties(index).total_memory, sharing, cap, CUDA_CONTEXT)


def sharing_workers(workers: int, devices: int, index: int, spread: bool) -> int:
    """How many of the run's workers share GPU `index`: its round-robin share where they were spread over the
    `devices` GPUs, else all of them."""
    return workers_on_device(max(1, workers), max(1, devices), index) if spread else max(1, workers)


def enforce_budget(device: str, budget: int | None) -> None:
    """Hold this process to its budget on a GPU (the caching allocator raises out-of-memory beyond it, which
    halves a forward batch): what makes a 16 GB cap on a larger card behave as a 16 GB card would."""
    target = torch.device(device)
    if budget is None or target.type != "cuda":
        return
    index = target.index if target.index is not None else torch.cuda.current_device()
    total = torch.cuda.get_device_properties(index).total_memory
    torch.cuda.set_per_process_memory_fraction(min(1.0, budget / total), index)
