"""The paper's figures, regenerated from the measurement tables already in the cache.

The report never runs a model: `CachedSource` hands out only tables the claim tests left in the cache
(`TableStore.cached`), and a figure whose tables are missing says which ones instead of appearing.
`figure_data` returns the plotted numbers (JSON-ready, saved in stats_summary.json); `draw` turns
them into a PNG with matplotlib's Agg backend, embedded in the HTML as base64.
"""
from __future__ import annotations

import base64
import io

import numpy as np

from jepa_claims.paper import values as pv
from jepa_claims.claim.evidence import GROUP_ORDER, advantage, group_means, late_context

MAIN = "ijepa_1k"  # the paper's figures are all on the I-JEPA 1k checkpoint
EXAMPLE_QUANTILES = (0.1, 0.5, 0.9)  # Figure 5 examples: weak, typical and strong per-image advantage
COLORS = {"object": "#c0392b", "background": "#2471a3", "single": "#95a5a6", "pair": "#5dade2", "triple": "#1f618d",
          "global": "#7d3c98", "masked": "#d68910", "context": "#17a589", "paper": "black"}


class NotCached(LookupError):
    """A table the figure needs is not in the cache (the report never computes one)."""


class CachedSource:
    """A verdict source (`table`, `roles`, `conv`) that only reads tables already cached."""

    def __init__(self, store):
        self.store = store
        self.conv = store.conv
        self.read: list[str] = []

    def table(self, kind: str, checkpoint: str, slice_name: str):
        """The cached table, or NotCached."""
        frame = self.store.cached(kind, checkpoint, slice_name)
        if frame is None:
            raise NotCached(f"{kind} table of {checkpoint} / {slice_name} is not in the cache")
        self.read.append(f"{kind}:{checkpoint}:{slice_name}")
        return frame

    def roles(self, checkpoint: str):
        """Roles of the checkpoint's layers."""
        return self.store.roles(checkpoint)


def _f(x) -> float | None:
    """A finite float or None."""
    x = float(x)
    return x if np.isfinite(x) else None


def _per_slice(source, slices, fn) -> tuple[list, list]:
    """fn(slice) for each slice whose tables are cached; the others, with why."""
    rows, missing = [], []
    for name in slices:
        try:
            rows.append(fn(name))
        except NotCached as exc:
            missing.append(f"{name}: {exc}")
    return rows, missing


def fig2(source, world) -> dict:
    """Figure 2: object - background late context drift per slice, with the bootstrap 95% CI."""
    def one(name):
        c = advantage(source, MAIN, name)
        paper = pv.TABLE1.get(name, {}).get("advantage")
        return {"slice": name, "advantage": c.mean_diff, "ci_low": c.ci_low, "ci_high": c.ci_high, "p": c.p,
                "wins": c.wins, "n": c.n, "paper": paper.value if paper else None}
    rows, missing = _per_slice(source, world.slices, one)
    return {"rows": rows, "missing": missing}


def fig3(source, world) -> dict:
    """Figure 3: mean late context rescue of single, pair and triple per slice (context-only, object)."""
    def one(name):
        means = group_means(source, MAIN, name)
        paper = pv.TABLE2.get(name, {})
        paper_rescue = [row["rescue"].value for row in paper.values()] if paper else [None] * 3
        return {"slice": name, **{g: _f(means.loc[g, "rescue"]) for g in GROUP_ORDER},
                **{f"paper_{g}": v for g, v in zip(GROUP_ORDER, paper_rescue)}}
    rows, missing = _per_slice(source, [s for s in world.slices if s != "4x3"], one)
    return {"rows": rows, "missing": missing}


def fig4(source, world, slice_name: str = "8x3") -> dict:
    """Figure 4: advantage and win rate by object-size tertile (tokens), as the size-strata claim bins them."""
    masks = source.table("masks", MAIN, slice_name)
    size = masks[masks["mask"] == "object"].set_index("image_id")["tokens"].sort_values(kind="stable")
    late = late_context(source, MAIN, slice_name)
    diff = (late["object"] - late["background"]).loc[size.index]
    bins = [b for b in np.array_split(np.arange(len(size)), 3) if len(b)]
    return {"slice": slice_name, "bins": [
        {"tokens_min": int(size.iloc[b].min()), "tokens_max": int(size.iloc[b].max()), "n": len(b),
         "advantage": _f(diff.iloc[b].mean()), "win_rate": _f((diff.iloc[b] > 0).mean())} for b in bins]}


def _examples(source, slice_name: str) -> tuple[list[str], dict]:
    """Example images at EXAMPLE_QUANTILES of the per-image late advantage, and each one's advantage."""
    late = late_context(source, MAIN, slice_name)
    adv = (late["object"] - late["background"]).dropna().sort_values(kind="stable")
    picks = list(dict.fromkeys(adv.index[round(q * (len(adv) - 1))] for q in EXAMPLE_QUANTILES))
    return picks, {i: _f(adv[i]) for i in picks}


def _classes(source, slice_name: str) -> dict:
    """image id -> class name, when the masks table is cached."""
    try:
        masks = source.table("masks", MAIN, slice_name)
    except NotCached:
        return {}
    return masks.drop_duplicates("image_id").set_index("image_id")["class_name"].astype(str).to_dict()


def _late(source) -> list[int]:
    """The late window in the table's layer indexing."""
    return list(source.conv.late_layers(source.roles(MAIN).depth))


def _example_heads(source, slice_name: str) -> list[tuple]:
    """(image id, its id/class/advantage entry) of each example image of Figure 5."""
    picks, adv = _examples(source, slice_name)
    classes = _classes(source, slice_name)
    return [(image, {"image_id": str(image), "class": classes.get(image), "advantage": adv[image]}) for image in picks]


def fig5(source, world, slice_name: str = "16x3") -> dict:
    """Figure 5: per-layer context drift of object vs background masks for example images, and the mean."""
    table = source.table("semantic", MAIN, slice_name)
    images = []
    for image, head in _example_heads(source, slice_name):
        curve = table[table["image_id"] == image].pivot_table(index="layer", columns="mask", values="context_drift").sort_index()
        images.append({**head, "layers": [int(x) for x in curve.index],
                       "object": [_f(x) for x in curve["object"]], "background": [_f(x) for x in curve["background"]]})
    mean = table[table["mask"].isin(["object", "background"])].pivot_table(
        index="layer", columns="mask", values="context_drift", aggfunc="mean").sort_index()
    return {"slice": slice_name, "late_window": _late(source), "tau": source.conv.tau, "images": images,
            "mean": {"layers": [int(x) for x in mean.index], "object": [_f(x) for x in mean["object"]],
                     "background": [_f(x) for x in mean["background"]]}}


def fig6(source, world, slice_name: str = "8x3") -> dict:
    """Figure 6: mean late context rescue of each group by object token budget (geometry panel)."""
    from jepa_claims.tables.protocols import PANEL_BUDGETS  # (imports the model stack: only when a panel table is cached)

    table = source.table("panel", MAIN, slice_name)
    names = {" + ".join(sites): name for name, sites in source.roles(MAIN).groups().items()}
    means = table.assign(group=table["sites"].map(names)).groupby(["budget", "group"])["rescue"].mean().unstack("group")
    budgets = [b for b in PANEL_BUDGETS if b in means.index]
    return {"slice": slice_name, "budgets": budgets, "fractions": [PANEL_BUDGETS[b] for b in budgets],
            "rescue": {g: [_f(means.loc[b, g]) for b in budgets] for g in GROUP_ORDER if g in means.columns}}


def drift_curves(source, world, slice_name: str = "16x3") -> dict:
    """Per-layer global, masked-token and context drift of the object mask for the Figure 5 examples."""
    table = source.table("semantic", MAIN, slice_name)
    images = []
    for image, head in _example_heads(source, slice_name):
        rows = table[(table["image_id"] == image) & (table["mask"] == "object")].sort_values("layer")
        images.append({**head, "layers": [int(x) for x in rows["layer"]],
                       **{k: [_f(x) for x in rows[f"{k}_drift"]] for k in ("global", "masked", "context")}})
    return {"slice": slice_name, "mask": "object", "late_window": _late(source), "tau": source.conv.tau, "images": images}


def heads_figure(source, world, slice_name: str = "8x3") -> dict:
    """P7: per late attention block and head, bottleneck + head minus the pair, and which heads carry the gain."""
    from jepa_claims.claim.heads import head_findings  # (statistics: only when a heads table is cached)

    report = head_findings(source, MAIN, slice_name)
    blocks = sorted({h.block for h in report.heads})
    count = max(h.head for h in report.heads) + 1
    at = {(h.block, h.head): h for h in report.heads}
    return {"slice": slice_name, "blocks": blocks, "heads": count, "triple_over_pair": report.triple_over_pair,
            "over_pair": [[_f(at[(b, h)].over_pair) for h in range(count)] for b in blocks],
            "gain": [[_f(at[(b, h)].gain) for h in range(count)] for b in blocks],
            "carriers": list(report.carriers)}


FIXED_SLICE = {"fig4": "8x3", "fig5": "16x3", "fig6": "8x3", "drift": "16x3", "heads": "8x3"}  # as in the paper (P7: its cell)
FIGURES = (
    ("fig2", "Figure 2. Semantic advantage per slice", fig2,
     "Mean late context drift, object-token mask minus token-matched zero-overlap background, per slice "
     "(bars: bootstrap 95% CI; diamonds: the paper's Table 1)."),
    ("fig3", "Figure 3. Late groups: context-only rescue per slice", fig3,
     "Mean absolute late context rescue of the single bottleneck MLP, the MLP-only pair and the three-site "
     "group (diamonds: the paper's Table 2)."),
    ("fig4", "Figure 4. Size strata on 8x3", fig4,
     "Semantic advantage (bars) and win rate (line) by object-size tertile in masked tokens, as the size-strata claim bins them."),
    ("fig5", "Figure 5. Per-layer context drift, examples on 16x3", fig5,
     "Context drift per layer of the object mask and the matched background for the images at the 10th, "
     "50th and 90th percentile of the per-image advantage (a fixed rule, not a choice), and the slice mean. "
     "Shaded: the late window; dotted: the onset threshold tau."),
    ("fig6", "Figure 6. Geometry panel on 8x3", fig6,
     "Mean late context rescue of each group when only a fraction of the object tokens is masked "
     "(small, medium, full budget)."),
    ("drift", "Per-layer drift curves (global, masked, context)", drift_curves,
     "Global, masked-token and context drift per layer of the object mask for the Figure 5 examples."),
    ("heads", "P7. Late attention heads x blocks on 8x3 (beyond the paper)", heads_figure,
     "Mean late context rescue of the bottleneck MLP with one late attention head patched (context-only) minus the "
     "MLP-only pair's, per block and head; starred: the head carries the triple's gain over the pair (paired test per "
     "head, Holm over the heads)."),
)


def figure_data(source, world) -> list[dict]:
    """Every figure's plotted numbers, or why it is absent (tables not cached, checkpoint not selected)."""
    out = []
    for fid, title, build, caption in FIGURES:
        entry = {"id": fid, "title": title, "caption": caption}
        if MAIN not in [c.key for c in world.checkpoints]:
            out.append(entry | {"available": False, "reason": f"{MAIN} is not selected in this run"})
            continue
        fixed = FIXED_SLICE.get(fid)
        if fixed and fixed not in world.slices:
            out.append(entry | {"available": False, "reason": f"drawn on {fixed}, which is not selected in this run"})
            continue
        try:
            data = build(source, world)
        except NotCached as exc:
            out.append(entry | {"available": False, "reason": str(exc)})
            continue
        except Exception as exc:  # noqa: BLE001 - a figure that cannot be built must not stop the record
            out.append(entry | {"available": False, "reason": f"{type(exc).__name__}: {str(exc).strip()[:300]}"})
            continue
        empty = "rows" in data and not data["rows"]
        entry |= {"available": not empty, "data": data}
        if empty:
            entry["reason"] = "; ".join(data.get("missing", [])) or f"no selected slice ({', '.join(world.slices)}) has this figure"
        out.append(entry)
    return out


# ---------------------------------------------------------------- drawing (matplotlib, Agg)

def _bars(ax, labels, series: dict, paper: dict | None = None, errors: dict | None = None, names: dict | None = None) -> None:
    """Grouped bars (legend names from `names`), optional asymmetric error bars and paper markers."""
    x = np.arange(len(labels))
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        pos = x - 0.4 + width * (i + 0.5)
        vals = np.array([np.nan if v is None else v for v in values], dtype=float)
        ax.bar(pos, vals, width, label=(names or {}).get(name, name), color=COLORS.get(name, None))
        if errors and name in errors:
            lo, hi = (np.array([np.nan if v is None else v for v in e], dtype=float) for e in errors[name])
            ax.errorbar(pos, vals, yerr=[vals - lo, hi - vals], fmt="none", ecolor="black", capsize=3, lw=1)
        if paper and name in paper and any(v is not None for v in paper[name]):
            pv_ = np.array([np.nan if v is None else v for v in paper[name]], dtype=float)
            ax.scatter(pos, pv_, marker="D", s=18, color="black", zorder=3, label="paper" if i == 0 else "_nolegend_")
    ax.set_xticks(x, labels)
    ax.axhline(0, color="black", lw=0.6)


def _draw(fid: str, d: dict, ax, fig) -> None:
    """One figure's axes from its data."""
    if fid == "fig2":
        rows = d["rows"]
        _bars(ax, [r["slice"] for r in rows], {"object": [r["advantage"] for r in rows]},
              {"object": [r["paper"] for r in rows]}, {"object": ([r["ci_low"] for r in rows], [r["ci_high"] for r in rows])},
              names={"object": "advantage (95% CI)"})
        ax.set_ylabel("object - background late context drift")
        ax.legend(fontsize=7)
    elif fid == "fig3":
        rows = d["rows"]
        _bars(ax, [r["slice"] for r in rows], {g: [r[g] for r in rows] for g in GROUP_ORDER},
              {g: [r[f"paper_{g}"] for r in rows] for g in GROUP_ORDER})
        ax.set_ylabel("late context rescue")
        ax.legend(fontsize=7)
    elif fid == "fig4":
        bins = d["bins"]
        labels = [f"{b['tokens_min']}-{b['tokens_max']}\n(n={b['n']})" for b in bins]
        _bars(ax, labels, {"object": [b["advantage"] for b in bins]})
        ax.set_ylabel("advantage (object - background)")
        ax.set_xlabel("object tokens")
        twin = ax.twinx()
        twin.plot(range(len(bins)), [b["win_rate"] for b in bins], "o-", color="black")
        twin.set_ylim(0, 1.05)
        twin.set_ylabel("win rate")
    elif fid == "heads":
        _heads(ax, fig, d)
    elif fid == "fig6":
        _bars(ax, [f"{b} ({f:.0%})" for b, f in zip(d["budgets"], d["fractions"])], d["rescue"])
        ax.set_ylabel("late context rescue")
        ax.set_xlabel("object token budget")
        ax.legend(fontsize=7)


def _heads(ax, fig, d: dict) -> None:
    """P7's heads x blocks: a diverging map of bottleneck + head - pair, carrying heads starred."""
    values = np.array([[np.nan if v is None else v for v in row] for row in d["over_pair"]], dtype=float)
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    image = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    for site in d["carriers"]:
        block, head = site.split(".attn.head")
        ax.text(int(head), d["blocks"].index(int(block)), "*", ha="center", va="center", fontsize=14, color="black")
    ax.set_xticks(range(d["heads"]), [str(h) for h in range(d["heads"])], fontsize=7)
    ax.set_yticks(range(len(d["blocks"])), [f"{b}.attn" for b in d["blocks"]], fontsize=7)
    ax.set_xlabel("head")
    fig.colorbar(image, ax=ax, label="bottleneck + head - pair")


def _curves(fid: str, d: dict, fig) -> None:
    """Small multiples of per-layer curves (Figure 5 and the drift curves)."""
    panels = d["images"] + ([{"image_id": "slice mean", "class": None, "advantage": None, **d["mean"]}] if fid == "fig5" else [])
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    keys = ("object", "background") if fid == "fig5" else ("global", "masked", "context")
    for ax, panel in zip(axes, panels):
        for k in keys:
            ax.plot(panel["layers"], [np.nan if v is None else v for v in panel[k]], label=k, color=COLORS[k], lw=1.4)
        window = d["late_window"]
        ax.axvspan(min(window) - 0.5, max(window) + 0.5, color="#f4d03f", alpha=0.3, lw=0)
        ax.axhline(d["tau"], color="grey", ls=":", lw=1)
        klass = panel.get("class")
        title = panel["image_id"] + (f"\n({klass})" if klass and klass.lower() not in panel["image_id"].lower() else "")
        if panel.get("advantage") is not None:
            title += f"\nadvantage {panel['advantage']:+.3f}"
        ax.set_title(title, fontsize=6.5)
        ax.set_xlabel("layer", fontsize=7)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("context drift" if fid == "fig5" else "drift", fontsize=8)
    axes[0].legend(fontsize=6)


def draw(figure: dict) -> str:
    """The figure as a base64 PNG (empty string when it has no data)."""
    if not figure.get("available"):
        return ""
    from matplotlib.figure import Figure  # no pyplot: no global backend, no display; PNG through Agg

    wide = figure["id"] in ("fig5", "drift")
    fig = Figure(figsize=(9.0, 2.6) if wide else (4.6, 3.0), dpi=100, layout="constrained")
    if wide:
        _curves(figure["id"], figure["data"], fig)
    else:
        _draw(figure["id"], figure["data"], fig.add_subplot(), fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")
