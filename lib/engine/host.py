"""Where a measurement meets the host: its values read back once per forward batch, and nothing else waits for the GPU.

The drift statistics of a batch (every masked and patched run's) are computed on the device and stay there until
the batch's values are complete; `to_host` then copies them all without waiting on each (non-blocking copies into
pinned memory) and synchronises once. Each wait drains the GPU's queue before the next kernels are launched, so
waiting per statistic (or per `float()` of a device scalar) leaves the GPU idle between runs. Two quieter waits hide
in plain indexing: `tensor[list]` copies the list to the device with a blocking copy (torch synchronises the stream
after a copy from pageable memory), and so does `tensor.to(device)` from pageable memory; `take` and `to_device` make
those copies from pinned memory, without waiting.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import torch


def host_copies(values: Mapping[Hashable, torch.Tensor]) -> dict[Hashable, torch.Tensor]:
    """The tensors on the host, copied from the device with one synchronisation (CPU tensors as they are; copies from
    a GPU land in pinned memory)."""
    copies = {key: value.to("cpu", non_blocking=True) for key, value in values.items()}
    for device in {value.device for value in values.values() if value.device.type == "cuda"}:
        torch.cuda.synchronize(device)
    return copies


def to_host(values: Mapping[Hashable, torch.Tensor | np.ndarray]) -> dict[Hashable, np.ndarray]:
    """The values as numpy arrays, copied from the device with one synchronisation (none for CPU tensors)."""
    tensors = host_copies({key: value for key, value in values.items() if isinstance(value, torch.Tensor)})
    return {key: tensors[key].numpy() if key in tensors else value for key, value in values.items()}


def to_device(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    """A host tensor on `device` without waiting for the GPU (a non-blocking copy from pinned memory)."""
    if torch.device(device).type != "cuda":
        return tensor.to(device)
    return tensor.pin_memory().to(device, non_blocking=True)


def take(tensor: torch.Tensor, dim: int, index: Sequence[int]) -> torch.Tensor:
    """`tensor` at positions `index` along `dim` (a copy, as `tensor[..., index]` is), its index sent without waiting."""
    return tensor.index_select(dim, to_device(torch.tensor(list(index), dtype=torch.long), tensor.device))
