"""Which toy variant breaks which claim: the table shared by the toy's code (lib/toy/models.py builds each
variant), its meta-tests (tests/test_toy_world.py checks each row) and the report's toy-world banner.

Pure data, so the report can show it without importing the model stack.
"""
from __future__ import annotations

TOY_VARIANTS: dict[str, str] = {
    "ijepa_1k": "positive: planted late repair pathway (every claim holds)",
    "ijepa_22k": "positive: second checkpoint, same pathway with weaker semantic and partner gains (C10 holds)",
    "mae": "positive MAE-like: area and colour responses only, no object signal (C12: no advantage)",
    "beit": "positive BEiT-like: strong object signal, layer scale 0.1 (C12: strong advantage)",
    "ijepa_1k:early_onset": "breaks C1: the area response sits in block 3, so large masks reach onset before the onset window",
    "ijepa_1k:bottleneck_elsewhere": "breaks C2, C3, C7, C14 (also C6, C8, C9, C16, C19): the repair MLP sits in block 17 (the first late site) with its gather, as in the bottleneck's own block; the role's bottleneck is empty, and discovered roles find it (tests/test_discovery.py)",
    "ijepa_1k:attention_everywhere": "breaks C2: every late block's attention carries a share of the global signal; one stays neutral",
    "ijepa_1k:masked_repair": "breaks C3, C15 (also C2, C5, C7, C14): the repair is written into masked tokens and reaches the context through late attention",
    "ijepa_1k:no_object_signal": "breaks C4 (also C5, C6, C8, C9, C11): the repair depends on masked area and colour only (MAE-like)",
    "ijepa_1k:hue_neutral": "breaks C5: no warm-colour preference in the objness detector, so 4x3 shows the largest advantage",
    "ijepa_1k:no_mlp_partner": "breaks C6 (also C11): the MLP partner is empty, so pair = single",
    "ijepa_1k:no_late_attention": "breaks C6, C9, C16, C18 (also C8, C11): the late attention is empty, so triple = single < pair",
    "ijepa_1k:early_gathers": "breaks C7: the small global gathers sit in the early third of the blocks",
    "ijepa_1k:size_flat": "breaks C8 (also C1, C2, C5, C11): the semantic part asks whether (almost) no object is visible, so it does not grow with size",
    "ijepa_22k:stronger": "breaks C10: the second checkpoint has larger gains than the first",
    "ijepa_1k:silent_on_clean": "breaks C11: the repair is exactly zero on every clean image, so the proxy fit on clean runs cannot see it",
    "mae:object_signal": "breaks C12: the MAE-like model gets the object signal",
    "ijepa_1k:value_relay": "breaks C19: an attention block before the late ones re-reads the global means through its value stream",
    "beit:no_object_signal": "breaks C12, C17: the BEiT-like model loses the object signal",
    "ijepa_1k:split_heads": "P7's second truth: both heads of the late attention write half of the repair each (P7 must find both)",
}
# The toy checkpoints P7 is checked on beside the positive one (tests/test_toy_world.py): two carrying heads,
# and none (no late attention: the triple has no gain over the pair to carry). Truth: models.planted_heads.
P7_VARIANTS = ("ijepa_1k:split_heads", "ijepa_1k:no_late_attention")

# Negative variant -> the claims it is built to break (tests/test_toy_world.py: at least one of the
# claim's cells fails on it, while every claim passes on the positive toy).
TOY_BREAKS: dict[str, tuple[str, ...]] = {
    "ijepa_1k:early_onset": ("C1",),
    "ijepa_1k:bottleneck_elsewhere": ("C2", "C3", "C7", "C14"),
    "ijepa_1k:attention_everywhere": ("C2",),
    "ijepa_1k:masked_repair": ("C3", "C15"),
    "ijepa_1k:no_object_signal": ("C4",),
    "ijepa_1k:hue_neutral": ("C5",),
    "ijepa_1k:no_mlp_partner": ("C6",),
    "ijepa_1k:no_late_attention": ("C6", "C9", "C16", "C18"),
    "ijepa_1k:early_gathers": ("C7",),
    "ijepa_1k:size_flat": ("C8",),
    "ijepa_22k:stronger": ("C10",),
    "ijepa_1k:silent_on_clean": ("C11",),
    "mae:object_signal": ("C12",),
    "ijepa_1k:value_relay": ("C19",),
    "beit:no_object_signal": ("C12", "C17"),
}

# C13 (equal token budgets) holds by construction of the masks: no model can break it.
PLANTED_TABLE_NEGATIVES = {"C13": "the masks table with one background budget shifted by a token"}


def variant_rows() -> list[dict]:
    """The banner's table: one row per negative variant (and C13's planted table), with the claims
    tests/test_toy_world.py checks it breaks (the "(also ...)" notes in TOY_VARIANTS are not re-checked)."""
    rows = [{"variant": name, "breaks": list(claims), "how": TOY_VARIANTS[name].split(": ", 1)[1]}
            for name, claims in TOY_BREAKS.items()]
    rows += [{"variant": "planted table", "breaks": [claim], "how": how} for claim, how in PLANTED_TABLE_NEGATIVES.items()]
    return rows
