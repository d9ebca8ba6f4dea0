"""Batch size from memory: the per-item estimate grows with every size, and ViT-H on 24 GiB gets a batch that fits."""
from __future__ import annotations

import pandas as pd
import pytest
import torch

from jepa_claims.engine.batching import (
    auto_batch_size, available_bytes, choose_batch_size, encoder_item_bytes, item_bytes, resolve_batch_size,
)
from jepa_claims.conventions import Conventions
from jepa_claims.engine.tabulate import MaskJob, drift_table, rescue_table
from jepa_claims.engine.sites import parse_sites

GIB = 1 << 30
# facebook/ijepa_vith14_1k (its config.json on the hub): 1280 hidden, 32 blocks, 16 heads, 5120 MLP, 256 tokens, ~630M parameters.
VITH = dict(hidden=1280, tokens=256, depth=32, mlp=5120, heads=16)
VITH_PARAMETERS = 632_000_000
LATE_SITES = [5120, 1280, 1280, 5120]  # 29.intermediate, 30.attn.out, 31.attn.out, 30.intermediate
SWEEP_SITES = [5120, 1280] * 32  # every block's intermediate and attn.out


@pytest.mark.parametrize("name, larger", [
    ("hidden", 2560), ("tokens", 512), ("depth", 48), ("mlp", 10240), ("heads", 32),
])
def test_estimate_grows_with_every_size(name, larger):
    """Doubling any size of the model or input never lowers the estimate, and the sizes that scale it raise it."""
    small = item_bytes(**VITH, site_widths=LATE_SITES)
    big = item_bytes(**{**VITH, name: larger}, site_widths=LATE_SITES)
    assert big > small


def test_estimate_grows_with_sites_dtype_and_patching():
    """More captured sites, wider dtypes and patched runs all cost more per item."""
    base = dict(VITH)
    assert item_bytes(**base, site_widths=SWEEP_SITES) > item_bytes(**base, site_widths=LATE_SITES) > item_bytes(**base)
    assert item_bytes(**base, dtype=torch.float32) > item_bytes(**base, dtype=torch.bfloat16)
    assert item_bytes(**base, dtype=torch.float64) > item_bytes(**base, dtype=torch.float32)
    assert item_bytes(**base, patched=True) > item_bytes(**base, patched=False)


def test_estimate_covers_the_hidden_states_a_chunk_keeps():
    """At least the masked trace, the clean trace and one patched trace of ViT-H per item (43 MB each in float32)."""
    trace = (VITH["depth"] + 1) * VITH["tokens"] * VITH["hidden"] * 4
    assert item_bytes(**VITH) >= 3 * trace


@pytest.mark.parametrize("sites", [LATE_SITES, SWEEP_SITES], ids=["late window", "depth sweep"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_vith_on_24_gib_gets_a_batch_that_fits(sites, dtype):
    """ViT-H weights plus the chosen batch's estimate fit in 24 GiB, with the headroom the fraction leaves."""
    weights = VITH_PARAMETERS * torch.empty((), dtype=dtype).element_size()
    available = 24 * GIB - weights
    per_item = item_bytes(**VITH, site_widths=sites, dtype=dtype)
    batch = choose_batch_size(per_item, available)
    assert batch >= 4  # enough to batch a few images: the machine is not starved
    assert weights + batch * per_item <= 24 * GIB * 0.6
    assert choose_batch_size(per_item, available, fraction=1.0, cap=10**6) * per_item <= available


def test_choose_batch_size_limits():
    """Never below 1 (a starved machine still runs one item), never above the cap; bad input refused."""
    assert choose_batch_size(10 * GIB, 1 * GIB) == 1
    assert choose_batch_size(1, 100 * GIB, cap=7) == 7
    assert choose_batch_size(GIB, 8 * GIB, fraction=0.5) == 4
    with pytest.raises(ValueError):
        choose_batch_size(0, GIB)
    with pytest.raises(ValueError):
        choose_batch_size(GIB, GIB, fraction=0)


def test_available_memory_is_positive():
    """This machine reports some memory available (psutil, /proc/meminfo or sysconf; cgroup limit honoured)."""
    assert available_bytes("cpu") > 0


def test_encoder_estimate_counts_its_sites(tiny_encoders):
    """An encoder's estimate uses its own sizes; MLP sites are wider than attention outputs."""
    encoder = tiny_encoders["ijepa"]
    none = encoder_item_bytes(encoder)
    mlp = encoder_item_bytes(encoder, parse_sites("1.intermediate", encoder.depth))
    attn = encoder_item_bytes(encoder, parse_sites("1.attn.out", encoder.depth))
    assert mlp > attn > none
    assert auto_batch_size(encoder, available=1) == 1
    assert auto_batch_size(encoder, available=10 * GIB, cap=5) == 5


def test_resolve_batch_size(tiny_encoders):
    """Explicit sizes pass through; None and 'auto' are chosen from memory; junk is refused."""
    encoder = tiny_encoders["ijepa"]
    assert resolve_batch_size(3, encoder) == 3
    assert resolve_batch_size("4", encoder) == 4
    assert resolve_batch_size(None, encoder) >= 1
    assert resolve_batch_size("auto", encoder) >= 1
    with pytest.raises(ValueError, match="auto"):
        resolve_batch_size("many", encoder)


def _jobs(encoder, images: int = 3) -> tuple[dict, list[MaskJob]]:
    generator = torch.Generator().manual_seed(0)
    size, patches = encoder.geometry.size, encoder.grid ** 2
    pixels = {f"img{i}": torch.randn(3, size, size, generator=generator) for i in range(images)}
    jobs = []
    for i in range(images):
        for mask, offset in (("object", 0), ("background", 1)):
            tokens = torch.zeros(patches, dtype=torch.bool)
            tokens[offset::3] = True
            jobs.append(MaskJob(f"img{i}", mask, tokens.numpy()))
    return pixels, jobs


def test_auto_batch_gives_the_same_tables(tiny_encoder):
    """Tables do not depend on the batch size (rows come chunk by chunk, so compare them sorted)."""
    images, jobs = _jobs(tiny_encoder)
    conv = Conventions()
    groups = [parse_sites("2.intermediate", tiny_encoder.depth), parse_sites("1.attn.out,3.attn.out", tiny_encoder.depth)]
    keys = ["image_id", "mask", "sites", "mode"]
    tables = [rescue_table(tiny_encoder, images, jobs, groups, ["context", "masked"], conv, batch)
              .sort_values(keys, ignore_index=True) for batch in (1, 8, "auto", None)]
    for table in tables[1:]:
        pd.testing.assert_frame_equal(table, tables[0], check_exact=False, rtol=1e-6, atol=1e-9)
    drifts = [drift_table(tiny_encoder, images, jobs, conv, batch) for batch in (1, "auto")]
    pd.testing.assert_frame_equal(drifts[1], drifts[0], check_exact=False, rtol=1e-6, atol=1e-9)
