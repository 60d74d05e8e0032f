"""legacy_local: provincial and municipal 统计表 of 2008–2013 (spec §3.2).

Local forms vary too much for fixed keys, so every data row is kept as printed, one
(label, unit, column, value) :class:`Triple` per value column, and the recurring concepts
(``schema.LEGACY_LOCAL_SYNONYMS``) are also read into the common subset of keys from the column
that holds the year's figure: 本年累计, ``2009年度``/本年度, 统计数/合计, and 本期实际 only when the
form has none of those; never 历年累计 (all years). Columns are found from the header row, and a
row whose cells do not line up with it is left unassigned with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from govcrawl.stats.cells import Found, keyed_value
from govcrawl.stats.result import StatValue, Triple
from govcrawl.stats.schema import LEGACY_LOCAL_SYNONYMS
from govcrawl.stats.structured import Token
from govcrawl.stats.values import compact, normalise_label

_UNITS = {"条", "件", "次", "篇", "个", "人", "人次", "万元", "元", "项", "家", "起", "天", "小时", "页"}
_UNIT_HEADERS = {"计量单位", "单位"}
_CODE_HEADERS = {"代码", "序号", "行次", "编号"}
# Value-column headers, by preference for the year's figure (lower is better; None: never).
_COLUMN_RANKS: tuple[tuple[re.Pattern[str], int | None], ...] = (
    (re.compile(r"^本年累计(数)?$"), 0),
    (re.compile(r"^(\d{4}年度?|本年度?)(数|统计数)?$"), 0),
    (re.compile(r"^(统计数|数量|数值|合计|总计|全年)$"), 1),
    (re.compile(r"^本期(实际|实际数|数)?$"), 2),
    (re.compile(r"^(历年累计|累计|历年)(数)?$"), None),
    (re.compile(r"^上年同期$"), None),
)
_BY_LABEL = {label: key for key, labels in LEGACY_LOCAL_SYNONYMS.items() for label in labels}


def tokens_from_spaced_lines(text: str) -> list[Token]:
    """Cells of a table printed without separators (``pdftotext -layout``): runs of two or more
    spaces, or tabs, end a cell."""
    tokens: list[Token] = []
    for row, line in enumerate(text.splitlines()):
        tokens += [Token(piece, row) for piece in re.split(r"\s{2,}|\t", line.strip()) if piece]
    return tokens


def _rank(header: str) -> tuple[bool, int | None]:
    """(is a value column, its preference rank) for a header cell."""
    h = compact(header)
    for pattern, rank in _COLUMN_RANKS:
        if pattern.match(h):
            return True, rank
    return False, None


@dataclass
class _Header:
    """Roles of a header row's cells: by grid column (grids) or by position from the right (pipe text)."""

    cells: list[Token]
    unit: int | None
    codes: set[int]
    values: list[int]  # indices into cells
    year_column: int | None  # index into cells of the year's figure

    @property
    def tail(self) -> int:
        """How many cells, counted from the right, are unit, code and value cells (a 序号 column
        left of the label column is not counted)."""
        roles = {i for i in (self.unit, *self.codes, *self.values) if i is not None}
        first_label = next(i for i in range(len(self.cells)) if i not in roles)
        return len(self.cells) - min(i for i in roles if i > first_label)


def _header(row: list[Token]) -> _Header | None:
    values = [i for i, t in enumerate(row) if _rank(t.text)[0]]
    if not values or not any(t.is_label for t in row[: values[0]]):
        return None
    unit = next((i for i, t in enumerate(row) if compact(t.text) in _UNIT_HEADERS), None)
    codes = {i for i, t in enumerate(row) if compact(t.text) in _CODE_HEADERS}
    ranked = [(r, i) for i in values if (r := _rank(row[i].text)[1]) is not None]
    year = min(ranked)[1] if ranked else None
    return _Header(row, unit, codes, values, year)


def _cell_at(row: list[Token], header: _Header, index: int) -> Token | None:
    """The cell of ``row`` under header cell ``index``: by grid column, else aligned from the right."""
    head = header.cells[index]
    if head.col is not None and all(t.col is not None for t in row):
        return next((t for t in row if t.col <= head.col < t.col + t.span), None)  # type: ignore[operator]
    offset = len(header.cells) - index
    return row[-offset] if offset <= len(row) else None


def _label_of(row: list[Token], header: _Header) -> str:
    """The most specific printed label: the last non-empty cell left of the unit, code and value cells."""
    if row and row[0].col is not None and header.cells[0].col is not None:
        first_role = header.cells[len(header.cells) - header.tail].col
        labels = [t for t in row if t.col is not None and t.col < first_role]  # type: ignore[operator]
    else:
        labels = row[: len(row) - header.tail]
    texts = [t.text.strip() for t in labels if t.text.strip() and t.is_label]
    return texts[-1] if texts else ""


def _is_dash(tok: Token | None) -> bool:
    return tok is not None and tok.value is not None and "dash" in tok.value.flags


def _aligned(row: list[Token], header: _Header, label: str) -> bool:
    """A row lines up with the header when its label is text, its unit cell a unit word, a dash
    or blank, and its code cells short digit strings; a number in either means shifted cells."""
    if not label:
        return False
    if header.unit is not None:
        unit = _cell_at(row, header, header.unit)
        if unit is None or not (compact(unit.text) in _UNITS or not unit.text.strip() or _is_dash(unit)):
            return False
    for i in header.codes:
        code = _cell_at(row, header, i)
        if code is not None and code.text.strip() and not re.fullmatch(r"\d{1,3}", compact(code.text)):
            return False
    return True


def _common_value(key: str, cell: Token, unit: str | None) -> StatValue:
    assert cell.value is not None
    v = keyed_value(key, cell.value)
    unit = v.unit or unit
    if key.endswith("_wan") and unit == "元" and v.value is not None:
        return StatValue(key, Decimal(v.value) / 10000, v.raw, unit, v.flags + ("unit_converted",), v.source)
    return StatValue(key, v.value, v.raw, unit, v.flags, v.source)


def parse_local(tokens: list[Token]) -> Found:
    """Read local 统计表 rows from cell tokens (grid cells or pipe cells, grouped by row)."""
    found = Found()
    header: _Header | None = None
    for _, row_iter in groupby(tokens, key=lambda t: t.row):
        row = list(row_iter)
        new_header = _header(row)
        if new_header is not None:
            header = new_header
            found.tables.add("legacy")
            continue
        if header is None or not any(t.value is not None and "blank" not in t.value.flags for t in row):
            continue  # prose, headings and rows without a single value
        label = _label_of(row, header)
        if not _aligned(row, header, label):
            if len(row) > 1:
                found.warnings.append(
                    f"统计表 {' | '.join(t.text.strip() for t in row)[:60]}: cells do not line up "
                    "with the header; row left unassigned"
                )
            continue
        unit_cell = _cell_at(row, header, header.unit) if header.unit is not None else None
        unit = (
            compact(unit_cell.text) if unit_cell is not None and compact(unit_cell.text) in _UNITS else None
        )
        cells = {i: _cell_at(row, header, i) for i in header.values}
        if _is_dash(unit_cell) and all(_is_dash(c) for c in cells.values()):
            continue  # a heading row: —— in the unit and every value cell
        for i, cell in cells.items():
            if cell is None or cell.value is None:
                continue
            found.triples.append(
                Triple(
                    "legacy_local",
                    label,
                    header.cells[i].text.strip(),
                    cell.value.value,
                    cell.text,
                    cell.value.unit or unit,
                    cell.value.flags,
                )
            )
        key = _BY_LABEL.get(normalise_label(label))
        year = cells.get(header.year_column) if header.year_column is not None else None
        if key and year is not None and year.value is not None and key not in found.values:
            found.values[key] = _common_value(key, year, unit)
    return found
