"""Measured values brought to the host once per forward batch: the one point where a measurement waits for the GPU.

The drift statistics of a batch (every masked and patched run's) are computed on the device and stay there until
the batch's values are complete; `to_host` then copies them all without waiting on each (non-blocking copies into
pinned memory) and synchronises once. Each wait drains the GPU's queue before the next kernels are launched, so
waiting per statistic (or per `float()` of a device scalar) leaves the GPU idle between runs.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np
import torch


def host_copies(values: Mapping[Hashable, torch.Tensor], *, copy: bool = False) -> dict[Hashable, torch.Tensor]:
    """The tensors on the host, copied from the device with one synchronisation (none for CPU tensors; `copy`: CPU
    tensors copied too, so a kept view does not hold its whole batch alive)."""
    copies = {key: value.to("cpu", non_blocking=True, copy=copy) for key, value in values.items()}
    for device in {value.device for value in values.values() if value.device.type == "cuda"}:
        torch.cuda.synchronize(device)
    return copies


def to_host(values: Mapping[Hashable, torch.Tensor | np.ndarray]) -> dict[Hashable, np.ndarray]:
    """The values as numpy arrays, copied from the device with one synchronisation (none for CPU tensors)."""
    tensors = host_copies({key: value for key, value in values.items() if isinstance(value, torch.Tensor)})
    return {key: tensors[key].numpy() if key in tensors else value for key, value in values.items()}
