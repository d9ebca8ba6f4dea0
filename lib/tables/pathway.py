"""The late pathway read at the late window and at the final output: token selection and the attention-only group.

One table (`pathway_table`) for the result sentences that Table 2's rescue table does not cover:
- token selection at the bottleneck (section 2.5): the single group under full (all tokens, appendix A.1's
  "all tokens"), context-only and masked-only patching;
- non-redundancy of late attention (section 3.3): the triple beside the attention-only group (the triple's
  late attention outputs without the bottleneck), context-only;
- final-state restoration (section 3.1): every row also holds the drift of the final normalised output
  (the encoder's last_hidden_state) from the clean one, over all patch tokens and over context tokens.
Object masks only; one clean and one masked run per image, each patched run resumed at its first block.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from jepa_claims.conventions import Conventions
from jepa_claims.engine.drift import drift_profile_tensors, rescue
from jepa_claims.engine.host import take, to_host
from jepa_claims.engine.runs import Trace, final_output
from jepa_claims.engine.tabulate import ChunkRuns, Values, group_name, late_profile, patched_run
from jepa_claims.roles import Roles
from jepa_claims.tables.object_runs import ObjectRuns, object_runs

# (group, mode) runs of the table: the bottleneck under each token selection, the triple and attention alone.
PATHWAY_RUNS = (("single", "full"), ("single", "context"), ("single", "masked"),
                ("triple", "context"), ("attention", "context"))
PATHWAY_COLUMNS = [
    "image_id", "mask", "group", "sites", "mode", "late_context_drift_masked", "late_context_drift_patched",
    "rescue", "rescue_fraction", "final_drift_masked", "final_drift_patched", "final_rescue", "final_rescue_fraction",
    "final_context_drift_masked", "final_context_drift_patched",
]


def pathway_groups(roles: Roles) -> dict[str, tuple[str, ...]]:
    """The groups the table patches, in the paper's site names: Table 2's three and the attention-only group."""
    return roles.groups() | {"attention": roles.attention_only()}


def pathway_table(encoder, roles: Roles, inputs, conv: Conventions, batch_size) -> pd.DataFrame:
    """Late context rescue and final-output drift of PATHWAY_RUNS on every object mask."""
    named = pathway_groups(roles)
    plan = object_runs(encoder, {name: named[name] for name, _ in PATHWAY_RUNS}, inputs.jobs, conv)
    rows = []
    for chunk, values in plan.values(encoder, inputs.images, conv, batch_size, lambda runs: _values(encoder, plan, runs)):
        masked = values["masked"]  # [jobs, 3]: late, final and final context drift
        for name, mode in PATHWAY_RUNS:
            patched = values[(name, mode)]
            absolute, fraction = rescue(masked[:, 0], patched[:, 0])
            final, final_fraction = rescue(masked[:, 1], patched[:, 1])
            for j, job in enumerate(chunk):
                rows.append((job.image_id, job.mask, name, group_name(plan.groups[name]), mode, masked[j, 0],
                             patched[j, 0], absolute[j], fraction[j], masked[j, 1], patched[j, 1],
                             final[j], final_fraction[j], masked[j, 2], patched[j, 2]))
    return pd.DataFrame(rows, columns=PATHWAY_COLUMNS).astype({c: float for c in PATHWAY_COLUMNS[5:]})


def _values(encoder, plan: ObjectRuns, runs: ChunkRuns) -> Values:
    """Per job [jobs, 3] (late context drift, final drift, final context drift): of the masked run ("masked") and of
    each run of PATHWAY_RUNS ((group, mode))."""
    clean = runs.clean_at(plan.late), take(final_output(encoder, runs.clean), 0, runs.index)
    measured = {"masked": _measures(encoder, clean, runs.masked, runs.tokens, plan.late)}
    for name, mode in PATHWAY_RUNS:
        patched = patched_run(encoder, runs, plan.groups[name], mode)
        measured[(name, mode)] = _measures(encoder, clean, patched, runs.tokens, plan.late)
    host = to_host({(key, part): value for key, parts in measured.items() for part, value in parts.items()})
    # The mean over the late window is taken on the host: numpy's gives each job the same number in any batch.
    return {key: np.stack([host[(key, "late")].mean(axis=1), host[(key, "final")], host[(key, "final_context")]], axis=1)
            for key in measured}


def _measures(encoder, clean: tuple[torch.Tensor, torch.Tensor], trace: Trace, tokens: torch.Tensor,
              late: list[int]) -> dict[str, torch.Tensor]:
    """On the device: late-window context drift [jobs, late], and global and context drift of the final normalised
    output [jobs]; clean: the clean run's late-window states and final output, one row per job."""
    prefix = encoder.prefix_tokens
    final = drift_profile_tensors(clean[1][None], final_output(encoder, trace)[None], tokens, prefix)
    return {"late": late_profile(clean[0], trace, late, tokens, encoder), "final": final["global"][:, 0],
            "final_context": final["context"][:, 0]}
