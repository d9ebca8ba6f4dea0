"""Probe P7's table: the late pathway down to attention heads (the paper's stated next step, section 6).

Context-only patching of each head's output (its slice of the attention output before the output
projection: site "30.attn.head3", lib/engine/sites.py) in the late attention blocks (`Roles.late_attention`),
alone and added to the bottleneck MLP, beside Table 2's three groups measured on the same runs. One more
group, the bottleneck with every head of both late blocks, must equal the triple: the output projection is
linear, so patching all its input slices at the context tokens is patching its output there (the check that
the heads partition the triple's attention sites). Object masks only; one clean and one masked run per
image, each patched run resumed at its first block.
"""
from __future__ import annotations

import pandas as pd

from jepa_claims.conventions import Conventions
from jepa_claims.engine.drift import rescue
from jepa_claims.engine.host import to_host
from jepa_claims.engine.sites import head_count
from jepa_claims.engine.tabulate import ChunkRuns, Values, group_name, late_profile, patched_run
from jepa_claims.roles import Roles
from jepa_claims.tables.object_runs import ObjectRuns, object_runs

GROUP_RUNS = ("single", "pair", "triple", "all_heads")  # groups patched beside the heads (all_heads: the check)
HEADS_COLUMNS = ["image_id", "mask", "group", "block", "head", "sites", "late_context_drift_masked",
                 "late_context_drift_patched", "rescue", "rescue_fraction"]
NO_HEAD = -1  # block and head of a row that patches a group, not one head


def head_site(block: int, head: int) -> str:
    """A head's site in the paper's words: '30.attn.head3'."""
    return f"{block}.attn.head{head}"


def head_groups(roles: Roles, heads: int) -> dict[tuple[str, int, int], tuple[str, ...]]:
    """(group, block, head) -> sites in the paper's names: Table 2's groups, all heads with the bottleneck, and
    each head of the late attention blocks alone and with the bottleneck."""
    bottleneck = f"{roles.bottleneck}.intermediate"
    every = tuple(head_site(b, h) for b in roles.late_attention for h in range(heads))
    groups = {(name, NO_HEAD, NO_HEAD): sites for name, sites in roles.groups().items()}
    groups[("all_heads", NO_HEAD, NO_HEAD)] = (bottleneck, *every)
    for block in roles.late_attention:
        for head in range(heads):
            groups[("alone", block, head)] = (head_site(block, head),)
            groups[("with_bottleneck", block, head)] = (bottleneck, head_site(block, head))
    return groups


def heads_table(encoder, roles: Roles, inputs, conv: Conventions, batch_size) -> pd.DataFrame:
    """Late context rescue (context-only, object masks) of every group of `head_groups`, per image."""
    plan = object_runs(encoder, head_groups(roles, head_count(encoder)), inputs.jobs, conv)
    rows = []
    for chunk, values in plan.values(encoder, inputs.images, conv, batch_size, lambda runs: _values(encoder, plan, runs)):
        masked = values["masked"]
        for (name, block, head), group in plan.groups.items():
            patched = values[(name, block, head)]
            absolute, fraction = rescue(masked, patched)
            rows += [(job.image_id, job.mask, name, block, head, group_name(group), masked[j], patched[j], absolute[j],
                      fraction[j]) for j, job in enumerate(chunk)]
    return pd.DataFrame(rows, columns=HEADS_COLUMNS).astype({c: float for c in HEADS_COLUMNS[6:]})


def _values(encoder, plan: ObjectRuns, runs: ChunkRuns) -> Values:
    """Late context drift [jobs] of the masked run ("masked") and of every group's context-only patched run."""
    clean = runs.clean_at(plan.late)
    profile = lambda trace: late_profile(clean, trace, plan.late, runs.tokens, encoder)
    profiles = {"masked": profile(runs.masked)} | {key: profile(patched_run(encoder, runs, group, "context"))
                                                   for key, group in plan.groups.items()}
    # The mean over the late window is taken on the host: numpy's gives each job the same number in any batch.
    return {key: value.mean(axis=1) for key, value in to_host(profiles).items()}
