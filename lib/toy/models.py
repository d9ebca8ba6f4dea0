"""Toy encoders of the toy world: stock transformers models whose weights are set by code so that the
paper's mechanism is planted with known truth, plus negative variants that each break named claims.

The circuit (weights and residual-stream layout in `toy_weights`; hidden 28, MLP 24, two heads of 14). The
depth is the smallest the roles allow (`smallest_depth`): 21 with the current `Roles.for_depth`, so
bottleneck block 18, MLP partner 19, late attention 19 and 20, onset window 15-19, peak window 18-20;
under the default block_output reading (conventions.READINGS) sites are blocks and the late window is
the outputs of blocks 19 and 20. Blocks are placed from the roles, so another depth works too.

- blocks 0-1 (local): per-patch objness (saturation of the patch colour, plus a bonus for warm
  colours) and a missing-patch detector (a masked patch is perfectly flat, whether the fill is black
  or mean-grey); blocks 2-6 do more per-token processing. Context tokens do not move: context drift
  is exactly 0 until the first global block.
- blocks 7, 10, 13 (mid-depth rise) and 18 (bottleneck attention): uniform attention adds shares
  0.10, 0.10, 0.15, 0.65 of the global means (missing fraction B, objness Of, colour) to every token.
- block 16 MLP (onset, inside the onset window): area response R0 = 5 B. Centred squares of area
  >= 0.3 cross tau = 0.05 here (block 16's output); 4-token masks never do at any layer.
- block 18 MLP (bottleneck): the repair R1 = 5.5 B + 10 (0.2 - Of), into every token. Hiding the
  object drops Of, hiding as many background tokens does not: that is the object advantage.
  Restoring R1 on the context tokens (context-only patch) removes about 2/3 of the late drift.
- block 19 attention (late attention): attends to the missing tokens and copies their R1 semantic
  part (x 0.8) into every token (R2). A context-only patch of block 18 leaves it; the triple removes it.
  Only head 1 writes it (head 0 and both heads of block 20 write nothing): the head P7 must find.
- block 19 MLP (partner): a second area response R3 = 3.6 B, half along the semantic direction (so the
  ridge proxy, which only sees directions that vary on clean images, sees it too).
- block 20: empty (its attention output, the triple's third site, carries nothing). The ridge proxy maps
  its output to the final normalised output (block_output reading) and sees only directions that vary
  on clean runs: `silent_on_clean` makes the repair exactly zero there, so the proxy cannot see it.

MAE-like: the same blocks without the semantic part and with a colour response (4 x mean colour),
whose object-vs-background difference changes sign with the object's hue (no advantage on average).
BEiT-like: semantic gain 16, layer scale 0.1 (writes divided by it). 22k: semantic 7.5, partner 2.7,
warm bonus 0.5 (smaller advantage and triple rescue than 1k, same ordering, all 24 images won).

How each variant differs is lib/toy/variants.py (TOY_VARIANTS); which claims it must break is each claim's
own (`Claim.planted`), and tests/test_toy_world.py checks each of them.

Two claims are about the data rather than a mechanism. That the advantage strengthens from 4x3 to 12x3 and
16x3 holds in the positive toy only through the warm-colour bonus of the objness detector (classes 5-16 are
warmer on average than classes 1-4; `hue_neutral` shows 12x3 and 16x3 slightly below 4x3 without it). Equal
token budgets hold by construction of the masks; no model can break them, so their negative is a planted
table (tests/test_checks.py).
"""
from __future__ import annotations

from dataclasses import replace

from jepa_claims.engine.builders import build_model, tiny_config
from jepa_claims.engine.models import ProcessorGeometry
from jepa_claims.toy.weights import HIDDEN, Plan, install
from jepa_claims.roles import Roles

GEOMETRY = ProcessorGeometry(size=224, resample=2, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
INTERMEDIATE = 24
HEADS = 2  # two score matrices per block (the toy's cost is the 256 x 256 softmax): a head for P7 to find
FAMILY = {"ijepa_1k": "ijepa", "ijepa_22k": "ijepa", "mae": "vit_mae", "beit": "beit"}
PATCH = {"ijepa": 14, "vit_mae": 16, "beit": 16}
SEED = 0  # HF init under this seed is overwritten entirely; kept so the build is reproducible anyway


def base_plan(depth: int, roles: Roles | None = None) -> Plan:
    """The positive I-JEPA circuit placed on the roles of an encoder of this depth.

    Local processing in the early third (after the two feature blocks), three small gathers spread
    over the middle third (the mid-depth rise), the onset MLP one block into the onset window (not
    before the last mid gather), the bottleneck, late attention and MLP partner where the roles put
    them, the last block empty. Raises ValueError where the roles leave no room for that.
    """
    roles = roles or Roles.for_depth(depth)
    # Roles are the paper's site numbers; under the default block_output reading a site number is its block.
    third = depth // 3
    mid = sorted({round(third + k * (third - 1) / 2) for k in range(3)})
    onset = max(roles.onset_window[0] + 1, mid[-1])
    fits = (
        2 <= mid[0] and mid[-1] <= onset < roles.bottleneck < roles.late_attention[0] < depth - 1
        and roles.mlp_partner == roles.late_attention[0]
        and roles.onset_window[0] <= onset + 1 <= roles.onset_window[1]  # onset MLP output inside the window
        and roles.peak_window[0] <= roles.bottleneck <= roles.peak_window[1]  # the sweep's peak is the bottleneck
    )
    if not fits:
        raise ValueError(f"roles {roles} leave no room for the planted circuit at depth {depth}")
    shares = (0.10, 0.10, 0.15)[: len(mid)]
    return Plan(
        depth=depth,
        gathers=(*zip(mid, shares), (roles.bottleneck, 1.0 - sum(shares))),
        onset=onset,
        bottleneck=roles.bottleneck,
        late_attention=roles.late_attention[0],
        partner=roles.mlp_partner,
        local=tuple(range(2, third)),
    )


def smallest_depth(lo: int = 12, hi: int = 32) -> int:
    """The smallest depth whose roles (Roles.for_depth) leave room for the circuit.

    With the current roles that is 21: the bottleneck is anchored at depth - 3 while the peak window
    is scaled from 28-30 of 32, and "the best late site is the bottleneck" and "the best block lies inside
    the peak window" can only both hold when depth - 3 >= round(28 * depth / 32). Roles anchored to the
    end (onset depth-9..depth-3, peak depth-4..depth-2, equal to the paper's at 32) give 12.
    """
    for depth in range(lo, hi + 1):
        try:
            base_plan(depth)
        except ValueError:
            continue
        return depth
    raise ValueError(f"no depth in {lo}..{hi} fits the roles")


DEPTH = smallest_depth()


def _plans() -> dict[str, Plan]:
    """Every toy checkpoint's plan, positive models first."""
    p = base_plan(DEPTH)
    roles = Roles.for_depth(p.depth)
    late_gathers = tuple((b, 0.12) for b in roles.late_sites if b not in (roles.bottleneck, roles.late_attention[0], p.depth - 1))
    plans = {
        "ijepa_1k": p,
        "ijepa_22k": replace(p, semantic=7.5, broadcast=0.8, partner_gain=2.7, warm_bonus=0.5),
        "mae": replace(p, semantic=0.0, colour=4.0, broadcast=0.0),
        "beit": replace(p, semantic=16.0, layer_scale=0.1),
        # negatives
        "ijepa_1k:early_onset": replace(p, onset=3, gathers=((2, 0.05), *p.gathers[:-1], (roles.bottleneck, p.gathers[-1][1] - 0.05))),
        # the whole repair block (its gather and MLP, as in the bottleneck's own block) one block earlier
        "ijepa_1k:bottleneck_elsewhere": replace(
            p, bottleneck=roles.late_sites[0], gathers=(*p.gathers[:-1], (roles.late_sites[0], p.gathers[-1][1]))),
        "ijepa_1k:attention_everywhere": replace(
            p, gathers=(*p.gathers[:-1], *late_gathers, (roles.bottleneck, p.gathers[-1][1] - 0.12 * len(late_gathers))),
            broadcast=1.2),
        "ijepa_1k:masked_repair": replace(p, masked_repair=True, broadcast=4.0, focus=0.0),
        "ijepa_1k:no_object_signal": replace(p, semantic=0.0, broadcast=0.0, colour=4.0),
        "ijepa_1k:hue_neutral": replace(p, warm_bonus=0.0, semantic=12.0, objness_typical=0.17),
        "ijepa_1k:no_mlp_partner": replace(p, partner_gain=0.0),
        "ijepa_1k:no_late_attention": replace(p, broadcast=0.0),
        "ijepa_1k:early_gathers": replace(p, gathers=((2, 0.10), (3, 0.10), (p.depth // 3 - 1, 0.15), p.gathers[-1])),
        "ijepa_1k:size_flat": replace(p, semantic_cap=0.08, semantic=30.0),
        "ijepa_22k:stronger": replace(p, semantic=13.0, broadcast=0.8, warm_bonus=0.6),
        # the semantic part fires only below the smallest clean objness of the 16x3 slice (0.091)
        "ijepa_1k:silent_on_clean": replace(p, semantic_cap=0.088, semantic=25.0),
        "mae:object_signal": replace(p, semantic=10.0, colour=4.0),
        # the value stream of a block before the late attention carries part of the global means
        "ijepa_1k:value_relay": replace(p, relay=(roles.bottleneck - 1, 2.0)),
        # P7's negative: both heads of the late attention write half of the repair each
        "ijepa_1k:split_heads": replace(p, repair_heads=(0, 1)),
        "beit:no_object_signal": replace(p, semantic=0.0, broadcast=0.0, colour=4.0, layer_scale=0.1),
    }
    return plans


PLANS = _plans()


def planted_heads(name: str) -> tuple[str, ...]:
    """P7's truth on a toy checkpoint: the late attention heads that write the repair (none without one)."""
    plan = PLANS[name]
    return tuple(f"{plan.late_attention}.attn.head{h}" for h in plan.repair_heads) if plan.broadcast else ()



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
