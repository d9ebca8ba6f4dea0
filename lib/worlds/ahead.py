"""P1's untrained checkpoints built ahead of need, in a process of their own, while the suite computes.

Building one is CPU work (Hugging Face init of a ViT-H, `save_pretrained`: about 10 s each), and twelve of them built
on demand left the GPU idle for each (issue 25). A separate process, not a thread: the init seeds torch's global
generator (engine/builders.py forks it per build), which a thread would share with the suite's own runs. Each folder
is built under its build lock (cache.build_once), so a test that needs one first waits for the builder to finish it,
or builds it itself where the builder has not begun it: the folder is the same either way (the same code under the
same seed), as tests/test_build_ahead.py checks by the weights' hash. On a CPU the builder would take cores from the
computing, so the suite starts it for CUDA runs only.
"""
from __future__ import annotations

import multiprocessing
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from jepa_claims.worlds.world import CheckpointSpec


def build_ahead(specs: Sequence[CheckpointSpec], cache_dir: Path) -> multiprocessing.process.BaseProcess:
    """Start a process that builds these checkpoints' folders in order (each under its build lock); returns it."""
    process = multiprocessing.get_context("spawn").Process(target=_build_all, args=(list(specs), str(cache_dir)),
                                                           name="jepa-claims-build-ahead", daemon=True)
    process.start()
    return process


def stop(process: multiprocessing.process.BaseProcess, timeout: float = 60.0) -> None:
    """Ask the builder to stop (a folder half built is removed, not left behind) and wait for it."""
    if process.is_alive():
        process.terminate()
    process.join(timeout)


def _build_all(specs: list[CheckpointSpec], cache_dir: str) -> None:
    """The builder's body: each folder in turn; a SIGTERM unwinds through build_once, which removes its half-built
    folder."""
    from jepa_claims.worlds.checkpoints import checkpoint_folder

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    for spec in specs:
        checkpoint_folder(spec, Path(cache_dir))
