"""Roles discovered, not assumed: which layers of one encoder play the paper's parts, read from its own
depth sweep and geometry table on the discovery slice (lib/worlds/world.py DISCOVERY_SLICE).

The claims are then tested at these roles on the other slices, which hold other images (no double
dipping). Rules, each the paper's pattern read off measurements instead of placed by relative depth:
- bottleneck: the MLP intermediate site with the largest mean context rescue over the whole sweep
  (paper: 29, the best single site and the sweep's peak);
- MLP partner: the MLP intermediate site after the bottleneck with the largest rescue (paper: 30);
- late attention pair: the attention output after the bottleneck with the largest rescue and the
  block after it (the block before it when it is the last block) (paper: 30 and 31);
- onset window: the layers where large squares (area >= 0.3) reach onset on the discovery slice,
  widened by one layer on each side for sampling (paper: 23-29); the relative-depth window when none does;
- peak window and late sites: around the bottleneck as the paper's are around 29 (Roles.around).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from jepa_claims.engine.drift import onset
from jepa_claims.roles import Roles

LARGE_AREA = 0.3  # the depth transition's "larger square masks"
DISCOVERY_KINDS = ("sweep", "geometry")  # the tables discovery reads on the discovery slice
# The paper's checkpoints whose roles the paper states (29 / 30-31 on both I-JEPA encoders, section 3.5): the
# roles probe discovers theirs beside them (claims/test_p8_roles_discovered.py; the census plans it, suite/plan.py).
ROLE_PROBE_CHECKPOINTS = ("ijepa_1k", "ijepa_22k")


def discovery_store(store, key: str):
    """A store whose only checkpoint is the one discovery reads for `key` (its own weights, or the trained
    checkpoint's for P1's untrained copy, `roles_from`), at the depth's roles: the discovery tables
    (sweep, geometry) depend on the depth only, so they are the same tables the claims read there."""
    spec = store.world.checkpoint(key)
    source = spec.roles_from or spec.source
    helper = store.variant(world=replace(store.world, checkpoints=(replace(spec, source=source, discover_roles=False, roles_from=None),)))
    if source == spec.source:  # the same weights: share the loaded encoder (encoders are keyed by key, not by weights)
        helper._encoders = store._encoders
    return helper


def roles_known(store, key: str) -> bool:
    """Whether `key`'s roles can be had without computing: it does not discover them, or its discovery tables are cached."""
    if not store.world.checkpoint(key).discover_roles:
        return True
    helper = discovery_store(store, key)
    return all(helper.cached(kind, key, store.world.discovery_slice) is not None for kind in DISCOVERY_KINDS)


def discover_roles(store, key: str, depth: int, slice_name: str) -> Roles:
    """The roles of checkpoint `key` read from its sweep and geometry tables on `slice_name`."""
    rescue = store.table("sweep", key, slice_name).groupby("sites")["rescue"].mean()
    mlp, attention = _by_block(rescue, "intermediate"), _by_block(rescue, "attn.out")
    bottleneck = int(mlp.idxmax())
    later_mlp = mlp[mlp.index > bottleneck]
    partner = int(later_mlp.idxmax()) if len(later_mlp) else bottleneck - 1
    return Roles.around(depth, bottleneck, _attention_pair(attention, bottleneck, depth), partner,
                        _onset_window(store, key, depth, slice_name), found_on=slice_name)


def _by_block(rescue: pd.Series, kind: str) -> pd.Series:
    """Mean rescue of the sweep's sites of one kind, indexed by block."""
    sites = [s for s in rescue.index if s.split(".", 1)[1] == kind]
    return pd.Series([rescue[s] for s in sites], index=[int(s.split(".")[0]) for s in sites]).sort_index()


def _attention_pair(attention: pd.Series, bottleneck: int, depth: int) -> tuple[int, int]:
    """The best attention output after the bottleneck and its neighbour (the last two blocks if none is after it)."""
    later = attention[attention.index > bottleneck]
    if later.empty:
        return depth - 2, depth - 1
    first = int(later.idxmax())
    return (first, first + 1) if first + 1 < depth else (first - 1, first)


def _onset_window(store, key: str, depth: int, slice_name: str) -> tuple[int, int]:
    """Range of large-square onset layers on the slice, one layer of margin each side (relative depth if none)."""
    table = store.table("geometry", key, slice_name)
    large = table[(table["area"] >= LARGE_AREA) & (table["aspect"] == 1.0)]
    onsets = []
    for _, part in large.groupby(["image_id", "area"]):
        part = part.sort_values("layer")
        found = onset(part["context_drift"].to_numpy(), part["layer"].tolist(), store.conv.tau)
        onsets += [] if found is None else [found]
    if not onsets:
        return Roles.for_depth(depth).onset_window
    return max(0, int(np.min(onsets)) - 1), min(depth, int(np.max(onsets)) + 1)
