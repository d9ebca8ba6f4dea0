"""Named precisions: the dtype weights and activations are held in, and whether float32 maths may use TF32.

`tf32` holds everything in float32 but lets CUDA matmuls and convolutions round their inputs to TensorFloat-32
(10-bit mantissa; Ampere and later), about twice float32's speed on an H100. `float32` is strict IEEE float32: TF32
is switched off for matmuls and for cuDNN's convolutions (whose torch default is TF32: the patch embedding is a
convolution). On a CPU there are no TF32 kernels, so `tf32` computes IEEE float32 there; its tables still carry
their own cache key, so a CPU run never hands float32 tables to a GPU run as TF32 ones, or the other way round.
Only torch's `fp32_precision` switches are used: mixing them with the legacy `allow_tf32` flags is an error.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from jepa_claims.engine.models import DTYPES

TF32 = "tf32"  # the one precision name that is not a torch dtype's
# What the suite's --dtype accepts: the engine's dtypes and tf32, held in float32. (`jepa-claims measure` takes
# DTYPES only: it has no cache key to keep a TF32 table apart by.)
PRECISIONS = {**DTYPES, TF32: torch.float32}


def uses_tf32(name: str) -> bool:
    """Whether the named precision lets float32 maths round to TF32."""
    return name == TF32


@contextmanager
def float32_maths(tf32: bool) -> Iterator[None]:
    """CUDA matmuls and convolutions in TF32 (`tf32`) or in IEEE float32 for the block; the switches restored after."""
    matmul, conv = torch.backends.cuda.matmul, torch.backends.cudnn.conv
    before = (matmul.fp32_precision, conv.fp32_precision)
    matmul.fp32_precision = conv.fp32_precision = "tf32" if tf32 else "ieee"
    try:
        yield
    finally:
        matmul.fp32_precision, conv.fp32_precision = before
