"""pytest plugin: collects verdicts from every worker and writes the replication record."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

SUMMARY = Path("reports/stats_summary.json")
_RECORDS: list[dict] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Keep the verdict recorded by each claim test (reports from xdist workers arrive here too)."""
    if report.when != "call":
        return
    for name, value in report.user_properties:
        if name in ("verdict", "numeric"):
            _RECORDS.append({"kind": name, "test": report.nodeid, "outcome": report.outcome, **value})


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write every recorded number to the JSON sidecar (controller only)."""
    if hasattr(session.config, "workerinput"):
        return
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(json.dumps({"records": _RECORDS}, indent=2, default=str) + "\n")
