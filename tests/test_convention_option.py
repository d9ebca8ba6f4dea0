"""The suite's --convention NAME=VALUE: parsed, validated, in the store, its cache key and the record."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from claim_modules import SUITE

from jepa_claims.conventions import Conventions
from jepa_claims.record.summary import conventions_note
from jepa_claims.suite.options import SuiteOptions
from jepa_claims.suite.plugin import convention_help, suite_conventions, suite_store, use_world
from jepa_claims.worlds.world import CheckpointSpec, World

pytest_plugins = ("pytester",)


def test_pairs_are_parsed_by_the_fields_type():
    """Text values become the field's type; the others keep their defaults."""
    conv = Conventions.from_pairs(["fill=mean", "layer_indexing=hidden_states_1based", "tau=0.1",
                                   "late_window=29,30", "allow_inert_sites=true", "background=distance_matched"])
    assert conv == Conventions(fill="mean", layer_indexing="hidden_states_1based", tau=0.1, late_window=(29, 30),
                               allow_inert_sites=True, background="distance_matched")
    assert Conventions.from_pairs([]) == Conventions()
    assert Conventions.from_pairs(["late_window=none"], Conventions(late_window=(3,))).late_window is None


@pytest.mark.parametrize("pair, message", [
    ("colour=red", "--convention colour=red: expected NAME=VALUE with NAME one of layer_indexing, fill, "),
    ("fill", "--convention fill: expected NAME=VALUE"),
    ("fill=grey", "--convention fill=grey: fill must be 'black' or 'mean', got 'grey'"),
    ("background=nearest", "--convention background=nearest: background must be one of farthest, random, distance_matched"),
    ("tau=-1", "--convention tau=-1: tau must be a finite number above 0"),
    ("allow_inert_sites=yes", "--convention allow_inert_sites=yes: allow_inert_sites must be true or false"),
])
def test_bad_names_and_values_name_the_pair_and_the_valid_choices(pair, message):
    """One message naming the pair at fault and what is valid."""
    with pytest.raises(ValueError) as error:
        Conventions.from_pairs(["fill=mean", pair])
    assert str(error.value).startswith(message)


def test_help_lists_every_field_with_its_values():
    """--help names every convention and, where values are fixed, all of them."""
    text = convention_help()
    for name in Conventions.__dataclass_fields__:
        assert f"{name}=" in text
    assert "background=farthest|random|distance_matched" in text and "trimap_object=pet+border|pet" in text


def _planted(pytester, tmp_path, *args: str):
    """A parsed pytest config with the suite's options and a planted one-checkpoint world (nothing loaded)."""
    config = pytester.parseconfig(*args, "--cache-dir", str(tmp_path), "-o", f"claim_suite={SUITE}")
    folder = tmp_path / "ckpt"
    folder.mkdir(exist_ok=True)
    world = World("planted", (CheckpointSpec("ijepa_1k", "ijepa", str(folder), "planted"),), ("4x3",), tmp_path)
    use_world(config, SuiteOptions(world="toy", cache_dir=tmp_path, run_id="conv"), world)
    store = suite_store(config)
    store._manifests["4x3"] = SimpleNamespace(sha256="planted")  # the key reads the manifest's hash only
    return config, store


def test_the_option_reaches_the_store_and_its_cache_key(pytester, tmp_path):
    """--convention fill=mean is the store's conventions and changes every table's cache key."""
    config, store = _planted(pytester, tmp_path, "--convention", "fill=mean", "--convention", "background=random")
    _, default = _planted(pytester, tmp_path)
    assert suite_conventions(config) == store.conv == Conventions(fill="mean", background="random")
    assert default.conv == Conventions()
    assert store.key("semantic", "ijepa_1k", "4x3") != default.key("semantic", "ijepa_1k", "4x3")
    _, again = _planted(pytester, tmp_path, "--convention", "background=random", "--convention", "fill=mean")
    assert again.key("semantic", "ijepa_1k", "4x3") == store.key("semantic", "ijepa_1k", "4x3")


def test_a_bad_convention_is_a_usage_error(pytester, tmp_path):
    """A bad name or value stops the run as pytest's usage error, with the one-line message."""
    config = pytester.parseconfig("--convention", "fill=grey")
    with pytest.raises(pytest.UsageError, match="^--convention fill=grey: fill must be 'black' or 'mean', got 'grey'$"):
        suite_conventions(config)


def test_the_record_opens_with_the_non_default_conventions():
    """The note names each changed convention with its default; none under the defaults."""
    changed = json.loads(json.dumps(Conventions(fill="mean", late_window=(30, 31)).as_dict()))
    note = conventions_note(changed)
    assert note.startswith("This run used non-default conventions: ")
    assert "fill=mean (default black)" in note and "late_window=[30, 31] (default None)" in note
    assert "layer_indexing" not in note
    assert conventions_note(Conventions().as_dict()) is None and conventions_note(None) is None


def test_the_run_header_names_the_non_default_conventions(pytester, tmp_path):
    """The terminal header says the run is under other conventions, as the record does; nothing under the defaults."""
    from jepa_claims.suite.plugin import pytest_report_header

    config, _ = _planted(pytester, tmp_path, "--convention", "background=random")
    assert "jepa-claims conventions: This run used non-default conventions: background=random (default farthest)." in \
        " ".join(pytest_report_header(config))
    default, _ = _planted(pytester, tmp_path)
    assert not any("conventions" in line for line in pytest_report_header(default))


def test_the_plan_is_made_under_the_runs_conventions():
    """Every table the run reads is planned under its conventions; P3 varies them and skips the alternative they are."""
    from jepa_claims.suite.plan import plan

    run = Conventions(background="random", fill="mean")
    planned = plan(("ijepa_1k",), ("8x3",), run)
    assert {t.conv for t in planned if t.variant == "" or t.variant.startswith("random:")} == {run}
    variants = {t.variant for t in planned}
    assert "mean-grey fill" not in variants and not any(v.startswith("random zero-overlap") for v in variants)
    assert {t.conv for t in planned if t.variant == "distance-matched zero-overlap background"} == {
        run.with_(background="distance_matched")}
    assert {t.conv for t in plan(("ijepa_1k",), ("8x3",)) if t.variant == ""} == {Conventions()}


def test_measure_takes_every_convention_as_an_option():
    """`jepa-claims measure` has an option for every field of Conventions, into the conventions it measures under."""
    from jepa_claims.cli import build_parser, conventions_from

    base = ["measure", "--checkpoint", "c", "--data-root", "d", "--slice", "4x3", "--protocol", "drift", "--out", "o"]
    other = ["--layer-indexing", "hidden_states_1based", "--fill", "mean", "--normalisation", "imagenet", "--trimap-object",
             "pet", "--tau", "0.1", "--late-window", "29,30", "--allow-inert-sites", "--background", "random"]
    conv, default = conventions_from(build_parser().parse_args([*base, *other])), Conventions()
    assert [f for f in Conventions.__dataclass_fields__ if getattr(conv, f) == getattr(default, f)] == []
    assert conv.background == "random" and conv.allow_inert_sites
    assert conventions_from(build_parser().parse_args(base)) == default
