"""bfloat16 against float32: the drift error of running the encoder in bfloat16.

For each model, the suite's drift table (measure.drift_table) of object and zero-overlap background
masks on the synthetic 4x3 slice, once with the weights in float32 and once in --dtype (default
bfloat16), both loaded through models.load_encoder from the same safetensors checkpoint. Reported
per model: the late context drift (mean over hidden_states 30-31 or the last two before the output)
difference per image and mask, the object-minus-background advantage difference per image, and how
many images change the sign of their advantage (the per-image "win" of claim C4).

Models: the tiny random encoder of each family (tests' tiny_config, jitter 0.02, 56 px), the toy
world's planted I-JEPA (lib/toy/models.py, when it builds), and the ViT-H/14-shaped random-init I-JEPA.
Whether toy-world verdicts change under bfloat16 is a run of the claims suite:
`pytest claims/ -n 4 --world toy --dtype bfloat16` against the same with `--dtype float32`.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import common


def late_context(encoder, images, jobs, conv, batch) -> tuple[pd.DataFrame, float]:
    """Late context drift per (image, mask) and the seconds the drift table took."""
    from jepa_claims.engine.tabulate import drift_table

    started = time.perf_counter()
    table = drift_table(encoder, images, jobs, conv, batch)
    seconds = time.perf_counter() - started
    late = conv.late_layers(encoder.depth)
    frame = table[table["layer"].isin(late)].groupby(["image_id", "mask"])["context_drift"].mean()
    return frame.unstack("mask"), seconds


def compare(name: str, directory: Path, images_n: int | None, dtype: str, conv) -> dict:
    """Drift tables in float32 and in `dtype` for the checkpoint in `directory`."""
    out = {"model": name}
    frames = {}
    for precision in ("float32", dtype):
        encoder = common.load(directory, precision)
        images, jobs = common.inputs(encoder, common.slice_records("4x3", images_n))
        frames[precision], out[f"{precision}_s"] = late_context(encoder, images, jobs, conv, "auto")
        out["images"] = len(images)
        out["params"] = sum(p.numel() for p in encoder.model.parameters())
        del encoder
    ref, low = frames["float32"], frames[dtype]
    out["per_image"] = [(image, mask, float(ref.loc[image, mask]), float(low.loc[image, mask]))
                        for image in ref.index for mask in ref.columns]
    diff = (low - ref).abs()
    adv_ref = ref["object"] - ref["background"]
    adv_low = low["object"] - low["background"]
    out |= {
        "late_ref_mean": float(ref.values.mean()),
        "max_abs": float(diff.values.max()),
        "mean_abs": float(diff.values.mean()),
        "max_rel": float((diff / ref.abs()).values.max()),
        "adv_ref": float(adv_ref.mean()),
        "adv_low": float(adv_low.mean()),
        "adv_max_abs": float((adv_low - adv_ref).abs().max()),
        "flips": int((np.sign(adv_low) != np.sign(adv_ref)).sum()),
        "wins_ref": int((adv_ref > 0).sum()),
        "wins_low": int((adv_low > 0).sum()),
    }
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dtype", choices=["bfloat16"], default="bfloat16", help="the reduced precision to test")
    parser.add_argument("--vith-images", type=int, default=2, help="images of 4x3 for the ViT-H-shaped model (default 2)")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave RESULTS.md alone")
    args = parser.parse_args(argv)

    from jepa_claims.engine.builders import build_model, save_pretrained_layout, tiny_config
    from jepa_claims.conventions import Conventions
    from jepa_claims.engine.models import ProcessorGeometry

    conv = Conventions()
    common.data_root()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        models: list[tuple[str, Path, int | None]] = []
        for seed, family in enumerate(("ijepa", "vit_mae", "beit")):
            config = tiny_config(family, image_size=224, patch_size=14 if family == "ijepa" else 16)
            directory = Path(tmp) / f"tiny-{family}"
            geometry = ProcessorGeometry(size=224, resample=2, mean=(0.5,) * 3, std=(0.5,) * 3)
            save_pretrained_layout(build_model(family, config, seed, jitter=0.02), directory, geometry)
            models.append((f"tiny {family} (hidden 32, 4 blocks, random)", directory, None))
        try:
            from jepa_claims.toy.models import build_toy

            model, geometry = build_toy("ijepa_1k")
            directory = save_pretrained_layout(model, Path(tmp) / "toy-ijepa_1k", geometry)
            models.append(("toy ijepa_1k (planted mechanism, lib/toy/models.py)", directory, None))
        except Exception as error:  # the toy world is another engineer's draft: report, do not fail
            print(f"toy ijepa_1k not built: {error!r}", file=sys.stderr)
        models.append(("ViT-H/14-shaped I-JEPA (random)", common.vith_checkpoint(), args.vith_images))
        for name, directory, images_n in models:
            rows.append(compare(name, directory, images_n, args.dtype, conv))
            print({k: v for k, v in rows[-1].items() if k != "per_image"}, file=sys.stderr)

    d = args.dtype
    table = common.table(
        ["model", "images", "late context drift (fp32, mean)", "max abs diff", "mean abs diff", "max rel diff",
         "object - background (fp32)", f"object - background ({d})", "max abs diff of advantage",
         "wins fp32 / " + d, "sign flips", "fp32 s", f"{d} s"],
        [(r["model"], r["images"], f"{r['late_ref_mean']:.3g}", f"{r['max_abs']:.2e}", f"{r['mean_abs']:.2e}",
          f"{r['max_rel']:.2%}", f"{r['adv_ref']:+.3g}", f"{r['adv_low']:+.3g}", f"{r['adv_max_abs']:.2e}",
          f"{r['wins_ref']} / {r['wins_low']}", r["flips"], f"{r['float32_s']:.1f}", f"{r[f'{d}_s']:.1f}") for r in rows],
    )
    vith = rows[-1]
    detail = common.table(
        ["image", "mask", "late context drift fp32", f"late context drift {d}", "difference"],
        [(i, m, f"{a:.5f}", f"{b:.5f}", f"{b - a:+.2e}") for i, m, a, b in vith["per_image"]],
    )
    body = "\n".join([
        *common.heading(f"Precision: {d} against float32 (drift error)"),
        "Late context drift (mean of the late window, hidden_states depth-2 and depth-1) of object and zero-overlap "
        "background masks on the synthetic 4x3 slice, computed by `measure.drift_table` with the weights loaded in "
        f"float32 and in {d} (drift statistics themselves are always float64). Differences are per image and mask; "
        "the advantage is object minus background per image; a sign flip is an image whose win turns into a loss "
        "or back. Seconds are the drift table's wall time (batch size auto).",
        "",
        table,
        "",
        f"Per image and mask, {vith['model']}:",
        "",
        detail,
        "",
        "Whether the toy world's verdicts change under bfloat16 is checked by running the claims suite in both "
        "precisions and comparing the verdicts: `pytest claims/ -n 4 --world toy --dtype float32` and "
        "`pytest claims/ -n 4 --world toy --dtype bfloat16`.",
    ])
    return common.publish("bench_dtype", body, write=not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
