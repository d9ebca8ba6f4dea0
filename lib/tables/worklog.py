"""The model-work log (`forwards.jsonl` in the cache): one JSON line per table computed, append-only.

A process killed while appending leaves a torn last line. The next writer starts its entry on a new
line, so the torn one never swallows it, and readers skip any line that does not parse and say so:
the count of a run is never dropped whole, and never silently short.
"""
from __future__ import annotations

import json
from pathlib import Path

from filelock import FileLock

LOG_NAME = "forwards.jsonl"


def append_entry(cache_dir: Path, entry: dict) -> None:
    """Append one entry as its own line (after a newline if the last line was torn)."""
    log = Path(cache_dir) / LOG_NAME
    line = json.dumps(entry).encode() + b"\n"
    with FileLock(str(log) + ".lock"), log.open("a+b") as handle:
        handle.seek(0, 2)
        if handle.tell():
            handle.seek(-1, 2)
            if handle.read(1) != b"\n":
                line = b"\n" + line
        handle.write(line)


def read_entries(cache_dir: Path) -> tuple[list[dict], list[int]]:
    """The log's entries, and the numbers (1-based) of the lines skipped because they do not parse."""
    log = Path(cache_dir) / LOG_NAME
    if not log.exists():
        return [], []
    entries, skipped = [], []
    for number, line in enumerate(log.read_bytes().splitlines(), start=1):
        try:
            entry = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            entry = None
        if isinstance(entry, dict) and "run" in entry:
            entries.append(entry)
        elif line.strip():
            skipped.append(number)
    return entries, skipped


def forwards_of_run(cache_dir: Path, run_id: str) -> dict:
    """Model work logged by one run: total forward equivalents, the tables computed, any table it computed
    more than once (which the shared cache must prevent, whatever the number of workers), the tables it
    recomputed because the cached file was damaged, and the log lines that could not be read."""
    entries, skipped = read_entries(cache_dir)
    # By table name, not by finishing time: under -n the order in which workers finish is not a result.
    mine = sorted((e for e in entries if e["run"] == run_id), key=lambda e: e["table"])
    names = [e.get("table") for e in mine]
    return {"forwards": round(sum(float(e.get("forwards", 0)) for e in mine), 6), "tables_computed": len(mine),
            "entries": mine, "computed_twice": sorted({n for n in names if names.count(n) > 1}),
            "recomputed": [{k: e[k] for k in ("table", "reason", "moved_to")} for e in mine if e.get("reason")],
            "log_lines_skipped": skipped}
