"""How the record prints its numbers: each one carries its place in the record (a JSON pointer).

A number is a `<span class="num">` (templates/macros.html.j2 `num`) whose `data-path` is a JSON pointer into
the record (saved as stats_summary.json), `data-value` the exact value and `data-fmt` the format of its
text, so a reviewer (and tests/test_report.py) can check each printed number against the JSON.
"""
from __future__ import annotations

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
