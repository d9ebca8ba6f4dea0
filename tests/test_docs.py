"""The user docs stay inside the repository: links resolve, nothing points outside, README's commands are CI's."""
from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Places outside the repository that a clone does not have (spelt in two parts so this file passes its own test).
OUTSIDE = ("../" + "shared", "/work/" + "shared")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Anchors of every Markdown heading of a page (outside code blocks)."""
    return {slug(line.lstrip("#")) for line in CODE.sub("", text).splitlines() if line.startswith("#")}


def broken_links(page: Path, text: str) -> list[str]:
    """Relative links of a Markdown page whose file (or heading) is not in the repository."""
    broken = []
    for target in LINK.findall(CODE.sub("", text)):
        if re.match(r"[a-z]+:", target):  # https:, mailto: ...
            continue
        name, _, anchor = target.partition("#")
        path = (page.parent / name).resolve() if name else page
        inside = path == ROOT or ROOT in path.parents
        if not inside or not path.exists():
            broken.append(f"{target} (no such file in the repository)")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path.read_text(encoding="utf-8")):
            broken.append(f"{target} (no heading #{anchor})")
    return broken


def outside_mentions(data: bytes) -> list[str]:
    """Which paths outside the repository a file's bytes mention."""
    return [place for place in OUTSIDE if place.encode() in data]


def repository_files() -> list[Path]:
    """Tracked and untracked-but-not-ignored files of the checkout."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                                capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"not a git checkout, cannot list the repository's files: {error}")
    return [ROOT / name for name in listed.decode().split("\0") if name and (ROOT / name).is_file()]


def readme_command(label: str) -> str:
    """The command in README's command table on the row whose first cell starts with `label`."""
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith(label):
            return cells[1].split("`")[1]
    raise AssertionError(f"README's command table has no row starting with {label!r}")


def ci_commands() -> list[list[str]]:
    """Command lines of .ci/run, split as the shell would, without leading VAR=value assignments."""
    lines = []
    for line in (ROOT / ".ci" / "run").read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            words = shlex.split(line)
            while words and re.match(r"^[A-Z_]+=", words[0]):
                words.pop(0)
            lines.append(words)
    return lines


@pytest.mark.parametrize("page", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_in_the_repository(page):
    """Each relative link of README.md and docs/*.md names a file (and heading) of this repository."""
    assert not broken_links(page, page.read_text(encoding="utf-8"))


def test_docs_exist_and_readme_links_each_page():
    """docs/ holds the design, conventions, claims and adding-a-claim pages, and README links every page."""
    pages = {p.name for p in DOCS[1:]}
    assert {"design.md", "conventions.md", "claims.md", "adding-a-claim.md"} <= pages
    linked = {Path(t.partition("#")[0]).name for t in LINK.findall((ROOT / "README.md").read_text(encoding="utf-8"))}
    assert pages <= linked, f"README does not link {sorted(pages - linked)}"


def test_no_repository_file_points_outside_the_repository():
    """No file of the checkout mentions a place beside the repository that a clone does not have."""
    found = {str(p.relative_to(ROOT)): hits for p in repository_files() if (hits := outside_mentions(p.read_bytes()))}
    assert not found, found


@pytest.mark.parametrize("label, ci_call", [("test command", "scripts/test"), ("replication check", "scripts/replicate")])
def test_readme_commands_are_the_ones_ci_runs(label, ci_call):
    """README's test command and main command are the scripts, and .ci/run calls exactly those."""
    command = readme_command(label)
    assert command == ci_call and (ROOT / command).is_file()
    assert [command] in ci_commands(), f".ci/run does not call README's {label} `{command}`"


def test_checks_catch_planted_faults():
    """A missing file, a link out of the repository, a missing heading and an outside path are caught."""
    page = ROOT / "docs" / "planted.md"
    text = ("[ok](design.md#roles) [gone](nowhere.md) [out](../../etc/hosts) [bad](conventions.md#no-such-heading) "
            "`[in code](nowhere.md)` [web](https://example.org)")
    assert broken_links(page, text) == ["nowhere.md (no such file in the repository)",
                                        "../../etc/hosts (no such file in the repository)",
                                        "conventions.md#no-such-heading (no heading #no-such-heading)"]
    assert outside_mentions(("see " + OUTSIDE[0] + "/DESIGN.md").encode()) == [OUTSIDE[0]]
    assert outside_mentions(b"see docs/design.md") == []
