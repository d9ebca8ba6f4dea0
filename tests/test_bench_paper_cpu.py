"""benchmarks/bench_paper_cpu.py: the floor argument (census minimum's FLOPs over 2 cores at the best measured rate)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_paper_cpu as bench  # noqa: E402

VITH_BLOCK = 10_401_873_920  # 2*256*(4*1280^2 + 2*1280*5120) + 4*256^2*1280, worked out by hand
VITB_BLOCK = 2_907_909_120  # 2*197*(4*768^2 + 2*768*3072) + 4*197^2*768


def _measured(bf16_rescue_cpu_per_block: float) -> dict:
    """Fabricated timings: bfloat16 rescue is the fastest table, at the CPU seconds per block given."""
    return {
        "float32": {"semantic": {"cpu": 50.0, "blocks": 500}, "rescue": {"cpu": 40.0, "blocks": 400}},
        "bfloat16": {"semantic": {"cpu": 1.1 * bf16_rescue_cpu_per_block * 500, "blocks": 500},
                     "rescue": {"cpu": bf16_rescue_cpu_per_block * 400, "blocks": 400}},
    }


def test_census_flops_weighs_each_checkpoint_by_its_block():
    assert bench.census_flops({"ijepa_1k": 3, "ijepa_22k": 2, "mae": 7}) == 5 * VITH_BLOCK + 7 * VITB_BLOCK


@pytest.mark.parametrize("cpu_per_block, floor_min, needed_ratio, reach", [
    (0.03, 90.0, 1.5, "out of reach on this CPU"),  # 360,000 ViT-H blocks x 30 ms / 2 cores = 5,400 s
    (0.01, 30.0, 0.5, "within reach"),  # the same work at 10 ms a block: 1,800 s
])
def test_floor_is_the_census_minimum_over_two_cores_at_the_best_rate(cpu_per_block, floor_min, needed_ratio, reach):
    floor = bench.floor_argument(_measured(cpu_per_block), {"ijepa_1k": 360_000})
    assert floor.source == "bfloat16 rescue" and floor.cores == 2
    assert floor.per_core_flops == pytest.approx(VITH_BLOCK / cpu_per_block)
    assert floor.floor_s == pytest.approx(floor_min * 60)
    assert floor.needed_per_core / floor.per_core_flops == pytest.approx(needed_ratio)
    line = bench.verdict_line(("bfloat16", "CPU s / 2", 201.0), floor)
    assert "**not met**" in line and reach in line and f"is {floor_min:.0f} min" in line


def test_floor_paragraph_states_its_inputs_and_result():
    floor = bench.floor_argument(_measured(0.03), {"ijepa_1k": 360_000, "mae": 1_000})
    text = bench.floor_paragraph(floor, {"ijepa_1k": 360_000, "mae": 1_000})
    pflop = (360_000 * VITH_BLOCK + 1_000 * VITB_BLOCK) / 1e15
    assert f"{pflop:.2f} PFLOP" in text and "ijepa_1k 360,000 x 10.40" in text and "mae 1,000 x 2.91" in text
    assert "347 GFLOP/s (bfloat16 rescue" in text and "30 ms of CPU" in text
    assert f"= {pflop * 1e15 / (2 * VITH_BLOCK / 0.03) / 60:,.0f} min" in text


def test_a_met_target_says_met_with_its_floor():
    line = bench.verdict_line(("bfloat16", "CPU s / 2", 45.0), bench.floor_argument(_measured(0.005), {"ijepa_1k": 360_000}))
    assert "**met**" in line and "**not met**" not in line and "is 15 min" in line
