"""Issue 4: the main command gives identical numbers with `-n 4` and `-n 0`.

Each run gets its own fresh cache, so nothing is shared: every toy checkpoint, data set and table is
built again in a different process layout (four workers with one torch thread each, or one process
with this process's threads: all cores when the test runs alone, fewer under `pytest tests/ -n 2`,
where giving it all cores beside the other worker made it 12x slower and CI timed out: bench_neighbour), and the two
records must agree exactly, bit for bit, outside provenance. A second `-n 4` run on the first cache
must compute nothing (the report's counter shows zero forwards) and give the same record.

The record is also locked against a committed golden, tests/golden/toy_matrix.json (each matrix cell's
status, measured values and p, rounded to 1e-9): a restructure must leave every number where it was.
When a change is meant to move them, regenerate it from a toy run and commit it with the reason:

    pytest claims/ -n 4 --world toy && python tests/test_worker_identity.py reports/stats_summary.json
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
from record_page import assert_fits_the_reviewers_screen
from test_report import check_numbers_match

from jepa_claims.record.diff import comparable, diff_records

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "toy_matrix.json"
TOLERANCE = 1e-9  # the golden's rounding


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


def first_difference(a, b, path: str = "", tolerance: float = 0.0) -> str | None:
    """Where two JSON values first differ (for a readable failure); floats within `tolerance` are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            found = first_difference(a.get(key), b.get(key), f"{path}.{key}", tolerance)
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return next((f for f in (first_difference(x, y, f"{path}[{i}]", tolerance) for i, (x, y) in enumerate(zip(a, b))) if f), None)
    if isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool) and tolerance:
        return None if abs(a - b) <= tolerance else f"{path}: {a!r} != {b!r} (tolerance {tolerance})"
    return None if a == b else f"{path}: {a!r} != {b!r}"


def _rounded(value):
    """A JSON value with every float rounded to the golden's precision."""
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return round(value, 9) if isinstance(value, float) else value


def golden_matrix(summary: dict) -> dict:
    """What the golden locks of a record: per matrix cell, its status, measured values and p (rounded)."""
    return {key: _rounded({"status": cell["status"], "measured": cell.get("measured"), "p": cell.get("p")})
            for key, cell in summary["matrix"].items()}


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
    golden = json.loads(GOLDEN.read_text())
    assert first_difference(golden, golden_matrix(parallel), tolerance=TOLERANCE) is None, (
        "the toy record moved from tests/golden/toy_matrix.json; if the change is deliberate, regenerate it (module docstring)")
    assert len(check_numbers_match(html, parallel)) > 100
    assert diff_records(parallel, serial) == [] and diff_records(parallel, warm) == []  # `jepa-claims diff`: nothing changed
    layout = assert_fits_the_reviewers_screen(tmp_path / "cold-n4" / "replication.html", parallel, tmp_path)
    assert len(layout["rows"]) == 19  # the toy world runs every claim, and each is on the first screen
    assert all(t["comparable"] is False and t["rows"] for t in parallel["paper_tables"])  # Tables 1-4, paper column not comparable


def test_first_difference_names_the_path():
    """The comparison is not vacuous: one changed bit in a nested number is found and named."""
    a = {"matrix": {"C4|x|8x3": {"measured": {"advantage": 0.1256}}}, "records": [1, 2]}
    b = json.loads(json.dumps(a))
    assert first_difference(a, b) is None
    b["matrix"]["C4|x|8x3"]["measured"]["advantage"] = math.nextafter(0.1256, 1.0)
    assert first_difference(a, b).startswith(".matrix.C4|x|8x3.measured.advantage: 0.1256 != 0.1256000000")
    assert first_difference({"records": [1, 2]}, {"records": [2, 1]}) == ".records[0]: 1 != 2"


def test_the_golden_comparison_catches_a_moved_number():
    """The golden check is not vacuous: a measured value moved by more than the rounding is found, less is not."""
    golden = {"C4|ijepa_1k|8x3": {"status": "PASS", "measured": {"advantage": 0.123456789}, "p": 0.000244141}}
    summary = {"matrix": {"C4|ijepa_1k|8x3": {"status": "PASS", "measured": {"advantage": 0.1234567894}, "p": 0.000244141}}}
    assert first_difference(golden, golden_matrix(summary), tolerance=TOLERANCE) is None
    summary["matrix"]["C4|ijepa_1k|8x3"]["measured"]["advantage"] = 0.12345681
    assert first_difference(golden, golden_matrix(summary), tolerance=TOLERANCE).startswith(".C4|ijepa_1k|8x3.measured.advantage")
    summary["matrix"]["C4|ijepa_1k|8x3"] |= {"status": "FAIL", "measured": {"advantage": 0.123456789}}
    assert "status" in first_difference(golden, golden_matrix(summary), tolerance=TOLERANCE)


if __name__ == "__main__":  # regenerate the golden from a toy run's record (see the module docstring)
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(golden_matrix(json.loads(Path(sys.argv[1]).read_text())), indent=1, sort_keys=True) + "\n")
