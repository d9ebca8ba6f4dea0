"""The record's figures drawn from their plotted numbers: matplotlib's object API on an Agg canvas, no pyplot state.

Each function draws one figure's axes from the JSON `figures.figure_data` saved, so a PNG shows exactly the
numbers the record holds. Figure 5's rows with their images are drawn by `record.examples`.
"""
from __future__ import annotations

import base64
import io

import numpy as np

COLORS = {"object": "#c0392b", "background": "#2471a3", "single": "#95a5a6", "pair": "#5dade2", "triple": "#1f618d",
          "global": "#7d3c98", "masked": "#d68910", "context": "#17a589", "paper": "black"}
GROUP_NAMES = {"single": "single MLP bottleneck", "pair": "MLP-only pair", "triple": "three-site attention + MLP"}


def _floats(values) -> np.ndarray:
    """A float array with None as NaN (a bar or marker that is not drawn)."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def bars(ax, labels, series: dict, paper: dict | None = None, errors: dict | None = None, names: dict | None = None) -> None:
    """Grouped bars (legend names from `names`), optional asymmetric error bars and the paper's values as diamonds."""
    x = np.arange(len(labels))
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        pos = x - 0.4 + width * (i + 0.5)
        vals = _floats(values)
        ax.bar(pos, vals, width, label=(names or {}).get(name, name), color=COLORS.get(name))
        if errors and name in errors:
            lo, hi = (_floats(e) for e in errors[name])
            ax.errorbar(pos, vals, yerr=[vals - lo, hi - vals], fmt="none", ecolor="black", capsize=3, lw=1)
        if paper and name in paper and any(v is not None for v in paper[name]):
            ax.scatter(pos, _floats(paper[name]), marker="D", s=18, color="black", zorder=3,
                       label=paper.get("label", "paper") if i == 0 else "_nolegend_")
    ax.set_xticks(x, labels)
    ax.axhline(0, color="black", lw=0.6)


def semantic_advantage(fig, d: dict) -> None:
    """Figure 2: the advantage per slice with its bootstrap 95% CI, Table 1's values as diamonds."""
    ax = fig.add_subplot()
    rows = d["rows"]
    bars(ax, [r["slice"] for r in rows], {"object": [r["advantage"] for r in rows]},
         {"object": [r["paper"] for r in rows], "label": "paper (Table 1)"},
         {"object": ([r["ci_low"] for r in rows], [r["ci_high"] for r in rows])}, names={"object": "measured (95% CI)"})
    ax.set_ylabel("advantage (late context drift)", fontsize=8)
    ax.set_xlabel("Oxford-IIIT Pet slice")
    ax.legend(fontsize=7)


def late_groups(fig, d: dict) -> None:
    """Figure 3: each group's mean late context rescue per slice, Table 2's values as diamonds."""
    ax = fig.add_subplot()
    rows, groups = d["rows"], list(GROUP_NAMES)
    bars(ax, [r["slice"] for r in rows], {g: [r[g] for r in rows] for g in groups},
         {**{g: [r[f"paper_{g}"] for r in rows] for g in groups}, "label": "paper (Table 2)"}, names=GROUP_NAMES)
    ax.set_ylabel("absolute late context rescue", fontsize=8)
    ax.set_xlabel("slice")
    ax.legend(fontsize=6)


def size_strata(fig, d: dict) -> None:
    """Figure 4: the advantage per size bin (bars) and the bin's win rate (line, right axis)."""
    ax = fig.add_subplot()
    labels = [f"{b['tokens_min']}-{b['tokens_max']}\n(n={b['n']})" for b in d["bins"]]
    bars(ax, labels, {"object": [b["advantage"] for b in d["bins"]]}, names={"object": "advantage"})
    ax.set_ylabel("advantage (late context drift)", fontsize=8)
    ax.set_xlabel("object masked-token count")
    twin = ax.twinx()
    twin.plot(range(len(labels)), _floats([b["win_rate"] for b in d["bins"]]), "o-", color="black", label="win rate")
    twin.set_ylim(0, 1.05)
    twin.set_ylabel("win rate (object > background)", fontsize=8)


def geometry_panel(fig, d: dict) -> None:
    """Figure 6: each group's mean late context rescue by token budget fraction."""
    ax = fig.add_subplot()
    bars(ax, [f"{f:.0%}\n({b})" for b, f in zip(d["budgets"], d["fractions"])], d["rescue"], names=GROUP_NAMES)
    ax.set_ylabel("absolute late context rescue", fontsize=8)
    ax.set_xlabel("token budget fraction of the object's tokens")
    ax.legend(fontsize=6)


def heads(fig, d: dict) -> None:
    """P7's heads x blocks: a diverging map of bottleneck + head - pair, carrying heads starred."""
    ax = fig.add_subplot()
    values = np.array([_floats(row) for row in d["over_pair"]], dtype=float)  # [blocks, heads]
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    image = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    for site in d["carriers"]:
        block, head = site.split(".attn.head")
        ax.text(int(head), d["blocks"].index(int(block)), "*", ha="center", va="center", fontsize=14, color="black")
    ax.set_xticks(range(d["heads"]), [str(h) for h in range(d["heads"])], fontsize=7)
    ax.set_yticks(range(len(d["blocks"])), [f"{b}.attn" for b in d["blocks"]], fontsize=7)
    ax.set_xlabel("head")
    fig.colorbar(image, ax=ax, label="bottleneck + head - pair")


def drift_panels(fig, d: dict) -> None:
    """Small multiples: global, masked-token and context drift per layer of the object mask, one panel an image."""
    axes = fig.subplots(1, len(d["images"]), sharey=True, squeeze=False)[0]
    for ax, panel in zip(axes, d["images"]):
        for k in ("global", "masked", "context"):
            ax.plot(panel["layers"], _floats(panel[k]), label=k, color=COLORS[k], lw=1.4)
        window = d["late_window"]
        ax.axvspan(min(window) - 0.5, max(window) + 0.5, color="#f4d03f", alpha=0.3, lw=0)
        ax.axhline(d["tau"], color="grey", ls=":", lw=1)
        ax.set_title(f"{panel['image_id']}\nadvantage {panel['advantage']:+.3f}", fontsize=6.5)
        ax.set_xlabel("layer", fontsize=7)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("drift", fontsize=8)
    axes[0].legend(fontsize=6)


DRAW = {"figure2": semantic_advantage, "figure3": late_groups, "figure4": size_strata, "figure6": geometry_panel,
        "drift": drift_panels, "heads": heads}  # figure id -> what draws it on an empty Figure (Figure 5: examples)


def png(fig) -> str:
    """A matplotlib Figure as base64 PNG text."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")
