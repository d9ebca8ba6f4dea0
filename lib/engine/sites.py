"""The paper's activation sites ("29.intermediate", "30.attn.out", ...) resolved to modules on either layout.

A site names a block (0-based, the paper's block indices 0..31) and a kind. `resolve_site` returns the
module whose forward OUTPUT (first element if a tuple) is the site's value, so a forward hook on it
captures or overwrites exactly that value.

Kinds (values are per token):
- intermediate: MLP expansion after the activation (GELU), [batch, tokens, mlp]. The paper's main text
  uses transformers 4.x words ("29.intermediate"); timm calls the same module output `mlp.act`.
- fc1: MLP expansion BEFORE the activation, [batch, tokens, mlp]. Appendix A.1 says "mlp.fc1", which in
  timm is pre-activation, so `mlp.fc1` resolves here, not to intermediate. Because GELU acts element by
  element, patching fc1 or intermediate on the same tokens gives the same downstream run; the captured
  values (and any drift computed on them) differ.
- attn.out: attention output projection, before the residual add and before BEiT's layer scale
  lambda_1, [batch, tokens, hidden] (timm `attn.proj`, 4.x `attention.output`).
- value: value projection, [batch, tokens, hidden] (4.x `attention.value`; timm fuses q, k, v).
- resid: block output, i.e. the residual stream after the block, [batch, tokens, hidden].
- attn.head<H> ("30.attn.head3"): head H's slice of the attention output BEFORE the output projection
  (the projection's input split into num_heads slices of head_dim), [batch, tokens, head_dim]. Any word
  of attn.out names the same projection ("30.attn.proj.head3", "30.attention.output.dense.head3",
  "30.attention.o_proj.head3"); `resolve_tap` resolves it through the attn.out entry of the alias table.

The 4.x name "N.output" is refused: for ViT, I-JEPA and MAE that module adds the residual, for BEiT it
does not, so the same words would name different values.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from jepa_claims.engine.hooks import InputSlice
from jepa_claims.engine.models import FAMILIES, Encoder

KINDS = ("intermediate", "fc1", "attn.out", "value", "resid")
# Words accepted for each kind: canonical, transformers 4.x, transformers 5.x and timm (appendix A.1).
KIND_ALIASES = {
    "intermediate": "intermediate", "mlp.act": "intermediate", "mlp.activation_fn": "intermediate",
    "fc1": "fc1", "mlp.fc1": "fc1", "intermediate.dense": "fc1",
    "attn.out": "attn.out", "attn.proj": "attn.out", "attention.output": "attn.out",
    "attention.output.dense": "attn.out", "attention.o_proj": "attn.out",
    "value": "value", "attention.value": "value", "attention.attention.value": "value", "attention.v_proj": "value",
    "resid": "resid",
}
REFUSED = {
    "output": "4.x 'output' adds the residual for ViT/I-JEPA/MAE but not for BEiT; use 'resid' for the block output",
}
# Module path templates per (family, layout); {L} is the block index.
_V4 = {
    "intermediate": "encoder.layer.{L}.intermediate",
    "fc1": "encoder.layer.{L}.intermediate.dense",
    "attn.out": "encoder.layer.{L}.attention.output.dense",
    "value": "encoder.layer.{L}.attention.attention.value",
    "resid": "encoder.layer.{L}",
}
# transformers >= 5.9 renamed the modules; the post-GELU value is the activation module's output.
_V5 = {
    "intermediate": "layers.{L}.mlp.activation_fn",
    "fc1": "layers.{L}.mlp.fc1",
    "attn.out": "layers.{L}.attention.o_proj",
    "value": "layers.{L}.attention.v_proj",
    "resid": "layers.{L}",
}
# DINOv2 keeps `encoder.layer` on both layouts and names its MLP `mlp` (fc1, activation, fc2) on both;
# 5.x renames the attention modules and the activation as for the others. attn.out is taken before
# its layer scale (layer_scale1), as for BEiT.
_DINOV2_V4 = {
    "intermediate": "encoder.layer.{L}.mlp.activation",
    "fc1": "encoder.layer.{L}.mlp.fc1",
    "attn.out": "encoder.layer.{L}.attention.output.dense",
    "value": "encoder.layer.{L}.attention.attention.value",
    "resid": "encoder.layer.{L}",
}
_DINOV2_V5 = {
    "intermediate": "encoder.layer.{L}.mlp.activation_fn",
    "fc1": "encoder.layer.{L}.mlp.fc1",
    "attn.out": "encoder.layer.{L}.attention.o_proj",
    "value": "encoder.layer.{L}.attention.v_proj",
    "resid": "encoder.layer.{L}",
}
_TABLES = {"dinov2": {"v4": _DINOV2_V4, "v5": _DINOV2_V5}}
ALIASES = {(family, layout): _TABLES.get(family, {"v4": _V4, "v5": _V5})[layout] for family in FAMILIES for layout in ("v4", "v5")}
_SITE = re.compile(r"(\d+)\.(.+)")
HEAD_KIND = "attn.head"  # a per-head slice of attn.out's input; not in KINDS (it needs a head number)
_HEAD = re.compile(r"(.+)\.head(\d+)")
# Words before ".head<H>": the paper's "attn" and every word of attn.out.
HEAD_WORDS = ("attn", *(word for word, kind in KIND_ALIASES.items() if kind == "attn.out"))


class SiteError(ValueError):
    """A site name that cannot be parsed or resolved."""


@dataclass(frozen=True)
class Site:
    """One activation site: a block index and a kind (and, for a head site, the head)."""

    name: str
    block: int
    kind: str
    head: int | None = None


def parse_site(name: str, depth: int | None = None) -> Site:
    """Parse "29.intermediate" (or an alias such as "30.attn.proj") into a canonical Site."""
    match = _SITE.fullmatch(name.strip())
    if match is None:
        raise SiteError(f"site {name!r} is not '<block>.<kind>' (e.g. '29.intermediate')")
    block, word = int(match.group(1)), match.group(2)
    if depth is not None and block >= depth:
        raise SiteError(f"site {name!r}: block {block} out of range for a {depth}-block encoder (0..{depth - 1})")
    head = _HEAD.fullmatch(word)
    if head is not None and head.group(1) in HEAD_WORDS:
        return Site(name=f"{block}.{HEAD_KIND}{int(head.group(2))}", block=block, kind=HEAD_KIND, head=int(head.group(2)))
    if word in REFUSED:
        raise SiteError(f"site {name!r}: {REFUSED[word]}")
    if word not in KIND_ALIASES:
        known = f"kinds: {', '.join(KINDS)}, attn.head<H>; aliases: {', '.join(KIND_ALIASES)}"
        raise SiteError(f"site {name!r}: unknown kind {word!r}; {known}")
    kind = KIND_ALIASES[word]
    return Site(name=f"{block}.{kind}", block=block, kind=kind)


def parse_sites(spec: str | Sequence[str], depth: int | None = None) -> tuple[Site, ...]:
    """Parse "29.intermediate,30.attn.out" (or a list of names) into distinct Sites, in order."""
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    if not names or any(not name.strip() for name in names):
        raise SiteError(f"site list {spec!r} is empty or has an empty entry")
    sites = tuple(parse_site(name, depth) for name in names)
    canonical = [site.name for site in sites]
    repeated = sorted({name for name in canonical if canonical.count(name) > 1})
    if repeated:
        raise SiteError(f"site list {spec!r} names {', '.join(repeated)} more than once")
    return sites


def resolve_site(encoder: Encoder, site: Site) -> torch.nn.Module:
    """The module whose forward output (first element if a tuple) is `site`'s value in `encoder`."""
    if site.kind == HEAD_KIND:
        raise SiteError(f"site {site.name!r} is a slice of a module's input, not a module's output: use resolve_tap")
    if not 0 <= site.block < encoder.depth:
        raise SiteError(f"site {site.name!r}: block out of range for {encoder.source} (0..{encoder.depth - 1})")
    template = ALIASES[(encoder.family, encoder.layout)][site.kind]
    try:
        modules = [encoder.model.get_submodule(template.format(L=block)) for block in range(encoder.depth)]
    except AttributeError as error:
        raise SiteError(f"site {site.name!r}: {encoder.family} ({encoder.layout} layout) has no {template}") from error
    module = modules[site.block]
    # ACT2FN builds a fresh activation per call; were one instance shared by all blocks, a hook on
    # "29.intermediate" would fire (and patch) in every block.
    shared = [block for block, other in enumerate(modules) if other is module and block != site.block]
    if shared:
        raise SiteError(f"site {site.name!r}: module {template.format(L=site.block)} is shared with blocks {shared}")
    return module


def head_count(encoder: Encoder) -> int:
    """Attention heads per block (the config's num_attention_heads)."""
    return int(encoder.model.config.num_attention_heads)


def resolve_tap(encoder: Encoder, site: Site) -> torch.nn.Module | InputSlice:
    """Where a hook reads or writes `site`: a module's output, or (head site) its head's channels of the
    attention output projection's input, the projection found through the attn.out alias of the table."""
    if site.kind != HEAD_KIND:
        return resolve_site(encoder, site)
    projection = resolve_site(encoder, Site(f"{site.block}.attn.out", site.block, "attn.out"))
    heads = head_count(encoder)
    if not 0 <= site.head < heads:
        raise SiteError(f"site {site.name!r}: head out of range for {encoder.source} ({heads} heads: 0..{heads - 1})")
    width = projection.in_features // heads
    return InputSlice(projection, site.head * width, (site.head + 1) * width)
