"""Issue 4: the main command gives identical numbers with `-n 4` and `-n 0`.

Each run gets its own fresh cache, so nothing is shared: every toy checkpoint, data set and table is
built again in a different process layout (four workers with one torch thread each, or one process
with this process's threads: all cores when the test runs alone, fewer under `pytest tests/ -n 2`,
where giving it all cores beside the other worker made it 12x slower and CI timed out: bench_neighbour), and the two
records must agree exactly, bit for bit, outside provenance. A second `-n 4` run on the first cache
must compute nothing (the report's counter shows zero forwards) and give the same record.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from test_report import check_numbers_match

ROOT = Path(__file__).resolve().parents[1]
VOLATILE = ("provenance", "generated", "report_seconds")  # who ran, when, and how long: not numbers of the claims


def run_main_command(tmp: Path, name: str, workers: str, cache: str, *options: str) -> tuple[dict, str]:
    """The main command on the toy world with the cache `tmp/cache`: its stats_summary.json and HTML."""
    report = tmp / name / "replication.html"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}  # not the outer run's worker
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "claims/", "-n", workers, "-q", "-p", "no:cacheprovider", "--world", "toy",
         "--cache-dir", str(tmp / cache), f"--html={report}", "--self-contained-html", *options],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(report.with_name("stats_summary.json").read_text()), report.read_text()


def comparable(summary: dict) -> dict:
    """The record without provenance, and without the world's cache path (each run has its own)."""
    kept = {k: v for k, v in summary.items() if k not in VOLATILE}
    kept["world"] = {k: v for k, v in kept["world"].items() if k != "data_root"}
    return kept


def first_difference(a, b, path: str = "") -> str | None:
    """Where two JSON values first differ (for a readable failure)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            found = first_difference(a.get(key), b.get(key), f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return next((f for f in (first_difference(x, y, f"{path}[{i}]") for i, (x, y) in enumerate(zip(a, b))) if f), None)
    return None if a == b else f"{path}: {a!r} != {b!r}"


@pytest.mark.slow
def test_four_workers_and_one_process_give_identical_numbers(tmp_path):
    """Every number of the record (matrix, Holm, numeric cells, probes, figures, records) is identical; a second
    run on the same cache reuses it (zero forwards) and gives the same record; the HTML prints the JSON's numbers."""
    parallel, html = run_main_command(tmp_path, "cold-n4", "4", "cache-a")
    warm, _ = run_main_command(tmp_path, "warm-n4", "4", "cache-a")
    serial, _ = run_main_command(tmp_path, "cold-n0", "0", "cache-b", "--threads", str(torch.get_num_threads()))
    work = {name: run["provenance"]["model_work"] for name, run in (("parallel", parallel), ("warm", warm), ("serial", serial))}
    assert parallel["counts"]["PASS"] > 0 and work["parallel"]["tables_computed"] > 0
    assert work["serial"]["tables_computed"] > 0, "the -n 0 run must compute, not reuse"
    assert work["parallel"]["computed_twice"] == [], "four workers computed a table twice"
    assert work["parallel"]["tables_computed"] == work["serial"]["tables_computed"]
    assert work["warm"]["forwards"] == 0 and work["warm"]["tables_computed"] == 0, work["warm"]
    assert first_difference(comparable(parallel), comparable(serial)) is None
    assert first_difference(comparable(parallel), comparable(warm)) is None
    assert len(check_numbers_match(html, parallel)) > 100


def test_first_difference_names_the_path():
    """The comparison is not vacuous: one changed bit in a nested number is found and named."""
    a = {"matrix": {"C4|x|8x3": {"measured": {"advantage": 0.1256}}}, "records": [1, 2]}
    b = json.loads(json.dumps(a))
    assert first_difference(a, b) is None
    b["matrix"]["C4|x|8x3"]["measured"]["advantage"] = math.nextafter(0.1256, 1.0)
    assert first_difference(a, b).startswith(".matrix.C4|x|8x3.measured.advantage: 0.1256 != 0.1256000000")
    assert first_difference({"records": [1, 2]}, {"records": [2, 1]}) == ".records[0]: 1 != 2"
