"""P9 the geometry panel's background arm (section 3.4; the paper states no result for it).

"Using a geometry panel that sweeps token budgets (small, medium, large) and background footprints (square vs.
elongated) under strict zero-overlap controls, we find that: ..." - the finding, and Figure 6, are about object
masks (the geometry panel's claim). Here each budget's token count is hidden again outside the object, as a square and as a 4:1 wide
block (lib/tables/footprints.py), and the three groups patched context-only, as for the objects. The record shows
the late context rescue of each group per budget and footprint beside the object arm. The test holds the protocol
to the paper's controls: every footprint has zero overlap with its object and hides exactly the budget's token
count (fewer only where the object leaves fewer tokens free, which the record counts).
"""
import numpy as np
import pytest

from jepa_claims.claim.unit import Probe
from jepa_claims.tables.footprints import FOOTPRINTS, footprint_jobs

PROBE = Probe(
    "P9", "the geometry panel's background arm: square and elongated zero-overlap footprints",
    doc=__doc__,
    sentences=("3.4.5",),
    checkpoints=("ijepa_1k",), slices=("8x3",), reads=("footprints",),
    other_claims='P9 measures the background arm of the geometry panel; no claim reads it.',
)
pytestmark = [
    pytest.mark.xdist_group("ijepa_1k"),
    pytest.mark.probe(PROBE),
]
GROUPS = ("single", "pair", "triple")


def _means(table, names: dict) -> dict:
    """Mean late context rescue per footprint, budget and group."""
    grouped = table.assign(group=table["sites"].map(names)).groupby(["footprint", "budget", "group"])["rescue"].mean()
    return {f"{f}:{b}:{g}": float(v) for (f, b, g), v in grouped.items()}


def test_background_footprints_beside_the_object_arm_against_paper_controls(store, checkpoint, slice_name, record_probe):
    """Square and elongated zero-overlap background footprints of each object budget: rescue of each group, shown."""
    inputs = store.inputs(checkpoint, slice_name)
    jobs = {(j.image_id, j.mask): j.tokens for j in inputs.jobs if j.mask == "object"}
    overlap = [j for j, _ in footprint_jobs(inputs.jobs) if np.any(j.tokens & jobs[(j.image_id, "object")])]
    table = store.table("footprints", checkpoint, slice_name)
    names = {" + ".join(sites): name for name, sites in store.roles(checkpoint).groups().items()}
    means = _means(table, names)
    rows = table.drop_duplicates(["image_id", "mask"])
    short = int((rows["tokens"] < rows["budget_tokens"]).sum())
    triple_best = {f: all(means[f"{f}:{b}:triple"] >= max(means[f"{f}:{b}:{g}"] for g in GROUPS) for b in ("medium", "full"))
                   for f in FOOTPRINTS}
    pattern = ", ".join(f"{f} {'yes' if held else 'no'}" for f, held in triple_best.items())
    sentence = f"The geometry panel's pattern (the triple best at medium and full budgets) under background footprints: {pattern}. " + "; ".join(
        f"{f}: " + ", ".join(f"{b} " + "/".join(f"{means[f'{f}:{b}:{g}']:.4f}" for g in GROUPS) for b in ("small", "medium", "full"))
        for f in FOOTPRINTS) + " (single/pair/triple late context rescue per budget)"
    record_probe("C9", checkpoint, slice_name, all(triple_best.values()), sentence, rescue=means,
                 triple_best_at_medium_and_full=triple_best, footprints_short_of_budget=short, footprints=len(rows))
    assert not overlap, f"{len(overlap)} background footprints overlap their object (first: {overlap[0].image_id} {overlap[0].mask})"
    assert set(table["footprint"]) == set(FOOTPRINTS) and len(rows) == len(footprint_jobs(inputs.jobs))
    free = [int((~jobs[(r.image_id, "object")]).sum()) for r in rows.itertuples()]
    assert all(t == min(b, f) for t, b, f in zip(rows["tokens"], rows["budget_tokens"], free)), "a footprint misses its budget"
