"""One check per claim of the catalogue (C1-C13): tables in, Verdict out.

Each check asserts the claim as the paper states it (direction, ordering, significance); numeric
agreement with the paper's tables is separate (`numeric_cells`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import paper_values as pv
from .drift import onset
from .stats import compare_paired
from .verdicts import (
    CLEAN_PROXY_MAX, GROUP_ORDER, MIN_NEUTRAL_SITES, NEUTRAL_SHARE, Verdict, _cmp_text, _ordered, _significant,
    advantage, group_means, late_context, per_image_rescue,
)


def _onsets(source, checkpoint: str, slice_name: str) -> pd.DataFrame:
    """Onset layer (hidden_states index, NaN if never) per image and rectangle of the geometry table."""
    table = source.table("geometry", checkpoint, slice_name)
    conv = source.conv
    rows = []
    for (image, area, aspect), part in table.groupby(["image_id", "area", "aspect"]):
        part = part.sort_values("layer")
        layer = onset(part["context_drift"].to_numpy(), part["layer"].tolist(), conv.tau)
        rows.append((image, area, aspect, np.nan if layer is None else conv.hidden_index(layer)))
    return pd.DataFrame(rows, columns=["image_id", "area", "aspect", "onset"])


def c1_depth_transition(source, checkpoint, slice_name) -> Verdict:
    """Small masks never reach onset; large squares reach it in the onset window; squares no later."""
    onsets = _onsets(source, checkpoint, slice_name)
    lo, hi = source.roles(checkpoint).onset_window
    small = onsets[onsets["area"] == onsets["area"].min()]
    large = onsets[(onsets["area"] >= 0.3) & (onsets["aspect"] == 1.0)]
    median = onsets.fillna(np.inf).groupby(["area", "aspect"])["onset"].median().unstack("aspect")
    square_first = bool((median[1.0] <= median[median.columns.max()]).all())
    small_never = bool(small["onset"].isna().all())
    large_in = bool(large["onset"].between(lo, hi).all())
    return Verdict("C1", checkpoint, slice_name, small_never and large_in and square_first,
                   f"smallest masks never reach onset: {small_never}; large squares reach onset within "
                   f"hidden_states {lo}-{hi}: {large_in} (onsets {sorted(large['onset'].dropna().unique().tolist())}); "
                   f"square no later than elongated at every area: {square_first}",
                   measured={"small_reaching_onset": int(small["onset"].notna().sum()),
                             "large_onset_median": float(large["onset"].median())},
                   paper={"onset_window": list(pv.ONSET_RANGE)})


def _single_sites(source, checkpoint: str, slice_name: str) -> pd.Series:
    """Mean context rescue of every single site in the sweep (object masks)."""
    return source.table("sweep", checkpoint, slice_name).groupby("sites")["rescue"].mean()


def c2_bottleneck(source, checkpoint, slice_name) -> Verdict:
    """The bottleneck MLP intermediate is the best single late site; several attention outputs are neutral."""
    roles = source.roles(checkpoint)
    rescue = _single_sites(source, checkpoint, slice_name)
    late = rescue[[s for s in rescue.index if int(s.split(".")[0]) in roles.late_sites]]
    best = late.idxmax()
    bottleneck = f"{roles.bottleneck}.intermediate"
    attention = late[[s for s in late.index if s.endswith("attn.out")]]
    neutral = attention[attention <= NEUTRAL_SHARE * late[bottleneck]]
    passed = best == bottleneck and len(neutral) >= MIN_NEUTRAL_SITES
    return Verdict("C2", checkpoint, slice_name, passed,
                   f"best single late site {best} ({late[best]:.4f}); {bottleneck} {late[bottleneck]:.4f}; "
                   f"{len(neutral)} attention outputs neutral or harmful (<= {NEUTRAL_SHARE:.0%} of it): {list(neutral.index)}",
                   measured={"bottleneck_rescue": float(late[bottleneck]), "best_site": best, "neutral_attention": len(neutral)},
                   paper={"bottleneck": f"{pv.BOTTLENECK_BLOCK}.intermediate"})


def c3_context_dominant(source, checkpoint, slice_name) -> Verdict:
    """At the bottleneck, context-only rescue exceeds masked-only rescue for every class."""
    classes = source.table("masks", checkpoint, slice_name).drop_duplicates("image_id").set_index("image_id")["class_name"]
    context = per_image_rescue(source, checkpoint, slice_name, "single", "context")
    masked = per_image_rescue(source, checkpoint, slice_name, "single", "masked")
    by_class = pd.DataFrame({"context": context, "masked": masked}).groupby(classes).mean()
    losing = by_class.index[by_class["context"] <= by_class["masked"]].tolist()
    return Verdict("C3", checkpoint, slice_name, not losing,
                   f"context-only {context.mean():.4f} vs masked-only {masked.mean():.4f} mean rescue; "
                   f"classes where context does not win: {losing or 'none'} of {len(by_class)}",
                   measured={"context_rescue": float(context.mean()), "masked_rescue": float(masked.mean()),
                             "classes": len(by_class), "classes_losing": len(losing)})


def c4_semantic_advantage(source, checkpoint, slice_name) -> Verdict:
    """Object > zero-overlap background in late context drift: CI excludes 0, p < 0.001; 4x3 also vs rectangles."""
    c = advantage(source, checkpoint, slice_name)
    passed, extra = _significant(c), ""
    measured = {"advantage": c.mean_diff, "object": c.mean_a, "background": c.mean_b, "wins": c.wins, "n": c.n}
    if slice_name == "4x3":
        late = late_context(source, checkpoint, slice_name).mean()
        beats = bool(late["object"] > late["bg_rect"] and late["object"] > late["rect"])
        passed &= beats
        extra = f"; object {late['object']:.4f} vs matched-area rectangle {late['bg_rect']:.4f} and generic rectangle {late['rect']:.4f}"
        measured |= {"bg_rect": float(late["bg_rect"]), "rect": float(late["rect"])}
    paper = {k: v.value for k, v in pv.TABLE1.get(slice_name, {}).items()}
    return Verdict("C4", checkpoint, slice_name, passed, _cmp_text(c) + extra, measured, paper, c.to_dict())


def c5_persists(source, checkpoint, slice_name) -> Verdict:
    """The advantage persists and slightly strengthens from 4x3 to 12x3 and 16x3."""
    adv = {s: advantage(source, checkpoint, s).mean_diff for s in ("4x3", "12x3", "16x3")}
    passed = all(a > 0 for a in adv.values()) and adv["12x3"] >= adv["4x3"] and adv["16x3"] >= adv["4x3"]
    return Verdict("C5", checkpoint, slice_name, passed,
                   "advantage " + ", ".join(f"{s} {a:+.4f}" for s, a in adv.items()),
                   measured=adv, paper={s: pv.TABLE1[s]["advantage"].value for s in adv})


def c6_late_pathway(source, checkpoint, slice_name) -> Verdict:
    """Triple > pair > single in absolute rescue and rescue fraction (context-only, object masks)."""
    means = group_means(source, checkpoint, slice_name)
    passed = _ordered(means["rescue"]) and _ordered(means["rescue_fraction"])
    triple = per_image_rescue(source, checkpoint, slice_name, "triple")
    pair = per_image_rescue(source, checkpoint, slice_name, "pair")
    p4 = compare_paired(triple.to_numpy(), pair.loc[triple.index].to_numpy())
    text = "; ".join(f"{g}: {means.loc[g, 'rescue']:.4f} ({means.loc[g, 'rescue_fraction']:.3f})" for g in GROUP_ORDER)
    paper = {f"{g}_{k}": v.value for g, row in zip(GROUP_ORDER, pv.TABLE2.get(slice_name, {}).values()) for k, v in row.items()}
    return Verdict("C6", checkpoint, slice_name, passed, f"rescue (fraction) {text}; P4 " + _cmp_text(p4, "triple - pair"),
                   {f"{g}_{k}": float(means.loc[g, k]) for g in GROUP_ORDER for k in ("rescue", "rescue_fraction")},
                   paper, {"triple_minus_pair": p4.to_dict()})


def c7_depth_sweep(source, checkpoint, slice_name) -> Verdict:
    """Early local phase, mid-depth rise, rescue peak within the peak window."""
    rescue = _single_sites(source, checkpoint, slice_name)
    by_block = rescue.groupby(lambda s: int(s.split(".")[0])).max().sort_index()
    depth, (lo, hi) = source.roles(checkpoint).depth, source.roles(checkpoint).peak_window
    early, mid = by_block.loc[: depth // 3 - 1].mean(), by_block.loc[depth // 3 : 2 * depth // 3 - 1].mean()
    peak_block, peak = int(by_block.idxmax()), float(by_block.max())
    passed = lo <= peak_block <= hi and early < 0.5 * peak and mid > early
    return Verdict("C7", checkpoint, slice_name, passed,
                   f"peak rescue {peak:.4f} at block {peak_block} (window {lo}-{hi}); early third {early:.4f}, middle third {mid:.4f}",
                   measured={"peak_block": peak_block, "peak": peak, "early": float(early), "mid": float(mid),
                             "by_block": {int(k): float(v) for k, v in by_block.items()}},
                   paper={"peak_window": list(pv.RESCUE_PEAK)})


def c8_size_strata(source, checkpoint, slice_name) -> Verdict:
    """Advantage and win rate rise with object size; triple-minus-pair largest in the largest bin."""
    masks = source.table("masks", checkpoint, slice_name)
    size = masks[masks["mask"] == "object"].set_index("image_id")["tokens"].sort_values(kind="stable")
    late = late_context(source, checkpoint, slice_name)
    diff = (late["object"] - late["background"]).loc[size.index]
    gap = (per_image_rescue(source, checkpoint, slice_name, "triple") - per_image_rescue(source, checkpoint, slice_name, "pair")).loc[size.index]
    bins = np.array_split(np.arange(len(size)), 3)
    adv = [float(diff.iloc[b].mean()) for b in bins]
    win = [float((diff.iloc[b] > 0).mean()) for b in bins]
    tp = [float(gap.iloc[b].mean()) for b in bins]
    passed = adv[-1] > adv[0] and win[-1] >= win[0] and int(np.argmax(tp)) == len(bins) - 1
    return Verdict("C8", checkpoint, slice_name, passed,
                   f"by object-size tertile (small to large): advantage {np.round(adv, 4).tolist()}, "
                   f"win rate {np.round(win, 3).tolist()}, triple - pair {np.round(tp, 4).tolist()}",
                   measured={"advantage_by_bin": adv, "win_rate_by_bin": win, "triple_minus_pair_by_bin": tp,
                             "bin_edges_tokens": [int(size.iloc[b].min()) for b in bins]})


def c9_geometry_panel(source, checkpoint, slice_name) -> Verdict:
    """The triple is the best group at medium and full token budgets."""
    table = source.table("panel", checkpoint, slice_name)
    names = {" + ".join(sites): name for name, sites in source.roles(checkpoint).groups().items()}
    means = table.assign(group=table["sites"].map(names)).groupby(["budget", "group"])["rescue"].mean().unstack("group")
    best = means.idxmax(axis=1)
    passed = best.get("medium") == "triple" and best.get("full") == "triple"
    return Verdict("C9", checkpoint, slice_name, bool(passed),
                   "best group by budget: " + ", ".join(f"{b} {best[b]}" for b in ("small", "medium", "full") if b in best),
                   measured={f"{b}_{g}": float(means.loc[b, g]) for b in means.index for g in means.columns})


def c10_second_checkpoint(source, checkpoint, slice_name) -> Verdict:
    """The 22k checkpoint: object beats background on every image, same ordering, smaller effects than 1k."""
    c = advantage(source, checkpoint, slice_name)
    reference = advantage(source, "ijepa_1k", slice_name)
    means, ref_means = group_means(source, checkpoint, slice_name), group_means(source, "ijepa_1k", slice_name)
    smaller = c.mean_diff < reference.mean_diff and means.loc["triple", "rescue"] < ref_means.loc["triple", "rescue"]
    passed = c.wins == c.n and c.mean_diff > 0 and _ordered(means["rescue"]) and smaller
    return Verdict("C10", checkpoint, slice_name, passed,
                   _cmp_text(c) + f"; 1k advantage {reference.mean_diff:+.4f}; triple rescue {means.loc['triple', 'rescue']:.4f} "
                   f"vs 1k {ref_means.loc['triple', 'rescue']:.4f}; ordering single<pair<triple: {_ordered(means['rescue'])}",
                   measured={"advantage": c.mean_diff, "wins": c.wins, "n": c.n, "advantage_1k": reference.mean_diff},
                   paper={"advantage": pv.IJEPA_22K_ADVANTAGE.value, "wins": pv.IJEPA_22K_WINS.wins},
                   stats=c.to_dict())


def c11_predictor_proxy(source, checkpoint, slice_name) -> Verdict:
    """Ridge proxy: good clean fit; object masks degrade it more; pair and triple rescue it more than single."""
    table = source.table("proxy", checkpoint, slice_name)
    mean = table.groupby(["mask", "condition"])[["proxy_global_drift", "proxy_context_drift"]].mean()
    clean = float(mean.loc[("object", "clean"), "proxy_global_drift"])
    obj, bg = (float(mean.loc[(m, "masked"), "proxy_context_drift"]) for m in ("object", "background"))
    rescue = {g: obj - float(mean.loc[("object", g), "proxy_context_drift"]) for g in GROUP_ORDER}
    passed = clean <= CLEAN_PROXY_MAX and obj > bg and min(rescue["pair"], rescue["triple"]) > rescue["single"]
    return Verdict("C11", checkpoint, slice_name, passed,
                   f"clean proxy drift {clean:.4f} (<= {CLEAN_PROXY_MAX}); masked proxy context drift object {obj:.4f} vs "
                   f"background {bg:.4f}; proxy rescue single {rescue['single']:.4f}, pair {rescue['pair']:.4f}, triple {rescue['triple']:.4f}",
                   measured={"clean_global_drift": clean, "object_context_drift": obj, "background_context_drift": bg,
                             **{f"rescue_{g}": r for g, r in rescue.items()}},
                   paper={k: v.value for k, v in pv.PROXY.items()})


def c12_other_families(source, checkpoint, slice_name) -> Verdict:
    """MAE shows no object advantage (CI includes 0); BEiT a strong one (CI excludes 0, p < 0.001)."""
    c = advantage(source, checkpoint, slice_name)
    family = "mae" if checkpoint == "mae" else "beit"
    passed = (not c.ci_excludes_zero) if family == "mae" else _significant(c)
    expectation = "no advantage (CI includes 0)" if family == "mae" else "strong advantage"
    row = pv.TABLE3[family]
    return Verdict("C12", checkpoint, slice_name, passed, f"expected {expectation}: " + _cmp_text(c),
                   measured={"advantage": c.mean_diff, "wins": c.wins, "n": c.n},
                   paper={"advantage": row["advantage"].value, "wins": row["wins"].wins}, stats=c.to_dict())


def c13_token_budgets(source, checkpoint, slice_name) -> Verdict:
    """Object and zero-overlap background budgets are equal on every image."""
    masks = source.table("masks", checkpoint, slice_name)
    budget = masks.pivot(index="image_id", columns="mask", values="tokens")
    unequal = budget.index[budget["object"] != budget["background"]].tolist()
    patches = int(masks["patches"].iloc[0])
    mean_obj = float(budget["object"].mean())
    return Verdict("C13", checkpoint, slice_name, not unequal,
                   f"mean object tokens {mean_obj:.1f}, mean background tokens {budget['background'].mean():.1f}, "
                   f"visible context {patches - mean_obj:.1f} of {patches}; unequal budgets: {unequal or 'none'}",
                   measured={"object_tokens": mean_obj, "background_tokens": float(budget["background"].mean()),
                             "visible_context": patches - mean_obj},
                   paper={k: v.value for k, v in pv.TABLE4.get(slice_name, {}).items()})


CHECKS = {
    "C1": c1_depth_transition, "C2": c2_bottleneck, "C3": c3_context_dominant, "C4": c4_semantic_advantage,
    "C5": c5_persists, "C6": c6_late_pathway, "C7": c7_depth_sweep, "C8": c8_size_strata,
    "C9": c9_geometry_panel, "C10": c10_second_checkpoint, "C11": c11_predictor_proxy,
    "C12": c12_other_families, "C13": c13_token_budgets,
}


def evaluate(claim: str, source, checkpoint: str, slice_name: str) -> Verdict:
    """Run one claim's check."""
    if claim not in CHECKS:
        raise KeyError(f"unknown claim {claim!r}; known: {list(CHECKS)}")
    return CHECKS[claim](source, checkpoint, slice_name)
