"""Suite options (from the command line) and how they pick a world."""
from __future__ import annotations

import errno
import math
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from jepa_claims.worlds.extended import extended_missing, extended_world
from jepa_claims.worlds.own import own_checkpoint, split_entries, with_own
from jepa_claims.worlds.world import SLICE_DATASETS, World, paper_world, toy_world

DEFAULT_DATA_ROOT = Path("data")
DEVICE = re.compile(r"(cpu|cuda)(?::(\d+))?")
# Below this much free space at the start a run would fail halfway (the toy world alone writes ~6 MB
# of scenes and checkpoints, the paper's tables tens of MB): better to say so before any work.
MIN_FREE_BYTES = 64 * 2**20
# P1's untrained architectures per trained checkpoint: three by default, so that its diagnostic rests on
# a CI over seeds with some width to it; two at the least (an interval over one seed does not exist).
DEFAULT_UNTRAINED_SEEDS = 3
MIN_UNTRAINED_SEEDS = 2


@dataclass(frozen=True)
class SuiteOptions:
    """What `pytest claims/` was asked to do."""

    world: str = "auto"
    checkpoints: tuple[str, ...] | None = None
    slices: tuple[str, ...] | None = None
    device: str = "cpu"
    dtype: str = "float32"
    data_root: str | None = None
    cache_dir: Path = Path(".cache/jepa-claims")
    run_id: str = "local"
    skip_unreadable: bool = False
    threads: int | None = None  # torch CPU threads per process; None: the cores shared among the workers
    hf_cache: Path | None = None  # the Hugging Face hub cache (None: huggingface_hub's own)
    untrained_seeds: int = DEFAULT_UNTRAINED_SEEDS  # P1: untrained architectures (init seeds) per checkpoint
    gpu_memory: float | None = None  # GB the whole run may use of each GPU (split among its workers); None: all of it
    spread: bool = True  # --device cuda: the workers spread over the GPUs (cuda:N puts them all on one)


def worker_device(requested: str, worker: str | None, cuda_devices: int) -> str:
    """The torch device of one process: `cuda` on several GPUs gives xdist worker gwN the GPU N mod count."""
    if requested.startswith("cuda") and cuda_devices == 0:
        raise ValueError(f"--device {requested}: torch sees no CUDA device here (use --device cpu)")
    if requested != "cuda" or worker is None or cuda_devices < 2:
        return requested
    return f"cuda:{int(worker.removeprefix('gw')) % cuda_devices}"


class WorldUnavailable(RuntimeError):
    """The paper world was asked for but its checkpoints or data are missing."""


def paper_missing(data_root: Path, hf_cache: Path | None = None, checkpoints: tuple[str, ...] | None = None,
                  slices: tuple[str, ...] | None = None) -> tuple[list[str], list[str]]:
    """(missing, present) among the files the selection needs: its checkpoints' snapshots, its slices' data sets."""
    from jepa_claims.data.fetch import ARCHIVES, check_data, check_models

    world = paper_world(data_root, hf_cache).select(checkpoints, slices)
    # checkpoints=(): only the user's own checkpoints run, so only the data sets are needed
    models = {spec.source: spec.revision for spec in world.checkpoints} if checkpoints != () else {}
    datasets = {SLICE_DATASETS[name] for name in world.slices}
    status = {**check_models(hf_cache, models), **check_data(data_root, [a for a in ARCHIVES if a.dataset in datasets])}
    missing = [f"{name}: {state}" for name, state in status.items() if state != "present"]
    return missing, [name for name, state in status.items() if state == "present"]


def _incomplete(missing: list[str], options: SuiteOptions, data_root: Path) -> WorldUnavailable:
    """The error naming what the selected paper world lacks and the ways forward."""
    hf_cache = f" --hf-cache {options.hf_cache}" if options.hf_cache else ""
    return WorldUnavailable(
        "the paper world is incomplete for this selection:\n  " + "\n  ".join(missing)
        + f"\nrun `jepa-claims fetch --data-root {data_root}{hf_cache}` first, select what is present with "
        "--checkpoints/--slices, or run the toy world with --world toy"
    )


def _extended(options: SuiteOptions, data_root: Path, keys: tuple[str, ...] | None) -> World:
    """The extended world, or an error naming what the selection lacks and how to fetch it."""
    world = extended_world(data_root, options.hf_cache)
    missing = extended_missing(world.select(keys, options.slices))
    if missing:
        hf_cache = f" --hf-cache {options.hf_cache}" if options.hf_cache else ""
        raise WorldUnavailable("the extended world is incomplete for this selection:\n  " + "\n  ".join(missing)
                               + f"\nrun `jepa-claims fetch --world extended --data-root {data_root}{hf_cache}` first")
    return world


def check_device(device: str, cuda_devices: int | None = None) -> None:
    """--device names a device here: cpu, cuda, or cuda:N with N below the number of GPUs torch sees."""
    match = DEVICE.fullmatch(device)
    if match is None or (match[1] == "cpu" and match[2] not in (None, "0")):
        raise ValueError(f"--device {device}: expected cpu, cuda or cuda:N")
    if match[1] == "cuda":
        if cuda_devices is None:
            import torch

            cuda_devices = torch.cuda.device_count()
        if cuda_devices == 0 or (match[2] is not None and int(match[2]) >= cuda_devices):
            raise ValueError(f"--device {device}: torch sees {cuda_devices} CUDA device(s) here"
                             + (f" (cuda:0..cuda:{cuda_devices - 1})" if cuda_devices else " (use --device cpu)"))


def check_dtype(dtype: str) -> None:
    """--dtype names one of the engine's dtypes (checked here, not as the option's choices: those would import
    torch into every pytest run of the environment)."""
    from jepa_claims.engine.precision import PRECISIONS

    if dtype not in PRECISIONS:
        raise ValueError(f"--dtype {dtype}: choose one of {', '.join(PRECISIONS)}")


def check_gpu_memory(gigabytes: float | None) -> None:
    """--gpu-memory, when given, is a finite number of GB above 0."""
    if gigabytes is not None and not (math.isfinite(gigabytes) and gigabytes > 0):
        raise ValueError(f"--gpu-memory {gigabytes}: must be a number of GB above 0")


def check_threads(threads: int | None) -> None:
    """--threads, when given, is at least 1."""
    if threads is not None and threads < 1:
        raise ValueError(f"--threads {threads}: must be at least 1")


def check_untrained_seeds(count: int) -> None:
    """--untrained-seeds is at least MIN_UNTRAINED_SEEDS (P1's CI over seeds needs two)."""
    if count < MIN_UNTRAINED_SEEDS:
        raise ValueError(f"--untrained-seeds {count}: must be at least {MIN_UNTRAINED_SEEDS} "
                         f"(P1's difference CI is over seeds; {DEFAULT_UNTRAINED_SEEDS} by default)")


def check_tau(tau: float) -> None:
    """--tau (the onset threshold) is a finite number above 0."""
    if not (math.isfinite(tau) and tau > 0):
        raise ValueError(f"--tau {tau}: must be a finite number above 0")


def _probe_write(folder: Path) -> None:
    """Create and remove a small file in `folder`: OSError when it is read-only, full or not ours."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=".write-probe-")
    try:
        os.write(fd, bytes(4096))
        os.fsync(fd)
    finally:
        os.close(fd)
        os.unlink(name)


def check_cache_dir(path: Path, option: str = "--cache-dir") -> None:
    """The cache folder exists or can be made, takes writes, and has room to start."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option} {path}: is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        _probe_write(path)
        free = shutil.disk_usage(path).free
    except OSError as error:
        raise ValueError(f"{option} {path}: cannot write there ({error.strerror or error})") from error
    if free < MIN_FREE_BYTES:
        raise ValueError(f"{option} {path}: only {free / 2**20:.1f} MiB free, at least {MIN_FREE_BYTES // 2**20} MiB needed "
                         f"({os.strerror(errno.ENOSPC).lower()})")


def check_output_file(path: Path, option: str = "--out") -> None:
    """An output file can be written at `path`: not a folder, under folders (made later if missing) we can write."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{option} {path}: is a folder; name a file")
    existing = next(p for p in (path.parent.absolute(), *path.parent.absolute().parents) if p.exists())
    if not existing.is_dir():
        raise ValueError(f"{option} {path}: {existing} is a file, not a folder")
    try:
        _probe_write(existing)
    except OSError as error:
        raise ValueError(f"{option} {path}: cannot write in {existing} ({error.strerror or error})") from error


def check_options(options: SuiteOptions) -> None:
    """Every suite option that can be checked before any work: device, dtype, threads, GPU memory, untrained seeds, the
    cache folder."""
    check_device(options.device)
    check_dtype(options.dtype)
    check_threads(options.threads)
    check_gpu_memory(options.gpu_memory)
    check_untrained_seeds(options.untrained_seeds)
    check_cache_dir(options.cache_dir)


def resolve_world(options: SuiteOptions) -> World:
    """The world to run: paper (error if the selection's files are incomplete), toy, trained, or auto.

    auto: the paper world when the selection's files are all present, the toy world when none is, and
    an error naming what is missing when only some are (a half-fetched set-up is not silently toy).
    """
    check_options(options)
    if options.world not in ("auto", "paper", "toy", "trained", "extended"):
        raise ValueError(f"--world must be auto, paper, toy, trained or extended, got {options.world!r}")
    data_root = Path(options.data_root) if options.data_root else DEFAULT_DATA_ROOT
    keys, own = split_entries(options.checkpoints)
    own_specs = tuple(own_checkpoint(name, reference, options.hf_cache) for name, reference in own)
    if options.world == "toy":
        world = toy_world(options.cache_dir)
    elif options.world == "trained":
        from jepa_claims.worlds.trained import trained_world  # imports the training code (torch): only when asked

        world = trained_world(options.cache_dir)
    elif options.world == "extended":
        world = _extended(options, data_root, keys)
    else:
        needed = keys if keys or not own else ()
        missing, present = paper_missing(data_root, options.hf_cache, needed, options.slices)
        if not missing:
            world = paper_world(data_root, options.hf_cache)
        elif options.world == "paper" or present:
            raise _incomplete(missing, options, data_root)
        else:
            world = toy_world(options.cache_dir)
    world = with_own(world.select(keys, options.slices), keys, own_specs)
    return replace(world, skip_unreadable=options.skip_unreadable)
