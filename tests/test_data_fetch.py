"""`fetch` offline: a loopback HTTP server serves synthetic archives; the hub call is monkeypatched."""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import re
import subprocess
import sys

import pytest
from data_helpers import REPO, ArchiveServer, tar_folder

from jepa_claims.data import DataError, load_sample, pets, synthetic, voc
from jepa_claims.data import fetch as fetch_mod
from jepa_claims.data.fetch import Archive, ChecksumError, download, fetch_data, run_fetch
from jepa_claims.data.files import read_label
from jepa_claims.data.samples import pet_record, voc_record


def _md5(data: bytes) -> str:
    """Hex MD5 of bytes."""
    return hashlib.md5(data).hexdigest()


@pytest.fixture(scope="module")
def archives(tmp_path_factory) -> dict[str, bytes]:
    """Synthetic stand-ins for images.tar.gz, annotations.tar.gz and the VOC trainval tar."""
    src = tmp_path_factory.mktemp("src")
    synthetic.write_pets(src, breeds=2, per_breed=2, test_per_breed=1)
    synthetic.write_voc(src, classes=[1, 2], per_class=2)
    out = tmp_path_factory.mktemp("archives")
    paths = {
        "images.tar.gz": tar_folder(src / pets.PETS_DIR / "images", "images", out / "images.tar.gz"),
        "annotations.tar.gz": tar_folder(src / pets.PETS_DIR / "annotations", "annotations", out / "annotations.tar.gz"),
        "VOCtrainval_11-May-2012.tar": tar_folder(src / "VOCdevkit", "VOCdevkit", out / "VOCtrainval_11-May-2012.tar"),
    }
    return {name: path.read_bytes() for name, path in paths.items()}


def _table(server: ArchiveServer, files: dict[str, bytes]) -> tuple[Archive, ...]:
    """The real archive table, pointed at the loopback server and the synthetic archives' MD5s."""
    return tuple(dataclasses.replace(a, urls=(server.url(a.filename),), md5=_md5(files[a.filename]))
                 for a in fetch_mod.ARCHIVES)


def test_fetch_extracts_the_official_layouts(archives, tmp_path):
    with ArchiveServer(archives) as server:
        table = _table(server, archives)
        assert fetch_data(tmp_path, table, backoff=0) == [a.name for a in table]
        assert len(server.requests) == 3
        assert fetch_data(tmp_path, table, backoff=0) == []  # everything present: nothing requested
        assert len(server.requests) == 3
    assert not list(tmp_path.rglob("._*"))  # macOS junk members are not extracted
    entry = pets.read_split(tmp_path, "trainval")[0]
    assert load_sample(pet_record(entry.image_id, tmp_path), tmp_path).image.mode == "RGB"
    image_id = voc.read_split(tmp_path, "trainval")[0]
    target = voc.dominant_class(read_label(tmp_path / voc.label_rel(image_id), "voc"))
    assert load_sample(voc_record(image_id, target, tmp_path), tmp_path).label.ndim == 2
    for archive in table:
        assert (tmp_path / fetch_mod.DOWNLOADS / archive.filename).is_file()
        assert not (tmp_path / fetch_mod.DOWNLOADS / f"{archive.filename}.part").exists()


def test_interrupted_extraction_is_not_taken_for_a_layout_and_is_redone(archives, tmp_path, monkeypatch):
    """A crash in the middle of extracting leaves no partial layout that a later run would accept."""
    voc_archive = next(a for a in fetch_mod.ARCHIVES if a.dataset == "voc")
    other_year = tmp_path / "VOCdevkit" / "VOC2007" / "kept.txt"  # a user's files beside the archive's
    other_year.parent.mkdir(parents=True)
    other_year.write_text("mine")
    moved = []

    def crash_after_first(source, target):
        if moved:
            raise OSError("simulated crash while moving the extracted tree into place")
        moved.append(target)
        return real_replace(source, target)

    real_replace = fetch_mod.os.replace
    with ArchiveServer(archives) as server:
        table = tuple(a for a in _table(server, archives) if a.name == voc_archive.name)
        monkeypatch.setattr(fetch_mod.os, "replace", crash_after_first)
        with pytest.raises(DataError, match="cannot extract .*simulated crash"):
            fetch_data(tmp_path, table, backoff=0)
        monkeypatch.setattr(fetch_mod.os, "replace", real_replace)
        assert not fetch_mod.layout_present(tmp_path, table[0])
        assert fetch_mod.check_data(tmp_path, table) == {table[0].name: "missing (an extraction was interrupted; fetch again)"}
        assert fetch_data(tmp_path, table, backoff=0) == [table[0].name]
    assert fetch_mod.check_data(tmp_path, table) == {table[0].name: "present"}
    assert other_year.read_text() == "mine"
    assert not list(tmp_path.rglob(".extracting-*"))
    assert voc.read_split(tmp_path, "trainval")


def test_wrong_checksum_is_a_clear_error_and_removes_the_file(archives, tmp_path):
    dest = tmp_path / "images.tar.gz"
    with ArchiveServer(archives) as server:
        with pytest.raises(ChecksumError, match="images.tar.gz.*md5 .* does not match the published 0{32}.*removed"):
            download(server.url("images.tar.gz"), dest, "0" * 32, backoff=0)
    assert not dest.exists() and not dest.with_name("images.tar.gz.part").exists()


@pytest.mark.parametrize("honour_range", [True, False])
def test_interrupted_download_resumes_and_ends_verified(archives, tmp_path, honour_range):
    data = archives["VOCtrainval_11-May-2012.tar"]
    dest = tmp_path / "voc.tar"
    with ArchiveServer(archives) as server:
        server.cut_next, server.honour_range = 1, honour_range
        download(server.url("VOCtrainval_11-May-2012.tar"), dest, _md5(data), backoff=0)
    assert dest.read_bytes() == data
    assert len(server.requests) == 2
    assert server.requests[0][1] is None
    # The retry asks for the rest (Range); a server that ignores Range gets a clean restart instead.
    assert re.fullmatch(r"bytes=\d+-", server.requests[1][1]) and int(server.requests[1][1][6:-1]) == len(data) // 2


def test_interruptions_beyond_the_attempt_budget_fail_clearly(archives, tmp_path):
    with ArchiveServer(archives) as server:
        server.cut_next, server.honour_range = 5, False
        with pytest.raises(DataError, match="failed after 3 attempts.*closed before the end"):
            download(server.url("images.tar.gz"), tmp_path / "x.tar.gz", _md5(archives["images.tar.gz"]),
                     attempts=3, backoff=0)


def test_present_verified_file_is_not_downloaded_again(archives, tmp_path):
    with ArchiveServer(archives) as server:
        table = _table(server, archives)
        for archive in table:  # archives already downloaded, layouts not yet extracted
            (tmp_path / fetch_mod.DOWNLOADS).mkdir(exist_ok=True)
            (tmp_path / fetch_mod.DOWNLOADS / archive.filename).write_bytes(archives[archive.filename])
        assert len(fetch_data(tmp_path, table, backoff=0)) == 3
        assert server.requests == []


def test_present_but_damaged_file_is_fetched_again(archives, tmp_path):
    dest = tmp_path / "annotations.tar.gz"
    dest.write_bytes(b"stale")
    with ArchiveServer(archives) as server:
        download(server.url("annotations.tar.gz"), dest, _md5(archives["annotations.tar.gz"]), backoff=0)
        assert len(server.requests) == 1
    assert dest.read_bytes() == archives["annotations.tar.gz"]


def test_mirrors_are_tried_in_turn(archives, tmp_path):
    with ArchiveServer(archives) as server:
        urls = (server.url("gone.tar.gz"), server.url("images.tar.gz"))
        download(urls, tmp_path / "images.tar.gz", _md5(archives["images.tar.gz"]), backoff=0)
        assert [path for path, _ in server.requests] == ["/gone.tar.gz", "/images.tar.gz"]


def test_voc_has_mirrors_tried_in_order_under_one_published_md5(archives, tmp_path):
    """The VOC host is often down: its archive lists mirrors (official first), and a dead first one fails over."""
    voc = next(a for a in fetch_mod.ARCHIVES if a.name == "voc2012-trainval")
    assert len(voc.urls) >= 2 and len(set(voc.urls)) == len(voc.urls)
    assert voc.urls[0].startswith("http://host.robots.ox.ac.uk/") and voc.md5 == "6cd6e144f989b92b3379bac3b3de84fd"
    assert all(url.endswith("/VOCtrainval_11-May-2012.tar") for url in voc.urls)
    data = archives["VOCtrainval_11-May-2012.tar"]
    with ArchiveServer(archives) as server:
        dead = server.url("down/VOCtrainval_11-May-2012.tar")  # answers 404, as a host that is down would fail
        table = (dataclasses.replace(voc, urls=(dead, server.url("VOCtrainval_11-May-2012.tar")), md5=_md5(data)),)
        assert fetch_data(tmp_path, table, backoff=0) == ["voc2012-trainval"]
        assert [path for path, _ in server.requests] == ["/down/VOCtrainval_11-May-2012.tar", "/VOCtrainval_11-May-2012.tar"]
    assert (tmp_path / "VOCdevkit" / "VOC2012" / "JPEGImages").is_dir()


def _args(tmp_path, **overrides) -> argparse.Namespace:
    """Parsed fetch options, as the CLI would give them."""
    parser = argparse.ArgumentParser()
    fetch_mod.add_fetch_arguments(parser)
    args = parser.parse_args(["--data-root", str(tmp_path / "data"), "--cache-dir", str(tmp_path / "hf")])
    vars(args).update(overrides)
    return args


def test_check_reports_missing_without_downloading(archives, tmp_path, capsys):
    with ArchiveServer(archives) as server:
        table = _table(server, archives)
        assert run_fetch(_args(tmp_path, only="data", check=True), archives=table) == 1
        assert server.requests == []
        assert "pets-images: missing" in capsys.readouterr().out
        assert run_fetch(_args(tmp_path, only="data", check=False), archives=table) == 0
        assert run_fetch(_args(tmp_path, only="data", check=True), archives=table) == 0
        assert "voc2012-trainval: present" in capsys.readouterr().out


class FakeHub:
    """Records snapshot_download calls; writes a snapshot with or without weights."""

    def __init__(self, root, weights: bool = True, cached: bool = True) -> None:
        self.root, self.weights, self.cached, self.calls = root, weights, cached, []

    def __call__(self, repo_id, **kwargs):
        self.calls.append((repo_id, kwargs))
        if kwargs.get("local_files_only") and not self.cached:
            raise FileNotFoundError(f"{repo_id} is not in the cache")
        folder = self.root / repo_id.replace("/", "--")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text("{}")
        if self.weights:
            (folder / "model.safetensors").write_bytes(b"")
        return str(folder)


def test_models_are_pinned_and_safetensors_only(tmp_path, monkeypatch):
    import huggingface_hub

    hub = FakeHub(tmp_path / "snapshots")
    monkeypatch.setattr(huggingface_hub, "snapshot_download", hub)
    assert run_fetch(_args(tmp_path, only="models")) == 0
    assert [repo for repo, _ in hub.calls] == list(fetch_mod.MODEL_REVISIONS)
    assert set(fetch_mod.MODEL_REVISIONS) == {
        "facebook/ijepa_vith14_1k", "facebook/ijepa_vith14_22k", "facebook/vit-mae-base",
        "microsoft/beit-base-patch16-224-pt22k-ft22k"}
    for repo, kwargs in hub.calls:
        assert re.fullmatch(r"[0-9a-f]{40}", kwargs["revision"]), repo  # a pinned commit, not a branch
        assert kwargs["revision"] == fetch_mod.MODEL_REVISIONS[repo]
        assert sorted(kwargs["allow_patterns"]) == ["*.safetensors", "config.json", "preprocessor_config.json"]
        assert kwargs["cache_dir"] == str(tmp_path / "hf")
        assert not kwargs.get("local_files_only")


def test_model_check_uses_the_cache_only(tmp_path, monkeypatch, capsys):
    import huggingface_hub

    hub = FakeHub(tmp_path / "snapshots", cached=False)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", hub)
    assert run_fetch(_args(tmp_path, only="models", check=True)) == 1
    assert all(kwargs["local_files_only"] for _, kwargs in hub.calls)
    assert "facebook/ijepa_vith14_1k: missing" in capsys.readouterr().out


def test_snapshot_without_safetensors_is_an_error(tmp_path, monkeypatch, capsys):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "snapshot_download", FakeHub(tmp_path / "snapshots", weights=False))
    assert run_fetch(_args(tmp_path, only="models")) == 1
    assert "lacks config.json or *.safetensors" in capsys.readouterr().err


def test_module_entry_point_check(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "jepa_claims.data.fetch", "--check", "--only", "data", "--data-root", str(tmp_path)],
        capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 1
    assert "pets-images: missing" in result.stdout and "voc2012-trainval: missing" in result.stdout
