"""The prepared GPU script (benchmarks/gpu_targets.py) starts and runs its stages on a CPU at tiny size (--dry-run):
one JSON per stage, nothing else written to its output folder, a capped run's record and a one-process run's identical
to the uncapped -n 2 run's."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("micro", "together", "world-bfloat16", "capped-16", "single-bfloat16")


@pytest.mark.slow
def test_every_stage_runs_on_a_cpu_at_tiny_size(tmp_path):
    """Each stage's JSON names the card and commit and holds its measurements, and no stage failed."""
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_targets.py"), "--dry-run", "--out", str(out),
                           "--work", str(tmp_path / "work"), "--stages", ",".join(STAGES)],
                          capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{stage}.json" for stage in STAGES)
    results = {stage: json.loads((out / f"{stage}.json").read_text()) for stage in STAGES}
    for stage, result in results.items():
        assert not {"error", "skipped", "child_exit"} & set(result), (stage, result)
        assert result["card"] == "cpu" and result["commit"]
    assert {(r["precision"], r["batch"]) for r in results["micro"]["rows"]} == {
        (p, b) for p in ("float32", "tf32", "bfloat16") for b in (2, 4)}
    runs = results["together"]["runs"]
    assert all(r["equal_to_8_jobs"] for r in runs if r["jobs"] == 32)  # batch invariance, here on the CPU
    assert all(set(r["max_difference_from_float32"].values()) == {0.0} for r in runs if r["precision"] != "bfloat16")
    assert all({"heads", "proxy"} <= set(r["max_difference_from_float32"]) for r in runs)
    assert results["world-bfloat16"]["record_sha256"] and results["world-bfloat16"]["workers"]
    assert results["capped-16"]["record_identical_to_uncapped"] is True
    assert results["single-bfloat16"]["processes"] == "0" and results["single-bfloat16"]["record_identical_to_parallel"] is True
