"""The paper's figures, regenerated in the paper's form from the measurement tables already in the cache.

The report never runs a model: `CachedSource` hands out only tables the claim tests left in the cache
(`TableStore.cached`), and a figure whose tables are missing says which ones instead of appearing. Each figure
is drawn on the paper's checkpoint, slices, groups and bins (FIGURES: its title, and our note on what is drawn
from which tables and which reading we take where the paper leaves a choice open); its entry quotes the paper's
caption verbatim (`paper.sentences.caption`). `figure_data` returns the plotted numbers (JSON-ready, saved in
stats_summary.json); `draw` turns them into a PNG with matplotlib's Agg backend, embedded in the HTML as base64.
"""
from __future__ import annotations

import numpy as np

from jepa_claims.claim.evidence import GROUP_ORDER, advantage, group_means, late_context
from jepa_claims.paper import values as pv
from jepa_claims.paper.sentences import caption
from jepa_claims.record import drawing, examples

MAIN = "ijepa_1k"  # the paper's figures are all on the I-JEPA 1k checkpoint
# The slices each figure is drawn on, as its caption names them (Figure 2: "balanced 4x3, 8x3, and 12x3 slices of
# Oxford-IIIT Pet"; Figure 3: "balanced 8x3 and 12x3 slices"; the others one slice each).
PAPER_SLICES = {"figure2": ("4x3", "8x3", "12x3"), "figure3": ("8x3", "12x3"), "figure4": ("8x3",),
                "figure5": ("16x3",), "figure6": ("8x3",), "drift": ("16x3",), "heads": ("8x3",)}


class NotCached(LookupError):
    """A table the figure needs is not in the cache (the report never computes one)."""


class CachedSource:
    """A verdict source (`table`, `roles`, `conv`) that only reads tables already cached, and the slice's images."""

    def __init__(self, store):
        self.store = store
        self.conv = store.conv
        self.read: list[str] = []
        self._pictures: dict[tuple, dict] = {}

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

    def pictures(self, slice_name: str, image_ids: list[str]) -> dict:
        """Figure 5's pictures of these images (read from the data root once), or examples.PicturesMissing."""
        key = (slice_name, tuple(image_ids))
        if key not in self._pictures:
            self._pictures[key] = examples.load_pictures(self.store, MAIN, slice_name, list(image_ids))
        return self._pictures[key]


def _f(x) -> float | None:
    """A finite float or None."""
    x = float(x)
    return x if np.isfinite(x) else None


def _per_slice(source, world, fid: str, fn) -> dict:
    """fn(slice) for each of the figure's paper slices that is selected and cached; the others, with why."""
    rows, missing = [], []
    for name in PAPER_SLICES[fid]:
        if name not in world.slices:
            missing.append(f"{name}: not selected in this run")
            continue
        try:
            rows.append(fn(name))
        except NotCached as exc:
            missing.append(f"{name}: {exc}")
    return {"slices": list(PAPER_SLICES[fid]), "rows": rows, "missing": missing}


def fig2(source, world) -> dict:
    """Figure 2: object - background late context drift per Pet slice, with the bootstrap 95% CI and p."""
    def one(name):
        c = advantage(source, MAIN, name)
        paper = pv.TABLE1.get(name, {}).get("advantage")
        return {"slice": name, "advantage": c.mean_diff, "ci_low": c.ci_low, "ci_high": c.ci_high, "p": c.p,
                "wins": c.wins, "n": c.n, "paper": paper.value if paper else None}
    return _per_slice(source, world, "figure2", one)


def fig3(source, world) -> dict:
    """Figure 3: mean late context rescue of single, pair and triple per slice (context-only, object masks)."""
    def one(name):
        means = group_means(source, MAIN, name)
        paper = pv.TABLE2.get(name, {})
        paper_rescue = [row["rescue"].value for row in paper.values()] if paper else [None] * 3
        return {"slice": name, **{g: _f(means.loc[g, "rescue"]) for g in GROUP_ORDER},
                **{f"paper_{g}": v for g, v in zip(GROUP_ORDER, paper_rescue)}}
    return {**_per_slice(source, world, "figure3", one), "groups": list(GROUP_ORDER)}


def fig4(source, world, slice_name: str = "8x3") -> dict:
    """Figure 4: advantage and win rate per bin of object masked-token count (tertiles, as the size strata bin them)."""
    masks = source.table("masks", MAIN, slice_name)
    size = masks[masks["mask"] == "object"].set_index("image_id")["tokens"].sort_values(kind="stable")  # [images]
    late = late_context(source, MAIN, slice_name)
    diff = (late["object"] - late["background"]).loc[size.index]  # [images], smallest object first
    bins = [b for b in np.array_split(np.arange(len(size)), 3) if len(b)]
    return {"slice": slice_name, "binning": "tertiles", "bins": [
        {"tokens_min": int(size.iloc[b].min()), "tokens_max": int(size.iloc[b].max()), "n": len(b),
         "advantage": _f(diff.iloc[b].mean()), "win_rate": _f((diff.iloc[b] > 0).mean())} for b in bins]}


def _classes(source, slice_name: str) -> dict:
    """image id -> class name, from the cached masks table."""
    masks = source.table("masks", MAIN, slice_name)
    return masks.drop_duplicates("image_id").set_index("image_id")["class_name"].astype(str).to_dict()


def _late(source) -> list[int]:
    """The late window in the table's layer indexing."""
    return list(source.conv.late_layers(source.roles(MAIN).depth))


def fig5(source, world, slice_name: str = "16x3") -> dict:
    """Figure 5: example images' per-layer context drift, object against background, and their masks' tokens."""
    table = source.table("semantic", MAIN, slice_name)
    classes = _classes(source, slice_name)
    rows = []
    for pick in examples.picks(source, MAIN, slice_name):
        curve = table[table["image_id"] == pick["image_id"]].pivot_table(
            index="layer", columns="mask", values="context_drift").sort_index()  # [layers, masks]
        rows.append({**pick, "class": classes.get(pick["image_id"]), "layers": [int(x) for x in curve.index],
                     "object": [_f(x) for x in curve["object"]], "background": [_f(x) for x in curve["background"]]})
    data = {"slice": slice_name, "late_window": _late(source), "tau": source.conv.tau, "images": rows, "missing": []}
    try:
        pictures = source.pictures(slice_name, [r["image_id"] for r in rows])
    except examples.PicturesMissing as exc:
        return data | {"missing": [f"images: {exc}"]}
    wrong = examples.mismatch(pictures, source.table("masks", MAIN, slice_name))
    if wrong:  # the files or the conventions changed since the tables were measured: not the measured masks
        return data | {"missing": ["images: the masks rebuilt from the files are not the measured ones (" + "; ".join(wrong) + ")"]}
    for row in rows:
        picture = pictures[row["image_id"]]
        row |= {"grid": int(np.sqrt(picture.object.size)), "object_tokens": np.flatnonzero(picture.object).tolist(),
                "background_tokens": np.flatnonzero(picture.background).tolist()}
    return data


def fig6(source, world, slice_name: str = "8x3") -> dict:
    """Figure 6: mean late context rescue of each group by object token budget fraction (geometry panel)."""
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
    for pick in examples.picks(source, MAIN, slice_name):
        rows = table[(table["image_id"] == pick["image_id"]) & (table["mask"] == "object")].sort_values("layer")
        images.append({**pick, "layers": [int(x) for x in rows["layer"]],
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


FIGURES = (  # (id, title, builder, our note: what is drawn from which tables, and our reading where the paper is silent)
    ("figure2", "Figure 2. Strict semantic advantage vs. zero-overlap background control", fig2,
     "Bars: the mean per image of late context drift under the object-token mask minus under the token-matched "
     "zero-overlap background, on the Pet slices the caption names (4x3, 8x3, 12x3), from each slice's semantic "
     "table; error bars: BCa bootstrap 95% CI; diamonds: the paper's Table 1 advantage (the paper's figure prints "
     "no numbers, and Table 1 holds the same quantity). 16x3 and VOC 8x3 are in Table 1, not in this figure."),
    ("figure3", "Figure 3. Best late groups for context-only rescue", fig3,
     "Bars: mean absolute late context rescue (context-only patching, object masks) of the caption's three groups: "
     "the single bottleneck (29.intermediate), the MLP-only pair (+ 30.intermediate) and the three-site group "
     "(29.intermediate + 30.attn.out + 31.attn.out; at another depth the roles move with it), on 8x3 and 12x3, from "
     "the rescue tables; diamonds: the paper's Table 2. Like the paper's figure, no error bars: the ordering is "
     "tested image by image in the claim's cell."),
    ("figure4", "Figure 4. Size-stratified semantic advantage and win rate on 8x3", fig4,
     "Bars: the mean per-image advantage (late context drift, object minus zero-overlap background; semantic table) "
     "within each bin of object masked-token count (masks table); line: the fraction of the bin's images whose object "
     "mask drifts strictly more. The paper states neither its bin edges nor their number: we read them as three "
     "near-equal tertiles of the images sorted by token count (stable sort, numpy.array_split), the bins the "
     "size-strata claim tests, so the figure shows what the claim decides; each bin's token range and n are on the axis."),
    ("figure5", "Figure 5. Qualitative examples on 16x3", fig5,
     "One row per image, picked by a fixed rule: the images at the 10th, 50th and 90th percentile of the per-image "
     "advantage (the paper shows two examples and does not say how it chose them). From the left: the image as the "
     "checkpoint sees it (resized), its object tokens tinted, its token-matched zero-overlap background tinted, and "
     "the per-layer context drift of both masks (semantic table; shaded: the late window; dotted: the onset threshold "
     "tau). The masks are rebuilt from the slice's label files by the masking protocol (no model runs) and checked "
     "against the masks table's token counts; under the random background rule the background shown is its first "
     "draw (the tables average the draws)."),
    ("figure6", "Figure 6. Geometry panel for object masks on 8x3", fig6,
     "Bars: mean absolute late context rescue (context-only patching, object masks) of the three groups when only a "
     "fraction of each object's tokens is masked, from the 8x3 panel table. The paper names the budgets (small, "
     "medium, full) but not their fractions: we read them as 25%, 50% and 100% of the object's tokens, those nearest "
     "its centroid (the budgets the geometry-panel claim tests)."),
    ("drift", "Per-layer drift of the Figure 5 examples (beyond the paper)", drift_curves,
     "Not a figure of the paper: global, masked-token and context drift per layer of the object mask for Figure 5's "
     "example images (semantic table; shaded: the late window; dotted: tau)."),
    ("heads", "P7. Late attention heads x blocks on 8x3 (beyond the paper)", heads_figure,
     "Not a figure of the paper: mean late context rescue of the bottleneck MLP with one late attention head patched "
     "(context-only) minus the MLP-only pair's, per block and head; starred: the head carries the triple's gain over "
     "the pair (paired test per head, Holm over the heads)."),
)


def paper_caption(fid: str) -> str | None:
    """The paper's caption of this figure, verbatim (None for the figures beyond the paper)."""
    return caption(fid).text if fid.startswith("figure") else None


def _build(fid: str, build, source, world) -> dict:
    """The figure's availability and data, or why it is absent (checkpoint or slice not selected, tables not cached)."""
    if MAIN not in [c.key for c in world.checkpoints]:
        return {"available": False, "reason": f"{MAIN} is not selected in this run"}
    slices = PAPER_SLICES[fid]
    if len(slices) == 1 and slices[0] not in world.slices:
        return {"available": False, "reason": f"drawn on {slices[0]}, which is not selected in this run"}
    try:
        data = build(source, world)
    except NotCached as exc:
        return {"available": False, "reason": str(exc)}
    except Exception as exc:  # noqa: BLE001 - a figure that cannot be built must not stop the record
        return {"available": False, "reason": f"{type(exc).__name__}: {str(exc).strip()[:300]}"}
    if "rows" in data and not data["rows"]:
        return {"available": False, "reason": "; ".join(data["missing"]), "data": data}
    return {"available": True, "data": data}


def figure_data(source, world) -> list[dict]:
    """Every figure's title, the paper's caption, our note, and its plotted numbers or why it is absent."""
    return [{"id": fid, "title": title, "paper_caption": paper_caption(fid), "note": note, **_build(fid, build, source, world)}
            for fid, title, build, note in FIGURES]


def draw(figure: dict, source: CachedSource | None = None) -> str:
    """The figure as a base64 PNG (empty when it has no data); Figure 5's pictures come from `source`."""
    if not figure.get("available"):
        return ""
    from matplotlib.figure import Figure  # no pyplot: no global backend, no display; PNG through Agg

    fid, d = figure["id"], figure["data"]
    if fid == "figure5":
        pictured = source is not None and not d["missing"]
        pictures = source.pictures(d["slice"], [r["image_id"] for r in d["images"]]) if pictured else {}
        fig = Figure(figsize=(9.0 if pictured else 4.6, 2.3 * len(d["images"])), dpi=100, layout="constrained")
        examples.draw_rows(fig, d, pictures)
        return drawing.png(fig)
    fig = Figure(figsize=(9.0, 2.6) if fid == "drift" else (4.6, 3.0), dpi=100, layout="constrained")
    drawing.DRAW[fid](fig, d)
    return drawing.png(fig)
