"""The layer reading: how the paper's layer numbers index the network, and the engine's reachability check."""
from __future__ import annotations

import pytest
import torch

from jepa_claims.conventions import READINGS, Conventions
from jepa_claims.engine.sites import parse_sites
from jepa_claims.engine.tabulate import InertSiteError, MaskJob, place_group, rescue_table
from jepa_claims.roles import Roles
from jepa_claims.paper import values as pv

OLD = Conventions(layer_indexing="hidden_states")


def test_roles_at_depth_32_are_the_papers_layer_numbers():
    """Roles.for_depth(32) names exactly the paper's sites, groups and windows."""
    roles = Roles.for_depth(32)
    assert roles.bottleneck == pv.BOTTLENECK_BLOCK and roles.late_attention == pv.LATE_ATTENTION_BLOCKS
    assert roles.mlp_partner == 30 and roles.onset_window == pv.ONSET_RANGE and roles.peak_window == pv.RESCUE_PEAK
    assert tuple(" + ".join(g) for g in roles.groups().values()) == pv.GROUPS
    assert Conventions().late_layers(32) == pv.LATE_WINDOW


@pytest.mark.parametrize("indexing, blocks, window, proxy", [
    ("block_output", {29: 29, 30: 30, 31: 31}, (31, 32), (32, None)),
    ("hidden_states_1based", {29: 28, 30: 29, 31: 30}, (30, 31), (31, 32)),
    ("hidden_states", {29: 29, 30: 30, 31: 31}, (30, 31), (31, 32)),
])
def test_each_reading_maps_sites_window_and_proxy(indexing, blocks, window, proxy):
    """At depth 32: the block of each paper site, the hidden_states of the late window, the proxy's states."""
    conv = Conventions(layer_indexing=indexing)
    assert {site: conv.block(site, 32) for site in blocks} == blocks
    assert tuple(conv.hidden_index(layer) for layer in conv.late_layers(32)) == window
    assert conv.proxy_layers(32) == proxy


def test_default_reading_reaches_the_window_from_every_site_the_paper_patches():
    """Default: every group site and every late layer 28-31 reaches the window; the 0-based hidden_states reading
    leaves 31.* inert; the 1-based one reaches too."""
    paper_sites = {int(name.split(".")[0]) for group in pv.GROUPS for name in group.split(" + ")} | set(range(28, 32))
    assert Conventions().layer_indexing == "block_output"
    assert all(Conventions().reaches(site, 32) for site in paper_sites)
    assert all(Conventions(layer_indexing="hidden_states_1based").reaches(site, 32) for site in paper_sites)
    assert [site for site in sorted(paper_sites) if not OLD.reaches(site, 32)] == [31]


def test_every_reading_explains_itself_in_plain_words():
    """The record's sentence names the reading, the window and the triple's last site's fate."""
    for name, reading in READINGS.items():
        assert name in reading.sentence and "window" in reading.sentence
    assert "default" in READINGS[Conventions().layer_indexing].sentence


def test_engine_refuses_a_group_that_cannot_reach_the_window():
    """place_group names the site, the window and the reading; the probe's permission lets it through."""
    triple = parse_sites(pv.TRIPLE.split(" + "))
    with pytest.raises(InertSiteError, match=r"31\.attn\.out cannot reach the measured layers \[30, 31\] "
                                             r"\(hidden_states \[30, 31\]\) under the hidden_states layer reading"):
        place_group(triple, OLD, 32)
    assert [s.block for s in place_group(triple, OLD.with_(allow_inert_sites=True), 32)] == [29, 30, 31]
    assert [s.block for s in place_group(triple, Conventions(layer_indexing="hidden_states_1based"), 32)] == [28, 29, 30]
    assert [s.name for s in place_group(triple, Conventions(), 32)] == list(pv.TRIPLE.split(" + "))
    with pytest.raises(ValueError, match="does not exist under the hidden_states_1based reading"):
        place_group(parse_sites("0.intermediate"), Conventions(layer_indexing="hidden_states_1based"), 32)


def test_inert_site_changes_nothing_and_a_reachable_one_does(tiny_encoders):
    """On a real encoder: the last block's attention output rescues exactly 0 under the old reading, not under
    the default (so the refusal is about a true property, not a convention of the check)."""
    encoder = tiny_encoders["ijepa"]
    size, last = encoder.geometry.size, encoder.depth - 1
    image = torch.randn(3, size, size, generator=torch.Generator().manual_seed(1))
    tokens = torch.zeros(encoder.grid ** 2, dtype=torch.bool)
    tokens[: encoder.grid * 2] = True
    job = [MaskJob("a", "object", tokens.numpy())]
    group = [parse_sites(f"{last}.attn.out")]
    with pytest.raises(InertSiteError):
        rescue_table(encoder, {"a": image}, job, group, ["context"], OLD)
    old = rescue_table(encoder, {"a": image}, job, group, ["context"], OLD.with_(allow_inert_sites=True))
    new = rescue_table(encoder, {"a": image}, job, group, ["context"], Conventions())
    assert old["rescue"].tolist() == [0.0] and new["rescue"].abs().iloc[0] > 1e-6
