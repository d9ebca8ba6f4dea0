"""The prepared GPU script (benchmarks/gpu_targets.py) starts and runs its stages on a CPU at tiny size (--dry-run):
one JSON per stage, nothing else written to its output folder, a capped run's record and a one-process run's identical
to the uncapped -n 2 run's."""
from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import gpu_targets  # noqa: E402
import stage_files  # noqa: E402

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
    assert results["capped-16"]["verdicts_identical_to_uncapped"] is True and results["capped-16"]["verdict_cells"]
    assert results["micro"]["outside_torch_mib"] is None  # a GPU's context only
    assert results["single-bfloat16"]["processes"] == "0" and results["single-bfloat16"]["record_identical_to_parallel"] is True


def _run(folder: Path, name: str, **fields) -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"stage": name, **fields}))
    return path


def test_a_capped_run_is_compared_with_the_reference_when_this_call_recorded_no_record(tmp_path):
    """This call's world-bfloat16 stopped before its record: the capped run is compared with --reference's; with no
    record on either side the comparison is None (not measured), never False (not met)."""
    out, earlier = tmp_path / "out", tmp_path / "earlier"
    out.mkdir(), earlier.mkdir()
    _run(out, "world-bfloat16", summary_line="stopped at the stage's limit of 150 s")
    here = {"card": "NVIDIA H100 80GB HBM3", "torch": "2.13.0", "commit": "abc1234", "code": "d0a16c8d"}
    args = SimpleNamespace(out=out, card=here, reference=_run(earlier, "world-bfloat16", record_sha256="r",
                                                              verdicts_sha256="v", **here))
    capped = gpu_targets._compared(args, {"record_sha256": "r2", "verdicts_sha256": "v"}, "record_identical_to_uncapped")
    assert capped["record_identical_to_uncapped"] is False and capped["verdicts_identical_to_uncapped"] is True
    args.reference = None
    capped = gpu_targets._compared(args, {"record_sha256": "r"}, "record_identical_to_uncapped")
    assert capped["record_identical_to_uncapped"] is None and capped["verdicts_identical_to_uncapped"] is None


def test_a_stage_file_cut_off_or_a_record_cut_off_reads_as_nothing(tmp_path):
    """A half-written stage file reads as {} and a half-written record hashes to nothing: no stage fails on either."""
    (tmp_path / "cut.json").write_text('{"stage": "world-bf')
    assert stage_files.read_json(tmp_path / "cut.json") == {}
    (tmp_path / "stats_summary.json").write_text('{"matrix": {"C1')
    assert stage_files.record_hashes(tmp_path / "stats_summary.json") == {}
    assert stage_files.record_hashes(tmp_path / "missing.json") == {}


def test_a_command_past_its_timeout_is_killed_with_every_process_it_started(tmp_path):
    """run_group kills the whole process group: a grandchild (as pytest's workers are) does not outlive the timeout."""
    marker = tmp_path / "grandchild.pid"
    script = f"sleep 60 & echo $! > {marker}; wait"
    started = time.perf_counter()
    assert stage_files.run_group(["bash", "-c", script], timeout=1.5) is None
    assert time.perf_counter() - started < 30
    grandchild = int(marker.read_text())
    for _ in range(50):  # killed; reaped by init a moment later
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"process {grandchild} outlived its group's timeout")
    done = stage_files.run_group(["bash", "-c", "echo finished"], timeout=30)
    assert done.returncode == 0 and done.stdout == "finished\n"


def test_a_copy_without_git_must_name_its_commit(tmp_path):
    """Outside a git checkout (the GPU machine gets a copy of the tree) the script refuses to run without --commit."""
    copy = tmp_path / "benchmarks" / "gpu_targets.py"
    copy.parent.mkdir()
    for script in ("gpu_targets.py", "gpu_micro.py", "gpu_together.py", "stage_files.py"):
        shutil.copy(ROOT / "benchmarks" / script, copy.parent / script)
    done = subprocess.run([sys.executable, str(copy), "--out", str(tmp_path / "out"), "--stages", ""],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, env={**os.environ, "GIT_DIR": "/nonexistent"})
    assert done.returncode == 2 and "pass --commit and --code" in done.stderr
    done = subprocess.run([sys.executable, str(copy), "--out", str(tmp_path / "out"), "--stages", "", "--commit", "abc1234",
                           "--code", "d0a16c8d"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, env={**os.environ, "GIT_DIR": "/nonexistent"})
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_prepare_writes_the_wheels_the_gpu_machine_lacks_and_its_command(tmp_path):
    """benchmarks/gpu/prepare, in a checkout: six wheels in .whl/ (this package, pytest, pytest-html, pytest-metadata,
    pytest-xdist, execnet) and one device command that installs them and names the checkout's commit and code, within
    the device's 2,000 characters; run as the device would (a copy of the tree without git, this package imported
    from the installed wheel), it writes its stage file."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    (clone / ".venv").symlink_to(Path(sys.prefix))  # this interpreter's environment
    done = subprocess.run([str(clone / "benchmarks" / "gpu" / "prepare"), "--dry-run", "--stages", "micro,world-bfloat16"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    wheels = sorted(path.name.split("-")[0] for path in (clone / ".whl").glob("*.whl"))
    assert wheels == ["execnet", "jepa_claims", "pytest", "pytest_html", "pytest_metadata", "pytest_xdist"]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True).stdout.strip()
    code = gpu_targets.checkout_code(clone)
    command = done.stdout.strip().splitlines()[-1]
    assert command.startswith("python3 -m pip install -q --no-index --no-deps") and "--target /tmp/site .whl/*.whl" in command
    assert command.endswith(f'gpu_targets.py --out "$OUT" --budget 540 --commit {commit} --code {code} --dry-run '
                            '--stages micro,world-bfloat16')
    assert len(command) <= 2000
    _run_as_the_device(tmp_path, clone, command, commit, code)


def _run_as_the_device(tmp_path: Path, clone: Path, command: str, commit: str, code: str) -> None:
    """The device command in a copy of the tree without .git (this interpreter for the device's python3, a folder of
    this test's for /tmp/site): the package comes from its wheel, the stage files name the commit and code, and the
    world run (pytest claims/ on the stand-in, its plan read from the tree's claims/, not beside the wheel) records."""
    device, site, out = tmp_path / "device", tmp_path / "site", tmp_path / "out"
    shutil.copytree(clone, device, ignore=shutil.ignore_patterns(".git", ".venv"))
    here = command.replace("python3 ", f"{sys.executable} ").replace("/tmp/site", str(site))
    ran = subprocess.run(["bash", "-c", here], cwd=device, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "OUT": str(out)})
    assert ran.returncode == 0, ran.stderr[-3000:]
    origin = subprocess.run([sys.executable, "-c", "import jepa_claims, pytest_html; print(jepa_claims.__file__)"],
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(site)}, cwd=tmp_path)
    assert origin.stdout.startswith(str(site)), origin.stdout + origin.stderr
    micro = json.loads((out / "micro.json").read_text())
    assert (micro["commit"], micro["code"], len(micro["rows"])) == (commit, code, 6) and "error" not in micro
    world = json.loads((out / "world-bfloat16.json").read_text())
    assert world["exit"] in (0, 1) and world["record_sha256"] and world["verdict_cells"] > 0, world


def test_verdicts_hash_reads_status_and_tier_not_the_numbers(tmp_path):
    """Two records differing only in a magnitude cell's measured number: record hashes differ, verdict hashes agree."""
    def record(measured: float) -> Path:
        path = tmp_path / f"{measured}.json"
        cell = {"status": "FAIL", "grade": {"tier": "not replicated", "magnitude_cells": [{"measured": measured}]}}
        path.write_text(json.dumps({"world": {"name": "paper"}, "matrix": {"C4/ijepa_1k/8x3": cell}}))
        return path

    first, second = stage_files.record_hashes(record(0.1)), stage_files.record_hashes(record(0.1000001))
    assert first["record_sha256"] != second["record_sha256"] and first["verdicts_sha256"] == second["verdicts_sha256"]


def test_a_reference_from_another_card_torch_or_code_is_not_compared(tmp_path):
    """--reference ran other code (or torch, or card): its record may differ for that reason alone, so the comparison
    is None and the file says why, never a False that blames the cap. Another commit with the same code compares."""
    here = {"card": "NVIDIA H100 80GB HBM3", "torch": "2.13.0", "commit": "abc1234", "code": "d0a16c8d"}
    same_code = _run(tmp_path, "world-bfloat16", record_sha256="r", verdicts_sha256="v", **(here | {"commit": "0ld0001"}))
    args = SimpleNamespace(out=tmp_path / "nothing-here", card=here, reference=same_code)
    assert gpu_targets._compared(args, {"record_sha256": "r", "verdicts_sha256": "v"}, "record_identical_to_uncapped")[
        "record_identical_to_uncapped"] is True
    reference = _run(tmp_path, "world-bfloat16", record_sha256="r", verdicts_sha256="v", **(here | {"code": "5e5e5e5e"}))
    args = SimpleNamespace(out=tmp_path / "nothing-here", card=here, reference=reference)
    capped = gpu_targets._compared(args, {"record_sha256": "r", "verdicts_sha256": "v"}, "record_identical_to_uncapped")
    assert capped["record_identical_to_uncapped"] is None and capped["verdicts_identical_to_uncapped"] is None
    assert capped["reference_not_comparable"] == "code '5e5e5e5e' there, 'd0a16c8d' here"


def test_a_stage_killed_at_its_limit_takes_the_pytest_it_started_with_it(tmp_path, monkeypatch):
    """The parent gives its child an absolute deadline and, after killing it, kills the process groups the child
    listed (its pytest run, in a group of its own); a part file the kill left is removed and named."""
    out, work = tmp_path / "out", tmp_path / "work"
    out.mkdir(), work.mkdir()
    orphan = subprocess.Popen(["sleep", "60"], start_new_session=True)
    seen = {}

    def killed_child(command, timeout, capture=True, groups=None, **popen):
        seen["command"], seen["timeout"] = command, timeout
        (work / "world-bfloat16.groups").write_text(f"{orphan.pid}\n")  # what the child's run_group wrote
        (out / "world-bfloat16.json.part").write_text('{"stage": "wor')
        return None  # the parent's timeout: it killed the child

    monkeypatch.setattr(gpu_targets, "run_group", killed_child)
    (out / "world-bfloat16.json").write_text('{"stage": "world-bfloat16", "seconds": 99}')  # an earlier call's, reused folder
    args = SimpleNamespace(out=out, work=work, commit="abc1234", code="d0a16c8d")
    started = time.time()
    gpu_targets._run_child(args, "world-bfloat16", 150)
    deadline = float(seen["command"][seen["command"].index("--deadline") + 1])
    assert seen["command"][-4:] == ["--commit", "abc1234", "--code", "d0a16c8d"]  # read once, the same in every stage
    assert started + 150 - 0.001 <= deadline <= time.time() + 150 and seen["timeout"] == 150 + gpu_targets.AFTER_LIMIT  # written to the ms
    assert orphan.wait(timeout=10) == -9  # SIGKILL
    assert sorted(path.name for path in out.iterdir()) == ["world-bfloat16.json"]
    written = stage_files.read_json(out / "world-bfloat16.json")
    assert written == {"stage": "world-bfloat16", "commit": "abc1234", "code": "d0a16c8d",
                       "torch_package": importlib.metadata.version("torch"),
                       "limit_s": 150, "child_exit": "timed out", "torn_files_removed": ["world-bfloat16.json.part"]}


def test_a_stand_in_that_cannot_be_built_fails_its_stages_and_micro_still_runs(tmp_path):
    """The stand-in's build failing (here its folder is a file) is each of its stages' error, and micro measures."""
    out, work = tmp_path / "out", tmp_path / "work"
    work.mkdir()
    (work / "stand-in").write_text("not a folder")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_targets.py"), "--dry-run", "--out", str(out),
                           "--work", str(work), "--stages", "micro,together"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    together = json.loads((out / "together.json").read_text())
    assert together["error"].startswith("the stand-in could not be built: ")
    micro = json.loads((out / "micro.json").read_text())
    assert "error" not in micro and len(micro["rows"]) == 6 and micro["outside_torch_mib"] is None


def test_an_unknown_stage_is_refused_by_name(tmp_path):
    """--stages with a name that is not a stage stops before anything runs, listing the stages."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_targets.py"), "--out", str(tmp_path / "out"),
                           "--stages", "micro,capped-12", "--commit", "abc1234"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no stage capped-12: the stages are micro, together" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_group_is_listed_while_it_runs_and_taken_off_once_reaped(tmp_path):
    """run_group lists its group in the groups file while the command runs (the command reads it) and takes it off
    once reaped; kill_listed skips a line torn by a kill (no line end) and kills the rest."""
    groups, seen = tmp_path / "stage.groups", tmp_path / "seen"
    done = stage_files.run_group(["bash", "-c", f"sleep 0.5; cat {groups} > {seen}; echo $$"], timeout=30, groups=groups)
    assert seen.read_text().split() == [done.stdout.strip()] and groups.read_text() == ""
    alive = subprocess.Popen(["sleep", "60"], start_new_session=True)
    groups.write_text(f"{alive.pid}\n12")  # the second line torn part-way: "12" may be the start of another group's id
    assert stage_files.kill_listed(groups) == 1 and alive.wait(timeout=10) == -9 and not groups.exists()


def test_a_killed_group_is_waited_for_until_its_members_are_gone(tmp_path):
    """kill_group returns once no live member of the group is left (a killed worker frees its GPU memory on exit)."""
    marker = tmp_path / "pid"
    leader = subprocess.Popen(["bash", "-c", f"sleep 60 & echo $! > {marker}; wait"], start_new_session=True)
    for _ in range(100):
        if marker.exists() and marker.read_text().strip():
            break
        time.sleep(0.05)
    assert stage_files._members(leader.pid)  # the leader and its sleep
    stage_files.kill_group(leader.pid)
    assert stage_files._members(leader.pid) == []
    leader.wait(timeout=10)


def test_the_code_names_the_tree_the_device_gets_and_not_the_results_recorded(tmp_path):
    """benchmarks/gpu/code-tree (run by prepare and the script alike) names the working tree: a change, or a new file,
    gives other code, and two different changes never the same; recording results (RESULTS.md, benchmarks/gpu/) and
    committing leave it as it is. The real index is untouched."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    code = lambda: gpu_targets.checkout_code(clone)
    index = (clone / ".git" / "index").read_bytes()
    clean = code()
    assert len(clean) == 8 and gpu_targets.checkout_commit(clone).find("+") == -1
    (clone / "README.md").write_text((clone / "README.md").read_text() + "one change\n")
    first = code()
    (clone / "README.md").write_text((clone / "README.md").read_text() + "another\n")
    second = code()
    assert len({clean, first, second}) == 3 and gpu_targets.checkout_commit(clone).endswith("+changes")
    (clone / "new_module.py").write_text("x = 1\n")
    with_new = code()
    assert with_new != second
    (clone / "benchmarks" / "RESULTS.md").write_text("recorded\n")
    (clone / "benchmarks" / "gpu" / "targets").mkdir(exist_ok=True)
    (clone / "benchmarks" / "gpu" / "targets" / "micro.json").write_text("{}\n")
    assert code() == with_new and (clone / ".git" / "index").read_bytes() == index
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "x"], cwd=clone, check=True)
    subprocess.run(["git", "add", "-A"], cwd=clone, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "y"], cwd=clone, check=True)
    assert code() == with_new  # committed: another commit, the same code
