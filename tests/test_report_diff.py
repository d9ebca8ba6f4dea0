"""`jepa-claims diff`: two records of the same run differ in nothing; planted grades, numbers and settings are reported."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from jepa_claims.cli import main
from jepa_claims.record.diff import diff_files, diff_records

TOY = Path(__file__).parent / "golden" / "diff_toy_record.json"  # a real toy-world record, trimmed to four cells
CELL = "C4|ijepa_1k|8x3"


def _record() -> dict:
    """A minimal record with every field diff reads."""
    return {"schema": 1, "claims": {"C4": {"id": "C4"}},
            "matrix": {CELL: {"claim": "C4", "status": "PASS", "grade": {"tier": "replicated"}, "p_label": "object - background",
                              "mean_diff": 0.15, "ci_low": 0.11, "ci_high": 0.21,  # half-width 0.05
                              "headline": {"label": "object - background", "measured": 0.15}}},
            "numeric": {"cells": [{"cell": "table1/8x3/advantage", "status": "PASS", "measured": 0.14, "tolerance": 0.02}]},
            "provenance": {"world": "paper", "git": {"commit": "a" * 40, "dirty": False}, "dtype": "float32",
                           "device": {"device": "cuda"}, "conventions": {"fill": "black"}, "packages": {"torch": "2.13.0"}}}


def _write(folder: Path, name: str, record: dict) -> Path:
    """A record written as a JSON file."""
    path = folder / name
    path.write_text(json.dumps(record))
    return path


def _diff(tmp_path: Path, a: dict, b: dict) -> tuple[str, str, bool]:
    """The text, the HTML and whether anything changed, through the files."""
    text, changed = diff_files(_write(tmp_path, "a.json", a), _write(tmp_path, "b.json", b), tmp_path / "diff.html")
    return text, (tmp_path / "diff.html").read_text(), changed


def test_the_same_record_twice_has_nothing_changed(tmp_path):
    """A real record diffed with itself: nothing changed, in text and HTML, and the header names both records."""
    text, changed = diff_files(TOY, TOY, tmp_path / "diff.html")
    html = (tmp_path / "diff.html").read_text()
    assert not changed and text.splitlines()[2].startswith("nothing changed")
    assert text.startswith(f"A: {TOY}: world toy, commit e0b133772459, float32 on cpu")
    assert "nothing changed" in html and "<html" in html and "<table class=\"cell\">" not in html


def test_runs_differing_only_in_run_id_time_timings_and_paths_have_nothing_changed(tmp_path):
    """Run id, times, timings, model work, processes, command line and paths are not changes."""
    a = json.loads(TOY.read_text())
    b = copy.deepcopy(a)
    b |= {"generated": "2027-01-01T00:00:00+0000", "report_seconds": 99.0}
    b["provenance"] |= {"run_id": "another", "command": "pytest claims/ -n 2", "processes": {"gw0": {}},
                        "model_work": {"forwards": 1.0, "tables": []}, "cache_dir": "/elsewhere", "data_root": "/data"}
    b["provenance"]["device"]["platform"] = "Linux-another-kernel"
    assert diff_records(a, b) == []
    assert "nothing changed" in _diff(tmp_path, a, b)[1]


def test_a_planted_number_beyond_tolerance_and_a_grade_are_reported(tmp_path):
    """A primary-test difference moved beyond its CI half-width and a changed grade are both named, in text and HTML."""
    a = json.loads(TOY.read_text())
    b = copy.deepcopy(a)
    b["matrix"][CELL]["mean_diff"] += 0.1  # the CI half-width is 0.046
    b["matrix"]["C2|ijepa_1k|8x3"]["grade"]["tier"] = "partly"
    text, html, changed = _diff(tmp_path, a, b)
    assert changed and "2 changes: cell 1, number 1" in text
    assert "cell C2|ijepa_1k|8x3 grade: replicated -> partly" in text
    assert f"number {CELL} mean_diff (object - background): 0.157524 -> 0.257524 (moved +0.1, tolerance 0.0459062)" in text
    assert "2 changes: cell 1, number 1" in html and "partly" in html and "0.257524" in html and "+0.1" in html


def test_moves_within_tolerance_are_not_reported():
    """A test difference within the CI half-width, a headline within 1% and a numeric cell within its tolerance."""
    a, b = _record(), _record()
    b["matrix"][CELL] |= {"mean_diff": 0.19, "headline": {"label": "object - background", "measured": 0.1514}}
    b["numeric"]["cells"][0]["measured"] = 0.155
    assert diff_records(a, b) == []


def test_the_tolerance_is_the_larger_of_the_two_records():
    """A move beyond A's tolerance but within B's is not reported; beyond both it is."""
    a, b = _record(), _record()
    b["numeric"]["cells"][0] |= {"measured": 0.19, "tolerance": 0.08}
    b["matrix"][CELL] |= {"mean_diff": 0.25, "ci_low": 0.1, "ci_high": 0.4}  # beyond A's 0.05, within B's 0.15
    assert diff_records(a, b) == []
    b["numeric"]["cells"][0]["measured"] = 0.25
    assert [(c["kind"], c["key"], c["tolerance"]) for c in diff_records(a, b)] == [("number", "table1/8x3/advantage", 0.08)]


def test_a_headline_beyond_one_percent_and_a_number_in_one_record_only_are_reported():
    """A headline moved by 2% and a test difference one record lacks are reported."""
    a, b = _record(), _record()
    b["matrix"][CELL]["headline"]["measured"] = 0.153
    del b["matrix"][CELL]["mean_diff"]
    fields = {c["field"]: (c["a"], c["b"], c["tolerance"]) for c in diff_records(a, b)}
    assert fields == {"mean_diff (object - background)": (0.15, None, None),
                      "headline (object - background)": (0.15, 0.153, pytest.approx(0.00153))}


def test_conventions_provenance_and_packages_are_reported(tmp_path):
    """A convention, the dtype, the device, the commit and a package version changed are each named."""
    a, b = _record(), _record()
    b["provenance"] |= {"dtype": "bfloat16", "device": {"device": "cpu"}, "git": {"commit": "b" * 40, "dirty": False},
                        "conventions": {"fill": "mean"}, "packages": {"torch": "2.14.0"}}
    text, html, _ = _diff(tmp_path, a, b)
    assert [(c["kind"], c["key"]) for c in diff_records(a, b)] == [
        ("provenance", "commit"), ("provenance", "device"), ("provenance", "dtype"),
        ("convention", "fill"), ("package", "torch")]
    assert "provenance dtype: float32 -> bfloat16" in text and "convention fill: black -> mean" in text
    assert "bfloat16" in html and "2.14.0" in html and "bbbbbbbbbbbb" in html


def test_claims_and_cells_in_one_record_only_and_statuses_are_reported():
    """A claim and a cell only B has, and a cell's and a numeric cell's status changed, are reported."""
    a, b = _record(), _record()
    b["claims"]["C5"] = {"id": "C5"}
    b["matrix"]["C5|ijepa_1k|4x3"] = {"claim": "C5", "status": "FAIL"}
    b["matrix"][CELL]["status"] = "FAIL"
    b["numeric"]["cells"][0]["status"] = "FAIL"
    assert [(c["kind"], c["key"], c["field"], c["a"], c["b"]) for c in diff_records(a, b)] == [
        ("claim", "C5", "presence", "absent", "present"), ("cell", "C5|ijepa_1k|4x3", "presence", "absent", "present"),
        ("cell", CELL, "status", "PASS", "FAIL"), ("cell", "table1/8x3/advantage", "status", "PASS", "FAIL")]


def test_a_script_payload_appears_only_escaped_in_the_html(tmp_path):
    """A <script> in a cell key, a checkpoint key and a package name reaches the page escaped."""
    payload = "<script>alert(1)</script>"
    a, b = _record(), _record()
    for record in (a, b):
        record["matrix"][f"C4|{payload}|8x3"] = {"claim": "C4", "status": "PASS"}
        record["provenance"]["checkpoints"] = [{"key": payload, "resolved": "r1"}]
    b["matrix"][f"C4|{payload}|8x3"]["status"] = "FAIL"
    b["provenance"]["checkpoints"][0]["resolved"] = payload
    b["provenance"]["packages"][payload] = "1.0"
    _, html, _ = _diff(tmp_path, a, b)
    assert "<script" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 4


def test_the_cli_exits_0_when_nothing_changed_and_1_when_something_did(tmp_path, capsys):
    """Exit codes as diff(1)'s; --html writes the page and says where."""
    a = _write(tmp_path, "a.json", _record())
    changed = _record()
    changed["matrix"][CELL]["grade"]["tier"] = "partly"
    b = _write(tmp_path, "b.json", changed)
    assert main(["diff", str(a), str(a)]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert main(["diff", str(a), str(b), "--html", str(tmp_path / "out.html")]) == 1
    out, err = capsys.readouterr()
    assert "1 change: cell 1" in out and f"wrote {tmp_path / 'out.html'}" in err
    assert "replicated" in (tmp_path / "out.html").read_text()


@pytest.mark.parametrize("content, message", [(None, "No such file or directory"), ("{not json", "not JSON"),
                                              ('{"schema": 1}', "not a jepa-claims record"),
                                              ("[1, 2]", "not a jepa-claims record")])
def test_bad_input_exits_2_with_an_error_naming_the_file(tmp_path, capsys, content, message):
    """A missing file, a file that is not JSON and JSON that is not a record: exit 2, the file named."""
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    assert main(["diff", str(_write(tmp_path, "a.json", _record())), str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"jepa-claims: error: {bad}: ") and message in err


def test_the_diff_page_colours_every_status_badge_as_the_record_does(tmp_path):
    """Each status badge on the diff page has the record's colour for its status (one stylesheet, status.css, in both):
    a badge the diff page coloured on its own would drift from the record's."""
    from jepa_claims.record.markup import STATUS_CLASS
    from jepa_claims.record.templating import stylesheet

    a, b = _record(), _record()
    for n, status in enumerate(STATUS_CLASS):  # a cell per status, each changed so its badge is drawn
        a["matrix"][f"C4|ck{n}|8x3"], b["matrix"][f"C4|ck{n}|8x3"] = {"claim": "C4", "status": "PASS"}, {"claim": "C4", "status": status}
    _, html, _ = _diff(tmp_path, a, b)
    badges = stylesheet("status.css")
    assert badges in html and badges in stylesheet()
    for status, css_class in STATUS_CLASS.items():
        assert f'<span class="status {css_class}">{status}</span>' in html
        assert f".status.{css_class} {{ background: #" in badges
