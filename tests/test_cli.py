"""`jepa-claims measure`: tidy CSV export from a checkpoint directory and a slice of the official layout."""
from __future__ import annotations

import pandas as pd
import pytest

from jepa_claims.engine.builders import build_model, save_pretrained_layout, tiny_config
from jepa_claims.cli import main
from jepa_claims.data.slices import build_slice, write_manifest
from jepa_claims.data.synthetic import write_all
from jepa_claims.engine.tabulate import DRIFT_COLUMNS, RESCUE_COLUMNS
from jepa_claims.engine.models import ProcessorGeometry

GEOMETRY = ProcessorGeometry(size=224, resample=2, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A tiny 224 px I-JEPA saved in the HF layout, and synthetic data in the official layouts."""
    root = tmp_path_factory.mktemp("cli")
    model = build_model("ijepa", tiny_config("ijepa", image_size=224, num_hidden_layers=4), seed=0, jitter=0.02)
    checkpoint = save_pretrained_layout(model, root / "ckpt", GEOMETRY)
    data = write_all(root / "data", seed=0)
    return checkpoint, data, root


def test_measure_drift_writes_tidy_rows(setup, tmp_path):
    """Drift rows: one per image x mask x layer, with the documented columns."""
    checkpoint, data, _ = setup
    out = tmp_path / "drift.csv"
    assert main(["measure", "--checkpoint", str(checkpoint), "--data-root", str(data), "--slice", "4x3",
                 "--protocol", "drift", "--layer-indexing", "hidden_states", "--late-window", "3,4", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == DRIFT_COLUMNS
    assert len(table) == 12 * 2 * 5  # images x (object, background) x hidden_states 0..4
    assert (table.loc[table["layer"] == 0, "context_drift"] == 0).all()


def test_measure_rescue_accepts_a_manifest_file(setup, tmp_path):
    """Rescue rows from a manifest path, with the group named in the paper's words."""
    checkpoint, data, _ = setup
    manifest = write_manifest(build_slice("voc8x3", data), tmp_path / "voc.jsonl")
    out = tmp_path / "rescue.csv"
    assert main(["measure", "--checkpoint", str(checkpoint), "--data-root", str(data), "--slice", str(manifest),
                 "--protocol", "rescue", "--sites", "1.intermediate,2.attn.out,3.attn.out", "--mode", "masked",
                 "--late-window", "2,3", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == RESCUE_COLUMNS
    assert set(table["sites"]) == {"1.intermediate + 2.attn.out + 3.attn.out"} and set(table["mode"]) == {"masked"}
    assert len(table) == 24 * 2
    assert ((table["rescue"] - (table["late_context_drift_masked"] - table["late_context_drift_patched"])).abs() < 1e-12).all()


@pytest.mark.parametrize("args, message", [
    (["--protocol", "rescue"], "needs --sites"),
    (["--protocol", "rescue", "--sites", "9.intermediate"], "9"),
    (["--protocol", "drift", "--masks", "object,sky"], "unknown mask families"),
    (["--protocol", "drift", "--slice", "5x3"], "5x3"),
    (["--protocol", "drift", "--late-window", "40,41"], "--late-window: late window (40, 41) has layers [40, 41] outside 0..3"),
    (["--protocol", "rescue", "--sites", "1.intermediate", "--late-window", "0,5"], "--late-window: late window (0, 5)"),
])
def test_measure_bad_input_is_a_clear_error(setup, tmp_path, capsys, args, message):
    """Bad options exit with status 2 and a message naming the problem, and write nothing."""
    checkpoint, data, _ = setup
    base = {"--checkpoint": str(checkpoint), "--data-root": str(data), "--slice": "4x3", "--out": str(tmp_path / "x.csv")}
    for key in args[::2]:
        base.pop(key, None)
    argv = ["measure", *[x for kv in base.items() for x in kv], *args]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_measure_skip_unreadable_takes_the_next_eligible_image(tmp_path, setup):
    """A truncated image stops `measure` with its name (status 2); --skip-unreadable measures a full slice without it."""
    from data_helpers import truncate
    from jepa_claims.data import pets
    from jepa_claims.data.synthetic import write_pets

    checkpoint, _, _ = setup
    data = tmp_path / "data"
    write_pets(data, breeds=4, per_breed=4, seed=0)
    first = sorted(pets.read_split(data), key=lambda e: (e.class_id, e.number))[0]
    broken = truncate(data / pets.image_rel(first.image_id))
    argv = ["measure", "--checkpoint", str(checkpoint), "--data-root", str(data), "--slice", "4x3",
            "--protocol", "drift", "--late-window", "2,3", "--out", str(tmp_path / "drift.csv")]
    assert main(argv) == 2
    assert main([*argv, "--skip-unreadable"]) == 0
    table = pd.read_csv(tmp_path / "drift.csv")
    assert table["image_id"].nunique() == 12 and broken.stem not in set(table["image_id"])


@pytest.fixture
def refuse_compute(monkeypatch):
    """Fail loudly if `measure` reaches the computation (options must be checked before it)."""
    def computed(**kwargs):
        raise AssertionError("measure_slice ran before the options were checked")

    monkeypatch.setattr("jepa_claims.tables.export.measure_slice", computed)


def _measure_argv(setup, out, *extra) -> list[str]:
    checkpoint, data, _ = setup
    return ["measure", "--checkpoint", str(checkpoint), "--data-root", str(data), "--slice", "4x3",
            "--protocol", "drift", "--out", str(out), *extra]


@pytest.mark.parametrize(("extra", "cuda", "message"), [
    (["--device", "banana"], 0, "--device banana: expected cpu, cuda or cuda:N"),
    (["--device", "cuda"], 0, "--device cuda: torch sees 0 CUDA device(s) here (use --device cpu)"),
    (["--device", "cuda:2"], 2, "--device cuda:2: torch sees 2 CUDA device(s) here (cuda:0..cuda:1)"),
    (["--tau", "nan"], 0, "--tau nan: must be a finite number above 0"),
    (["--tau", "-0.05"], 0, "--tau -0.05: must be a finite number above 0"),
    (["--tau", "inf"], 0, "--tau inf: must be a finite number above 0"),
])
def test_bad_options_are_one_line_before_any_work(setup, tmp_path, capsys, monkeypatch, refuse_compute, extra, cuda, message):
    """A device that is not here or a tau that is not a threshold: exit 2, one line, nothing loaded or written."""
    monkeypatch.setattr("torch.cuda.device_count", lambda: cuda)
    assert main(_measure_argv(setup, tmp_path / "x.csv", *extra)) == 2
    assert capsys.readouterr().err == f"jepa-claims: error: {message}\n"
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(("where", "message"), [
    ("folder", "{out}: is a folder; name a file"),
    ("under-file", "{out}: {tmp}/file is a file, not a folder"),
    ("read-only", "{out}: cannot write in {tmp}/ro (Read-only file system)"),
    ("full", "{out}: cannot write in {tmp}/ro (No space left on device)"),
])
def test_an_output_that_cannot_be_written_is_refused_before_computing(setup, tmp_path, capsys, monkeypatch, refuse_compute,
                                                                      where, message):
    """--out on a folder, under a file, or on a read-only or full disk: one line, before any computation."""
    import errno

    from fault_helpers import refuse_writes

    (tmp_path / "file").write_text("x")
    (tmp_path / "ro").mkdir()
    out = {"folder": tmp_path / "ro", "under-file": tmp_path / "file" / "x.csv"}.get(where, tmp_path / "ro" / "new" / "x.csv")
    if where in ("read-only", "full"):
        refuse_writes(monkeypatch, tmp_path / "ro", errno.EROFS if where == "read-only" else errno.ENOSPC)
    assert main(_measure_argv(setup, out)) == 2
    expected = "--out " + message.format(out=out, tmp=tmp_path)
    assert capsys.readouterr().err == f"jepa-claims: error: {expected}\n"


@pytest.mark.parametrize("damage", ["truncated", "wrong-shape"])
def test_a_damaged_checkpoint_is_one_line_naming_it(setup, tmp_path, capsys, damage):
    """Truncated weights, or weights of another shape than config.json says: exit 2 and one error line naming the folder."""
    import shutil

    checkpoint, data, _ = setup
    broken = shutil.copytree(checkpoint, tmp_path / "ckpt")
    weights = broken / "model.safetensors"
    if damage == "truncated":
        weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    else:
        other = build_model("ijepa", tiny_config("ijepa", image_size=224, num_hidden_layers=4, hidden_size=48), seed=0)
        shutil.copy(save_pretrained_layout(other, tmp_path / "other", GEOMETRY) / "model.safetensors", weights)
    argv = _measure_argv(setup, tmp_path / "x.csv")
    argv[argv.index(str(checkpoint))] = str(broken)
    assert main(argv) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line.lower()]
    expected = "cannot read its safetensors weights" if damage == "truncated" else "weights do not match the ijepa architecture"
    assert len(errors) == 1 and errors[0].startswith(f"jepa-claims: error: {broken}: {expected}")
