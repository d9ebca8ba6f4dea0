"""Toy encoders of the toy world: planted-mechanism models (draft, being calibrated)."""
from __future__ import annotations

from dataclasses import replace

from .builders import build_model, tiny_config
from .models import ProcessorGeometry
from .toy_weights import HIDDEN, Plan, install
from .worlds import Roles

GEOMETRY = ProcessorGeometry(size=224, resample=2, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
DEPTH = 21
FAMILY = {"ijepa_1k": "ijepa", "ijepa_22k": "ijepa", "mae": "vit_mae", "beit": "beit"}
PATCH = {"ijepa": 14, "vit_mae": 16, "beit": 16}


def base_plan(depth: int = DEPTH) -> Plan:
    """The positive I-JEPA circuit placed on the roles of an encoder of this depth."""
    roles = Roles.for_depth(depth)
    third = depth // 3
    mid = [third + 1, third + 3, third + 5]
    return Plan(
        depth=depth,
        gathers=((mid[0], 0.1), (mid[1], 0.1), (mid[2], 0.15), (roles.bottleneck, 0.65)),
        onset=roles.onset_window[0] + 1,
        bottleneck=roles.bottleneck,
        late_attention=roles.late_attention[0],
        partner=roles.mlp_partner,
        local=tuple(range(2, third)),
    )


PLANS = {
    "ijepa_1k": base_plan(),
}


def build_toy(name: str, plan: Plan | None = None):
    """(model, processor geometry) of a toy checkpoint."""
    base = name.split(":", 1)[0]
    family = FAMILY[base]
    plan = plan or PLANS[name]
    config = tiny_config(
        family, image_size=224, patch_size=PATCH[family], hidden_size=HIDDEN, num_hidden_layers=plan.depth,
        intermediate_size=32, num_attention_heads=2,
    )
    model = build_model(family, config, 0)
    install(model, family, plan)
    return model.eval(), GEOMETRY
