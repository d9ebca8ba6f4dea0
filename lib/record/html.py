"""The replication record as HTML: the top of the pytest-html report, rendered from Jinja2 templates.

`render(record, images)` returns one HTML fragment (inserted through `pytest_html_results_summary`). The
templates (lib/record/templates/record.html.j2 and its partials) are autoescaped: Python hands them the
record and a few derived views (the front's rows, the matrix's column groups, which figures go with which
claim), never markup. Every number they print carries its place in the record (macros.html.j2 `num`).
"""
from __future__ import annotations

from jepa_claims.grading.grades import LEGEND, TIERS, p1_wording
from jepa_claims.record.front import SYMBOLS, front_rows
from jepa_claims.record.summary import STATUS_ORDER
from jepa_claims.record.templating import render_template, stylesheet

TIER_CLASS = {t: "tier-" + t.replace(" ", "-") for t in TIERS}
NUMERIC_LEGEND = ("Tolerance = 1.96 x the standard error of the difference of two independent draws of images (the measured "
                  "s.e. from the per-image values; the paper prints no error, so its s.e. is taken equal to the measured one, "
                  "except a win count's, which is the binomial error of its printed count) + the named floor's share of |paper|.")
HEAD_COLUMNS = (("alone", "alone", "g"), ("gain", "bottleneck + head - bottleneck", "s"),
                ("over_pair", "bottleneck + head - pair", "s"), ("ci_low", "95% CI low", "s"), ("ci_high", "95% CI high", "s"),
                ("p", "p", "p"), ("holm_p", "Holm p", "p"))


def column_groups(columns: list[dict]) -> list[dict]:
    """Runs of adjacent matrix columns of one checkpoint: its label and how many columns it spans."""
    groups: list[dict] = []
    for c in columns:
        if groups and groups[-1]["checkpoint"] == c["checkpoint"]:
            groups[-1]["span"] += 1
        else:
            groups.append({"checkpoint": c["checkpoint"], "label": c["label"], "span": 1})
    return groups


def probe_words(cell: dict, probe: dict) -> str:
    """What a probe found for a cell, in its badge's words (P1: counted over its untrained seeds)."""
    if probe["probe"] == "P1":
        seeds = (cell.get("grade") or {}).get("untrained_passed")
        return p1_wording(cell["status"] == "PASS", seeds or probe["holds"])
    return probe["badges"][0 if probe["holds"] else 1]


def heads_grid(heads: list[dict]) -> dict:
    """P7's heads as blocks x heads: each block's row lists the indices of its heads in `heads`, head 0 first."""
    blocks = list(dict.fromkeys(h["site"].split(".")[0] for h in heads))
    count = max(int(h["site"].rsplit("head", 1)[1]) for h in heads) + 1
    index = {h["site"]: j for j, h in enumerate(heads)}
    return {"count": count, "rows": [(b, [index[f"{b}.attn.head{h}"] for h in range(count)]) for b in blocks]}


def figure_places(record: dict) -> tuple[dict[str, list[int]], dict[str, list[tuple[int, str]]], list[int]]:
    """Which figures stand with which claim of the run (`Claim.figures`; each with the first claim that names it),
    the figures a later claim points to (index, the claim it stands with), and the figures no claim of the run names."""
    index = {fig["id"]: i for i, fig in enumerate(record.get("figures") or [])}
    placed: dict[str, list[int]] = {}
    pointed: dict[str, list[tuple[int, str]]] = {}
    home: dict[int, str] = {}
    for claim, info in record["claims"].items():
        for i in (index[f] for f in info.get("figures", ()) if f in index):
            if i in home:
                pointed.setdefault(claim, []).append((i, home[i]))
            else:
                home[i] = claim
                placed.setdefault(claim, []).append(i)
    return placed, pointed, [i for i in index.values() if i not in home]


def paper_tables_html(record: dict) -> str:
    """The paper's Tables 1-4 beside the measured values, when the record holds them."""
    if not record.get("paper_tables"):
        return ""
    from jepa_claims.record.paper_tables import render_paper_tables

    return render_paper_tables(record["paper_tables"])


def render(record: dict, images: dict | None = None) -> str:
    """The whole record as one HTML fragment."""
    from markupsafe import Markup

    figures_of, figures_pointed, loose = figure_places(record)
    return render_template(
        "record.html.j2", record=record, images=images or {}, css=Markup(stylesheet()), rows=front_rows(record), symbols=SYMBOLS,
        statuses=STATUS_ORDER, tiers=TIERS, tier_class=TIER_CLASS, legend=LEGEND, graded=any((record.get("grades") or {}).values()),
        work=(record.get("provenance") or {}).get("model_work") or {}, column_groups=column_groups(record["columns"]),
        numeric_legend=NUMERIC_LEGEND, probe_words=probe_words, heads_grid=heads_grid, head_columns=HEAD_COLUMNS,
        shown=lambda measured: {k: v for k, v in measured.items() if k != "heads"},
        figures_of=figures_of, figures_pointed=figures_pointed, loose_figures=loose, paper_tables_html=Markup(paper_tables_html(record)))
