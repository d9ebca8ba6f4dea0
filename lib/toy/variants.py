"""The toy variants by name, each with how it differs from the planted positive (lib/toy/models.py builds each).

Which claims a variant must break is each claim's own (`Claim.planted`, claims/test_cNN_*.py);
tests/test_toy_world.py checks every claim fails on each variant it names. Pure data, so the record can show
it without importing the model stack.
"""
from __future__ import annotations

TOY_VARIANTS: dict[str, str] = {
    "ijepa_1k": "positive: planted late repair pathway (every claim holds)",
    "ijepa_22k": "positive: second checkpoint, same pathway with weaker semantic and partner gains",
    "mae": "positive MAE-like: area and colour responses only, no object signal",
    "beit": "positive BEiT-like: strong object signal, layer scale 0.1",
    "ijepa_1k:early_onset": "the area response sits in block 3, so large masks reach onset before the onset window",
    "ijepa_1k:bottleneck_elsewhere": "the repair MLP sits in block 17 (the first late site) with its gather, as in the bottleneck's own block; the role's bottleneck is empty, and discovered roles find it (tests/test_discovery.py)",
    "ijepa_1k:attention_everywhere": "every late block's attention carries a share of the global signal; one stays neutral",
    "ijepa_1k:masked_repair": "the repair is written into masked tokens and reaches the context through late attention",
    "ijepa_1k:no_object_signal": "the repair depends on masked area and colour only (MAE-like)",
    "ijepa_1k:hue_neutral": "no warm-colour preference in the objness detector, so 4x3 shows the largest advantage",
    "ijepa_1k:no_mlp_partner": "the MLP partner is empty, so pair = single",
    "ijepa_1k:no_late_attention": "the late attention is empty, so triple = single < pair",
    "ijepa_1k:early_gathers": "the small global gathers sit in the early third of the blocks",
    "ijepa_1k:size_flat": "the semantic part asks whether (almost) no object is visible, so it does not grow with size",
    "ijepa_22k:stronger": "the second checkpoint has larger gains than the first",
    "ijepa_1k:silent_on_clean": "the repair is exactly zero on every clean image, so the proxy fit on clean runs cannot see it",
    "mae:object_signal": "the MAE-like model gets the object signal",
    "ijepa_1k:value_relay": "an attention block before the late ones re-reads the global means through its value stream",
    "beit:no_object_signal": "the BEiT-like model loses the object signal",
    "ijepa_1k:split_heads": "P7's second truth: both heads of the late attention write half of the repair each (P7 must find both)",
}
# The toy checkpoints P7 is checked on beside the positive one (tests/test_toy_world.py): two carrying heads,
# and none (no late attention: the triple has no gain over the pair to carry). Truth: models.planted_heads.
P7_VARIANTS = ("ijepa_1k:split_heads", "ijepa_1k:no_late_attention")


def variant_rows() -> list[dict]:
    """The banner's table: one row per variant of a toy checkpoint, with how it differs from the positive toy (which
    claims each must break is the claims' own: Claim.planted, joined by the record)."""
    return [{"variant": name, "how": how} for name, how in TOY_VARIANTS.items() if ":" in name]
