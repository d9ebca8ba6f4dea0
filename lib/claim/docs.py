"""The claim catalogue page (docs/claims.md), written from the claims and probes themselves.

Nothing on the page is kept by hand beyond its template's shared terms: each claim's section is its module's
`CLAIM` (sentence, cells, tables, thresholds, P1, P3, planted falsehoods, numeric cells), each probe's its
`PROBE`. `tests/test_catalogue_doc.py` fails when the committed page and the claims differ.
"""
from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import jinja2

from jepa_claims.claim.catalogue import Catalogue, load, repository_suite
from jepa_claims.claim.unit import Claim
from jepa_claims.toy.variants import TOY_VARIANTS

PLANTED_TABLE = "planted table:"
WIDTH = 100  # the quote's line length on the page


def _environment() -> jinja2.Environment:
    """Markdown from a template: no HTML escaping (the page is Markdown; GitHub escapes what it renders)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("jepa_claims.claim", "templates"), autoescape=False,
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    env.filters["code"] = lambda text: f"`{text}`"
    env.filters["blockquote"] = lambda text: "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
    env.filters["planted"] = planted_text
    return env


def planted_text(planted: str) -> str:
    """A planted falsehood in words: a toy variant with how it differs, or a planted table."""
    if planted.startswith(PLANTED_TABLE):
        return "a planted table: " + planted.removeprefix(PLANTED_TABLE).strip()
    return f"toy variant `{planted}`: {TOY_VARIANTS.get(planted, 'not a toy variant')}"


def _claim_entry(claim: Claim, module: str) -> dict:
    """A claim as the template reads it: its definition, its module, and the numeric cells of its own cells."""
    cells = dict.fromkeys(c for ck, sl in claim.cells() for c in claim.numeric_cells(ck, sl))
    quote = "\n".join(textwrap.wrap(claim.quote, WIDTH, break_on_hyphens=False))
    return claim.describe() | {"module": module, "paper_cells": list(cells), "quote": quote}


def catalogue_markdown(catalogue: Catalogue) -> str:
    """docs/claims.md for these claims and probes."""
    claims = [_claim_entry(c, catalogue.module_of(c.id)) for c in catalogue]
    probes = [p.describe() | {"doc": p.doc, "module": catalogue.module_of(p.id)} for p in catalogue.probes()]
    page = _environment().get_template("catalogue.md.j2").render(claims=claims, probes=probes)
    lines = "\n".join(line.rstrip() for line in page.splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines).strip() + "\n"


def add_catalogue_arguments(parser) -> None:
    """Options of `jepa-claims catalogue`."""
    parser.add_argument("--claims", type=Path, action="append", default=None,
                        help="a folder of claim modules (repeatable; default: this checkout's claims/)")
    parser.add_argument("--out", type=Path, default=Path("docs/claims.md"), help="the page to write")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when the page differs from the claims")


def run_catalogue(args) -> int:
    """Write (or, with --check, compare) the catalogue page of the claims in the given folders."""
    page = catalogue_markdown(load(*(args.claims or [repository_suite()])))
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == page
        print(f"{args.out}: {'up to date' if same else 'differs from the claims (jepa-claims catalogue rewrites it)'}",
              file=sys.stderr)
        return 0 if same else 1
    args.out.write_text(page, encoding="utf-8")
    print(f"wrote {args.out} ({len(page.splitlines())} lines)", file=sys.stderr)
    return 0
