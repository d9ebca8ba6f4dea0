"""The trained world on CI's small setting: training is reproducible, cached, loadable by the real loading
code, and its record says what was trained (the full setting's timing: benchmarks/bench_trained_world.py)."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from jepa_claims.cli import main
from jepa_claims.engine.models import load_encoder
from jepa_claims.record.templating import render_template
from jepa_claims.train.config import SMALL
from jepa_claims.train.loop import read_training, train
from jepa_claims.worlds.checkpoints import checkpoint_folder
from jepa_claims.worlds.trained import trained_checkpoints, training_rows
from jepa_claims.worlds.world import World

# The family's own pre-training model is saved; the suite's loader reads the encoder out of it.
SAVED = {"ijepa": ("IJepaModel", "IJepaModel"), "vit_mae": ("ViTMAEForPreTraining", "ViTMAEModel"),
         "beit": ("BeitForMaskedImageModeling", "BeitModel")}


@pytest.mark.parametrize("family", sorted(SAVED))
def test_two_cold_trainings_give_the_same_weights_and_another_seed_does_not(family, tmp_path):
    """Weights hash equal across two runs of one seed (same machine and torch); a second seed changes it."""
    hashes = [train(family, SMALL, tmp_path / name)["weights_sha256"] for name in ("a", "b")]
    other = train(family, dataclasses.replace(SMALL, seed=1), tmp_path / "c")["weights_sha256"]
    assert hashes[0] == hashes[1] and other != hashes[0]


@pytest.mark.parametrize("family", sorted(SAVED))
def test_the_saved_checkpoint_loads_through_the_families_hf_classes(family, tmp_path):
    """config.json names the pre-training class; load_encoder builds the family's base model from it."""
    info = train(family, SMALL, tmp_path)
    saved, loaded = SAVED[family]
    assert json.loads((tmp_path / "config.json").read_text())["architectures"] == [saved]
    encoder = load_encoder(str(tmp_path))
    assert type(encoder.model).__name__ == loaded and encoder.depth == SMALL.depth and encoder.grid == SMALL.grid
    assert info["steps"] == len(info["loss"]) == SMALL.steps and (tmp_path / "loss_curve.png").stat().st_size > 0


@pytest.fixture(scope="module")
def small_cache(tmp_path_factory) -> Path:
    """A cache where `jepa-claims train --config small` trained the three encoders once."""
    cache = tmp_path_factory.mktemp("trained")
    assert main(["train", "--config", "small", "--cache-dir", str(cache)]) == 0
    return cache


def _small_world(cache: Path) -> World:
    """The trained world's checkpoints at the small setting (no slices: nothing here measures)."""
    return World("trained", trained_checkpoints(SMALL), (), cache)


def test_a_second_train_call_reuses_the_cache(small_cache, capsys):
    """`jepa-claims train` names the three checkpoints; a second call trains nothing (same records, same lines)."""
    folders = [checkpoint_folder(spec, small_cache) for spec in trained_checkpoints(SMALL)]
    stamps = [read_training(f)["seconds"] for f in folders]
    assert main(["train", "--config", "small", "--cache-dir", str(small_cache)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["ijepa_1k", "mae", "beit"]
    assert [read_training(f)["seconds"] for f in folders] == stamps
    assert all(f"in {s:.0f} s" in line for s, line in zip(stamps, lines))


def training_table(rows: list[dict], images: dict) -> str:
    """The record's banner for a trained world with these training rows."""
    world = {"name": "trained", "banner": "TRAINED WORLD", "training": rows}
    return render_template("banner.html.j2", record={"world": world}, images=images)


def test_the_record_says_what_was_trained_and_what_was_not(small_cache, tmp_path):
    """The front's table lists steps and wall time of each trained encoder, and names one not trained yet."""
    world = _small_world(small_cache)
    rows = training_rows(world, small_cache)
    assert [r["trained"] for r in rows] == [True] * 3 and {r["steps"] for r in rows} == {SMALL.steps}
    html = training_table(rows, {})
    assert html.count("steps, ") == 3 and "not trained yet" not in html
    untrained = training_table(training_rows(world, tmp_path), {})
    assert untrained.count("not trained yet") == 3 and "steps, " not in untrained
