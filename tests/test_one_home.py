"""Every fact has one home: a claim's id lives in its own module and where a probe reads it, modules stay small.

A claim is one unit (claims/test_cNN_*.py): the census, the record, the catalogue and the probes read it from
there, so its id needs no second list. The id may appear in its own module and in the modules of the probes that
run its check (P2, P5, P7, P9 report against a claim's cell): at most MAX_FILES files of lib/, claims/ and
fixtures/ in all.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from claim_modules import CLAIMS

ROOT = Path(__file__).resolve().parents[1]
PLACES = ("lib", "claims", "fixtures")
MAX_FILES = 3
MAX_LINES = 400  # house style: modules under about 400 lines
TEXT = (".py", ".toml", ".j2", ".html", ".css", ".json", ".md")


def files_naming(unit_id: str, root: Path = ROOT) -> list[str]:
    """The files of lib/, claims/ and fixtures/ whose text names this id as a word."""
    word = re.compile(rf"\b{re.escape(unit_id)}\b")
    return sorted(str(p.relative_to(root)) for place in PLACES for p in (root / place).rglob("*")
                  if p.is_file() and p.suffix in TEXT and word.search(p.read_text(encoding="utf-8", errors="ignore")))


@pytest.mark.parametrize("claim", CLAIMS.ids())
def test_a_claim_id_lives_in_at_most_three_files(claim):
    """The id is in its own module and at most the probes that read it."""
    found = files_naming(claim)
    assert len(found) <= MAX_FILES, f"{claim} is named in {len(found)} files: {found}"


def test_the_count_catches_a_second_list(tmp_path):
    """The count is not vacuous: a list of ids in a fourth file is found."""
    for place in PLACES:
        (tmp_path / place).mkdir()
    for name in ("claims/test_c4_x.py", "lib/a.py", "lib/b.toml", "fixtures/c.py"):
        (tmp_path / name).write_text('READS = {"C4": ("semantic",)}\n')
    (tmp_path / "lib" / "d.py").write_text("C40 = 1  # another id\n")
    assert files_naming("C4", tmp_path) == ["claims/test_c4_x.py", "fixtures/c.py", "lib/a.py", "lib/b.toml"]


@pytest.mark.parametrize("place", PLACES)
def test_no_module_is_over_the_size_limit(place):
    """No Python module of lib/, claims/ or fixtures/ is over MAX_LINES lines."""
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / place).rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long
