"""benchmarks/gpu_section.py: issue 25's GPU targets judged from the stage files benchmarks/gpu_targets.py writes, and
said to be unmeasured (never met) where no stage file is recorded; the summary of RESULTS.md carries every verdict."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import common  # noqa: E402
import gpu_section  # noqa: E402

H100 = "NVIDIA H100 80GB HBM3"


@pytest.fixture
def targets(tmp_path, monkeypatch) -> Path:
    """An empty benchmarks/gpu/targets/ for the section to read."""
    monkeypatch.setattr(gpu_section, "TARGETS_DIR", tmp_path)
    return tmp_path


def _stage(folder: Path, stage: str, **result) -> None:
    (folder / f"{stage}.json").write_text(json.dumps({"stage": stage, **result}))


def test_without_a_recorded_run_every_target_is_not_measured(targets):
    """No stage file: each of the five targets says so, and none says met."""
    lines = [gpu_section.wall_line(s, t) for s, t in gpu_section.WALL_TARGETS] + [
        gpu_section.cap_line(s) for s in ("capped-24", "capped-16")] + [gpu_section.spread_line(), gpu_section.invariance_line()]
    assert len(lines) == 7 and all(line.endswith("**not measured**.") for line in lines)


def test_a_recorded_run_is_judged_against_its_target_on_an_h100_only(targets):
    """59 s in bfloat16 on an H100 meets 60 s, 91 s in tf32 misses 90 s; on another card the run measures nothing."""
    _stage(targets, "world-bfloat16", card=H100, wall_s=59.2, exit=1)
    _stage(targets, "world-tf32", card=H100, wall_s=91.0, exit=1)
    _stage(targets, "world-float32", card="NVIDIA H200", wall_s=120.0, exit=1)
    assert gpu_section.wall_line("world-bfloat16", 60).endswith("59 s: **met**.")
    assert gpu_section.wall_line("world-tf32", 90).endswith("91 s: **not met**.")
    assert gpu_section.wall_line("world-float32", 150).endswith("not an H100: **not measured**.")
    _stage(targets, "world-float32", card="NVIDIA H200", wall_s=300.0, exit=None, summary_line="stopped")
    assert gpu_section.wall_line("world-float32", 150).endswith("not an H100: **not measured**.")


def test_an_unfinished_run_or_a_changed_record_is_not_met(targets):
    """A run stopped at its limit, or a capped run whose record differs from the uncapped one, misses its target."""
    _stage(targets, "world-bfloat16", card=H100, wall_s=150.0, exit=None, summary_line="stopped at the stage's limit of 150 s")
    _stage(targets, "capped-24", card=H100, wall_s=70.0, exit=1, record_identical_to_uncapped=True)
    _stage(targets, "capped-16", card=H100, wall_s=80.0, exit=1, record_identical_to_uncapped=False)
    assert "stopped at the stage's limit" in gpu_section.wall_line("world-bfloat16", 60)
    assert gpu_section.wall_line("world-bfloat16", 60).endswith("**not met**.")
    assert gpu_section.cap_line("capped-24").endswith("identical: **met**.")
    assert gpu_section.cap_line("capped-16").endswith("differs from the uncapped run's: **not met**.")
    _stage(targets, "capped-16", card=H100, wall_s=80.0, exit=1, record_identical_to_uncapped=False,
           verdicts_identical_to_uncapped=True)  # numbers differing in their last bits still miss "identical"
    assert gpu_section.cap_line("capped-16").endswith("differs from the uncapped run's (its verdicts identical): **not met**.")
    _stage(targets, "capped-16", card=H100, wall_s=80.0, exit=1)  # a later call with no uncapped run to compare with
    assert gpu_section.cap_line("capped-16").endswith("no uncapped record to compare with: **not measured**.")


def test_the_summary_carries_unmeasured_targets_beside_met_ones():
    """RESULTS.md's summary copies every verdict line, an unmeasured one too."""
    text = "# B\n\n<!-- BEGIN x -->\n## S: one\n\n- a: **met**.\n- b: **not measured**.\n- c: plain.\n<!-- END x -->\n"
    summary = common.with_summary(text)
    assert "- a: **met**. (S)" in summary and "- b: **not measured**. (S)" in summary and "- c: plain" not in summary.split("## S")[0]


def test_a_capped_run_says_its_memory_peak_and_the_batches_it_halved(targets):
    """The capped line reads the run's GPU memory peak and sums the workers' out-of-memory retries from its stage file."""
    workers = {"gw0": {"oom_retries": 2}, "gw1": {"oom_retries": 1}, "gw2": {}}
    _stage(targets, "capped-16", card=H100, wall_s=80.0, exit=1, record_identical_to_uncapped=True,
           gpu_memory_peak_mib=15_360, workers=workers)
    assert ": 80 s on NVIDIA H100 80GB HBM3, peak 15.0 GiB, 3 forward batches halved, record identical" in \
        gpu_section.cap_line("capped-16")


def test_a_reference_run_elsewhere_measures_nothing(targets):
    """A capped or one-process run compared with a reference of another commit is not measured, and says why."""
    why = "commit 'def5678' there, 'abc1234' here"
    _stage(targets, "capped-16", card=H100, wall_s=80.0, exit=1, record_identical_to_uncapped=None, reference_not_comparable=why)
    assert gpu_section.cap_line("capped-16").endswith(f"its reference ran elsewhere ({why}): **not measured**.")
    _stage(targets, "single-bfloat16", card=H100, wall_s=70.0, exit=1, record_identical_to_parallel=None,
           reference_not_comparable=why)
    assert gpu_section.spread_line().endswith(f"its reference ran elsewhere ({why}): **not measured**.")


def test_one_process_against_four_workers_reads_both_wall_times_and_the_record(targets):
    """-n 0 against -n 4 on the same card: both wall times, met only with an identical record."""
    _stage(targets, "world-bfloat16", card=H100, wall_s=58.0, exit=1, processes="4")
    _stage(targets, "single-bfloat16", card=H100, wall_s=71.4, exit=1, record_identical_to_parallel=True)
    assert gpu_section.spread_line().endswith(f"71 s on {H100} against 58 s for `-n 4`, record identical: **met**.")
    _stage(targets, "single-bfloat16", card=H100, wall_s=71.4, exit=1, record_identical_to_parallel=False)
    assert gpu_section.spread_line().endswith("record differs: **not met**.")


def test_batch_invariance_on_the_gpu_is_read_precision_by_precision(targets):
    """The together stage's 32-job runs: each precision equal or not to its 8-job run; one that differs misses it."""
    runs = [{"precision": "float32", "jobs": 8}, {"precision": "float32", "jobs": 32, "equal_to_8_jobs": True},
            {"precision": "bfloat16", "jobs": 32, "equal_to_8_jobs": False}]
    _stage(targets, "together", card=H100, cell="ijepa_1k 8x3", runs=runs)
    assert gpu_section.invariance_line().endswith(f"ijepa_1k 8x3 on {H100}: float32 equal, bfloat16 differs: **not met**.")
    _stage(targets, "together", card=H100, cell="ijepa_1k 8x3", runs=runs[:2])
    assert gpu_section.invariance_line().endswith("float32 equal: **met**.")


def test_a_stage_that_never_ran_says_why_and_measures_nothing(targets):
    """A stage file the script's parent wrote (skipped for the budget, or the stand-in not built) names no card: the
    line gives its reason, not "an unnamed card"."""
    _stage(targets, "world-tf32", commit="abc1234", skipped="120 s of the budget left, the stage may take 200 s")
    assert gpu_section.wall_line("world-tf32", 90).endswith(
        "did not run (120 s of the budget left, the stage may take 200 s): **not measured**.")
    _stage(targets, "world-bfloat16", commit="abc1234", error="the stand-in could not be built: OSError: disk full")
    assert "did not run (the stand-in could not be built: OSError: disk full)" in gpu_section.wall_line("world-bfloat16", 60)
    _stage(targets, "capped-16", commit="abc1234", skipped="30 s of the budget left, the stage may take 180 s")
    assert gpu_section.cap_line("capped-16").endswith("the stage may take 180 s): **not measured**.")
    _stage(targets, "single-bfloat16", commit="abc1234", child_exit=-9)
    assert gpu_section.spread_line().endswith("did not run (the stage's process ended with -9): **not measured**.")


def test_a_cpu_dry_run_or_a_failing_script_measures_nothing(targets):
    """The script's dry-run files (card "cpu") leave every target not measured, the capped, one-process and invariance
    ones too; a stage whose script failed (an `error`) measured nothing, it did not miss its target."""
    runs = [{"precision": "float32", "jobs": 32, "equal_to_8_jobs": True}]
    _stage(targets, "together", card="cpu", cell="beit 4x3", runs=runs)
    _stage(targets, "capped-16", card="cpu", wall_s=20.0, exit=1, record_identical_to_uncapped=True)
    _stage(targets, "single-bfloat16", card="cpu", wall_s=12.0, exit=1, record_identical_to_parallel=True)
    lines = [gpu_section.cap_line("capped-16"), gpu_section.spread_line(), gpu_section.invariance_line()]
    assert all(line.endswith("**not measured**.") for line in lines) and "run on cpu, not an H100" in lines[0]
    _stage(targets, "capped-24", card=H100, error="FileNotFoundError: claim suite folder /tmp/site/claims does not exist")
    assert gpu_section.cap_line("capped-24").endswith("the stage failed (FileNotFoundError: claim suite folder "
                                                      "/tmp/site/claims does not exist): **not measured**.")
