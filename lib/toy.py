"""Toy encoders of the toy world: stock transformers models whose weights are set by code so that the
paper's mechanism is planted with known truth, plus negative variants that each break named claims.

The circuit (weights in `toy_weights`; depth 21, hidden 32, MLP 32; roles from `Roles.for_depth(21)`:
bottleneck block 18, MLP partner 19, late attention 19 and 20, late window hidden_states 19-20,
onset window 15-19, peak window 18-20):

- blocks 0-1 (local): per-patch objness (saturation of the patch colour, with a hue preference for
  warm colours) and a black-patch detector; blocks 2-6 do more per-token processing. Context tokens
  do not move: context drift is 0 until the first global block.
- blocks 8, 10, 12 (mid rise) and 18 (bottleneck attention): uniform attention adds shares 0.10,
  0.10, 0.15, 0.65 of the global means (black fraction B, objness Of, colour) to every token.
- block 16 (onset, inside the onset window): MLP writes an area response R0 = 5 B. Centred squares
  of area >= 0.3 cross tau = 0.05 here; 4-token masks never do.
- block 18 (bottleneck MLP): writes the repair R1 = area part 5.5 B + semantic part
  10 (0.2 - Of). Hiding the object drops Of, hiding the same number of background tokens does
  not: that is the object advantage. Restoring R1 on the context tokens removes most late drift.
- block 19 attention (late attention): attends to the black tokens and copies their R1 semantic part
  (x 0.6) into every token (R2); a context-only patch of block 18 leaves it, the triple removes it.
- block 19 MLP (partner): a second area response R3 = 3.6 B, half along the semantic direction.
- block 20: identity, so the ridge proxy hidden[20] -> hidden[21] fits clean runs exactly.

| variant                            | breaks          | how                                                         |
|------------------------------------|-----------------|-------------------------------------------------------------|
| ijepa_1k, ijepa_22k, beit          | none            | positive models (22k: weaker semantic and late-attention gains; |
|                                    |                 | BEiT: stronger semantic gain, layer scale 0.1)               |
| mae                                | none            | positive MAE-like: area and colour responses, no objness     |
| ijepa_1k:early_onset               | C1              | the area response sits in block 3: large masks cross tau before the onset window |
| ijepa_1k:bottleneck_elsewhere      | C2, C3, C7      | the repair MLP sits in block 15 (its gather in 14): the role's bottleneck is empty |
| ijepa_1k:attention_everywhere      | C2              | every late block's attention also gathers: no neutral late attention output but the last |
| ijepa_1k:masked_repair             | C3              | the repair is written into the black tokens only and reaches the context through the late attention |
| ijepa_1k:no_object_signal          | C4, C5, C8, C10 | no semantic part: the repair depends on the masked area only |
| ijepa_1k:no_mlp_partner            | C6              | block 19's MLP is empty: pair = single                        |
| ijepa_1k:no_late_attention         | C6, C9          | block 19's attention is empty: triple = single < pair         |
| ijepa_1k:early_gathers             | C7              | the gathers sit in blocks 2-6: the early third outweighs the middle third |
| ijepa_22k:stronger                 | C10             | the 22k model with larger gains than the 1k model             |
| ijepa_1k:nonlinear_last_block      | C11             | the last block applies a strong per-token nonlinearity: the ridge proxy cannot fit clean runs |
| mae:object_signal                  | C12             | the MAE-like model gets the semantic part                     |
| beit:no_object_signal              | C12             | the BEiT-like model loses it                                  |

C5 ("the advantage strengthens from 4x3 to 12x3 and 16x3") and C13 (equal budgets, true by
construction of the masks) are data claims rather than mechanism claims: C5 holds in the positive
toy through the warm-colour preference of the objness detector (classes 5-16 are warmer on average
than classes 1-4; without it 12x3 sits slightly below 4x3), and both are best shown failing with
planted tables. See `TOY_VARIANTS` for the same table in code.
"""
from __future__ import annotations

from dataclasses import replace

from .builders import build_model, tiny_config
from .models import ProcessorGeometry
from .toy_weights import HIDDEN, Plan, install
from .worlds import Roles

GEOMETRY = ProcessorGeometry(size=224, resample=2, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
DEPTH = 21  # the smallest depth at which Roles.for_depth puts the bottleneck inside the peak window
INTERMEDIATE = 32
HEADS = 2
FAMILY = {"ijepa_1k": "ijepa", "ijepa_22k": "ijepa", "mae": "vit_mae", "beit": "beit"}
PATCH = {"ijepa": 14, "vit_mae": 16, "beit": 16}
SEED = 0  # HF init under this seed is overwritten entirely; kept so the build is reproducible anyway


def base_plan(depth: int = DEPTH) -> Plan:
    """The positive I-JEPA circuit placed on the roles of an encoder of this depth."""
    roles = Roles.for_depth(depth)
    third = depth // 3
    mid = (third + 1, third + 3, third + 5)
    return Plan(
        depth=depth,
        gathers=((mid[0], 0.10), (mid[1], 0.10), (mid[2], 0.15), (roles.bottleneck, 0.65)),
        onset=roles.onset_window[0] + 1,
        bottleneck=roles.bottleneck,
        late_attention=roles.late_attention[0],
        partner=roles.mlp_partner,
        local=tuple(range(2, third)),
    )


def _plans() -> dict[str, Plan]:
    """Every toy checkpoint's plan, positive models first."""
    p = base_plan()
    roles = Roles.for_depth(p.depth)
    late_gathers = tuple((b, 0.12) for b in roles.late_sites if b not in (roles.bottleneck, roles.late_attention[0], p.depth - 1))
    plans = {
        "ijepa_1k": p,
        "ijepa_22k": replace(p, semantic=7.5, broadcast=0.6, partner_gain=2.7, warm_bonus=0.5),
        "mae": replace(p, semantic=0.0, colour=4.0, broadcast=0.0),
        "beit": replace(p, semantic=16.0, layer_scale=0.1),
        # negatives
        "ijepa_1k:early_onset": replace(p, onset=3, gathers=((2, 0.05), *p.gathers[:3], (roles.bottleneck, 0.60))),
        "ijepa_1k:bottleneck_elsewhere": replace(
            p, bottleneck=roles.late_sites[0], gathers=(*p.gathers[:3], (roles.late_sites[0] - 1, 0.65))),
        "ijepa_1k:attention_everywhere": replace(
            p, gathers=(*p.gathers[:3], *late_gathers, (roles.bottleneck, 0.65 - 0.12 * len(late_gathers))), broadcast=1.2),
        "ijepa_1k:masked_repair": replace(p, masked_repair=True, broadcast=4.0, focus=0.0),
        "ijepa_1k:no_object_signal": replace(p, semantic=0.0, broadcast=0.0, colour=4.0),
        "ijepa_1k:hue_neutral": replace(p, warm_bonus=0.0, semantic=12.0, objness_typical=0.17),
        "ijepa_1k:no_mlp_partner": replace(p, partner_gain=0.0),
        "ijepa_1k:no_late_attention": replace(p, broadcast=0.0),
        "ijepa_1k:early_gathers": replace(p, gathers=((2, 0.10), (4, 0.10), (6, 0.15), (roles.bottleneck, 0.65))),
        "ijepa_1k:size_flat": replace(p, semantic_cap=0.08, semantic=30.0),
        "ijepa_22k:stronger": replace(p, semantic=13.0, broadcast=0.8, warm_bonus=0.6),
        "ijepa_1k:nonlinear_last_block": replace(p, last_nonlinear=8.0),
        "mae:object_signal": replace(p, semantic=10.0, colour=4.0),
        "beit:no_object_signal": replace(p, semantic=0.0, broadcast=0.0, colour=4.0, layer_scale=0.1),
    }
    return plans


PLANS = _plans()

TOY_VARIANTS: dict[str, str] = {
    "ijepa_1k": "positive: planted late repair pathway (all claims hold)",
    "ijepa_22k": "positive: second checkpoint, same pathway with weaker semantic and late-attention gains (C10 holds)",
    "mae": "positive MAE-like: area and colour responses only, no object signal (C12: no advantage)",
    "beit": "positive BEiT-like: strong object signal, layer scale 0.1 (C12: strong advantage)",
    "ijepa_1k:early_onset": "breaks C1: the area response sits in block 3, so large masks reach onset before the onset window",
    "ijepa_1k:bottleneck_elsewhere": "breaks C2, C3, C7: the repair MLP sits in block 15, outside the peak window; the role's bottleneck (block 18) does nothing",
    "ijepa_1k:attention_everywhere": "breaks C2: every late block's attention carries a share of the global signal; only the last block's is neutral",
    "ijepa_1k:masked_repair": "breaks C3: the repair is written into masked tokens and reaches the context through late attention",
    "ijepa_1k:no_object_signal": "breaks C4: the repair depends on masked area and colour only (MAE-like)",
    "ijepa_1k:hue_neutral": "breaks C5: the objness detector has no warm-colour preference, so the 4x3 slice shows the largest advantage",
    "ijepa_1k:no_mlp_partner": "breaks C6: the MLP partner is empty, so pair = single",
    "ijepa_1k:no_late_attention": "breaks C6 and C9: the late attention is empty, so triple = single < pair",
    "ijepa_1k:early_gathers": "breaks C7: the global gathers sit in the early third of the blocks",
    "ijepa_1k:size_flat": "breaks C8: the semantic part only asks whether (almost) no object is visible, so it does not grow with the object",
    "ijepa_22k:stronger": "breaks C10: the second checkpoint has larger gains than the first",
    "ijepa_1k:nonlinear_last_block": "breaks C11: a strong per-token nonlinearity in the last block defeats the linear proxy",
    "mae:object_signal": "breaks C12: the MAE-like model gets the object signal",
    "beit:no_object_signal": "breaks C12: the BEiT-like model loses the object signal",
}


def build_toy(name: str, plan: Plan | None = None):
    """(model, processor geometry) of a toy checkpoint: a positive model or a `base:variant` name."""
    if plan is None:
        if name not in PLANS:
            raise KeyError(f"unknown toy checkpoint {name!r}; known: {', '.join(PLANS)}")
        plan = PLANS[name]
    family = FAMILY[name.split(":", 1)[0]]
    config = tiny_config(
        family, image_size=224, patch_size=PATCH[family], hidden_size=HIDDEN, num_hidden_layers=plan.depth,
        intermediate_size=INTERMEDIATE, num_attention_heads=HEADS,
    )
    model = build_model(family, config, SEED)
    install(model, family, plan)
    return model.eval(), GEOMETRY
