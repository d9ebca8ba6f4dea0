"""Headless Chromium on a saved report: the README's screenshot, and the render check of the tests."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = "Chromium is not installed: `apt-get update && apt-get install -y chromium`"
# Offline, no profile, no background traffic: the closed network here refuses Chromium's own connections.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--disable-dev-shm-usage")


def find_chromium(preferred: str | None = None) -> str | None:
    """The headless browser: `preferred` (e.g. $CHROMIUM), else chromium / chromium-browser / google-chrome on PATH."""
    for name in (preferred, *CANDIDATES):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def run_chromium(binary: str, html: Path, profile: Path, *args: str, timeout: int = 180) -> subprocess.CompletedProcess:
    """Run headless Chromium on a local HTML file with a fresh profile folder."""
    command = [binary, *FLAGS, f"--user-data-dir={profile}", *args, html.resolve().as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def screenshot(html: Path, png: Path, width: int = 1400, height: int = 1700, binary: str | None = None) -> Path:
    """A PNG of the top of a report (the record: banner, matrix); errors name what is missing."""
    if not html.is_file():
        raise FileNotFoundError(f"{html}: no report here; run `pytest claims/ -n 4` first")
    binary = binary or find_chromium(os.environ.get("CHROMIUM"))
    if binary is None:
        raise FileNotFoundError(INSTALL_HINT)
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        try:
            done = run_chromium(binary, html, Path(profile), f"--screenshot={png.resolve()}", f"--window-size={width},{height}",
                                "--virtual-time-budget=3000")
        except subprocess.TimeoutExpired as error:
            raise ValueError(f"Chromium took longer than {error.timeout} s on {html}") from error
    if done.returncode != 0 or not png.is_file():
        raise ValueError(f"Chromium wrote no screenshot (exit {done.returncode}): {done.stderr.strip()[-800:]}")
    return png
