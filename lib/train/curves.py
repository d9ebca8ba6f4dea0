"""The loss curve of one training run as a PNG (matplotlib, no pyplot: no display, no global state)."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from jepa_claims.cache import write_atomic


def smoothed(values: list[float], window: int) -> np.ndarray:
    """Trailing moving average (the first points average what there is)."""
    series = np.asarray(values, dtype=float)
    sums = np.cumsum(np.insert(series, 0, 0.0))
    starts = np.maximum(np.arange(1, len(series) + 1) - window, 0)
    return (sums[1:] - sums[starts]) / (np.arange(1, len(series) + 1) - starts)


def save_curve(info: dict, path: Path) -> Path:
    """Per-step loss and its 20-step average against the step, titled with objective, steps and wall time."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.2, 2.6), dpi=100, layout="constrained")
    axes = fig.add_subplot()
    steps = np.arange(1, len(info["loss"]) + 1)
    axes.plot(steps, info["loss"], color="0.75", linewidth=0.8, label="per step")
    axes.plot(steps, smoothed(info["loss"], 20), color="C0", linewidth=1.5, label="20-step mean")
    axes.set(xlabel="step", ylabel="training loss", title=f'{info["objective"]}: {info["steps"]} steps, {info["seconds"]:.0f} s')
    axes.legend(fontsize=7)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    write_atomic(Path(path), buffer.getvalue())
    return Path(path)
