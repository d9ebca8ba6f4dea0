"""P8 roles discovered beside the paper's (beyond the paper): where the checkpoint's own measurements put the roles.

The paper places the repair pathway by hand: the bottleneck MLP at layer 29, the MLP partner at 30, the late
attention pair at 30 and 31, large-mask onsets in 23-29 and the sweep's peak in 28-30 (Roles.for_depth: the same
relative positions at other depths). Here those roles are read off the checkpoint's own depth sweep and geometry
table on the discovery slice (12x3), by the rules used for checkpoints that are not the paper's
(lib/tables/discovery.py), and shown beside the paper's. The claims keep the paper's roles; the other slices,
whose images the discovery never saw, are the confirmation slices where claims at discovered roles are tested.
Holds when the discovered bottleneck, MLP partner and late attention pair are the paper's. The test fails when the
discovery slice shares an image with a confirmation slice, and on the toy world when the discovered bottleneck,
partner and pair are not the planted ones, the onset windows do not overlap or the peak window misses the bottleneck
(a discovered peak window is the bottleneck and its neighbours; at the toy's depth 21 the paper's scaled one is 18-20).
"""
import pytest

from jepa_claims.claim.unit import Probe
from jepa_claims.roles import Roles
from jepa_claims.tables.discovery import DISCOVERY_KINDS, ROLE_PROBE_CHECKPOINTS, discover_roles, discovery_store
from jepa_claims.worlds.world import DISCOVERY_SLICE

PROBE = Probe(
    "P8", "roles discovered on the discovery slice beside the paper's layers",
    doc=__doc__,
    checkpoints=ROLE_PROBE_CHECKPOINTS, slices=(DISCOVERY_SLICE,), reads=DISCOVERY_KINDS,
    other_claims="P8 moves no claim: every claim keeps the paper's roles; it shows where this checkpoint's own measurements would put them.",
)
pytestmark = pytest.mark.probe(PROBE)


def _layers(roles: Roles) -> dict:
    """The roles as the record shows them."""
    return {"bottleneck": roles.bottleneck, "mlp_partner": roles.mlp_partner, "late_attention": list(roles.late_attention),
            "onset_window": list(roles.onset_window), "peak_window": list(roles.peak_window)}


def test_roles_discovered_on_the_discovery_slice_beside_the_papers(store, world, checkpoint, slice_name, record_probe):
    """Discovered on the discovery slice, shown beside the paper's roles; the slices the claims would be confirmed on
    hold none of its images."""
    paper = Roles.for_depth(store.roles(checkpoint).depth)
    found = discover_roles(discovery_store(store, checkpoint), checkpoint, paper.depth, slice_name)
    confirmation = [s for s in world.slices if s != slice_name]
    agree = (found.bottleneck, found.mlp_partner, found.late_attention) == (paper.bottleneck, paper.mlp_partner, paper.late_attention)
    record_probe("", checkpoint, slice_name, agree,
                 f"discovered on {slice_name}: bottleneck {found.bottleneck}, MLP partner {found.mlp_partner}, late attention "
                 f"{found.late_attention[0]}-{found.late_attention[1]}, onset window {found.onset_window[0]}-{found.onset_window[1]}, "
                 f"peak window {found.peak_window[0]}-{found.peak_window[1]}; the paper's: {paper.bottleneck}, {paper.mlp_partner}, "
                 f"{paper.late_attention[0]}-{paper.late_attention[1]}, {paper.onset_window[0]}-{paper.onset_window[1]}, "
                 f"{paper.peak_window[0]}-{paper.peak_window[1]}; confirmation slices {', '.join(confirmation) or 'none selected'}",
                 discovered=_layers(found), paper=_layers(paper), discovery_slice=slice_name, confirmation_slices=confirmation)
    seen = {record.image_id for record in store.manifest(slice_name).records}
    shared = {s: sorted(seen & {r.image_id for r in store.manifest(s).records}) for s in confirmation}
    assert not any(shared.values()), f"the discovery slice {slice_name} shares images with confirmation slices: {shared}"
    if world.name == "toy":  # the toy's circuit is planted at the paper's roles (its windows: around the bottleneck)
        overlap = max(found.onset_window[0], paper.onset_window[0]) <= min(found.onset_window[1], paper.onset_window[1])
        assert agree and overlap and found.peak_window[0] <= paper.bottleneck <= found.peak_window[1], (
            f"discovered {_layers(found)}, planted {_layers(paper)}")
