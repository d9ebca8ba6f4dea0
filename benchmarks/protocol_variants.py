"""The causal protocol written three ways for benchmarks/bench_protocol.py: naive hooks (the paper's
description), the suite's engine, and nnsight. Each returns {image|mask|group|mode: absolute rescue}."""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch

GROUPS = {
    "single": ("29.intermediate",),
    "pair": ("29.intermediate", "30.intermediate"),
    "triple": ("29.intermediate", "30.attn.out", "31.attn.out"),
}
LATE_MODES = ("context", "masked")


# ------------------------------------------------------------------------------------- protocol

def late_groups(depth: int):
    from jepa_claims.engine.sites import parse_sites

    return [parse_sites(list(sites), depth) for sites in GROUPS.values()]


def sweep_groups(depth: int):
    from jepa_claims.engine.sites import parse_sites

    return [parse_sites(f"{b}.{kind}", depth) for b in range(depth) for kind in ("intermediate", "attn.out")]


def key(image_id, mask, group, mode) -> str:
    return f"{image_id}|{mask}|{' + '.join(s.name for s in group)}|{mode}"


# --------------------------------------------------------------------------------- naive (paper)

@contextmanager
def _hooks(encoder, group, make_hook):
    """Plain forward hooks on every site of a group (`make_hook(site name)`), removed on exit."""
    from jepa_claims.engine.sites import resolve_site

    handles = [resolve_site(encoder, site).register_forward_hook(make_hook(site.name)) for site in group]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def naive_late(encoder, images, jobs, conv) -> dict[str, float]:
    """Every (image, mask, group, mode): clean, masked and patched full forwards of one image, plain hooks."""
    from jepa_claims.engine.drift import drift_profiles, late_mean, rescue
    from jepa_claims.engine.tabulate import masked_pixels
    from jepa_claims.engine.runs import select_tokens

    model, prefix = encoder.model, encoder.prefix_tokens
    out = {}

    def forward(pixels):
        return torch.stack(model(pixels, output_hidden_states=True).hidden_states)

    with torch.inference_mode():
        for job in jobs:
            tokens = torch.from_numpy(job.tokens)[None]
            clean_pixels = images[job.image_id][None].to(next(model.parameters()).dtype)
            for group in late_groups(encoder.depth):
                for mode in LATE_MODES:
                    captured = {}

                    def keep(name):
                        def hook(_m, _i, output):
                            captured[name] = output.detach()
                        return hook
                    with _hooks(encoder, group, keep):  # clean run, capturing the group's sites
                        clean = forward(clean_pixels)
                    pixels = masked_pixels(encoder, clean_pixels, tokens.numpy(), conv)
                    masked = forward(pixels)
                    select = select_tokens(tokens, mode, prefix).unsqueeze(-1)

                    def patch(name):
                        def hook(_m, _i, output):
                            return torch.where(select, captured[name], output)
                        return hook
                    with _hooks(encoder, group, patch):  # patched run: overwrite the selected tokens with clean values
                        patched = forward(pixels)
                    late_masked = late_mean(drift_profiles(clean, masked, tokens, prefix)["context"], conv, encoder.depth)
                    late_patched = late_mean(drift_profiles(clean, patched, tokens, prefix)["context"], conv, encoder.depth)
                    out[key(job.image_id, job.mask, group, mode)] = float(rescue(late_masked, late_patched)[0][0])
    return out


# ----------------------------------------------------------------------------------------- engine

def engine_run(encoder, images, jobs, groups, modes, conv, batch) -> dict[str, float]:
    """The suite's measure.rescue_table."""
    from jepa_claims.engine.tabulate import rescue_table

    table = rescue_table(encoder, images, jobs, groups, list(modes), conv, batch)
    names = {" + ".join(s.name for s in g): g for g in groups}
    return {key(r.image_id, r.mask, names[r.sites], r.mode): float(r.rescue) for r in table.itertuples()}


# ---------------------------------------------------------------------------------------- nnsight

def nnsight_run(wrapped, encoder, images, jobs, groups, modes, conv, batch) -> dict[str, float]:
    """The same rescue measurements written with nnsight traces (full forwards, batched by chunk)."""
    import nnsight
    from jepa_claims.engine.drift import drift_profiles, rescue
    from jepa_claims.engine.tabulate import chunks, masked_pixels
    from jepa_claims.engine.runs import select_tokens
    from jepa_claims.engine.sites import ALIASES

    template = ALIASES[(encoder.family, encoder.layout)]
    late = [conv.hidden_index(layer) for layer in conv.late_layers(encoder.depth)]  # hidden_states indices
    late_blocks = [index - 1 for index in late]  # hidden_states[l] is the output of block l - 1
    order = {"value": 0, "attn.out": 1, "fc1": 2, "intermediate": 3, "resid": 4}  # execution order in a block
    prefix, dtype = encoder.prefix_tokens, next(encoder.model.parameters()).dtype

    def envoy(site):
        node = wrapped
        for part in template[site.kind].format(L=site.block).split("."):
            node = node[int(part)] if part.isdigit() else getattr(node, part)
        return node

    def trace(pixels, capture=(), patches=None):
        """One forward: saved site outputs and the late hidden states [len(late), B, T, H]."""
        by_block: dict[int, list] = {}
        for site in [*capture, *(patches or {})]:
            by_block.setdefault(site.block, []).append(site)
        with wrapped.trace(pixels):
            saved = nnsight.save({})
            states = nnsight.save([])
            for block in range(max([*late_blocks, *by_block]) + 1):
                for site in sorted(by_block.get(block, []), key=lambda s: order[s.kind]):
                    node = envoy(site)
                    if patches and site in patches:
                        source, select = patches[site]
                        node.output = torch.where(select, source, node.output)
                    else:
                        saved[site.name] = node.output
                if block in late_blocks:
                    states.append(wrapped.layers[block].output if encoder.layout == "v5" else wrapped.encoder.layer[block].output[0])
        return saved, torch.stack(list(states))

    def late_context(clean, other, tokens):
        return drift_profiles(clean, other, tokens, prefix)["context"].mean(axis=1)

    sites = list(dict.fromkeys(s for g in groups for s in g))
    out = {}
    with torch.inference_mode():
        for chunk in chunks(jobs, batch):
            ids = list(dict.fromkeys(j.image_id for j in chunk))
            clean_pixels = torch.stack([images[i] for i in ids]).to(dtype)
            clean_sites, clean_late = trace(clean_pixels, capture=sites)
            index = [ids.index(j.image_id) for j in chunk]
            tokens = torch.from_numpy(np.stack([j.tokens for j in chunk]))
            pixels = masked_pixels(encoder, clean_pixels[index], tokens.numpy(), conv)
            _, masked_late = trace(pixels)
            clean_late = clean_late[:, index]
            late_masked = late_context(clean_late, masked_late, tokens)
            for group in groups:
                for mode in modes:
                    select = select_tokens(tokens, mode, prefix).unsqueeze(-1)
                    patches = {s: (clean_sites[s.name][index], select) for s in group}
                    _, patched_late = trace(pixels, patches=patches)
                    absolute, _ = rescue(late_masked, late_context(clean_late, patched_late, tokens))
                    for j, job in enumerate(chunk):
                        out[key(job.image_id, job.mask, group, mode)] = float(absolute[j])
    return out
