"""benchmarks/bench_dtype_record.py: the comparison that decides whether bfloat16 changed the record finds every change."""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_dtype_record as bench  # noqa: E402


def _record() -> dict:
    """A stats summary with one cell, one claim, one probe row and one numeric cell."""
    return {
        "matrix": {"C4|ijepa_1k|8x3": {"status": "PASS", "grade": {"tier": "partly", "diagnostic": "diagnostic"}}},
        "claim_status": {"C4": "PASS"},
        "probes": {"P3": {"rows": [{"claim": "C4", "checkpoint": "ijepa_1k", "slice": "8x3", "test": "t", "status": "PASS",
                                    "holds": True}]}},
        "numeric": {"cells": [{"cell": "table1/4x3/object", "status": "SKIP"}]},
    }


def _changed(path: tuple, value) -> dict:
    """The record with one value replaced."""
    record = copy.deepcopy(_record())
    target = record
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return record


def test_identical_records_have_no_difference():
    assert bench.differences(bench.verdicts(_record()), bench.verdicts(_record())) == []


@pytest.mark.parametrize("path, value", [
    (("matrix", "C4|ijepa_1k|8x3", "grade", "tier"), "replicated"),
    (("matrix", "C4|ijepa_1k|8x3", "grade", "diagnostic"), "not diagnostic"),
    (("matrix", "C4|ijepa_1k|8x3", "status"), "FAIL"),
    (("claim_status", "C4"), "FAIL"),
    (("probes", "P3", "rows", 0, "holds"), False),
    (("numeric", "cells", 0, "status"), "PASS"),
])
def test_a_changed_decision_is_a_difference(path, value):
    """A planted change in any decision the record makes is listed, with both values."""
    found = bench.differences(bench.verdicts(_record()), bench.verdicts(_changed(path, value)))
    assert len(found) == 1 and found[0][1] != found[0][2]


def test_a_cell_only_one_record_has_is_a_difference():
    other = copy.deepcopy(_record())
    other["matrix"]["C5|ijepa_1k|8x3"] = {"status": "PASS", "grade": {"tier": "partly"}}
    assert [key for key, _, _ in bench.differences(bench.verdicts(_record()), bench.verdicts(other))] == ["cell C5|ijepa_1k|8x3"]
