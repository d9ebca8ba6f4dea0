"""Numeric agreement: the measured value behind every cell of the paper's tables, its standard error, and the
tolerance derived from them.

Cell ids follow `paper_values.cells()`: table1/<slice>/<object|background|advantage>,
table2/<slice>/<group>/<rescue|rescue_fraction>, table3/<family>/<advantage|wins>, wins/voc8x3 (section 3.2),
table4/<slice>/object_tokens, proxy/<name>. Table 4's background and visible-context rows are not cells: the
background budget equals the object budget on every image by construction (a claim checks that), and the visible
context is the grid's 256 tokens minus it, so both are the object-token measurement again.

A cell agrees when |measured - paper| <= z * sqrt(se_measured^2 + se_paper^2) + floor * |paper|: the two
numbers are means over two independent draws of images, z the normal quantile of the paper's confidence level,
and the floor (paper_values.FLOORS) the named share of the paper's value that sampling does not explain.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import scipy.stats

from jepa_claims.paper import values as pv
from jepa_claims.claim.evidence import late_context
from jepa_claims.claim.source import TableSource

PAPER_GROUP = {pv.SINGLE: "single", pv.PAIR: "pair", pv.TRIPLE: "triple"}
PROXY_SLICE = "16x3"  # section 3.6
TABLE3_SLICE = "8x3"  # Table 3
Z = float(scipy.stats.norm.ppf(0.5 + pv.CONFIDENCE.value / 2))  # 1.96: the paper's 95% level, two-sided
MEAN_SE = "s.e. of the mean of the per-image values"
COUNT_SE = "binomial s.e. of the win share (Agresti-Coull: 2 wins and 2 losses added, so 24 of 24 is not exact)"
PAPER_SE_AS_MEASURED = ("the paper prints no error: its own images are another draw of the same size from the same "
                        "classes, so its s.e. is taken equal to the measured one")
PAPER_SE_OF_COUNT = "binomial s.e. of the paper's printed count (Agresti-Coull)"


@dataclass(frozen=True)
class Measurement:
    """A measured cell: the value, its standard error over the images, and how that error was got."""

    value: float
    se: float
    n: int
    se_method: str


@dataclass(frozen=True)
class Agreement:
    """A measured cell against the paper's number, with the tolerance derived for it."""

    cell: str
    measured: float
    se: float
    n: int
    se_method: str
    paper: float
    paper_se: float
    paper_se_source: str
    floor_name: str
    floor: float  # relative: a share of |paper|
    z: float
    tolerance: float  # z * sqrt(se^2 + paper_se^2) + floor * |paper|

    @property
    def within(self) -> bool:
        """|measured - paper| within the tolerance."""
        return abs(self.measured - self.paper) <= self.tolerance

    def to_dict(self) -> dict:
        """JSON-ready dict, with `within` and the difference."""
        return asdict(self) | {"within": self.within, "diff": self.measured - self.paper}


def derived_tolerance(se: float, paper_se: float, floor: float, paper: float, z: float = Z) -> float:
    """z * sqrt(se^2 + paper_se^2) + floor * |paper|: sampling error of two draws plus the relative floor."""
    return z * math.hypot(se, paper_se) + floor * abs(paper)


def cell_location(cell_id: str) -> tuple[str, str]:
    """(checkpoint key, slice) a cell is measured on."""
    table, *rest = cell_id.split("/")
    if table == "table3":
        return rest[0], TABLE3_SLICE
    if table == "proxy":
        return "ijepa_1k", PROXY_SLICE
    return "ijepa_1k", rest[0]


def _mean(values) -> Measurement:
    """Mean of per-image values with its standard error."""
    x = np.asarray(values, dtype=float)
    return Measurement(float(x.mean()), float(scipy.stats.sem(x)), int(x.size), MEAN_SE)


def count_se(wins: int, n: int) -> float:
    """Binomial s.e. of a win share, Agresti-Coull adjusted so that k = 0 or k = n has a nonzero error."""
    share = (wins + 2) / (n + 4)
    return math.sqrt(share * (1 - share) / (n + 4))


def _table1(source: TableSource, checkpoint: str, slice_name: str, key: str) -> Measurement:
    """Object or background late drift, or their per-image difference (Table 1, Table 3's advantage)."""
    late = late_context(source, checkpoint, slice_name)
    series = late["object"] - late["background"] if key == "advantage" else late[key]
    return _mean(series)


def _wins(source: TableSource, checkpoint: str, slice_name: str) -> Measurement:
    """Share of images where object beats background strictly (ties are not wins)."""
    late = late_context(source, checkpoint, slice_name)
    wins, n = int((late["object"] > late["background"]).sum()), len(late)
    return Measurement(wins / n, count_se(wins, n), n, COUNT_SE)


def _table2(source: TableSource, checkpoint: str, slice_name: str, group: str, key: str) -> Measurement:
    """Per-image context-only rescue (or rescue fraction) of one group on object masks (Table 2)."""
    table = source.table("rescue", checkpoint, slice_name)
    sites = " + ".join(source.roles(checkpoint).groups()[PAPER_GROUP[group]])
    rows = table[(table["mode"] == "context") & (table["mask"] == "object") & (table["sites"] == sites)]
    return _mean(rows[key])


def _tokens(source: TableSource, checkpoint: str, slice_name: str) -> Measurement:
    """Object-mask token budget per image (Table 4)."""
    masks = source.table("masks", checkpoint, slice_name)
    return _mean(masks[masks["mask"] == "object"]["tokens"])


def _proxy(source: TableSource, checkpoint: str, slice_name: str, key: str) -> Measurement:
    """Per-image proxy numbers of section 3.6, read as the proxy claim reads them."""
    table = source.table("proxy", checkpoint, slice_name)
    if key == "clean_global_drift":
        return _mean(table[(table["mask"] == "object") & (table["condition"] == "clean")]["proxy_global_drift"])
    context = table.pivot_table(index="image_id", columns=["mask", "condition"], values="proxy_context_drift")
    if key.startswith("rescue_"):
        return _mean(context[("object", "masked")] - context[("object", key.removeprefix("rescue_"))])
    return _mean(context[(key.removesuffix("_context_drift"), "masked")])


def measure_cell(cell_id: str, source: TableSource) -> Measurement:
    """The measured counterpart of one paper cell, with its standard error."""
    table, *rest = cell_id.split("/")
    checkpoint, slice_name = cell_location(cell_id)
    if table == "table1" or (table == "table3" and rest[-1] == "advantage"):
        return _table1(source, checkpoint, slice_name, rest[-1])
    if table in ("table3", "wins"):
        return _wins(source, checkpoint, slice_name)
    if table == "table2":
        return _table2(source, checkpoint, slice_name, rest[1], rest[2])
    if table == "table4":
        return _tokens(source, checkpoint, slice_name)
    if table == "proxy":
        return _proxy(source, checkpoint, slice_name, rest[0])
    raise KeyError(f"unknown table in cell id {cell_id!r}")


def agreement(cell: pv.Cell, source: TableSource) -> Agreement:
    """One paper cell against its measurement, with the tolerance derived from both."""
    m = measure_cell(cell.id, source)
    count = cell.count
    paper_se, how = (count_se(count.wins, count.n), PAPER_SE_OF_COUNT) if count else (m.se, PAPER_SE_AS_MEASURED)
    floor = pv.FLOORS[cell.floor].relative
    return Agreement(cell.id, m.value, m.se, m.n, m.se_method, cell.paper.value, paper_se, how, cell.floor, floor, Z,
                     derived_tolerance(m.se, paper_se, floor, cell.paper.value))
