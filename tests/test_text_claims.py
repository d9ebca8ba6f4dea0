"""Claims C14 onwards (claims/test_c14_*.py to test_c19_*.py): each condition fails alone on a planted table, and the pathway table agrees with the engine."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from jepa_claims.conventions import Conventions
from jepa_claims.engine.drift import token_drift
from jepa_claims.engine.runs import final_output, run
from jepa_claims.engine.sites import parse_sites
from jepa_claims.engine.tabulate import MaskJob, masked_pixels, rescue_table
from jepa_claims.roles import Roles
from jepa_claims.tables.pathway import pathway_groups, pathway_table
from claim_modules import evaluate
from jepa_claims.claim.evidence import late_context
from planted import Planted

BEIT_SMALL = {"advantages": {("beit", "8x3"): list(0.05 + 0.01 * np.sin(np.arange(24)))}}

# (claim, checkpoint, slice, knobs, the condition the knobs make false); the statement names each condition.
ALONE = [
    ("C14", "ijepa_1k", "8x3", {"final_share": 0.1}, "mean fraction removed >= 0.2"),
    ("C14", "ijepa_1k", "8x3", {"final_mixed": True}, "lowered (by the paired test)"),
    ("C15", "ijepa_1k", "8x3", {"pathway_rescue": {("single", "masked"): 0.06}}, "below 0.2 by the paired test"),
    ("C16", "ijepa_1k", "8x3", {"pathway_rescue": {("triple", "context"): 0.15}}, "triple - single (by the paired test)"),
    ("C16", "ijepa_1k", "8x3", {"pathway_rescue": {("attention", "context"): 0.16}}, "single - attention (by the paired test)"),
    ("C17", "beit", "8x3", BEIT_SMALL, "not smaller beyond 25% of I-JEPA's advantage"),
    ("C18", "ijepa_1k", "8x3", {"excess": {"28.attn.out": 0.1}}, "largest at an MLP intermediate"),
    ("C18", "ijepa_1k", "8x3", {"excess": {"30.attn.out": 0.0, "31.attn.out": 0.0, "31.value": 0.0}},
     "end contributes (by the paired test)"),
    ("C18", "ijepa_1k", "8x3", {"excess": {"30.attn.out": 0.075}}, "narrower than the MLP (by the paired test)"),
    ("C19", "ijepa_1k", "8x3", {"value_by_block": {31: 0.2}}, "narrower than the MLP (by the paired test)"),
    ("C19", "ijepa_1k", "8x3", {"value_by_block": {20: 0.02}}, "no value site above the limit before the very end"),
]


@pytest.mark.parametrize(("claim", "checkpoint", "slice_name", "knobs", "false"), ALONE, ids=[f"{a[0]}-{a[4]}" for a in ALONE])
def test_each_condition_fails_alone(claim, checkpoint, slice_name, knobs, false):
    """The knobs break one condition: the verdict fails, and that condition alone is reported false."""
    assert evaluate(claim, Planted(), checkpoint, slice_name).passed
    verdict = evaluate(claim, Planted(knobs), checkpoint, slice_name)
    assert not verdict.passed and verdict.failed() == [false], verdict.statement


def test_c14_fails_when_the_mean_fraction_hides_a_null_rescue():
    """Large fractions on small drifts and equal losses on large ones: the fraction passes, the paired test does not."""
    verdict = evaluate("C14", Planted({"final_mixed": True}), "ijepa_1k", "8x3")
    assert verdict.measured["final_rescue_fraction"] >= 0.2 and abs(verdict.measured["final_rescue"]) < 1e-12


def test_c17_passes_a_slightly_smaller_beit_and_fails_a_much_smaller_one():
    """Non-inferiority: BEiT 10% below I-JEPA on every image is comparable, 60% below is not."""
    late = late_context(Planted(), "ijepa_1k", "8x3")
    ijepa = (late["object"] - late["background"]).to_numpy()
    for scale, passes in ((0.9, True), (0.4, False)):
        knobs = {"advantages": {("beit", "8x3"): list(scale * ijepa)}}
        assert evaluate("C17", Planted(knobs), "beit", "8x3").passed is passes, scale


def test_pathway_table_agrees_with_the_rescue_table_and_the_final_output(tiny_encoders):
    """Late rescue as the engine's rescue table computes it; final drift of the masked run from its own forward."""
    encoder = tiny_encoders["ijepa"]
    roles, conv = Roles.for_depth(encoder.depth), Conventions()
    generator = torch.Generator().manual_seed(0)
    images = {f"img{i}": torch.rand(3, 56, 56, generator=generator) * 2 - 1 for i in range(2)}
    tokens = np.zeros(encoder.grid ** 2, dtype=bool)
    tokens[:5] = True
    jobs = tuple(MaskJob(i, "object", tokens) for i in images)
    inputs = type("Inputs", (), {"images": images, "jobs": jobs})()
    table = pathway_table(encoder, roles, inputs, conv, 8)
    single = parse_sites(pathway_groups(roles)["single"])
    reference = rescue_table(encoder, images, jobs, [single], ["context", "masked", "full"], conv)
    ours = table[table["group"] == "single"].set_index(["image_id", "mode"])["rescue"]
    np.testing.assert_allclose(ours.sort_index(), reference.set_index(["image_id", "mode"])["rescue"].sort_index(), atol=1e-6)
    clean = torch.stack(list(images.values()))
    masked = masked_pixels(encoder, clean, np.stack([tokens, tokens]), conv)
    drift = token_drift(final_output(encoder, run(encoder, clean)), final_output(encoder, run(encoder, masked))).mean(-1)
    np.testing.assert_allclose(table.groupby("image_id")["final_drift_masked"].first(), drift.numpy(), atol=1e-6)

