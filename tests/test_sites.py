"""Self-tests for the paper's site names (lib/engine/sites.py) on whichever transformers layout is installed.

Each site's captured value is recomputed from the block's own weights, so passing under both
transformers 4.57 (v4 layout) and 5.x (v5 layout) shows both layouts capture the same quantities.
With JEPA_CLAIMS_OTHER_PYTHON pointing at an interpreter with the other transformers major version,
the captures of one checkpoint are also compared across the two versions directly.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import torch
import transformers
from jepa_claims.engine.models import FAMILIES as LOADED_FAMILIES
from jepa_claims.engine.models import load_encoder
from jepa_claims.engine import hooks
from jepa_claims.engine.sites import (ALIASES, HEAD_KIND, KINDS, SiteError, head_count, parse_site, parse_sites,
                                        resolve_site, resolve_tap)
from model_helpers import FAMILIES, all_sites, capture, pixels, save_tiny
from safetensors.torch import load_file, save_file

# Test-side weight paths, written independently of the alias table under test.
WEIGHTS = {
    "v4": {"q": "attention.attention.query", "k": "attention.attention.key", "v": "attention.attention.value",
           "o": "attention.output.dense", "fc1": "intermediate.dense", "fc2": "output.dense",
           "bias": "attention.attention.relative_position_bias"},
    "v5": {"q": "attention.q_proj", "k": "attention.k_proj", "v": "attention.v_proj",
           "o": "attention.o_proj", "fc1": "mlp.fc1", "fc2": "mlp.fc2", "bias": "relative_position_bias"},
}


@pytest.fixture(scope="module")
def encoders(tmp_path_factory) -> dict:
    """One loaded tiny encoder per family."""
    root = tmp_path_factory.mktemp("site-checkpoints")
    return {family: load_encoder(str(save_tiny(family, root / family))) for family in FAMILIES}


@pytest.mark.parametrize(("name", "canonical"), [
    ("29.intermediate", "29.intermediate"), ("29.mlp.act", "29.intermediate"),
    ("29.mlp.fc1", "29.fc1"), ("29.intermediate.dense", "29.fc1"),
    ("30.attn.out", "30.attn.out"), ("30.attn.proj", "30.attn.out"), ("31.attention.output", "31.attn.out"),
    ("31.attention.o_proj", "31.attn.out"), ("3.value", "3.value"), ("3.attention.value", "3.value"),
    ("0.resid", "0.resid"), (" 7.resid ", "7.resid"),
])
def test_parse_site_canonical_names(name, canonical):
    site = parse_site(name, depth=32)
    assert site.name == canonical and site.block == int(canonical.split(".")[0])
    assert site.kind == canonical.split(".", 1)[1]


@pytest.mark.parametrize(("name", "message"), [
    ("intermediate", "is not '<block>.<kind>'"), ("-1.resid", "is not '<block>.<kind>'"),
    ("29.mlp", "unknown kind 'mlp'"), ("29.output", "adds the residual"), ("32.resid", "block 32 out of range"),
])
def test_parse_site_errors(name, message):
    with pytest.raises(SiteError, match=message):
        parse_site(name, depth=32)


def test_parse_sites():
    sites = parse_sites("29.intermediate, 30.attn.out,31.attn.proj")
    assert [site.name for site in sites] == ["29.intermediate", "30.attn.out", "31.attn.out"]
    assert parse_sites(["1.value"]) == (parse_site("1.value"),)
    with pytest.raises(SiteError, match="more than once"):
        parse_sites("30.attn.out,30.attn.proj")
    with pytest.raises(SiteError, match="empty"):
        parse_sites("29.intermediate,")


def test_alias_table_covers_every_family_layout_and_kind():
    assert set(ALIASES) == {(family, layout) for family in LOADED_FAMILIES for layout in ("v4", "v5")}
    assert all(set(table) == set(KINDS) for table in ALIASES.values())


@pytest.mark.parametrize("family", FAMILIES)
def test_every_site_fires_once_with_its_shape(encoders, family):
    encoder = encoders[family]
    tokens = encoder.prefix_tokens + encoder.grid ** 2
    mlp = encoder.model.config.intermediate_size
    seen = capture(encoder, all_sites(encoder), pixels(encoder))
    for name, values in seen.items():
        assert len(values) == 1, f"{name} fired {len(values)} times in one forward"
        width = mlp if name.endswith(("intermediate", "fc1")) else encoder.hidden_size
        assert values[0].shape == (2, tokens, width), name


def test_layout_matches_installed_transformers(encoders):
    expected = "v4" if int(transformers.__version__.split(".")[0]) < 5 else "v5"
    assert {encoder.layout for encoder in encoders.values()} == {expected}


def _linear(block, layout, key, x):
    """Apply the block's linear layer `key` (test-side path) to x."""
    return block.get_submodule(WEIGHTS[layout][key])(x)


def _attention(encoder, block, normed, values):
    """Recompute the attention output projection from q, k weights and the captured values."""
    heads = encoder.model.config.num_attention_heads
    batch, tokens, hidden = normed.shape

    def split(x):
        return x.view(batch, tokens, heads, hidden // heads).transpose(1, 2)

    query, key = (split(_linear(block, encoder.layout, name, normed)) for name in ("q", "k"))
    scores = query @ key.transpose(-1, -2) * (hidden // heads) ** -0.5
    if encoder.family == "beit":
        table = block.get_submodule(WEIGHTS[encoder.layout]["bias"])
        scores = scores + table((encoder.grid, encoder.grid), False, dim_size=tokens)
    mixed = (scores.softmax(dim=-1) @ split(values)).transpose(1, 2).reshape(batch, tokens, hidden)
    return _linear(block, encoder.layout, "o", mixed)


@pytest.mark.parametrize("family", FAMILIES)
def test_captures_equal_recomputation_from_weights(encoders, family):
    encoder = encoders[family]
    x = pixels(encoder)
    seen = {name: values[0] for name, values in capture(encoder, all_sites(encoder), x).items()}
    with torch.no_grad():
        hidden = encoder.embed(x)
        for index, block in enumerate(encoder.blocks):
            site = {kind: seen[f"{index}.{kind}"] for kind in KINDS}
            scale_1, scale_2 = getattr(block, "lambda_1", 1.0), getattr(block, "lambda_2", 1.0)
            normed = block.layernorm_before(hidden)
            value = _linear(block, encoder.layout, "v", normed)
            torch.testing.assert_close(site["value"], value, atol=1e-5, rtol=0)
            attention = _attention(encoder, block, normed, site["value"])
            torch.testing.assert_close(site["attn.out"], attention, atol=1e-5, rtol=0)
            # attn.out is taken before the residual add and before BEiT's layer scale.
            middle = hidden + scale_1 * site["attn.out"]
            fc1 = _linear(block, encoder.layout, "fc1", block.layernorm_after(middle))
            torch.testing.assert_close(site["fc1"], fc1, atol=1e-5, rtol=0)
            torch.testing.assert_close(site["intermediate"], torch.nn.functional.gelu(fc1), atol=1e-5, rtol=0)
            out = middle + scale_2 * _linear(block, encoder.layout, "fc2", site["intermediate"])
            torch.testing.assert_close(site["resid"], out, atol=1e-5, rtol=0)
            hidden = encoder.run_block(index, hidden, x.shape)
            torch.testing.assert_close(site["resid"], hidden, atol=1e-5, rtol=0)


def test_beit_layer_scale_is_not_one(encoders):
    # Otherwise the test above could not tell attn.out before the layer scale from after it.
    block = encoders["beit"].blocks[0]
    assert not torch.allclose(block.lambda_1, torch.ones_like(block.lambda_1))


def _patched_output(encoder, site_name, clean_x, masked_x, tokens):
    """Final output of a masked run with `tokens` of one site overwritten by their clean values."""
    module = resolve_site(encoder, parse_site(site_name))
    clean = capture(encoder, [parse_site(site_name)], clean_x)[parse_site(site_name).name][0]

    def overwrite(module, args, output):
        output = output.clone()
        output[:, tokens] = clean[:, tokens]
        return output

    handle = module.register_forward_hook(overwrite)
    try:
        with torch.no_grad():
            return encoder.model(masked_x, **encoder.forward_kwargs(masked_x)).last_hidden_state
    finally:
        handle.remove()


def test_patching_fc1_or_intermediate_gives_the_same_run(encoders):
    # GELU acts per element, so the pre- and post-activation sites are interchangeable for patching.
    encoder = encoders["ijepa"]
    clean_x = pixels(encoder, seed=1)
    masked_x = clean_x.clone()
    masked_x[:, :, :14, :28] = 0.0
    context = torch.arange(2, encoder.grid ** 2)
    via_fc1 = _patched_output(encoder, "2.mlp.fc1", clean_x, masked_x, context)
    via_act = _patched_output(encoder, "2.intermediate", clean_x, masked_x, context)
    with torch.no_grad():
        unpatched = encoder.model(masked_x).last_hidden_state
    torch.testing.assert_close(via_fc1, via_act, atol=1e-5, rtol=0)
    assert not torch.allclose(via_act, unpatched, atol=1e-3)


@pytest.mark.parametrize("family", FAMILIES)
def test_each_block_owns_its_modules(encoders, family):
    encoder = encoders[family]
    for kind in KINDS:
        modules = [resolve_site(encoder, parse_site(f"{block}.{kind}")) for block in range(encoder.depth)]
        assert len({id(module) for module in modules}) == encoder.depth, kind


def test_shared_activation_is_refused(tmp_path):
    encoder = load_encoder(str(save_tiny("ijepa", tmp_path)))
    template = ALIASES[("ijepa", encoder.layout)]["intermediate"]
    parent, attribute = template.format(L=1).rsplit(".", 1)
    setattr(encoder.model.get_submodule(parent), attribute, encoder.model.get_submodule(template.format(L=0)))
    with pytest.raises(SiteError, match=r"shared with blocks \[1\]"):
        resolve_site(encoder, parse_site("0.intermediate"))


def test_resolve_site_checks_block_range(encoders):
    with pytest.raises(SiteError, match="out of range"):
        resolve_site(encoders["beit"], parse_site("4.resid"))


@pytest.mark.skipif(not os.environ.get("JEPA_CLAIMS_OTHER_PYTHON"), reason="set JEPA_CLAIMS_OTHER_PYTHON")
def test_captures_agree_across_transformers_versions(encoders, tmp_path):
    # The other interpreter loads the same checkpoints and captures every site with its own layout.
    x = pixels(encoders["ijepa"])
    assert all(encoder.geometry.size == x.shape[-1] for encoder in encoders.values())
    save_file({"pixel_values": x}, tmp_path / "pixels.safetensors")
    pairs = [arg for family, encoder in encoders.items() for arg in (encoder.source, str(tmp_path / family))]
    helper = Path(__file__).with_name("model_helpers.py")
    other = subprocess.run(
        [os.environ["JEPA_CLAIMS_OTHER_PYTHON"], str(helper), str(tmp_path / "pixels.safetensors"), *pairs],
        check=True, capture_output=True, text=True, timeout=300,
    )
    assert other.stdout.split(".")[0] != transformers.__version__.split(".")[0], "same major version on both sides"
    for family, encoder in encoders.items():
        theirs = load_file(tmp_path / family)
        ours = {name: values[0] for name, values in capture(encoder, all_sites(encoder), x).items()}
        assert theirs.keys() == ours.keys()
        for name, value in ours.items():
            torch.testing.assert_close(theirs[name], value, atol=1e-5, rtol=0, msg=f"{family} {name}")


# ---------------------------------------------------------------- head sites (probe P7)

@pytest.mark.parametrize("name", ["30.attn.head3", "30.attn.proj.head3", "30.attn.out.head3",
                                  "30.attention.output.dense.head3", "30.attention.o_proj.head3", "30.attention.output.head3"])
def test_head_site_words_name_one_site(name):
    """The paper's words and every word of attn.out, with ".head<H>", name the same head site."""
    site = parse_site(name, depth=32)
    assert (site.name, site.block, site.kind, site.head) == ("30.attn.head3", 30, HEAD_KIND, 3)


@pytest.mark.parametrize(("name", "message"), [("30.mlp.act.head3", "unknown kind"), ("32.attn.head0", "out of range"),
                                               ("30.attn.head", "unknown kind")])
def test_head_site_errors(name, message):
    with pytest.raises(SiteError, match=message):
        parse_site(name, depth=32)


@pytest.fixture(scope="module")
def every_family(tmp_path_factory) -> dict:
    """One loaded tiny encoder of every family the alias table maps (4 heads of head_dim 8)."""
    root = tmp_path_factory.mktemp("head-checkpoints")
    return {family: load_encoder(str(save_tiny(family, root / family))) for family in LOADED_FAMILIES}


def _projection_inputs(encoder, x) -> list[torch.Tensor]:
    """The input of every block's attention output projection, read by a raw hook on the test-side path."""
    seen = []
    modules = [block.get_submodule(WEIGHTS[encoder.layout]["o"]) for block in encoder.blocks]
    handles = [m.register_forward_pre_hook(lambda _m, args: seen.append(args[0].detach().clone())) for m in modules]
    try:
        with torch.no_grad():
            encoder.model(x, **encoder.forward_kwargs(x))
    finally:
        for handle in handles:
            handle.remove()
    return seen


@pytest.mark.parametrize("family", LOADED_FAMILIES)
def test_head_sites_are_the_split_of_the_projection_input(every_family, family):
    """Each head site's capture is its head_dim slice of attn.out's input; the projection of all heads is attn.out."""
    encoder = every_family[family]
    heads, x = head_count(encoder), pixels(encoder)
    sites = [parse_site(f"{b}.attn.head{h}", encoder.depth) for b in range(encoder.depth) for h in range(heads)]
    sites += [parse_site(f"{b}.attn.out", encoder.depth) for b in range(encoder.depth)]
    with torch.no_grad(), hooks.capture(encoder.model, {s.name: resolve_tap(encoder, s) for s in sites}) as seen:
        encoder.model(x, **encoder.forward_kwargs(x))
    manual = _projection_inputs(encoder, x)
    width = encoder.hidden_size // heads
    for block, whole in enumerate(manual):
        parts = [seen[f"{block}.attn.head{h}"] for h in range(heads)]
        for h, part in enumerate(parts):
            torch.testing.assert_close(part, whole[..., h * width:(h + 1) * width], atol=0, rtol=0)
        projection = resolve_site(encoder, parse_site(f"{block}.attn.out"))
        torch.testing.assert_close(projection(torch.cat(parts, dim=-1)), seen[f"{block}.attn.out"], atol=1e-6, rtol=0)
    assert hooks.hook_count(encoder.model) == 0


def test_overwriting_a_head_changes_that_head_alone(every_family):
    """A head patch replaces that head's slice at the selected tokens; the other heads and tokens keep theirs."""
    encoder = every_family["ijepa"]
    x, site = pixels(encoder), parse_site("1.attn.head2")
    tap = resolve_tap(encoder, site)
    select = torch.zeros(2, encoder.grid ** 2, dtype=torch.bool)
    select[:, :5] = True
    source = torch.full((2, encoder.grid ** 2, tap.stop - tap.start), 7.0)
    clean = _projection_inputs(encoder, x)[1]
    with hooks.overwrite(encoder.model, [hooks.Overwrite(tap, source, select)]):
        patched = _projection_inputs(encoder, x)[1]
    expected = clean.clone()
    expected[:, :5, tap.start:tap.stop] = 7.0
    torch.testing.assert_close(patched, expected, atol=0, rtol=0)
    assert hooks.hook_count(encoder.model) == 0


def test_head_sites_refuse_what_they_cannot_name(every_family):
    encoder = every_family["beit"]
    with pytest.raises(SiteError, match="head out of range"):
        resolve_tap(encoder, parse_site("0.attn.head4"))
    with pytest.raises(SiteError, match="use resolve_tap"):
        resolve_site(encoder, parse_site("0.attn.head0"))
