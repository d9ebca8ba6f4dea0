"""What benchmarks/gpu_targets.py's stages share: their processes (each in a group of its own, killed whole), their
files (written whole or not at all, read as nothing when cut off, hashed to compare one run's record with another's)
and the stand-in they run on (built once a call in --work)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path


def run_group(command: list[str], timeout: float, capture: bool = True, groups: Path | None = None,
              **popen) -> subprocess.CompletedProcess | None:
    """The command in a process group of its own (its output captured, or passed through), waited for up to `timeout`
    s; on timeout (None) the whole group is killed: pytest's xdist workers and checkpoint builder too, which would
    hold the GPU into the next stage. While it runs, `groups` (a file) lists the group, for a parent that kills this
    process first to kill the group it started as well."""
    pipes = dict(stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) if capture else {}
    timed_out = False
    with subprocess.Popen(command, start_new_session=True, **pipes, **popen) as process:
        try:
            if groups is not None:
                _list(groups, process.pid)
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:  # an error listing the group too: the group never outlives this call
            kill_group(process.pid)
        if timed_out:
            process.communicate()
    if groups is not None:  # reaped: its id may be a stranger's from now on
        _unlist(groups, process.pid)
    return None if timed_out else subprocess.CompletedProcess(command, process.returncode, out, err)


def _list(groups: Path, group: int) -> None:
    """Add a group to the file that lists the groups started."""
    with groups.open("a") as listed:
        listed.write(f"{group}\n")


def _unlist(groups: Path, group: int) -> None:
    """Take a group off the file (it was reaped)."""
    try:
        kept = [line for line in groups.read_text().splitlines() if line.strip() != str(group)]
        write_whole(groups, "".join(f"{line}\n" for line in kept))
    except OSError:
        pass


def kill_group(group: int, wait: float = 10.0) -> None:
    """Kill what is left of a process group (nothing, after a clean exit), and wait up to `wait` s for its members to
    be gone (a killed xdist worker still holds its GPU memory until it has exited)."""
    try:
        os.killpg(group, signal.SIGKILL)
    except OSError:  # none left (ProcessLookupError), or not ours to kill
        return
    waited = time.monotonic() + wait
    while _members(group) and time.monotonic() < waited:
        time.sleep(0.05)


def _members(group: int) -> list[int]:
    """The live (not zombie) processes of a group, read from /proc (none where there is no /proc)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (name) state ppid pgrp ...": the name may hold spaces, so read after its last ")"
            state, _ppid, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError, ValueError):
            continue
        if int(pgrp) == group and state != "Z":
            alive.append(int(stat.parent.name))
    return alive


def kill_listed(groups: Path) -> int:
    """Kill every process group `groups` lists (run_group's file; a line torn by a kill is skipped) and remove the
    file; how many were listed."""
    try:
        text = groups.read_text()
    except OSError:  # none started
        return 0
    listed = [int(line) for line in text.split("\n")[:-1] if line.isdigit()]  # a line without its end is torn
    for group in listed:
        kill_group(group)
    groups.unlink(missing_ok=True)
    return len(listed)


def stand_in(args) -> Path:
    """The stand-in hub cache and data sets in --work (built once per call)."""
    import rehearsal

    work = args.work / "stand-in"
    if not (work / "done").exists():
        if not args.dry_run:  # the published widths: rehearsal_config overlays nothing
            rehearsal.WIDTHS.clear()
            rehearsal.MAE_DECODER_WIDTHS.clear()
        shutil.rmtree(work, ignore_errors=True)
        rehearsal.write_hub_cache(work / "hub")
        rehearsal.write_data(work / "data")
        (work / "done").write_text("ok\n")
    return work


def read_json(path: Path) -> dict:
    """A stage file's contents ({} for a file missing or cut off part-way: a stage killed while writing)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def write_json(path: Path, value: dict) -> None:
    """Write a stage file whole or not at all (write_whole)."""
    write_whole(path, json.dumps(value, indent=1) + "\n")


def write_whole(path: Path, text: str) -> None:
    """Write a file whole or not at all (a reader never sees half of one). The part is written beside it (a rename
    across file systems would not be atomic); `remove_parts` clears one a kill left."""
    part = path.with_name(path.name + ".part")
    part.write_text(text)
    part.replace(path)


def remove_parts(folder: Path) -> list[str]:
    """Remove the half-written parts a stage killed while writing left in `folder`; their names."""
    parts = sorted(folder.glob("*.json.part"))
    for part in parts:
        part.unlink(missing_ok=True)
    return [part.name for part in parts]


def record_hashes(summary: Path) -> dict:
    """The record's hash outside provenance, and its verdicts' alone (each cell's status and grade: what a difference
    in the last bits of a number leaves alone); nothing for a record missing or cut off."""
    from jepa_claims.record.diff import comparable

    try:
        record = comparable(json.loads(summary.read_text()))
    except (OSError, ValueError, KeyError):
        return {}
    # the grade's tier only: the grade also carries the measured numbers of its magnitude cells
    verdicts = {key: [cell.get("status"), (cell.get("grade") or {}).get("tier")] for key, cell in record.get("matrix", {}).items()}
    digest = lambda value: hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()
    return {"record_sha256": digest(record), "verdicts_sha256": digest(verdicts), "verdict_cells": len(verdicts)}


def same_run_conditions(mine: dict, theirs: dict) -> str | None:
    """Why two stage files' records may differ for reasons other than the run (another card, torch or code); None
    when they ran on the same card and torch and the same code (benchmarks/gpu/code-tree: whatever commit carried it)."""
    differ = [f"{key} {theirs.get(key)!r} there, {mine.get(key)!r} here" for key in ("card", "torch", "code")
              if theirs.get(key) != mine.get(key)]
    return "; ".join(differ) or None
