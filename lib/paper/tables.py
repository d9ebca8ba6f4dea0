"""The paper's Tables 1-4 as printed, cell for cell, read from tables.toml; values.py names its cells by TableCell."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).with_name("tables.toml")


@dataclass(frozen=True)
class Table:
    """One table: its header, its rows of printed strings, and how many leading columns name a row."""

    id: str  # "table1"
    caption: str  # the id of its caption in sentences.toml (the same as the table's)
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # as printed: a blank key cell repeats the row above's
    keys: int = 1

    def row_names(self) -> list[tuple[str, ...]]:
        """Each row's key cells, a blank one filled from the row above as the printed table means it."""
        names, last = [], ("",) * self.keys
        for row in self.rows:
            last = tuple(cell or above for cell, above in zip(row[:self.keys], last))
            names.append(last)
        return names

    def cell(self, row: tuple[str, ...], column: str) -> str:
        """The printed string at a row (its key cells, e.g. ("8x3", "29.intermediate")) and a column."""
        if column not in self.columns:
            raise KeyError(f"{self.id}: no column {column!r}; columns: {', '.join(self.columns)}")
        names = self.row_names()
        if row not in names:
            raise KeyError(f"{self.id}: no row {row!r}; rows: {', '.join(' / '.join(n) for n in names)}")
        return self.rows[names.index(row)][self.columns.index(column)]


@dataclass(frozen=True)
class TableCell:
    """Where a number of values.py is printed in a table: the table, the row's key cells and the column."""

    table: str
    row: tuple[str, ...]
    column: str

    def __str__(self) -> str:
        return f"{self.table.replace('table', 'Table ')}, {' / '.join(self.row)}, {self.column}"


def load(path: Path = DATA) -> dict[str, Table]:
    """The tables stored in `path`, by id."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {t["id"]: Table(t["id"], t["caption"], tuple(t["columns"]), tuple(tuple(r) for r in t["rows"]), t["keys"])
            for t in data["table"]}


TABLES = load()


def printed(ref: TableCell) -> str:
    """The string the paper prints in the cell `ref` names."""
    if ref.table not in TABLES:
        raise KeyError(f"no table {ref.table!r}; known: {', '.join(TABLES)}")
    return TABLES[ref.table].cell(ref.row, ref.column)
