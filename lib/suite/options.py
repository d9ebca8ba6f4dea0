"""Suite options (from the command line) and how they pick a world."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from jepa_claims.worlds.world import World, paper_world, toy_world

DEFAULT_DATA_ROOT = Path("data")


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


def worker_device(requested: str, worker: str | None, cuda_devices: int) -> str:
    """The torch device of one process: `cuda` on several GPUs gives xdist worker gwN the GPU N mod count."""
    if requested.startswith("cuda") and cuda_devices == 0:
        raise ValueError(f"--device {requested}: torch sees no CUDA device here (use --device cpu)")
    if requested != "cuda" or worker is None or cuda_devices < 2:
        return requested
    return f"cuda:{int(worker.removeprefix('gw')) % cuda_devices}"


class WorldUnavailable(RuntimeError):
    """The paper world was asked for but its checkpoints or data are missing."""


def paper_missing(data_root: Path) -> list[str]:
    """What the paper world lacks here: checkpoints not in the HF cache, data sets not on disk."""
    from jepa_claims.data.fetch import check_data, check_models

    status = {**check_models(), **check_data(data_root)}
    return [f"{name}: {state}" for name, state in status.items() if state != "present"]


def resolve_world(options: SuiteOptions) -> World:
    """The world to run: paper (error if incomplete), toy, or auto (paper when complete, else toy)."""
    if options.world not in ("auto", "paper", "toy"):
        raise ValueError(f"--world must be auto, paper or toy, got {options.world!r}")
    data_root = Path(options.data_root) if options.data_root else DEFAULT_DATA_ROOT
    if options.world == "toy":
        world = toy_world(options.cache_dir)
    else:
        missing = paper_missing(data_root)
        if not missing:
            world = paper_world(data_root)
        elif options.world == "paper":
            raise WorldUnavailable(
                "the paper world is incomplete:\n  " + "\n  ".join(missing)
                + f"\nrun `jepa-claims fetch --data-root {data_root}` first"
            )
        else:
            world = toy_world(options.cache_dir)
    return replace(world.select(options.checkpoints, options.slices), skip_unreadable=options.skip_unreadable)
