"""Exactness of the run engine on tiny random models: patching, resume, drift invariants, hooks."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from jepa_claims.conventions import Conventions
from jepa_claims.engine.drift import drift_profiles, late_mean
from jepa_claims.engine.hooks import hook_count
from jepa_claims.engine.tabulate import MaskJob, drift_table, masked_pixels, rescue_table
from jepa_claims.engine.runs import COUNTER, SitePatch, run, select_tokens
from jepa_claims.engine.sites import parse_site, parse_sites


def inputs(encoder, batch: int = 3, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(clean pixels, masked pixels, masked tokens [batch, patches]) with a different mask per image."""
    g = torch.Generator().manual_seed(seed)
    size = encoder.geometry.size
    clean = torch.randn(batch, 3, size, size, generator=g)
    tokens = torch.rand(batch, encoder.grid ** 2, generator=g) < 0.35
    tokens[:, 0], tokens[:, -1] = True, False
    return clean, masked_pixels(encoder, clean, tokens.numpy(), Conventions()), tokens


def test_engine_matches_transformers_forward(tiny_encoder):
    """The block-by-block engine gives HF's hidden_states and last_hidden_state."""
    clean, _, _ = inputs(tiny_encoder)
    trace = run(tiny_encoder, clean)
    with torch.inference_mode():
        hf = tiny_encoder.model(clean, output_hidden_states=True, **tiny_encoder.forward_kwargs(clean))
    assert len(hf.hidden_states) == tiny_encoder.depth + 1
    for layer, state in enumerate(hf.hidden_states):
        torch.testing.assert_close(trace.hidden[layer], state, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(tiny_encoder.final_norm(trace.hidden[-1]), hf.last_hidden_state, atol=1e-5, rtol=1e-5)


def test_identical_runs_have_zero_drift(tiny_encoder):
    """Two runs of the same input: every drift statistic is exactly 0."""
    clean, _, tokens = inputs(tiny_encoder)
    p = drift_profiles(run(tiny_encoder, clean).hidden, run(tiny_encoder, clean).hidden, tokens, tiny_encoder.prefix_tokens)
    assert all(np.all(v == 0) for v in p.values())


def test_masking_is_on_exact_patch_blocks(tiny_encoder):
    """Embeddings are per patch: masking changes masked tokens only, so context drift at layer 0 is 0."""
    clean, masked, tokens = inputs(tiny_encoder)
    p = drift_profiles(run(tiny_encoder, clean).hidden, run(tiny_encoder, masked).hidden, tokens, tiny_encoder.prefix_tokens)
    assert np.all(p["context"][:, 0] == 0)
    assert np.all(p["masked"][:, 0] > 0)
    assert np.all(p["context"][:, -1] > 0)


def test_full_patch_of_block_output_restores_clean_downstream(tiny_encoder):
    """Patching every token of block k's output with clean values reproduces the clean run after it."""
    clean, masked, tokens = inputs(tiny_encoder)
    k = 1
    site = parse_site(f"{k}.resid", tiny_encoder.depth)
    clean_trace = run(tiny_encoder, clean, sites=[site])
    select = select_tokens(tokens, "full", tiny_encoder.prefix_tokens)
    patched = run(tiny_encoder, masked, patches=[SitePatch(site, clean_trace.sites[site.name], select)])
    torch.testing.assert_close(patched.hidden[k + 1 :], clean_trace.hidden[k + 1 :], atol=1e-5, rtol=1e-5)
    assert not torch.allclose(patched.hidden[k], clean_trace.hidden[k])


def test_context_patch_of_last_block_zeroes_final_context_drift(tiny_encoder):
    """A context-only patch of the last block's output leaves zero context drift at the last layer."""
    clean, masked, tokens = inputs(tiny_encoder)
    last = parse_site(f"{tiny_encoder.depth - 1}.resid", tiny_encoder.depth)
    clean_trace = run(tiny_encoder, clean, sites=[last])
    select = select_tokens(tokens, "context", tiny_encoder.prefix_tokens)
    masked_trace = run(tiny_encoder, masked)
    patched = run(tiny_encoder, masked, patches=[SitePatch(last, clean_trace.sites[last.name], select)],
                  resume=masked_trace, start=tiny_encoder.depth - 1)
    context = drift_profiles(clean_trace.hidden, patched.hidden, tokens, tiny_encoder.prefix_tokens)["context"]
    final_window = Conventions(late_window=(tiny_encoder.depth - 1,))  # the last block's output
    assert np.all(late_mean(context, final_window, tiny_encoder.depth) == 0)
    # Under the hidden_states reading the late window ends before the last block's output: nothing moves.
    masked_context = drift_profiles(clean_trace.hidden, masked_trace.hidden, tokens, tiny_encoder.prefix_tokens)["context"]
    old = Conventions(layer_indexing="hidden_states")
    assert np.array_equal(late_mean(context, old, tiny_encoder.depth), late_mean(masked_context, old, tiny_encoder.depth))


@pytest.mark.parametrize("spec", ["1.intermediate", "2.attn.out,3.attn.out", "1.value,2.intermediate", "2.resid"])
@pytest.mark.parametrize("mode", ["full", "masked", "context"])
def test_resume_equals_full_forward(tiny_encoder, spec, mode):
    """A patched run resumed at its first block equals the same patched run from the embeddings."""
    clean, masked, tokens = inputs(tiny_encoder)
    group = parse_sites(spec, tiny_encoder.depth)
    clean_trace = run(tiny_encoder, clean, sites=group)
    select = select_tokens(tokens, mode, tiny_encoder.prefix_tokens)
    patches = [SitePatch(s, clean_trace.sites[s.name], select) for s in group]
    full = run(tiny_encoder, masked, patches=patches)
    start = min(s.block for s in group)
    resumed = run(tiny_encoder, masked, patches=patches, resume=run(tiny_encoder, masked), start=start)
    torch.testing.assert_close(resumed.hidden, full.hidden, atol=1e-5, rtol=1e-5)


def test_patching_with_own_activations_is_a_no_op(tiny_encoder):
    """Overwriting a site with the masked run's own values changes nothing."""
    _, masked, tokens = inputs(tiny_encoder)
    site = parse_site("2.intermediate", tiny_encoder.depth)
    own = run(tiny_encoder, masked, sites=[site])
    select = select_tokens(tokens, "full", tiny_encoder.prefix_tokens)
    again = run(tiny_encoder, masked, patches=[SitePatch(site, own.sites[site.name], select)])
    assert torch.equal(again.hidden, own.hidden)


def test_masked_and_context_selections_partition_the_tokens():
    """masked-only and context-only select disjoint sets whose union is the full patch."""
    tokens = torch.rand(4, 16) < 0.5
    m, c, f = (select_tokens(tokens, mode, 1) for mode in ("masked", "context", "full"))
    assert not (m & c).any() and torch.equal(m | c, f)
    with pytest.raises(ValueError, match="unknown patching mode"):
        select_tokens(tokens, "both", 1)


def test_resume_refuses_patches_before_start(tiny_encoder):
    """A patch before the resume block could not act: refused, not silently dropped."""
    clean, masked, tokens = inputs(tiny_encoder)
    site = parse_site("0.intermediate", tiny_encoder.depth)
    trace = run(tiny_encoder, clean, sites=[site])
    patch = SitePatch(site, trace.sites[site.name], select_tokens(tokens, "full", tiny_encoder.prefix_tokens))
    with pytest.raises(ValueError, match="cannot be applied"):
        run(tiny_encoder, masked, patches=[patch], resume=trace, start=2)


def test_exception_inside_a_forward_leaves_no_hook(tiny_encoder):
    """Hooks are removed even when the forward fails."""
    clean, _, tokens = inputs(tiny_encoder)
    site = parse_site("1.intermediate", tiny_encoder.depth)
    wrong = SitePatch(site, torch.zeros(1, 1, 1), select_tokens(tokens, "full", tiny_encoder.prefix_tokens))
    with pytest.raises(RuntimeError, match="does not fit"):
        run(tiny_encoder, clean, patches=[wrong])
    assert hook_count(tiny_encoder.model) == 0


def jobs_for(encoder, images: dict, seed: int = 1) -> list[MaskJob]:
    """Two masks per image."""
    rng = np.random.default_rng(seed)
    jobs = []
    for image_id in images:
        for mask in ("a", "b"):
            tokens = rng.random(encoder.grid ** 2) < 0.4
            tokens[0], tokens[-1] = True, False
            jobs.append(MaskJob(image_id, mask, tokens))
    return jobs


def test_tables_do_not_depend_on_batch_size(tiny_encoder):
    """Batching over images and masks changes no number."""
    clean, _, _ = inputs(tiny_encoder, batch=3)
    images = {f"img{i}": clean[i] for i in range(3)}
    jobs = jobs_for(tiny_encoder, images)
    conv = Conventions(late_window=(tiny_encoder.depth - 2, tiny_encoder.depth - 1))  # outputs of the last two blocks
    one = drift_table(tiny_encoder, images, jobs, conv, batch_size=1)
    many = drift_table(tiny_encoder, images, jobs, conv, batch_size=5)
    np.testing.assert_allclose(one.iloc[:, 3:].to_numpy(), many.iloc[:, 3:].to_numpy(), atol=1e-6)
    groups = [parse_sites("2.intermediate", tiny_encoder.depth), parse_sites("2.intermediate,3.attn.out", tiny_encoder.depth)]
    keys = ["image_id", "mask", "sites", "mode"]
    r1 = rescue_table(tiny_encoder, images, jobs, groups, ["context", "masked"], conv, batch_size=1).sort_values(keys)
    r5 = rescue_table(tiny_encoder, images, jobs, groups, ["context", "masked"], conv, batch_size=5).sort_values(keys)
    assert r1[keys].to_numpy().tolist() == r5[keys].to_numpy().tolist()
    np.testing.assert_allclose(r1.iloc[:, 4:].to_numpy(), r5.iloc[:, 4:].to_numpy(), atol=1e-6)


def test_full_patch_at_first_block_rescues_everything(tiny_encoder):
    """Patching every token of block 0's output removes all late drift: rescue fraction 1."""
    clean, _, _ = inputs(tiny_encoder, batch=2)
    images = {f"img{i}": clean[i] for i in range(2)}
    conv = Conventions(late_window=(tiny_encoder.depth - 2, tiny_encoder.depth - 1))  # outputs of the last two blocks
    table = rescue_table(tiny_encoder, images, jobs_for(tiny_encoder, images), [parse_sites("0.resid", tiny_encoder.depth)], ["full"], conv)
    np.testing.assert_allclose(table["rescue_fraction"], 1.0, atol=1e-6)
    np.testing.assert_allclose(table["late_context_drift_patched"], 0.0, atol=1e-7)


def test_counter_counts_resumed_work(tiny_encoder):
    """The forward counter counts only the blocks a resumed run computes."""
    clean, masked, tokens = inputs(tiny_encoder, batch=2)
    trace = run(tiny_encoder, masked)
    before = COUNTER.blocks
    run(tiny_encoder, masked, resume=trace, start=tiny_encoder.depth - 1)
    assert COUNTER.blocks - before == 2
