"""The Jinja2 environment every page of the record is rendered with: autoescaped, strict about names.

Templates live in lib/record/templates (package data); `macros.html.j2` holds the primitives (a number with its
place in the record, a status badge, any recorded value). Python hands templates data, never markup: a
checkpoint folder's name or a label reaches the page only through autoescaping.
"""
from __future__ import annotations

from functools import cache
from importlib.resources import files

from jinja2 import Environment, PackageLoader, StrictUndefined

from jepa_claims.record.markup import FORMATS, STATUS_CLASS, pointer


def _format(value, fmt: str = "g") -> str:
    """A number's printed text in one of markup.FORMATS."""
    return FORMATS[fmt](value)


def _pointer(path) -> str:
    """A JSON pointer from a path given as a list or tuple."""
    return pointer(*path)


@cache
def environment() -> Environment:
    """The record's template environment (built once per process)."""
    env = Environment(loader=PackageLoader("jepa_claims.record", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
    env.filters.update(fmt=_format, pointer=_pointer, repr=repr, status_class=STATUS_CLASS.__getitem__,
                       reflow=lambda text: " ".join(str(text).split()))
    return env


def render_template(name: str, **context) -> str:
    """One template of lib/record/templates filled with `context`."""
    return environment().get_template(name).render(**context)


@cache
def stylesheet(*names: str) -> str:
    """The named stylesheets of lib/record/templates joined, by default the record's (its status badges first)."""
    folder = files("jepa_claims.record").joinpath("templates")
    return "\n".join(folder.joinpath(name).read_text(encoding="utf-8") for name in names or ("status.css", "record.css"))
