"""Numeric agreement: the measured value behind every cell of the paper's tables.

Cell ids follow `paper_values.cells()`: table1/<slice>/<object|background|advantage>,
table2/<slice>/<group>/<rescue|rescue_fraction>, table3/<family>/<advantage|wins>, wins/voc8x3 (section 3.2),
table4/<slice>/<object_tokens|background_tokens|visible_context>, proxy/<name>.
"""
from __future__ import annotations

from jepa_claims.verdicts import paper_values as pv
from jepa_claims.verdicts.common import advantage, group_means
from jepa_claims.verdicts.source import TableSource

PAPER_GROUP = {pv.SINGLE: "single", pv.PAIR: "pair", pv.TRIPLE: "triple"}
PROXY_SLICE = "16x3"  # section 3.6
TABLE3_SLICE = "8x3"  # Table 3


def cell_location(cell_id: str) -> tuple[str, str]:
    """(checkpoint key, slice) a cell is measured on."""
    table, *rest = cell_id.split("/")
    if table == "table3":
        return rest[0], TABLE3_SLICE
    if table == "proxy":
        return "ijepa_1k", PROXY_SLICE
    return "ijepa_1k", rest[0]


def measure_cell(cell_id: str, source: TableSource) -> float:
    """The measured counterpart of one paper cell."""
    table, *rest = cell_id.split("/")
    checkpoint, slice_name = cell_location(cell_id)
    if table == "table1":
        c = advantage(source, checkpoint, slice_name)
        return {"object": c.mean_a, "background": c.mean_b, "advantage": c.mean_diff}[rest[1]]
    if table == "table2":
        return float(group_means(source, checkpoint, slice_name).loc[PAPER_GROUP[rest[1]], rest[2]])
    if table in ("table3", "wins"):
        c = advantage(source, checkpoint, slice_name)
        return c.mean_diff if rest[-1] == "advantage" else c.wins / c.n
    if table == "table4":
        from jepa_claims.verdicts.checks import c13_token_budgets

        return float(c13_token_budgets(source, checkpoint, slice_name).measured[rest[1]])
    if table == "proxy":
        from jepa_claims.verdicts.checks import c11_predictor_proxy

        return float(c11_predictor_proxy(source, checkpoint, slice_name).measured[rest[0]])
    raise KeyError(f"unknown table in cell id {cell_id!r}")
