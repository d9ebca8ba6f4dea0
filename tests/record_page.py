"""The record as a reviewer's browser lays it out: headless Chromium measures a saved report.

A copy of the report gets one script that, once pytest-html has built its table, writes the page's height and
where each row of the front sits into the DOM; Chromium's `--dump-dom` hands that back. The window is the
reviewer's screen (1400 x 900); every `<details>` stays as the page opens, folded.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from jepa_claims.record.screenshot import INSTALL_HINT, find_chromium, run_chromium

SCREEN = (1400, 900)
MEASURE = """<script>
window.addEventListener("load", () => setTimeout(() => {
  const rows = {};
  document.querySelectorAll("#claim-front tr[data-claim]").forEach((tr) => {
    const box = tr.querySelector("th").getBoundingClientRect();
    rows[tr.dataset.claim] = [box.top + window.scrollY, box.bottom + window.scrollY];
  });
  const open = [...document.querySelectorAll("#jepa-record details")].filter((d) => d.open).length;
  const out = {height: document.documentElement.scrollHeight, viewport: window.innerHeight, rows: rows, open: open,
               results_shown: getComputedStyle(document.querySelector("#results-table") || document.body).display !== "none"};
  const probe = document.createElement("pre");
  probe.id = "layout-probe";
  probe.textContent = JSON.stringify(out);
  document.body.appendChild(probe);
}, 300));
</script>"""


def chromium_binary() -> str:
    """The browser, or a failure under CI (which installs it) and a skip elsewhere."""
    binary = find_chromium(os.environ.get("CHROMIUM"))
    if binary is None:
        message = f"{INSTALL_HINT} (needed to check the report renders)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return binary


def _layout(probe: Path, profile: Path, height: int) -> dict:
    """One Chromium run on the probing copy with a window `height` px tall."""
    done = run_chromium(chromium_binary(), probe, profile, "--dump-dom", "--virtual-time-budget=5000",
                        f"--window-size={SCREEN[0]},{height}")
    found = re.search(r'<pre id="layout-probe">(.*?)</pre>', done.stdout, re.S)
    assert found, f"Chromium gave no layout (exit {done.returncode}): {done.stderr[-1500:]}"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def page_layout(report: Path, tmp: Path) -> dict:
    """Height of the page as it opens, the viewport's height, and each front row's top and bottom (px)."""
    probe = report.with_name(report.stem + ".layout.html")  # beside the report: its assets folder resolves
    probe.write_text(report.read_text().replace("</body>", MEASURE + "</body>"))
    try:
        layout = _layout(probe, tmp / "layout-profile", SCREEN[1])
        if layout["viewport"] != SCREEN[1]:  # headless Chromium counts its own window frame in --window-size
            layout = _layout(probe, tmp / "layout-profile", 2 * SCREEN[1] - layout["viewport"])
    finally:
        probe.unlink()
    return layout


def assert_fits_the_reviewers_screen(report: Path, record: dict, tmp: Path, screens: int = 8) -> dict:
    """Every claim of the run sits in the first screen, and the page as it opens is at most `screens` screens tall."""
    layout = page_layout(report, tmp)
    viewport = layout["viewport"]
    assert viewport == SCREEN[1], layout
    assert set(layout["rows"]) == set(record["claims"]), (sorted(layout["rows"]), sorted(record["claims"]))
    below = {claim: box for claim, box in layout["rows"].items() if box[1] > viewport}
    assert not below, f"claims below the first {SCREEN[0]} x {SCREEN[1]} screen: {below}"
    assert layout["open"] == 0 and not layout["results_shown"], layout
    assert layout["height"] <= screens * viewport, f"the folded page is {layout['height'] / viewport:.1f} screens tall"
    return layout
