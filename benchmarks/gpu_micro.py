"""The GPU script's micro stage (benchmarks/gpu_targets.py): one ViT-H block, and the run resumed at block 29, timed at
batch 2..64 in float32, tf32 and bfloat16, with the card's memory outside torch's allocator before and after."""
from __future__ import annotations

import time

PRECISIONS = ("float32", "tf32", "bfloat16")  # float32 and tf32 before bfloat16: a cast down is never undone


def sync_device(device: str) -> None:
    """Wait for the device's queued work (timings on a GPU need it)."""
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _fastest(call, device: str, repeats: int = 3) -> float:
    """The fastest of a few timed calls (after one warm-up): other load only ever slows a call down."""
    call()
    sync_device(device)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        sync_device(device)
        times.append(time.perf_counter() - started)
    return min(times)


def _micro_encoder(dry: bool, device: str, dtype):
    """A random I-JEPA encoder of ViT-H's shape (tiny on a dry run), built in memory."""
    from transformers import IJepaConfig

    from jepa_claims.engine.builders import build_model
    from jepa_claims.engine.models import _describe
    from jepa_claims.engine.processor import ProcessorGeometry

    size = dict(hidden_size=32, intermediate_size=128, num_attention_heads=2, num_hidden_layers=32) if dry else \
        dict(hidden_size=1280, intermediate_size=5120, num_attention_heads=16, num_hidden_layers=32)
    config = IJepaConfig(image_size=224, patch_size=14, **size)
    model = build_model("ijepa", config, seed=0).to(device, dtype)
    geometry = ProcessorGeometry(size=224, resample=2, mean=(0.5,) * 3, std=(0.5,) * 3)
    return _describe(model, "ijepa", "micro", None, geometry, config, None)


def micro(args) -> dict:
    """Seconds per image of one block and of the run resumed at block 29, per precision and batch."""
    import torch

    from jepa_claims.engine.precision import PRECISIONS as DTYPES, float32_maths, uses_tf32
    from jepa_claims.engine.runs import run
    from jepa_claims.tables.census import Shape

    rows, outside = [], _outside_torch_mib(args.device)
    encoder = _micro_encoder(args.dry_run, args.device, torch.float32)  # built once (CPU init), cast per precision
    for precision in PRECISIONS:  # float32 and tf32 before bfloat16: a cast down is never undone
        encoder.model.to(DTYPES[precision])
        config = encoder.model.config
        shape = Shape(32, 256, config.hidden_size, config.intermediate_size, config.num_attention_heads)
        with float32_maths(uses_tf32(precision)):
            for batch in args.batches:
                if time.time() + 5 > args.stage_deadline:  # a batch more might not end before the deadline
                    return {"outside_torch_mib": outside, "outside_torch_mib_after_kernels": _outside_torch_mib(args.device),
                            "rows": rows, "stopped": f"{precision} at batch {batch} and after"}
                pixels = torch.randn(batch, 3, 224, 224, device=args.device)
                hidden = torch.randn(batch, 256, config.hidden_size, device=args.device, dtype=DTYPES[precision])
                with torch.inference_mode():
                    block = _fastest(lambda: encoder.run_block(0, hidden, tuple(pixels.shape)), args.device) / batch
                trace = run(encoder, pixels)
                resumed = _fastest(lambda: run(encoder, pixels, resume=trace, start=29), args.device) / batch
                rows.append({"precision": precision, "batch": batch, "block_s": block, "block_tflops": shape.flops / block / 1e12,
                             "resumed_s": resumed})
                args.partial({"outside_torch_mib": outside, "rows": rows})
    # again once every kernel the loop used is loaded: their code also lies outside the allocator
    return {"outside_torch_mib": outside, "outside_torch_mib_after_kernels": _outside_torch_mib(args.device), "rows": rows}


def _outside_torch_mib(device: str) -> float | None:
    """GPU memory in use that torch's allocator does not hold, with only this process's CUDA context made: the context
    (what a --gpu-memory cap does not count), plus whatever another process left on the card."""
    import torch

    if not device.startswith("cuda"):
        return None
    torch.zeros(1, device=device)
    free, total = torch.cuda.mem_get_info()
    return (total - free - torch.cuda.memory_reserved()) / 2**20
