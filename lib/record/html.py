"""The replication record as HTML: the top of the pytest-html report.

`render(record, images)` returns one HTML fragment (inserted through `pytest_html_results_summary`).
Every number it prints carries its place in the record (lib/record/markup.py `num`); the world banner is
lib/record/banner.py's, P7's table of heads lib/record/heads.py's.
"""
from __future__ import annotations

from functools import cache
from html import escape
from importlib.resources import files
from string import Template

from jepa_claims.record.banner import banner
from jepa_claims.record.heads import heads_table
from jepa_claims.record.markup import STATUS_CLASS, num, paragraphs, status_badge, value_html
from jepa_claims.record.summary import STATUS_ORDER
from jepa_claims.grading.grades import LEGEND, TIERS, p1_wording

TIER_CLASS = {t: "tier-" + t.replace(" ", "-") for t in TIERS}
NUMERIC_LEGEND = ("Tolerance = 1.96 x the standard error of the difference of two independent draws of images (the measured "
                  "s.e. from the per-image values; the paper prints no error, so its s.e. is taken equal to the measured one, "
                  "except a win count's, which is the binomial error of its printed count) + the named floor's share of |paper|.")
def _number_or_range(paper, path: tuple, fmt: str) -> str:
    """A headline value: a number, a [low, high] range (checked numbers both), text, or nothing."""
    if isinstance(paper, list) and len(paper) == 2:
        return f'{num(paper[0], path + (0,), "g")}-{num(paper[1], path + (1,), "g")}'
    if isinstance(paper, (int, float)) and not isinstance(paper, bool):
        return num(paper, path, fmt)
    return escape(str(paper)) if paper is not None else ""


def _resampled(test: dict) -> str:
    """'~' after p where the sign-flip p comes from random flips rather than exact enumeration."""
    return "" if test.get("p_exact", True) else "~"


def _more_test(test: dict, path: tuple) -> str:
    """A verdict's further paired test (P4's pair - single): difference, CI and p on one line."""
    return (f'<div class="small more-test">{escape(test["label"])}: {num(test.get("mean_diff"), path + ("mean_diff",), "s")} '
            f'[{num(test.get("ci_low"), path + ("ci_low",), "s")}, {num(test.get("ci_high"), path + ("ci_high",), "s")}] '
            f'p{_resampled(test)} {num(test.get("p"), path + ("p",), "p")}</div>')


def grade_html(grade: dict | None) -> str:
    """A cell's grade and its three parts (hover the parts for the paper numbers and P1's sentence behind them)."""
    if not grade:
        return ""
    cells = ", ".join(c["cell"] for c in grade.get("magnitude_cells") or []) or "none"
    diagnostic = grade["diagnostic"] + (f' (P1 on {grade["diagnostic_from"]})' if grade.get("diagnostic_from") else "")
    hover = f'magnitude rests on: {cells}. P1: {grade.get("diagnostic_reason") or "no record"}'
    return (f'<div class="grade {TIER_CLASS[grade["tier"]]}">{escape(grade["label"])}</div>'
            f'<div class="small parts" title="{escape(hover)}">direction: {escape(grade["direction"])} &middot; '
            f'magnitude: {escape(grade["magnitude"])} &middot; diagnostic: {escape(diagnostic)}</div>')


def matrix_cell(key: str, cell: dict) -> str:
    """One td of the claim matrix."""
    path = ("matrix", key)
    status = cell["status"]
    title = cell.get("statement") or cell.get("reason") or status
    parts = [status_badge(status), grade_html(cell.get("grade"))]
    head = cell.get("headline")
    if head and head.get("measured") is not None:
        fmt = "s" if "advantage" in head["label"] or " - " in head["label"] else "g"
        paper_html = _number_or_range(head.get("paper"), path + ("headline", "paper"), fmt)
        window = head.get("window")
        here = (f'window here {_number_or_range(window, path + ("headline", "window"), "g")}; '
                if window and window != head.get("paper") else "")
        parts.append(f'<div class="head">{escape(head["label"])}: <b>{num(head["measured"], path + ("headline", "measured"), fmt)}</b>'
                     + (f' <span class="small">({here}paper {paper_html})</span>' if paper_html else "") + "</div>")
    if cell.get("p_label"):
        parts.append(f'<div class="small test-label">{escape(cell["p_label"])}: {num(cell.get("mean_diff"), path + ("mean_diff",), "s")}</div>')
    if cell.get("ci_low") is not None:
        parts.append(f'<div class="small">{num(cell.get("confidence"), path + ("confidence",), "%")} CI [{num(cell["ci_low"], path + ("ci_low",), "s")}, '
                     f'{num(cell["ci_high"], path + ("ci_high",), "s")}]</div>')
    if cell.get("p") is not None:
        parts.append(f'<div class="small">p{_resampled(cell)} {num(cell["p"], path + ("p",), "p")} &middot; Holm '
                     f'{num(cell.get("p_holm"), path + ("p_holm",), "p")} &middot; min {num(cell.get("min_attainable_p"), path + ("min_attainable_p",), "p")}</div>')
    if cell.get("wins") is not None:
        parts.append(f'<div class="small">wins {num(cell["wins"], path + ("wins",), "i")}/{num(cell["n"], path + ("n",), "i")}</div>')
    parts += [_more_test(test, path + ("more_tests", i)) for i, test in enumerate(cell.get("more_tests") or [])]
    if cell.get("no_test"):
        parts.append(f'<div class="small no-test">no CI or p: {escape(cell["no_test"])}</div>')
    if status in ("SKIP", "ERROR", "NOT RUN", "NOT SELECTED") and cell.get("reason"):
        parts.append(f'<div class="small">{escape(cell["reason"][:160])}</div>')
    for probe in cell.get("probes", []):  # what the probe found for this claim; hover for what that means
        seeds = (cell.get("grade") or {}).get("untrained_passed")  # P1's verdict per untrained seed, when recorded
        found = (p1_wording(status == "PASS", seeds or probe["holds"]) if probe["probe"] == "P1"
                 else probe["badges"][0 if probe["holds"] else 1])
        broken = "" if probe["status"] in ("PASS", "FAIL") else f' (probe {escape(probe["status"])})'
        parts.append(f'<span class="badge" title="{escape(probe["sentence"])}">{escape(probe["probe"])}: {found}{broken}</span>')
    return (f'<td class="cell {STATUS_CLASS[status]}" data-key="{escape(key)}" data-status="{escape(status)}" '
            f'title="{escape(title)}">{"".join(parts)}</td>')


def matrix(record: dict) -> str:
    """The claim x (checkpoint, slice) table."""
    cols = record["columns"]
    groups: list[list] = []  # [checkpoint, label, span] runs of adjacent columns
    for c in cols:
        if groups and groups[-1][0] == c["checkpoint"]:
            groups[-1][2] += 1
        else:
            groups.append([c["checkpoint"], c["label"], 1])
    top = "".join(f'<th colspan="{span}" class="ck-head">{escape(label)}</th>' for _, label, span in groups)
    head = "".join(f'<th data-checkpoint="{escape(c["checkpoint"])}" data-slice="{escape(c["slice"])}">{escape(c["slice"])}</th>'
                   for c in cols)
    rows = []
    for claim, info in record["claims"].items():
        tds = []
        for c in cols:
            key = f'{claim}|{c["checkpoint"]}|{c["slice"]}'
            cell = record["matrix"].get(key)
            tds.append(matrix_cell(key, cell) if cell else '<td class="na">&mdash;</td>')
        rows.append(f'<tr data-claim="{escape(claim)}"><th class="claim-head"><a href="#claim-{escape(claim)}"><b>{escape(claim)}</b></a> '
                    f'{escape(info["test_doc"])}</th>{"".join(tds)}</tr>')
    legend = " ".join(status_badge(s) for s in STATUS_ORDER)
    grades = "".join(f'<li><span class="grade {TIER_CLASS[t]}">{escape(t)}</span> {escape(LEGEND[t])}</li>' for t in TIERS)
    return (f'<table id="claim-matrix"><thead><tr><th rowspan="2">claim</th>{top}</tr><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f'<p class="small">{legend} &mdash; hover a cell for the verdict statement. Each cell names its test: per-image differences '
            f'(paired sign-flip p), or two independent groups of images (size tertiles: permutation p over relabellings). CI: bootstrap (BCa); '
            f'p: two-sided, by exact enumeration, or from random sign flips or relabellings where marked p~ (too many to enumerate); Holm: adjusted across every checkpoint and slice of the same claim in this run (the P6 probe also adjusts across all advantage tests together); '
            f'min: the smallest p the test can return with n images. Badges: what a probe beyond the paper found for the claim (hover for the sentence): P1 "needs training" (trained passes, untrained fails) or "also holds untrained" (both pass), P3 "fails under an alternative" shows a convention the verdict depends on.</p>'
            f'<div id="grade-legend"><b>Grades</b> (each cell: direction &middot; magnitude &middot; diagnostic; docs/grading.md):<ul>{grades}</ul></div>')


def claims_section(record: dict) -> str:
    """Each claim: the paper's sentence, then every cell's statement and numbers."""
    out = ['<h2 id="claims">Claims: the paper\'s words and what was measured</h2>']
    for claim, info in record["claims"].items():
        rows = []
        for key in (k for k in record["matrix"] if record["matrix"][k]["claim"] == claim):
            cell = record["matrix"][key]
            rows.append(f'<tr class="{STATUS_CLASS[cell["status"]]}"><td>{escape(cell["checkpoint"])} / {escape(cell["slice"])}</td>'
                        f'<td>{status_badge(cell["status"])}{grade_html(cell.get("grade"))}</td><td>{escape(cell.get("statement") or cell.get("reason") or "")}</td>'
                        f'<td>{value_html(cell.get("measured", {}), ("matrix", key, "measured"))}</td>'
                        f'<td>{value_html(cell.get("paper", {}), ("matrix", key, "paper"))}</td></tr>')
        out.append(f'<div class="claim" id="claim-{escape(claim)}"><h3>{escape(claim)} &mdash; {escape(info["test_doc"])}</h3>'
                   f'<blockquote>{paragraphs(info["quote"])}</blockquote><table><thead><tr><th>checkpoint / slice</th><th>verdict and grade</th>'
                   f'<th>statement</th><th>measured</th><th>paper</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>')
    return "".join(out)


def numeric_section(record: dict) -> str:
    """Numeric agreement cells, or why they did not run."""
    n = record["numeric"]
    out = ['<h2 id="numeric">Numeric agreement with the paper\'s tables</h2>']
    if not n["ran"]:
        reason = n["skip_reason"] or "no numeric agreement test was collected"
        return "".join(out) + f'<p class="skipped-note"><span class="status skip">SKIPPED</span> {len(n["cells"])} cells: {escape(reason)}</p>'
    out.append(f'<p>{num(n["passed"], ("numeric", "passed"), "i")} of {num(n["ran"], ("numeric", "ran"), "i")} cells within tolerance; '
               f'{num(n["skipped"], ("numeric", "skipped"), "i")} skipped.</p>')
    rows = []
    for i, c in enumerate(n["cells"]):
        p = ("numeric", "cells", i)
        rows.append(f'<tr class="{STATUS_CLASS[c["status"]]}"><td>{escape(c["cell"])}</td><td>{escape(str(c.get("source") or ""))}</td>'
                    f'<td>{num(c.get("measured"), p + ("measured",))}</td><td>{num(c.get("paper"), p + ("paper",))}</td>'
                    f'<td>{num(c.get("diff"), p + ("diff",), "s")}</td><td>&plusmn; {num(c.get("tolerance"), p + ("tolerance",))} '
                    f'<span class="small">(s.e. {num(c.get("se"), p + ("se",))}; floor {escape(str(c.get("floor_name") or ""))} '
                    f'{num(c.get("floor"), p + ("floor",), "%")})</span></td><td>{status_badge(c["status"])} {escape(c.get("reason") or "")}</td></tr>')
    return "".join(out) + ('<table id="numeric-table"><thead><tr><th>cell</th><th>paper source</th><th>measured</th><th>paper</th>'
                           f'<th>diff</th><th>tolerance</th><th>within?</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
                           f'<p class="small">{escape(NUMERIC_LEGEND)}</p>')


def _shown(measured: dict) -> dict:
    """A probe row's measured values for its cell (P7's per-head numbers have their own table)."""
    return {k: v for k, v in measured.items() if k != "heads"}


def probes_section(record: dict) -> str:
    """Each probe and, per claim, what it means for the claim."""
    out = ['<h2 id="probes">Probes beyond the paper</h2>']
    if not record["probes"]:
        return out[0] + '<p>No probe ran in this run.</p>'
    for pid, probe in record["probes"].items():
        rows = []
        for i, row in enumerate(probe["rows"]):
            holds = {True: "yes", False: "no", None: "&ndash;"}[row.get("holds")]
            rows.append(f'<tr class="{STATUS_CLASS[row["status"]]}"><td>{escape(str(row.get("claim") or ""))}</td>'
                        f'<td>{escape(str(row.get("checkpoint") or ""))} / {escape(str(row.get("slice") or ""))}</td><td>{status_badge(row["status"])}</td>'
                        f'<td>{holds}</td><td>{escape(row.get("sentence") or "")}</td>'
                        f'<td class="small">{value_html(_shown(row.get("measured") or {}), ("probes", pid, "rows", i, "measured"))}</td></tr>')
        if probe.get("other_claims"):
            rows.append(f'<tr class="other-claims"><td>other claims</td><td colspan="5">{escape(probe["other_claims"])}</td></tr>')
        about = probe["about"].split("\n\n")[0]
        out.append(f'<div class="probe" id="probe-{escape(pid)}"><h3>{escape(pid)} &mdash; {escape(probe["title"] or probe["module"])}</h3>'
                   f'<blockquote>{paragraphs(about)}</blockquote><table><thead><tr><th>claim</th><th>checkpoint / slice</th><th>probe test</th>'
                   f'<th>holds</th><th>what it means for the claim</th><th>measured</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
                   f'{heads_table(probe) if pid == "P7" else ""}</div>')
    return "".join(out)


def _sentence_row(row: dict) -> str:
    """One result sentence: where, the quote, each named test with its status (and claims awaited), the reason."""
    tests = [f"{escape(t['id'])} {status_badge(t['status'])}" for t in row["tests"]]
    tests += [f"waits for: {escape(w)}" for w in row["waits"]]
    return (f'<tr><td>{escape(row["section"])}</td><td><q>{escape(row["text"])}</q></td><td>{"<br>".join(tests)}</td>'
            f'<td>{escape(row["reason"])}</td></tr>')


def sentences_section(record: dict) -> str:
    """Every result sentence of the paper with the outcome of its tests in this run, or why it has none."""
    listed = record.get("sentences")
    if not listed:
        return ""
    count = lambda name: num(listed["counts"][name], ("sentences", "counts", name), "i")
    rows = "".join(_sentence_row(row) for row in listed["rows"])
    return (f'<h2 id="sentences">Every result sentence of the paper</h2><p>{count("results")} result sentences: '
            f'{count("tested")} tested by this suite, {count("reason_only")} with the reason no test can check them, '
            f'{count("waiting")} waiting for a claim still to be added; {count("not_results")} sentences of method or '
            "framing are not listed. Each named test shows its outcome in this run (a claim: its worst cell that ran)."
            '</p><table id="sentence-list"><thead><tr><th>section</th><th>the paper</th><th>tested by</th>'
            f'<th>not tested, because</th></tr></thead><tbody>{rows}</tbody></table>')


def figures_section(record: dict, images: dict) -> str:
    """The regenerated figures, or why each is missing."""
    out = ['<h2 id="figures">Figures, regenerated from the cached measurement tables</h2><div class="figures">']
    for fig in record.get("figures", []):
        body = (f'<img alt="{escape(fig["title"])}" src="data:image/png;base64,{images[fig["id"]]}">' if fig.get("available") and images.get(fig["id"])
                else f'<p><span class="status skip">NOT DRAWN</span> {escape(fig.get("reason", ""))}</p>')
        out.append(f'<div class="figure" id="{escape(fig["id"])}"><h3>{escape(fig["title"])}</h3>{body}<p>{escape(fig["caption"])}</p></div>')
    return "".join(out) + "</div>"


def _kv(pairs) -> str:
    return '<dl class="kv">' + "".join(f"<dt>{escape(str(k))}</dt><dd>{v}</dd>" for k, v in pairs) + "</dl>"


def _repairs(repairs: dict) -> str:
    """Damaged cached tables this run moved aside and recomputed, and unreadable model-work log lines skipped."""
    items = [f'<b>recomputed {escape(r["table"])}</b>: {escape(r["reason"])} (moved to <code>{escape(r["moved_to"])}</code>)'
             for r in repairs.get("tables_recomputed") or []]
    if repairs.get("log_lines_skipped"):
        items.append(f'<b>model-work log lines skipped (unreadable, e.g. torn by a kill)</b>: {escape(str(repairs["log_lines_skipped"]))}')
    return "; ".join(items) or "none"


def provenance_section(record: dict) -> str:
    """What ran, on what, with which code, conventions and inputs."""
    p = record.get("provenance")
    if not p:
        return ""
    git = p["git"]
    dirty = "" if not git.get("dirty") else f' <b>(dirty: {len(git["changed_files"])} files changed)</b>'
    work = p["model_work"]
    out = ['<h2 id="provenance">Provenance</h2>', _kv([
        ("world", escape(p["world"])), ("run id", f'<code>{escape(p["run_id"])}</code>'), ("command", f'<code>{escape(p["command"])}</code>'),
        ("git commit", f'<code>{escape(str(git["commit"]))}</code> on {escape(str(git.get("branch")))}{dirty}'),
        ("device", escape(", ".join(f"{k} {v}" for k, v in p["device"].items()))), ("dtype", escape(p["dtype"])),
        ("data root", f'<code>{escape(p["data_root"])}</code>'), ("cache", f'<code>{escape(p["cache_dir"])}</code>, code version {escape(p["code_version"])}'),
        ("model work this run", f'{num(work["forwards"], ("provenance", "model_work", "forwards"))} forward passes, '
                                f'{num(work["tables_computed"], ("provenance", "model_work", "tables_computed"), "i")} tables computed'
                                + (" (every table came from the cache)" if work["tables_computed"] == 0 else "")
                                + (f' <b>computed more than once: {escape(", ".join(work["computed_twice"]))}</b>'
                                   if work.get("computed_twice") else ", none twice")),
        ("packages", escape(", ".join(f"{k} {v}" for k, v in p["packages"].items()))),
        ("conventions", escape(", ".join(f"{k}={v}" for k, v in p["conventions"].items()))),
        ("statistics", escape("; ".join(f"{k}: {v}" for k, v in (p.get("statistics") or {}).items()))),
        ("roles", escape("; ".join(f"{ck}: " + ", ".join(f"{k}={v}" for k, v in roles.items())
                                   for ck, roles in (p.get("roles") or {}).items()))),
        ("processes", escape(", ".join(f'{name} on {info.get("device")} with {info.get("torch_threads")} torch threads'
                                       for name, info in (p.get("processes") or {}).items()))),
        ("cache repairs", _repairs(p.get("cache_repairs") or {})),
    ])]
    rows = "".join(f'<tr><td>{escape(c["key"])}</td><td>{escape(c["label"])}</td><td><code>{escape(c["source"])}</code></td>'
                   f'<td><code>{escape(str(c["pinned_revision"]))}</code></td><td><code>{escape(str(c["resolved"]))}</code></td></tr>'
                   for c in p["checkpoints"])
    out.append('<table id="checkpoints"><thead><tr><th>checkpoint</th><th>label</th><th>source</th><th>pinned revision</th>'
               f'<th>resolved</th></tr></thead><tbody>{rows}</tbody></table>')
    rows = "".join(f'<tr><td>{escape(m["slice"])}</td><td>{value_html(m["images"], ("provenance", "manifests", i, "images"))}</td>'
                   f'<td><code>{escape(str(m["sha256"]))}</code></td><td>{escape(", ".join(m.get("unreadable_skipped") or []) or "none")}</td></tr>'
                   for i, m in enumerate(p["manifests"]))
    out.append('<table id="manifests"><thead><tr><th>slice</th><th>images</th><th>manifest sha256</th>'
               f'<th>unreadable files skipped (--skip-unreadable)</th></tr></thead><tbody>{rows}</tbody></table>')
    return "".join(out)


def notes_section(record: dict) -> str:
    """What the paper leaves unstated or contradicts, and how the suite reads it."""
    notes = record.get("paper_notes") or {}
    if not notes:
        return ""
    rows = "".join(f'<tr><td>{escape(n["kind"])}</td><td>{escape(n["source"])}</td><td>{escape(n["text"])}</td>'
                   f'<td>{escape(n["resolution"])}</td></tr>' for n in notes.values())
    return ('<h2 id="paper-notes">What the paper leaves unstated, and how this suite reads it</h2><table><thead><tr><th>kind</th>'
            f'<th>where</th><th>the paper</th><th>reading used</th></tr></thead><tbody>{rows}</tbody></table>')


def run_line(record: dict) -> str:
    """One line: world, run, verdict counts, model work; then which layer reading ran and why."""
    counts = record["counts"]
    shown = ", ".join(f'{num(counts[s], ("counts", s), "i")} {status_badge(s)}' for s in STATUS_ORDER if counts.get(s))
    per_claim = record["claim_status"]
    holding = num(record.get("claims_holding"), ("claims_holding",), "i")
    work = (record.get("provenance") or {}).get("model_work") or {}
    forwards = num(work.get("forwards"), ("provenance", "model_work", "forwards"))
    reading = (record.get("provenance") or {}).get("layer_reading")
    grades = record.get("grades") or {}
    graded = ", ".join(f'{num(grades[t], ("grades", t), "i")} <span class="grade {TIER_CLASS[t]}">{escape(t)}</span>'
                       for t in TIERS if grades.get(t))
    return (f'<p class="run-line">World <b>{escape(record["world"]["name"])}</b> &middot; {holding} of {num(len(per_claim), ("claims_total",), "i")} claims hold in direction on every '
            f'cell that ran &middot; cells: {shown or "none"} &middot; model work this run: <b>{forwards}</b> forward passes</p>'
            + (f'<p id="grade-counts">Graded cells (direction, magnitude against the paper, diagnostic against the untrained '
               f'control; legend below the matrix): {graded}</p>' if graded else "")
            + (f'<p id="layer-reading">{escape(reading)}</p>' if reading else "")
            + (f'<p id="conventions-note" role="alert">{escape(record["conventions_note"])}</p>' if record.get("conventions_note") else ""))


@cache
def template(name: str) -> str:
    """The text of a file in lib/record/templates (package data)."""
    return files("jepa_claims.record").joinpath("templates", name).read_text(encoding="utf-8")


def render(record: dict, images: dict | None = None) -> str:
    """The whole record as one HTML fragment: the sections filled into templates/record.html."""
    images = images or {}
    skeleton = template("record.html").removesuffix("\n")  # the file's last newline is not part of the fragment
    return Template(skeleton).substitute(
        css=template("record.css"), banner=banner(record, images), run_line=run_line(record), matrix=matrix(record),
        claims=claims_section(record), numeric=numeric_section(record), probes=probes_section(record),
        sentences=sentences_section(record),
        figures=figures_section(record, images), provenance=provenance_section(record), notes=notes_section(record))
