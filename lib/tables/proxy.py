"""The predictor proxy's table (section 3.6): ridge "layer depth-1 -> layer depth" fitted on clean runs, out of sample.

The layer reading says which states those are (`Conventions.proxy_layers`; block_output: the last block's output ->
the final normalised output). Each class's images are predicted by a map fitted on the other classes' clean runs
(lib/tables/ridge.py), so every clean run must be seen before any prediction. Two passes keep the memory a forward
batch's, not the slice's: the first runs the clean images a forward batch at a time, adds their ridge moments (on the
device, in image order) and keeps of each image only what the second needs (the proxy's input and target states and
the captured sites, on the CPU); the second runs the masked and patched runs a forward batch at a time. Each run is
computed once, as the census plans (lib/tables/census.py), and both passes halve on out-of-memory.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from jepa_claims.conventions import Conventions
from jepa_claims.engine.batching import as_batch, forward_jobs
from jepa_claims.engine.drift import token_drift
from jepa_claims.engine.host import host_copies, to_device, to_host
from jepa_claims.engine.runs import run
from jepa_claims.engine.sites import Site, parse_sites
from jepa_claims.engine.tabulate import (MaskJob, Values, chunk_values, device_of, fit_pieces, forward_groups, masked_inputs,
                                         on_device, place_group, resumed_patch)
from jepa_claims.roles import Roles
from jepa_claims.tables.ridge import Moments, apply, held_out_fits

PROXY_COLUMNS = ["image_id", "mask", "condition", "proxy_global_drift", "proxy_context_drift"]
GROUPS = ("single", "pair", "triple")  # the groups patched (context only) before the proxy reads the input state
CONDITIONS = ("clean", "masked", *GROUPS)  # the state the proxy predicts from
Kept = dict[str, dict[str, torch.Tensor]]  # image_id -> "source", "target" and every captured site name -> [tokens, width]


def proxy_table(encoder, roles: Roles, inputs, conv: Conventions, batch_size, jobs: list[MaskJob]) -> pd.DataFrame:
    """Rows per job and condition: proxy global and context drift of the proxy's prediction from the condition's input
    state against the clean target (jobs: the object and background masks)."""
    d = encoder.depth
    groups = {name: place_group(parse_sites(roles.groups()[name]), conv, d, measured=(d - 1,)) for name in GROUPS}
    sites = list(dict.fromkeys(s for g in groups.values() for s in g))
    kept, moments = _clean_pass(encoder, inputs, jobs, sites, conv, batch_size)
    weights = held_out_fits(moments)
    compute = lambda part: _drifts(encoder, inputs, part, kept, weights, groups, conv)
    rows = []
    for chunk, drifts in chunk_values(encoder, jobs, batch_size, sites, compute):
        visible = torch.from_numpy(~np.stack([job.tokens for job in chunk]))
        for condition in CONDITIONS:
            drift = torch.from_numpy(drifts[condition])  # [jobs, patches]
            context = (drift * visible).sum(1) / visible.sum(1)
            rows += [(job.image_id, job.mask, condition, float(drift[j].mean()), float(context[j]))
                     for j, job in enumerate(chunk)]
    return pd.DataFrame(rows, columns=PROXY_COLUMNS)


def _clean_pass(encoder, inputs, jobs: list[MaskJob], sites: list[Site], conv: Conventions,
                batch_size) -> tuple[Kept, dict[str, Moments]]:
    """Every image's clean run, a forward batch at a time: what the second pass reads of it, and each class's moments."""
    source, target_index = conv.proxy_layers(encoder.depth)
    prefix = encoder.prefix_tokens
    first_jobs = list({job.image_id: job for job in jobs}.values())  # one job an image, in the jobs' order

    def compute(part: list[MaskJob]) -> Values:
        clean = run(encoder, on_device(encoder, inputs.images, [job.image_id for job in part]), sites=sites)
        # Copies of the two states, not views: a view would keep the batch's whole trace alive.
        return {"source": clean.hidden[source].clone(), "target": _target(encoder, clean, target_index).clone()} | clean.sites

    kept: Kept = {}
    moments: dict[str, Moments] = {}
    device = device_of(encoder)
    for group in forward_groups(first_jobs, 1, forward_jobs(as_batch(batch_size), encoder, sites)):
        # the halves of a batch that ran out of memory taken one by one, each as it was computed: never joined there
        for chunk, states in fit_pieces([job for images in group for job in images], compute, device):
            for row, job in enumerate(chunk):
                part = Moments.of(states["source"][row, prefix:], states["target"][row, prefix:])
                name = inputs.classes[job.image_id]
                moments[name] = moments[name] + part if name in moments else part
            # Each image's rows cloned into pageable memory: neither the batch (a view would hold it) nor pinned pages kept.
            host = host_copies(states)
            kept |= {job.image_id: {key: value[row].clone() for key, value in host.items()} for row, job in enumerate(chunk)}
            del states, host  # before the next batch (or half) runs
    return kept, moments


def _drifts(encoder, inputs, part: list[MaskJob], kept: Kept, weights: dict[str, torch.Tensor],
            groups: dict[str, tuple[Site, ...]], conv: Conventions) -> Values:
    """Per condition, the token drift [jobs, patches] of the proxy's prediction from the jobs' states to the clean target."""
    source, prefix = conv.proxy_layers(encoder.depth)[0], encoder.prefix_tokens
    ids, _clean, index, tokens, pixels = masked_inputs(encoder, inputs.images, part, conv)
    keys = ["source", "target", *dict.fromkeys(site.name for group in groups.values() for site in group)]
    # [jobs, tokens, width] each, sent before the first run is queued
    stored = {key: to_device(torch.stack([kept[ids[i]][key] for i in index]), pixels.device) for key in keys}
    masked = run(encoder, pixels)
    states = {"clean": stored["source"], "masked": masked.hidden[source]}
    for name, group in groups.items():
        sources = {site.name: stored[site.name] for site in group}
        states[name] = resumed_patch(encoder, pixels, masked, tokens, sources, group, "context").hidden[source]
    target = stored["target"][:, prefix:]  # [jobs, patches, dim]
    fits = [weights[inputs.classes[job.image_id]] for job in part]
    drifts = {}
    for condition in CONDITIONS:
        predicted = torch.stack([apply(w, s[prefix:]) for w, s in zip(fits, states[condition])]).to(target.dtype)
        drifts[condition] = token_drift(target, predicted)
    return to_host(drifts)


def _target(encoder, clean, index: int | None) -> torch.Tensor:
    """The proxy's target state of a clean trace: a hidden state, or the final normalised output (None)."""
    if index is not None:
        return clean.hidden[index]
    with torch.inference_mode():
        return encoder.final_norm(clean.hidden[-1])
