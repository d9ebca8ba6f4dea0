"""`jepa-claims diff A.json B.json`: what changed between two records (stats_summary.json), as text and HTML.

`diff_records` returns a list of changes (dicts with `kind`, `key`, `field`, `a`, `b`; numbers add `moved` and
`tolerance`), in the order of KINDS; `render_text` and `render_html` both render that list, and `diff_files`
reads two files and writes either.

What is compared:
- provenance: world, git commit and dirty flag, code version, dtype, device, P1's untrained seeds, each
  checkpoint's resolved revision, each data slice's manifest hash;
- claims and matrix cells present in only one record;
- each matrix cell's status and grade tier, and each numeric agreement cell's status;
- numbers, two-sided (|b - a| > tolerance):
  - a numeric agreement cell's `measured`: tolerance the larger of the two records' cell tolerances;
  - a matrix cell's primary test difference (`mean_diff`): tolerance the larger of the two records' CI
    half-widths ((ci_high - ci_low) / 2), the sampling noise of that very number;
  - a matrix cell's headline `measured`: onset layers, token counts and fractions carry no CI of their own,
    so its tolerance is REL_TOLERANCE of the larger magnitude of the two;
  a number on one side only (a test skipped in the other record) is reported without a tolerance;
- conventions and package versions.

Not compared, because two runs of the same world at the same commit legitimately differ in them: `generated`,
`report_seconds`, the run id, the command line (`-n 4` against `-n 2`), worker processes and their threads,
model work (forwards, tables computed, timings: they depend on what the cache held), cache repairs, cache
and data paths, the platform string (kernel version); nor what is derived from the compared fields or is
prose about them: counts, grades and claim statuses (sums of the cells), Holm families, statements,
sentences, probe rows, figures, records of each test, the catalogue of claims (beyond which claims exist),
paper notes, the statistics' and layer reading's descriptions (they change with the commit, which is compared).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from markupsafe import Markup

from jepa_claims.record.markup import STATUS_CLASS
from jepa_claims.record.templating import render_template, stylesheet

KINDS = ("provenance", "claim", "cell", "number", "convention", "package")
TITLES = {"provenance": "provenance (what was run, on what)", "claim": "claims present in one record only",
          "cell": "cell statuses and grades", "number": "numbers moved beyond their tolerance",
          "convention": "conventions", "package": "package versions"}
RUN_OWN = ("provenance", "generated", "report_seconds")  # who ran, when, and how long: not numbers of the claims
REL_TOLERANCE = 0.01  # 1% of the headline's magnitude: beyond float32 noise, below any effect the paper reads
NOTHING = "nothing changed (grades, statuses, numbers within tolerance, conventions, versions, provenance)"


def load_record(path: Path) -> dict:
    """A stats_summary.json read and checked; ValueError naming the file when it is not one."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")  # a missing file: OSError names it
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not JSON ({error})") from error
    missing = [key for key in ("schema", "matrix") if not isinstance(record, dict) or key not in record]
    if missing:
        raise ValueError(f"{path}: not a jepa-claims record (stats_summary.json): no {' or '.join(missing)}")
    return record


def _change(kind: str, key: str, field: str, a, b, **extra) -> dict:
    """One change from a to b."""
    return {"kind": kind, "key": key, "field": field, "a": a, "b": b} | extra


def _provenance(record: dict) -> dict:
    """The provenance entries compared, by name."""
    prov = record.get("provenance") or {}
    git = prov.get("git") or {}
    entries = {"world": prov.get("world") or (record.get("world") or {}).get("name"), "commit": git.get("commit"),
               "dirty": git.get("dirty"), "code version": prov.get("code_version"), "dtype": prov.get("dtype"),
               "device": (prov.get("device") or {}).get("device"), "untrained seeds": prov.get("untrained_seeds")}
    entries |= {f"checkpoint {c.get('key')}": c.get("resolved") for c in prov.get("checkpoints") or []}
    return entries | {f"slice {m.get('slice')}": m.get("sha256") for m in prov.get("manifests") or []}


def _changed_entries(kind: str, xa: dict, xb: dict) -> list[dict]:
    """Changes for the entries of two flat mappings that differ (an entry in one only: None on the other)."""
    return [_change(kind, key, "", xa.get(key), xb.get(key))
            for key in sorted(set(xa) | set(xb), key=str) if xa.get(key) != xb.get(key)]


def _settings(record: dict, name: str) -> dict:
    """One provenance mapping (conventions, packages)."""
    return (record.get("provenance") or {}).get(name) or {}


def _presence(kind: str, keys_a, keys_b) -> list[dict]:
    """Changes for the keys that only one record has."""
    return [_change(kind, key, "presence", "present" if key in keys_a else "absent",
                    "present" if key in keys_b else "absent") for key in sorted(set(keys_a) ^ set(keys_b))]


def _claims(record: dict) -> set[str]:
    """The claims a record has: its catalogue's and its cells'."""
    return set(record.get("claims") or {}) | {c.get("claim") for c in record["matrix"].values() if c.get("claim")}


def _numeric_cells(record: dict) -> dict[str, dict]:
    """Numeric agreement cells by name."""
    return {row["cell"]: row for row in (record.get("numeric") or {}).get("cells") or [] if "cell" in row}


def _states(a: dict, b: dict) -> list[dict]:
    """Status and grade changes of the matrix cells and the numeric cells both records have."""
    changes = []
    for key in sorted(set(a["matrix"]) & set(b["matrix"])):
        x, y = a["matrix"][key], b["matrix"][key]
        pairs = {"status": (x.get("status"), y.get("status")),
                 "grade": ((x.get("grade") or {}).get("tier"), (y.get("grade") or {}).get("tier"))}
        changes += [_change("cell", key, field, p, q) for field, (p, q) in pairs.items() if p != q]
    na, nb = _numeric_cells(a), _numeric_cells(b)
    return changes + [_change("cell", key, "status", na[key].get("status"), nb[key].get("status"))
                      for key in sorted(set(na) & set(nb)) if na[key].get("status") != nb[key].get("status")]


def _number(value) -> float | None:
    """A finite number, else None (booleans, text, NaN, absent)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _moved(key: str, field: str, x, y, tolerance: float) -> list[dict]:
    """A number change when x and y differ by more than the tolerance, or only one of them is a number."""
    x, y = _number(x), _number(y)
    if x is None and y is None:
        return []
    if x is None or y is None:
        return [_change("number", key, field, x, y, moved=None, tolerance=None)]
    return [_change("number", key, field, x, y, moved=y - x, tolerance=tolerance)] if abs(y - x) > tolerance else []


def _half_width(cell: dict) -> float:
    """Half the width of a cell's primary test CI (0 without one)."""
    low, high = _number(cell.get("ci_low")), _number(cell.get("ci_high"))
    return (high - low) / 2 if low is not None and high is not None else 0.0


def _cell_numbers(key: str, x: dict, y: dict) -> list[dict]:
    """A matrix cell's primary test difference and headline number, when they moved."""
    changes = _moved(key, f"mean_diff ({x.get('p_label') or y.get('p_label') or 'primary test'})",
                     x.get("mean_diff"), y.get("mean_diff"), max(_half_width(x), _half_width(y)))
    hx, hy = x.get("headline") or {}, y.get("headline") or {}
    mx, my = _number(hx.get("measured")), _number(hy.get("measured"))
    scale = max(abs(mx or 0.0), abs(my or 0.0))
    label = hx.get("label") or hy.get("label") or "headline"
    return changes + _moved(key, f"headline ({label})", hx.get("measured"), hy.get("measured"), REL_TOLERANCE * scale)


def _numbers(a: dict, b: dict) -> list[dict]:
    """Numbers moved beyond their tolerance: the matrix cells', then the numeric agreement cells'."""
    changes = []
    for key in sorted(set(a["matrix"]) & set(b["matrix"])):
        changes += _cell_numbers(key, a["matrix"][key], b["matrix"][key])
    na, nb = _numeric_cells(a), _numeric_cells(b)
    for key in sorted(set(na) & set(nb)):
        tolerance = max(_number(na[key].get("tolerance")) or 0.0, _number(nb[key].get("tolerance")) or 0.0)
        changes += _moved(key, "measured", na[key].get("measured"), nb[key].get("measured"), tolerance)
    return changes


def diff_records(a: dict, b: dict) -> list[dict]:
    """Every change from record a to record b, ordered by KINDS (empty: nothing changed)."""
    return (_changed_entries("provenance", _provenance(a), _provenance(b))
            + _presence("claim", _claims(a), _claims(b)) + _presence("cell", set(a["matrix"]), set(b["matrix"]))
            + _states(a, b) + _numbers(a, b)
            + _changed_entries("convention", _settings(a, "conventions"), _settings(b, "conventions"))
            + _changed_entries("package", _settings(a, "packages"), _settings(b, "packages")))


def describe(path: Path, record: dict) -> dict:
    """Which record this is: its file, world, commit, dtype, device and time."""
    prov = _provenance(record)
    commit = prov["commit"] or "unknown commit"
    return {"path": str(path), "world": prov["world"] or "unknown", "dtype": prov["dtype"] or "unknown",
            "commit": commit[:12] + (" (dirty)" if prov["dirty"] else ""), "device": prov["device"] or "unknown",
            "generated": record.get("generated") or "unknown"}


def verdict(changes: list[dict]) -> str:
    """One line: nothing changed, or how many changes of each kind."""
    if not changes:
        return NOTHING
    counts = [f"{kind} {n}" for kind in KINDS if (n := sum(c["kind"] == kind for c in changes))]
    return f"{len(changes)} change{'s' * (len(changes) != 1)}: {', '.join(counts)}"


def _show(value) -> str:
    """A value as the text and the HTML print it (numbers to 6 significant digits)."""
    if value is None:
        return "none"
    return f"{value:.6g}" if _number(value) is not None else str(value)


def _line(change: dict) -> str:
    """One change as a line of text."""
    where = f"{change['kind']} {change['key']}" + (f" {change['field']}" if change["field"] else "")
    line = f"{where}: {_show(change['a'])} -> {_show(change['b'])}"
    if change.get("tolerance") is not None:
        line += f" (moved {change['moved']:+.6g}, tolerance {change['tolerance']:.6g})"
    elif change["kind"] == "number":
        line += " (a number in one record only)"
    return line


def comparable(summary: dict) -> dict:
    """A record (stats_summary.json) as two runs of the same work share it: without what is each run's own (RUN_OWN),
    nor the world's data folder."""
    kept = {k: v for k, v in summary.items() if k not in RUN_OWN}
    kept["world"] = {k: v for k, v in kept["world"].items() if k != "data_root"}
    return kept


def render_text(about_a: dict, about_b: dict, changes: list[dict]) -> str:
    """The diff as text: which records, the verdict, then a line per change."""
    heads = [f"{name}: {d['path']}: world {d['world']}, commit {d['commit']}, {d['dtype']} on {d['device']}, "
             f"generated {d['generated']}" for name, d in (("A", about_a), ("B", about_b))]
    return "\n".join(heads + [verdict(changes)] + [_line(c) for c in changes])


def render_html(about_a: dict, about_b: dict, changes: list[dict]) -> str:
    """The diff as a standalone HTML page (lib/record/templates/diff.html.j2)."""
    groups = {kind: [c for c in changes if c["kind"] == kind] for kind in KINDS}
    return render_template("diff.html.j2", a=about_a, b=about_b, verdict=verdict(changes), titles=TITLES,
                           statuses=list(STATUS_CLASS),  # the statuses the badge macro knows
                           status_css=Markup(stylesheet("status.css")),  # the record's badge colours
                           groups={kind: rows for kind, rows in groups.items() if rows})


def diff_files(path_a: Path, path_b: Path, html: Path | None = None) -> tuple[str, bool]:
    """The text diff of two stats_summary.json files (the page written to `html` too) and whether anything changed."""
    a, b = load_record(path_a), load_record(path_b)
    about_a, about_b, changes = describe(path_a, a), describe(path_b, b), diff_records(a, b)
    if html is not None:
        Path(html).write_text(render_html(about_a, about_b, changes), encoding="utf-8")
    return render_text(about_a, about_b, changes), bool(changes)
