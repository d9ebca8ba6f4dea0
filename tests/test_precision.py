"""Named precisions (lib/engine/precision.py) and the suite options that choose them and cap GPU memory."""
from __future__ import annotations

import math

import pytest
import torch

from jepa_claims.engine.batching import GB, process_budget
from jepa_claims.engine.precision import PRECISIONS, float32_maths, uses_tf32
from jepa_claims.suite.options import check_dtype, check_gpu_memory


def _switches() -> tuple[str, str]:
    return torch.backends.cuda.matmul.fp32_precision, torch.backends.cudnn.conv.fp32_precision


@pytest.mark.parametrize("tf32, inside", [(False, ("ieee", "ieee")), (True, ("tf32", "tf32"))])
def test_float32_maths_sets_both_switches_and_restores_them(tf32, inside):
    """float32 is IEEE in matmuls and in cuDNN's convolutions (TF32 by torch's default); tf32 turns both on."""
    before = _switches()
    with float32_maths(tf32):
        assert _switches() == inside
    assert _switches() == before


def test_tf32_is_a_precision_held_in_float32():
    """--dtype accepts tf32 beside the torch dtypes; it is float32 with TF32 maths, and only it is."""
    check_dtype("tf32")
    assert PRECISIONS["tf32"] is torch.float32
    assert [name for name in PRECISIONS if uses_tf32(name)] == ["tf32"]
    with pytest.raises(ValueError, match="tf32"):
        check_dtype("tf16")


@pytest.mark.parametrize("gigabytes", [0, -4, math.nan, math.inf])
def test_gpu_memory_must_be_some_gigabytes(gigabytes):
    """--gpu-memory is a finite number of GB above 0."""
    with pytest.raises(ValueError, match="--gpu-memory"):
        check_gpu_memory(gigabytes)
    check_gpu_memory(16)


def test_a_cpu_budget_is_the_cap_split_among_workers():
    """On a CPU only a cap is split (free memory is shared as it goes); no cap, no budget."""
    assert process_budget("cpu", 16 * GB, 4) == 4 * GB
    assert process_budget("cpu", None, 4) is None
