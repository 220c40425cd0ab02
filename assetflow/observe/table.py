"""The one plain-text table formatter: every table the CLI prints (and the reprs) goes through it.

Columns are separated by two spaces; numbers are right-aligned, everything else left-aligned; a
column is as wide as its widest cell, so long labels never shift the columns after them. The last
column is not padded (no trailing spaces), cells stay on one line (newlines are shown as ``\\n``),
and times print as ``YYYY-MM-DD HH:MM:SS`` (UTC, as stored). Nothing is truncated, so the output
stays exact and greppable. (rich's tables wrap cells to the terminal width and read ``[...]`` as
markup, which is what a live display wants and a pipe does not.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

Align = Literal["<", ">"]
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Column:
    """A column's title; ``align`` overrides the automatic choice (numbers right, text left)."""

    title: str
    align: Align | None = None


def cell(value: object) -> str:
    """How one value prints in a table."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\n", "\\n")


def format_table(
    columns: Sequence[Column | str], rows: Iterable[Sequence[object]], *, indent: int = 0
) -> str:
    """The table as text: a header line, then one line per row."""
    heads = [c if isinstance(c, Column) else Column(c) for c in columns]
    raw = [list(r) for r in rows]
    for r in raw:
        if len(r) != len(heads):
            raise ValueError(f"row has {len(r)} cells for {len(heads)} columns: {r!r}")
    texts = [[cell(v) for v in r] for r in raw]
    aligns = [c.align or (">" if _numeric(r[i] for r in raw) else "<") for i, c in enumerate(heads)]
    widths = [max([len(c.title), *(len(t[i]) for t in texts)]) for i, c in enumerate(heads)]
    pad = " " * indent
    lines = []
    for values in [[c.title for c in heads], *texts]:
        parts = [f"{v:{a}{w}}" for v, a, w in zip(values, aligns, widths, strict=True)]
        lines.append((pad + "  ".join(parts)).rstrip())
    return "\n".join(lines)


def _numeric(values: Iterable[object]) -> bool:
    seen = False
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int | float | Decimal):
            return False
        seen = True
    return seen
