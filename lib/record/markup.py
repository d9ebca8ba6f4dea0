"""The record's HTML primitives: every printed number carries its place in the record (a JSON pointer).

A number is a `<span class="num">` whose `data-path` is a JSON pointer into the record (saved as
stats_summary.json), `data-value` the exact value and `data-fmt` the format of its text, so a reviewer (and
tests/test_report.py) can check each printed number against the JSON.
"""
from __future__ import annotations

from html import escape

from jepa_claims.record.summary import STATUS_ORDER

FORMATS = {
    "g": lambda v: f"{v:.4g}",  # drift, rescue, tokens
    "s": lambda v: f"{v:+.4g}",  # signed differences
    "p": lambda v: f"{v:.2g}",  # p-values
    "i": lambda v: f"{int(v):d}",  # counts, layers
    "%": lambda v: f"{v:.0%}",  # confidence levels
}
STATUS_CLASS = {s: s.lower().replace(" ", "-") for s in STATUS_ORDER}


def pointer(*parts) -> str:
    """JSON pointer (RFC 6901) to a value of the record."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def resolve(document, path: str):
    """The value a JSON pointer names."""
    value = document
    for part in path.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def num(value, path: tuple, fmt: str = "g") -> str:
    """A number with its place in the record; None prints as n/a."""
    if value is None or isinstance(value, bool):
        return "n/a" if value is None else escape(str(value))
    text = FORMATS[fmt](value)
    return (f'<span class="num" data-path="{escape(pointer(*path))}" data-value="{value!r}" '
            f'data-fmt="{fmt}">{escape(text)}</span>')


def value_html(value, path: tuple) -> str:
    """Any recorded value: numbers as `num`, lists and dicts element by element, text escaped."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return escape(str(value))
    if isinstance(value, int):
        return num(value, path, "i")
    if isinstance(value, float):
        return num(value, path, "g")
    if isinstance(value, list):
        return "[" + ", ".join(value_html(v, path + (i,)) for i, v in enumerate(value)) + "]"
    if isinstance(value, dict):
        return "; ".join(f"{escape(str(k))} {value_html(v, path + (k,))}" for k, v in value.items())
    return escape(str(value))


def paragraphs(text: str) -> str:
    """A docstring as HTML paragraphs, its hard line breaks reflowed."""
    return "".join(f"<p>{escape(' '.join(p.split()))}</p>" for p in text.split("\n\n") if p.strip())


def status_badge(status: str) -> str:
    """A verdict status as its coloured badge."""
    return f'<span class="status {STATUS_CLASS[status]}">{escape(status)}</span>'
