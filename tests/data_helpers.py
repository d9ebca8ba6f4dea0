"""Shared helpers for the data-layer tests: synthetic data roots, quirky files, a loopback HTTP server."""
from __future__ import annotations

import io
import shutil
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
from PIL import Image

from jepa_claims.data import synthetic

REPO = Path(__file__).resolve().parents[1]
REAL = REPO / "tests" / "real_samples"
_ROOTS: dict[tuple, Path] = {}


def synthetic_root(tmp_path_factory, seed: int = 0) -> Path:
    """The default synthetic data root for a seed, generated once per session (treat as read-only)."""
    key = ("default", seed)
    if key not in _ROOTS:
        _ROOTS[key] = synthetic.write_all(tmp_path_factory.mktemp(f"synthetic{seed}"), seed=seed)
    return _ROOTS[key]


def copy_root(source: Path, dest: Path) -> Path:
    """A private, writable copy of a data root."""
    shutil.copytree(source, dest)
    return dest


def real_pets_root(tmp_path: Path) -> Path:
    """A data root holding the real pet samples in the official layout."""
    base = tmp_path / "oxford-iiit-pet"
    shutil.copytree(REAL / "pets", base)
    return tmp_path


def real_voc_root(tmp_path: Path) -> Path:
    """A data root holding the real VOC samples in the official layout."""
    base = tmp_path / "VOCdevkit" / "VOC2012"
    shutil.copytree(REAL / "voc", base)
    return tmp_path


def save_as(image: Image.Image, path: Path, fmt: str) -> Path:
    """Save an image in a given format whatever the file name says (e.g. PNG bytes in a .jpg)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, fmt)
    return path


def truncate(path: Path, keep: float = 0.5) -> Path:
    """Cut a file to a fraction of its bytes."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def rect_scene(size: tuple[int, int], box: tuple[int, int, int, int]) -> tuple[Image.Image, np.ndarray]:
    """A red rectangle on blue with its exact trimap (1 inside, 2 outside): (RGB image, label)."""
    width, height = size
    left, top, right, bottom = box
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[...] = (0, 0, 255)
    pixels[top:bottom, left:right] = (255, 0, 0)
    label = np.full((height, width), 2, np.uint8)
    label[top:bottom, left:right] = 1
    return Image.fromarray(pixels, "RGB"), label


def tar_folder(source: Path, arcname: str, dest: Path, junk: bool = True) -> Path:
    """Tar a folder as `arcname` (gzip if dest ends in .gz), optionally with a macOS '._' member."""
    mode = "w:gz" if dest.name.endswith(".gz") else "w"
    with tarfile.open(dest, mode) as tar:
        tar.add(source, arcname=arcname)
        if junk:
            info = tarfile.TarInfo(f"{arcname}/._junk")
            payload = b"\x00\x05\x16\x07AppleDouble"
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return dest


class ArchiveServer:
    """Loopback HTTP server for fixed byte strings, with Range support and scripted failures."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = dict(files)
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        self.cut_next = 0  # this many upcoming responses close the connection mid-body
        self.honour_range = True
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def url(self, name: str) -> str:
        """URL of a served file."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/{name}"

    def __enter__(self) -> "ArchiveServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        """A request handler class bound to this server's state."""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                owner.requests.append((self.path, self.headers.get("Range")))
                data = owner.files.get(self.path.lstrip("/"))
                if data is None:
                    self.send_error(404)
                    return
                start = 0
                range_header = self.headers.get("Range")
                if range_header and owner.honour_range:
                    start = int(range_header.removeprefix("bytes=").split("-")[0])
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if owner.cut_next > 0:
                    owner.cut_next -= 1
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        return Handler
