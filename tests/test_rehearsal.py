"""The paper world rehearsed (tests/rehearsal.py): the files `jepa-claims fetch` leaves, at a width CI can run.

Fast tests check the stand-in itself and each defect the rehearsal found (issue 10); the slow ones run
`pytest claims/ --world paper` end to end on it, twice, and a selected subset.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rehearsal
from record_page import assert_fits_the_reviewers_screen
from test_record_paper_tables import assert_tables_in_the_papers_shape
from huggingface_hub import snapshot_download
from safetensors import safe_open

from jepa_claims.data.fetch import MODEL_REVISIONS, check_models
from jepa_claims.data.files import DataError
from jepa_claims.data.slices import build_slice
from jepa_claims.engine.models import load_encoder
from jepa_claims.suite.options import SuiteOptions, WorldUnavailable, resolve_world
from jepa_claims.worlds import checkpoints as checkpoints_mod
from jepa_claims.worlds.world import paper_world

REPO = Path(__file__).resolve().parents[1]
IJEPA_1K = "facebook/ijepa_vith14_1k"


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Path:
    """The four repos at their pinned revisions, as a download by sha leaves the hub cache (read-only use)."""
    cache = tmp_path_factory.mktemp("hf") / "hub"
    rehearsal.write_hub_cache(cache)
    return cache


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """Pet and VOC 2012 in the official layouts with the real quirks (read-only use)."""
    root = tmp_path_factory.mktemp("data")
    rehearsal.write_data(root)
    return root


def _snapshot(hub: Path, repo: str) -> Path:
    return hub / f"models--{repo.replace('/', '--')}" / "snapshots" / MODEL_REVISIONS[repo]


def test_hub_cache_is_what_a_download_by_sha_leaves(hub):
    """blobs/ + snapshots/<sha>/, no refs/; huggingface_hub finds each pinned revision offline."""
    for repo, sha in MODEL_REVISIONS.items():
        storage = hub / f"models--{repo.replace('/', '--')}"
        assert sorted(p.name for p in storage.iterdir()) == ["blobs", "snapshots"]
        folder = Path(snapshot_download(repo, revision=sha, cache_dir=str(hub), local_files_only=True))
        assert folder == _snapshot(hub, repo)
        assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors", "preprocessor_config.json"]
        assert all(p.is_symlink() for p in folder.iterdir())


def test_configs_are_the_published_ones_at_reduced_width(hub):
    """Depth, patch, image size, norms and family options are the real ones; only widths differ."""
    for repo, published in rehearsal.REPOS.items():
        config = json.loads((_snapshot(hub, repo) / "config.json").read_text())
        changed = {k for k in published if config[k] != published[k]}
        allowed = set(rehearsal.WIDTHS) | set(rehearsal.MAE_DECODER_WIDTHS)
        assert changed and changed <= allowed, (repo, changed)
    assert json.loads((_snapshot(hub, IJEPA_1K) / "config.json").read_text())["num_hidden_layers"] == 32


def _keys(hub: Path, repo: str) -> list[str]:
    with safe_open(str(_snapshot(hub, repo) / "model.safetensors"), "pt") as handle:
        return sorted(handle.keys())


def test_weights_carry_transformers_4_names_and_the_pretraining_heads(hub):
    """Legacy block names (encoder.layer.N.attention.attention.query, ...), MAE's decoder, BEiT's head."""
    mae, beit, ijepa = (_keys(hub, r) for r in ("facebook/vit-mae-base", "microsoft/beit-base-patch16-224-pt22k-ft22k", IJEPA_1K))
    assert "encoder.layer.31.intermediate.dense.weight" in ijepa and "encoder.layer.0.attention.output.dense.bias" in ijepa
    assert not any(".layers." in k or k.startswith("layers.") or "q_proj" in k for k in mae + beit + ijepa)
    assert "vit.encoder.layer.11.attention.attention.value.weight" in mae and "decoder.decoder_pred.weight" in mae
    assert "beit.encoder.layer.0.attention.attention.relative_position_bias.relative_position_bias_table" in beit
    assert {"classifier.weight", "beit.pooler.layernorm.weight"} <= set(beit)


_KEYS_4X = """
import json, sys, transformers
for path in sys.argv[1:]:
    config = json.load(open(path))
    kwargs = {k: v for k, v in config.items() if k not in ("architectures", "model_type", "torch_dtype")}
    cls = transformers.AutoConfig.for_model(config["model_type"]).__class__
    model = getattr(transformers, config["architectures"][0])(cls(**kwargs))
    print(json.dumps(sorted(model.state_dict())))
"""


@pytest.mark.skipif(not os.environ.get("JEPA_CLAIMS_OTHER_PYTHON"), reason="set JEPA_CLAIMS_OTHER_PYTHON")
def test_legacy_names_equal_transformers_4_57_state_dicts(hub):
    """The renamed keys are exactly what the published architectures hold under transformers 4.x."""
    other = os.environ["JEPA_CLAIMS_OTHER_PYTHON"]
    if subprocess.run([other, "-c", "import transformers, sys; sys.exit(transformers.__version__ >= '5')"]).returncode:
        pytest.skip("JEPA_CLAIMS_OTHER_PYTHON is not a transformers 4.x interpreter")
    repos = list(rehearsal.REPOS)
    out = subprocess.run([other, "-c", _KEYS_4X, *(str(_snapshot(hub, r) / "config.json") for r in repos)],
                         capture_output=True, text=True, timeout=600, check=True).stdout.splitlines()
    for repo, line in zip(repos, out, strict=True):
        assert _keys(hub, repo) == json.loads(line), repo


def test_legacy_key_is_identity_on_legacy_names_and_maps_the_5x_ones():
    assert rehearsal.legacy_key("vit.layers.3.attention.o_proj.weight") == "vit.encoder.layer.3.attention.output.dense.weight"
    assert rehearsal.legacy_key("decoder.decoder_layers.0.mlp.fc2.bias") == "decoder.decoder_layers.0.output.dense.bias"
    assert (rehearsal.legacy_key("beit.layers.2.relative_position_bias.relative_position_bias_table")
            == "beit.encoder.layer.2.attention.attention.relative_position_bias.relative_position_bias_table")
    for name in ("encoder.layer.0.attention.attention.query.weight", "decoder.decoder_layers.1.intermediate.dense.weight"):
        assert rehearsal.legacy_key(name) == name


# ---------------------------------------------------------------- defects of issue 10


def test_measure_loads_a_paper_repo_at_its_pin_without_revision(hub, data, tmp_path):
    """Defect 1 (and 3): `measure --checkpoint <repo>` after fetch, HF_HUB_CACHE honoured, no --revision."""
    out = tmp_path / "drift.csv"
    env = {**os.environ, "HF_HUB_CACHE": str(hub), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "jepa_claims.cli", "measure", "--checkpoint", IJEPA_1K, "--data-root", str(data),
         "--slice", "4x3", "--skip-unreadable", "--protocol", "drift", "--out", str(out)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [line.split(",") for line in out.read_text().splitlines()]
    assert rows[0] == ["image_id", "mask", "layer", "global_drift", "masked_drift", "context_drift"]
    assert len({(row[0], row[1]) for row in rows[1:]}) == 12 * 2  # 4x3: 12 images, object and background masks


def test_measure_tells_an_unpinned_id_to_name_its_revision(hub, data, tmp_path, capsys):
    """Defect 1: an id this suite does not pin resolves `main`; without refs/main the error says --revision."""
    from jepa_claims.cli import main

    shutil.copytree(hub / "models--facebook--ijepa_vith14_1k", tmp_path / "hub" / "models--org--mine")
    code = main(["measure", "--checkpoint", "org/mine", "--hf-cache", str(tmp_path / "hub"), "--offline",
                 "--data-root", str(data), "--slice", "4x3", "--protocol", "drift", "--out", str(tmp_path / "x.csv")])
    assert code == 2 and "name the one you downloaded with --revision" in capsys.readouterr().err


def test_fetch_check_and_the_suite_agree_on_where_checkpoints_are(hub, data, tmp_path, capsys):
    """Defect 3: `fetch --check --hf-cache X` says present, and the suite with --hf-cache X finds them."""
    from jepa_claims.data.fetch import main as fetch_main

    assert fetch_main(["--check", "--only", "models", "--hf-cache", str(hub)]) == 0
    assert capsys.readouterr().out.count(": present") == 4
    world = resolve_world(SuiteOptions(world="paper", data_root=str(data), hf_cache=hub, cache_dir=tmp_path))
    assert world.name == "paper" and all(spec.hub_cache == hub for spec in world.checkpoints)
    folder = checkpoints_mod.checkpoint_folder(world.checkpoint("mae"), tmp_path)
    assert folder == _snapshot(hub, "facebook/vit-mae-base")


def _partial(tmp_path: Path, hub: Path, data: Path) -> tuple[Path, Path]:
    """A set-up with only the 1k checkpoint and only Oxford-IIIT Pet."""
    shutil.copytree(hub / "models--facebook--ijepa_vith14_1k", tmp_path / "hub" / "models--facebook--ijepa_vith14_1k",
                    symlinks=True)
    shutil.copytree(data / "oxford-iiit-pet", tmp_path / "data" / "oxford-iiit-pet")
    return tmp_path / "hub", tmp_path / "data"


def test_a_selection_needs_only_its_own_files(hub, data, tmp_path):
    """Defect 4: 1k on 4x3 runs with only its checkpoint and Pet; the full set names exactly what lacks."""
    part_hub, part_data = _partial(tmp_path, hub, data)
    options = dict(world="paper", data_root=str(part_data), hf_cache=part_hub, cache_dir=tmp_path / "c")
    world = resolve_world(SuiteOptions(**options, checkpoints=("ijepa_1k",), slices=("4x3",)))
    assert [c.key for c in world.checkpoints] == ["ijepa_1k"] and world.slices == ("4x3",)
    with pytest.raises(WorldUnavailable) as error:
        resolve_world(SuiteOptions(**options))
    lines = [line.strip() for line in str(error.value).splitlines()]
    assert sorted(line.split(":")[0] for line in lines if "missing" in line) == [
        "facebook/ijepa_vith14_22k", "facebook/vit-mae-base", "microsoft/beit-base-patch16-224-pt22k-ft22k",
        "voc2012-trainval"]
    assert f"--hf-cache {part_hub}" in str(error.value)


def test_auto_with_a_partial_set_up_says_what_is_missing(hub, data, tmp_path):
    """Defect 4: --world auto does not fall back to toy when some of the selection's files are there."""
    part_hub, part_data = _partial(tmp_path, hub, data)
    with pytest.raises(WorldUnavailable, match="voc2012-trainval: missing"):
        resolve_world(SuiteOptions(world="auto", data_root=str(part_data), hf_cache=part_hub, cache_dir=tmp_path / "c"))
    world = resolve_world(SuiteOptions(world="auto", data_root=str(part_data), hf_cache=part_hub, cache_dir=tmp_path / "c",
                                       checkpoints=("ijepa_1k",), slices=("8x3",)))
    assert world.name == "paper"
    empty = resolve_world(SuiteOptions(world="auto", data_root=str(tmp_path / "none"), hf_cache=tmp_path / "nohub",
                                       cache_dir=tmp_path / "c"))
    assert empty.name == "toy"


def test_an_unreadable_image_error_names_skip_unreadable(data):
    """Defect 6: the strict policy's error names the file and the option that lists it and moves on."""
    with pytest.raises(DataError, match=r"basset_hound_1\.jpg.*rerun with --skip-unreadable"):
        build_slice("4x3", data)
    skipped = build_slice("4x3", data, skip_unreadable=True).header["skipped"]
    assert {s["image_id"] for s in skipped} >= {"basset_hound_1", "Abyssinian_2"}  # corrupt; trimap with no pet


def test_pretraining_heads_are_named_once_as_expected(hub, capfd, caplog):
    """Defect 7: no transformers "UNEXPECTED" wall for MAE's decoder and BEiT's head; one line each instead."""
    with caplog.at_level(logging.INFO, logger="jepa_claims.engine.loading_log"):
        for repo in ("facebook/vit-mae-base", "microsoft/beit-base-patch16-224-pt22k-ft22k"):
            load_encoder(str(_snapshot(hub, repo)))
    err = capfd.readouterr().err
    assert "UNEXPECTED" not in err and "were not used when initializing" not in err
    lines = [r.getMessage() for r in caplog.records if "as expected" in r.getMessage()]
    assert len(lines) == 2 and "decoder (136 tensors)" in lines[0] and "classifier (2 tensors)" in lines[1]
    assert all(r.levelno == logging.INFO for r in caplog.records)


def test_weights_outside_the_known_heads_still_warn(hub, tmp_path, caplog):
    """Defect 7's other half: a checkpoint weight no module takes, outside the pretraining heads, is a warning."""
    from safetensors.torch import load_file, save_file

    folder = shutil.copytree(_snapshot(hub, IJEPA_1K), tmp_path / "ck")
    state = load_file(str(folder / "model.safetensors"))
    (folder / "model.safetensors").unlink()
    save_file({**state, "encoder.layer.0.stray.weight": state["layernorm.weight"].clone()}, str(folder / "model.safetensors"))
    with caplog.at_level(logging.INFO, logger="jepa_claims.engine.loading_log"):
        load_encoder(str(folder))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "stray.weight" in warnings[0] and "ijepa encoder" in warnings[0]


def test_moving_the_hub_cache_keeps_the_random_init_control(hub, tmp_path, monkeypatch):
    """Defect 8: P1's untrained copy is keyed on repo id and revision: a moved HF cache computes nothing again."""
    first = shutil.copytree(hub / "models--facebook--ijepa_vith14_1k", tmp_path / "a" / "models--facebook--ijepa_vith14_1k",
                            symlinks=True).parent
    spec = dataclasses.replace(paper_world(tmp_path, first).checkpoint("ijepa_1k"), source=checkpoints_mod.untrained_source(IJEPA_1K, 1234))
    built = checkpoints_mod.checkpoint_folder(spec, tmp_path / "cache")
    identity = checkpoints_mod.checkpoint_identity(spec, tmp_path / "cache")
    moved = tmp_path / "b"
    shutil.move(str(first), moved)

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the random-init checkpoint was built again after the HF cache moved")

    monkeypatch.setattr(checkpoints_mod, "build_model", no_rebuild)
    again = dataclasses.replace(spec, hub_cache=moved)
    assert checkpoints_mod.checkpoint_folder(again, tmp_path / "cache") == built
    assert checkpoints_mod.checkpoint_identity(again, tmp_path / "cache") == identity
    assert check_models(moved, {IJEPA_1K: MODEL_REVISIONS[IJEPA_1K]}) == {IJEPA_1K: "present"}


# ---------------------------------------------------------------- the paper world end to end (slow)

_VOLATILE_KEYS = {"generated", "report_seconds", "run_id", "seconds"}  # timestamps, timings, the run's own id


def _suite(args: list[str], hub: Path, data: Path, workdir: Path) -> subprocess.CompletedProcess:
    """`pytest claims/ --world paper` on the rehearsal, as a user would type it (offline)."""
    workdir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pytest", str(REPO / "claims"), "--world", "paper", "--hf-cache", str(hub),
               "--data-root", str(data), "--cache-dir", str(workdir / "cache"), "-p", "no:cacheprovider",
               "--html", str(workdir / "reports" / "replication.html"), *args]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(command, capture_output=True, text=True, cwd=workdir, env=env, timeout=1800)


def _stable(value):
    """A record without its timestamps, timings and run id."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in _VOLATILE_KEYS}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _stable_html(text: str, run_id: str) -> str:
    """The HTML report without its timestamp, durations and run id; pytest-html's per-test data blob is
    compared by test id, since it lists tests in the order xdist workers happen to finish them (and
    names the worker that ran each group)."""
    import html
    import re

    text = text.replace(run_id, "RUN")
    text = re.sub(r"Report generated on .*? by", "Report generated on DATE by", text)
    text = re.sub(r"\d+ tests? took [\d:]+", "N tests took TIME", text)
    text = re.sub(r"\d\d:\d\d:\d\d|\d+ ms", "DURATION", text)  # per-test durations in the table and its JSON blob
    text = re.sub(r"\[gw\d+\]", "[gw]", text)

    def by_test(match: re.Match) -> str:
        blob = json.loads(html.unescape(match.group(1)))
        blob["tests"] = dict(sorted(blob["tests"].items()))
        return f'data-jsonblob="{html.escape(json.dumps(blob, sort_keys=True))}"'

    return re.sub(r'data-jsonblob="([^"]*)"', by_test, text)


def _record(workdir: Path) -> tuple[dict, str]:
    summary = json.loads((workdir / "reports" / "stats_summary.json").read_text())
    return summary, (workdir / "reports" / "replication.html").read_text()


def assert_nothing_replicated(summary: dict) -> None:
    """Random weights replicate nothing: no cell is graded "replicated", and P1 diagnosed every cell it runs
    untrained (so the grade's diagnostic part was measured, not missing)."""
    from claim_modules import CLAIMS
    from jepa_claims.grading.grades import NOT_MEASURED, REPLICATED

    graded = {key: cell for key, cell in summary["matrix"].items() if cell["status"] in ("PASS", "FAIL")}
    assert summary["grades"][REPLICATED] == 0 and not [k for k, c in graded.items() if c["grade"]["tier"] == REPLICATED]
    untested = [key for key, cell in graded.items()
                if CLAIMS.get(cell["claim"]).untrained.effect and cell["grade"]["diagnostic"] == NOT_MEASURED]
    assert graded and not untested, untested


def _graded(tier: str = "partly", diagnostic: str = "not diagnostic", claim: str = "C4") -> dict:
    """A record with one PASS cell graded so (and one skipped cell, which is not graded)."""
    cell = {"claim": claim, "checkpoint": "ijepa_1k", "slice": "8x3", "status": "PASS",
            "grade": {"tier": tier, "diagnostic": diagnostic}}
    skipped = {"claim": "C4", "checkpoint": "ijepa_1k", "slice": "4x3", "status": "SKIP", "grade": {"tier": "not graded"}}
    return {"matrix": {"a": cell, "b": skipped}, "grades": {"replicated": int(tier == "replicated")}}


def test_the_rehearsal_assertion_fails_on_a_replicated_cell_or_a_missing_diagnostic():
    """Planted records: a replicated cell fails it, so does a cell P1 should have diagnosed and did not."""
    assert_nothing_replicated(_graded())
    assert_nothing_replicated(_graded(diagnostic="not applicable", claim="C13"))
    with pytest.raises(AssertionError):
        assert_nothing_replicated(_graded(tier="replicated", diagnostic="diagnostic"))
    with pytest.raises(AssertionError, match="a"):
        assert_nothing_replicated(_graded(diagnostic="not measured"))


@pytest.mark.slow
def test_paper_world_runs_end_to_end_and_twice_gives_the_same_record(hub, data, tmp_path):
    """0 ERROR cells; nothing graded replicated on random weights; the census's plan is what was computed;
    a second cold run writes the same record."""
    first = _suite(["--skip-unreadable", "-n", "2"], hub, data, tmp_path / "run")
    assert first.returncode in (0, 1), first.stdout[-3000:] + first.stderr[-3000:]  # 1: claims fail on random weights
    assert " error" not in first.stdout.splitlines()[-1], first.stdout.splitlines()[-1]
    summary, html = _record(tmp_path / "run")
    statuses = {cell["status"] for cell in summary["matrix"].values()}
    assert statuses <= {"PASS", "FAIL", "SKIP", "NOT SELECTED"}, statuses
    assert_nothing_replicated(summary)
    assert not [c for c in summary["numeric"]["cells"] if "0x" in c.get("reason", "") or "where" in c.get("reason", "")]
    assert_tables_in_the_papers_shape(summary)
    assert_fits_the_reviewers_screen(tmp_path / "run" / "reports" / "replication.html", summary, tmp_path)
    computed = [json.loads(line) for line in (tmp_path / "run" / "cache" / "forwards.jsonl").read_text().splitlines()]
    blocks = sum(entry["blocks"] for entry in computed)
    assert f"jepa-claims plan: {len(computed)} tables to compute (0 already cached), {blocks:,} block evaluations" in first.stdout
    shutil.copytree(tmp_path / "run" / "reports", tmp_path / "first")
    shutil.rmtree(tmp_path / "run" / "cache")  # cold again: the second run recomputes every table
    second = _suite(["--skip-unreadable", "-n", "2"], hub, data, tmp_path / "run")
    assert second.returncode == first.returncode
    again, html_again = _record(tmp_path / "run")
    assert json.dumps(_stable(again), indent=1) == json.dumps(_stable(summary), indent=1)
    assert _stable_html(html_again, again["provenance"]["run_id"]) == _stable_html(html, summary["provenance"]["run_id"])


@pytest.mark.slow
def test_a_selected_subset_runs_on_its_files_alone(hub, data, tmp_path):
    """1k on 4x3 with only its checkpoint and Pet; a corrupt image's ERROR cells name --skip-unreadable."""
    part_hub, part_data = _partial(tmp_path, hub, data)
    strict = _suite(["--checkpoints", "ijepa_1k", "--slices", "4x3", "-n", "0"], part_hub, part_data, tmp_path / "strict")
    summary, _ = _record(tmp_path / "strict")
    errors = [cell for cell in summary["matrix"].values() if cell["status"] == "ERROR"]
    assert errors and all("--skip-unreadable" in cell["reason"] for cell in errors), strict.stdout[-3000:]
    lenient = _suite(["--checkpoints", "ijepa_1k", "--slices", "4x3", "--skip-unreadable", "-n", "0"], part_hub, part_data,
                     tmp_path / "lenient")
    summary, _ = _record(tmp_path / "lenient")
    assert lenient.returncode in (0, 1), lenient.stdout[-3000:]
    statuses = {cell["status"] for cell in summary["matrix"].values()}
    assert "ERROR" not in statuses and {"PASS", "FAIL"} & statuses, statuses
    assert summary["world"]["checkpoints"][0]["key"] == "ijepa_1k" and summary["world"]["slices"] == ["4x3"]


@pytest.mark.slow
def test_a_run_under_other_conventions_plans_what_it_computes_and_says_so(hub, data, tmp_path):
    """--convention background=random on 1k 8x3: the header and the record name it, planned blocks = logged ones,
    and P3 skips the alternative the run already is."""
    run = _suite(["--skip-unreadable", "-n", "2", "--checkpoints", "ijepa_1k", "--slices", "8x3",
                  "--convention", "background=random"], hub, data, tmp_path / "run")
    assert run.returncode in (0, 1), run.stdout[-3000:] + run.stderr[-3000:]
    computed = [json.loads(line) for line in (tmp_path / "run" / "cache" / "forwards.jsonl").read_text().splitlines()]
    blocks = sum(entry["blocks"] for entry in computed)
    assert f"jepa-claims plan: {len(computed)} tables to compute (0 already cached), {blocks:,} block evaluations" in run.stdout
    assert "jepa-claims conventions: This run used non-default conventions: background=random (default farthest)" in run.stdout
    summary, html = _record(tmp_path / "run")
    assert summary["provenance"]["conventions"]["background"] == "random" and 'id="conventions-note"' in html
    assert "ERROR" not in {cell["status"] for cell in summary["matrix"].values()}
    p3 = {(row["claim"], row["status"]) for row in summary["probes"]["P3"]["rows"] if "random zero-overlap" in row["test"]}
    assert p3 == {(claim, "SKIP") for claim in ("C4", "C6", "C8", "C18")}
