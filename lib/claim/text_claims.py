"""The paper's result sentences beyond the catalogue C1-C13, as claims C14 onwards (same registry, same rules).

Each check registers on `CLAIMS` (lib/claim/checks.py) with its sentence, cells and P1 expectation;
lib/claim/catalogue.py imports this module and checks.py together, so every user of the registry
sees all claims. Constants that turn a word of the paper into a bound are named here with their reason.
Directions are decided as in every other check (lib/stats/family.py): the claimed sign, the 95% CI on
that side, and the p Holm-adjusted over the verdict's deciding tests below alpha. The paper states no
threshold for any comparison here (its p < 0.001 is the semantic advantage's), so alpha is 0.05.
"""
from __future__ import annotations

import pandas as pd

from jepa_claims.paper import values as pv
from jepa_claims.claim.checks import CLAIMS
from jepa_claims.claim.common import NEUTRAL_SHARE, Verdict, late_context
from jepa_claims.claim.evidence import single_site_rescue, sweep_per_image
from jepa_claims.stats.family import DEFAULT_ALPHA, Family
from jepa_claims.claim.unit import Headline, Untrained
from jepa_claims.claim.source import TableSource
from jepa_claims.stats.paired import compare_paired

# C14 "substantially reduces drift toward the clean final representation": at least a fifth of the final
# output's drift removed. The final output counts the masked tokens too, which a context-only patch leaves
# corrupted, so the bound sits well below Table 2's late-window context fraction (0.44 on 8x3).
SUBSTANTIAL_FINAL = 0.2
# C15 "restoring only masked tokens has minimal effect", in absolute terms: masked-only patching removes
# under a fifth of the late context drift at the upper bound of its 95% CI. "Minimal" allows a small
# effect, not none; a fifth is under half of what context-only removes in Table 2 (0.44 on 8x3).
MINIMAL_FRACTION = 0.2
# C17 "comparable to or larger than JEPA's drift-level advantage": BEiT's per-image advantage minus
# I-JEPA 1k's on the same images is not below -25% of I-JEPA's mean advantage at its 95% CI lower bound.
COMPARABLE_SHARE = 0.25


def pathway_series(source: TableSource, checkpoint: str, slice_name: str, group: str, mode: str, column: str) -> pd.Series:
    """One column of the pathway table for one group and token selection, per image."""
    table = source.table("pathway", checkpoint, slice_name)
    rows = table[(table["group"] == group) & (table["mode"] == mode)]
    return rows.set_index("image_id")[column].sort_index()


@CLAIMS.register(
    "C14", checkpoints=("ijepa_1k",), slices=("8x3",),
    headline=Headline("final_rescue_fraction", None, "final-output drift removed (fraction)"),
    untrained=Untrained("final_rescue", expect="a smaller final-output rescue: untrained blocks carry no learned repair"),
    quote=(
        '"Patching the layer-29 MLP intermediate state (context-only) yields strong late context rescue and '
        'substantially reduces drift toward the clean final representation" (section 3.1).'
    ),
)
def c14_final_state(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """Context-only patching of the bottleneck lowers the final output's drift (by the paired test) by at least a fifth."""
    masked = pathway_series(source, checkpoint, slice_name, "single", "context", "final_drift_masked")
    patched = pathway_series(source, checkpoint, slice_name, "single", "context", "final_drift_patched")
    fraction = float(pathway_series(source, checkpoint, slice_name, "single", "context", "final_rescue_fraction").mean())
    tests = Family(DEFAULT_ALPHA)
    versus = tests.add("masked - patched final drift", compare_paired(masked.to_numpy(), patched.to_numpy()), "lowered")
    lowers, substantial = tests.holds("masked - patched final drift"), fraction >= SUBSTANTIAL_FINAL
    return Verdict(lowers and substantial,
                   f"final-output drift masked {masked.mean():.4f} -> patched {patched.mean():.4f}; "
                   + tests.text("masked - patched final drift", verdict=False)
                   + f"; lowered (by the paired test): {lowers}; mean fraction removed {fraction:.3f} (>= {SUBSTANTIAL_FINAL}): {substantial}",
                   measured={"final_rescue": versus.mean_diff, "final_rescue_fraction": fraction,
                             "final_drift_masked": float(masked.mean()), "final_drift_patched": float(patched.mean())},
                   stats=tests.stats())


@CLAIMS.register(
    "C15", checkpoints=("ijepa_1k",), slices=("8x3",),
    headline=Headline("masked_fraction", None, "masked-only rescue fraction"),
    untrained=Untrained("below_bound", expect="a masked-only rescue above the bound untrained: only then is its being "
                                              "minimal a learned property"),
    quote=(
        '"restoring only masked tokens has minimal effect" (section 3.2; abstract: "patching only masked tokens '
        'helps very little").'
    ),
)
def c15_masked_minimal(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """Masked-only patching of the bottleneck removes under a fifth of the late context drift (per-image fraction minus
    the bound below 0 by the paired test); context-only and full (every token) patching are shown beside it."""
    fraction = {mode: pathway_series(source, checkpoint, slice_name, "single", mode, "rescue_fraction")
                for mode in ("masked", "context", "full")}
    label = f"masked-only fraction - {MINIMAL_FRACTION}"
    tests = Family(DEFAULT_ALPHA)
    masked = fraction["masked"].to_numpy()
    tests.add(label, compare_paired(masked, 0 * masked + MINIMAL_FRACTION), "minimal", sign=-1)
    passed = tests.holds(label)
    return Verdict(passed,
                   "fraction of the late context drift removed at the bottleneck: "
                   + ", ".join(f"{mode}-only {f.mean():.3f}" if mode != "full" else f"full {f.mean():.3f}" for mode, f in fraction.items())
                   + "; " + tests.text(label, verdict=False) + f"; below {MINIMAL_FRACTION} by the paired test: {passed}",
                   measured={f"{mode}_fraction": float(f.mean()) for mode, f in fraction.items()}
                   | {"below_bound": MINIMAL_FRACTION - float(fraction["masked"].mean())},
                   stats=tests.stats())


@CLAIMS.register(
    "C16", checkpoints=("ijepa_1k",), slices=("8x3",),
    headline=Headline("attention_gain", None, "triple - single rescue"),
    untrained=Untrained("attention_gain", expect="a smaller gain from late attention: no learned late pathway"),
    quote=(
        '"Mixed-site causal patching over this window shows that late attention and late MLP sites are not '
        'redundant" (section 3.3); "Late attention outputs at layers 30-31 add a narrower but nonredundant '
        'final-stage rescue on top of the MLP bottleneck" (abstract).'
    ),
)
def c16_attention_nonredundant(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """Late attention adds rescue on top of the bottleneck (triple > single) and is narrower (single > attention-only),
    by paired tests (one Holm family of two); together they put the triple above the attention-only group, shown
    (implied, so not a condition of its own)."""
    rescue = {g: pathway_series(source, checkpoint, slice_name, g, "context", "rescue").to_numpy() for g in ("single", "triple", "attention")}
    tests = Family(DEFAULT_ALPHA)
    gain = tests.add("triple - single", compare_paired(rescue["triple"], rescue["single"]), "adds on top of the bottleneck")
    tests.add("single - attention", compare_paired(rescue["single"], rescue["attention"]), "narrower")
    tests.show("triple - attention", compare_paired(rescue["triple"], rescue["attention"]), "shown: implied by the two deciding tests")
    holds = {label: tests.holds(label) for label in tests.deciding()}
    return Verdict(all(holds.values()),
                   "rescue " + ", ".join(f"{g} {r.mean():.4f}" for g, r in rescue.items()) + "; "
                   + "; ".join(tests.text(label, verdict=False) for label in tests.stats())
                   + "; by the paired test: " + ", ".join(f"{label} {h}" for label, h in holds.items()),
                   measured={"attention_gain": gain.mean_diff, **{f"{g}_rescue": float(r.mean()) for g, r in rescue.items()}},
                   stats=tests.stats())


@CLAIMS.register(
    "C17", checkpoints=("beit",), slices=("8x3",),
    reads_checkpoints=("ijepa_1k",),
    headline=Headline("beit_minus_ijepa", None, "BEiT - I-JEPA advantage"),
    untrained=Untrained("above_margin", expect="BEiT's advantage no longer above the line at -25% of I-JEPA's: untrained "
                                               "features of either family know no objects"),
    quote=(
        '"BEiT shows a strong correlational semantic effect (+0.2601, 23/24 wins), comparable to or larger '
        'than JEPA\'s drift-level advantage" (section 4; Table 3).'
    ),
)
def c17_beit_comparable(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """Non-inferiority: BEiT's per-image advantage minus I-JEPA 1k's on the same images, plus 25% of I-JEPA's mean
    advantage, is above 0 by the paired test (I-JEPA's advantage must be positive for the margin to mean anything)."""
    advantages = {}
    for ck in (checkpoint, "ijepa_1k"):
        late = late_context(source, ck, slice_name)
        advantages[ck] = late["object"] - late["background"]
    both = pd.DataFrame(advantages).dropna()
    margin = COMPARABLE_SHARE * float(both["ijepa_1k"].mean())
    label = f"BEiT - I-JEPA 1k advantage + {COMPARABLE_SHARE:.0%} of I-JEPA's"
    tests = Family(DEFAULT_ALPHA)
    versus = tests.add(label, compare_paired(both[checkpoint].to_numpy() + margin, both["ijepa_1k"].to_numpy()), "comparable or larger")
    passed = margin > 0 and tests.holds(label)
    return Verdict(passed,
                   f"BEiT advantage {both[checkpoint].mean():+.4f}, I-JEPA 1k {both['ijepa_1k'].mean():+.4f} on {len(both)} shared images; "
                   + tests.text(label, verdict=False)
                   + f"; not smaller beyond {COMPARABLE_SHARE:.0%} of I-JEPA's advantage (margin {margin:+.4f} > 0 and above 0 by the paired test): {passed}",
                   measured={"beit_minus_ijepa": versus.mean_diff - margin, "above_margin": versus.mean_diff,
                             "beit_advantage": float(both[checkpoint].mean()), "ijepa_advantage": float(both["ijepa_1k"].mean()), "margin": margin},
                   paper={"beit_advantage": pv.TABLE3["beit"]["advantage"].value,
                          "ijepa_advantage": pv.TABLE3["ijepa_1k"]["advantage"].value},
                   stats=tests.stats())


def site_excess(source: TableSource, checkpoint: str, slice_name: str) -> pd.DataFrame:
    """Object minus background context-only rescue of every late single site, per image (rows) and site (columns)."""
    table = source.table("excess", checkpoint, slice_name)
    rescue = table.pivot_table(index="image_id", columns=["mask", "sites"], values="rescue")
    return rescue["object"] - rescue["background"]


@CLAIMS.register(
    "C18", checkpoints=("ijepa_1k",), slices=("8x3",),
    headline=Headline("mlp_excess", None, "largest MLP semantic excess"),
    untrained=Untrained("mlp_excess", expect="a smaller semantic excess: untrained features know no objects"),
    quote=(
        '"Using submodule-specific activation capture, we localize the largest semantic excess to late MLP '
        'intermediate states (mlp_intermediate), with attention.output and value streams contributing more '
        'narrowly at the very end of the stack" (section 3.3).'
    ),
)
def c18_semantic_excess(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """Largest mean excess at an MLP intermediate site; at the very end (late attention blocks) the best attention-output
    or value site has a positive excess and a narrower one than the best MLP site, by paired tests (one Holm family)."""
    excess = site_excess(source, checkpoint, slice_name)
    means = excess.mean()
    best = str(means.idxmax())
    mlp = str(means[[s for s in means.index if s.endswith(".intermediate")]].idxmax())
    end = [s for s in means.index if int(s.split(".")[0]) in source.roles(checkpoint).late_attention and not s.endswith(".intermediate")]
    end_best = str(means[end].idxmax())
    tests = Family(DEFAULT_ALPHA)
    tests.add(f"{end_best} excess", compare_paired(excess[end_best].to_numpy(), 0 * excess[end_best].to_numpy()), "end contributes")
    tests.add(f"{mlp} - {end_best} excess", compare_paired(excess[mlp].to_numpy(), excess[end_best].to_numpy()), "narrower")
    holds = {"largest at an MLP intermediate": best == mlp, "end contributes (by the paired test)": tests.holds(f"{end_best} excess"),
             "narrower than the MLP (by the paired test)": tests.holds(f"{mlp} - {end_best} excess")}
    return Verdict(all(holds.values()),
                   f"largest mean excess {best} ({means[best]:+.4f}); best MLP {mlp} ({means[mlp]:+.4f}); best attention-output "
                   f"or value site of the last blocks {end_best} ({means[end_best]:+.4f}); "
                   + "; ".join(tests.text(label, verdict=False) for label in tests.deciding())
                   + "; " + ", ".join(f"{k}: {v}" for k, v in holds.items()),
                   measured={"mlp_excess": float(means[mlp]), "end_excess": float(means[end_best]), "best_site": best,
                             "end_site": end_best, "excess_by_site": {str(k): float(v) for k, v in means.items()}},
                   stats=tests.stats())


@CLAIMS.register(
    "C19", checkpoints=("ijepa_1k",), slices=("8x3",),
    headline=Headline("value_best", None, "best value-stream rescue"),
    untrained=Untrained("mlp_over_value", expect="no gap between the best MLP and the best value-stream rescue: "
                                                 "untrained blocks route no repair through the MLP"),
    quote=(
        '"We sweep this intervention across MLP intermediate states (\'mlp.fc1\'), attention output streams '
        '(\'attn.proj\'), and value streams to construct causal impact maps across depths and layer types" '
        '(appendix A.1), "with attention.output and value streams contributing more narrowly at the very end '
        'of the stack" (section 3.3).'
    ),
)
def c19_value_streams(source: TableSource, checkpoint: str, slice_name: str) -> Verdict:
    """The value stream's depth profile: its best site rescues less than the best MLP intermediate (by the paired test),
    and before the very end (the late attention blocks) no value site rescues more than NEUTRAL_SHARE of the bottleneck."""
    roles = source.roles(checkpoint)
    rescue, per_image = single_site_rescue(source, checkpoint, slice_name), sweep_per_image(source, checkpoint, slice_name)
    values = rescue[[s for s in rescue.index if s.endswith(".value")]]
    best_value, best_mlp = str(values.idxmax()), str(rescue[[s for s in rescue.index if s.endswith(".intermediate")]].idxmax())
    before = values[[s for s in values.index if int(s.split(".")[0]) < min(roles.late_attention)]]
    limit = NEUTRAL_SHARE * float(rescue[f"{roles.bottleneck}.intermediate"])
    tests = Family(DEFAULT_ALPHA)
    label = f"{best_mlp} - {best_value}"
    narrower = tests.add(label, compare_paired(per_image[best_mlp].to_numpy(), per_image[best_value].to_numpy()), "narrower")
    holds = {"narrower than the MLP (by the paired test)": tests.holds(label), f"none before the very end above {limit:.4f}": bool(before.max() <= limit)}
    return Verdict(all(holds.values()),
                   f"value streams: best {best_value} {values[best_value]:.4f}, largest before block {min(roles.late_attention)} "
                   f"{before.idxmax()} {before.max():.4f} (limit {NEUTRAL_SHARE:.0%} of the bottleneck's); best MLP {best_mlp} "
                   f"{rescue[best_mlp]:.4f}; " + tests.text(label, verdict=False) + "; "
                   + ", ".join(f"{k}: {v}" for k, v in holds.items()),
                   measured={"value_best": float(values[best_value]), "value_before_end": float(before.max()),
                             "mlp_best": float(rescue[best_mlp]), "limit": limit, "mlp_over_value": narrower.mean_diff,
                             "value_by_block": {int(s.split(".")[0]): float(v) for s, v in values.items()}},
                   stats=tests.stats())
