"""Statistics tables as an abstract grid of spanning cells, rendered to HTML and DOCX.

The builders read labels and layout from :mod:`govcrawl.stats.schema` and take any values
dict keyed by canonical statistics key, so seed reports and (later) generated portals share
one layout. The official forms (国办公开办函〔2019〕60号 / 〔2021〕30号) are reproduced: caption rows,
the 3×3 note cell of table 三, the vertical group cells, the two-level header of table 四.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from docx.document import Document as DocxDocument
from docx.shared import Emu
from docx.table import Table as DocxTable

from govcrawl.stats.schema import APPLY_COLUMNS, REVIEW_GROUPS, REVIEW_KEYS, REVIEW_LEAVES, Format

#: The 勾稽 note printed in the merged top-left block of table 三.
APPLY_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


@dataclass(frozen=True)
class SpanCell:
    """An anchor cell: its text and how many rows/columns it covers."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


@dataclass(frozen=True)
class GridTable:
    """Rows of anchor cells (HTML order: a spanned slot has no cell of its own)."""

    rows: tuple[tuple[SpanCell, ...], ...]
    n_cols: int
    widths: tuple[float, ...] = ()  # relative column widths; empty means equal

    def placed(self) -> list[tuple[int, int, SpanCell]]:
        """Every anchor cell with its top-left (row, column) in the full grid."""
        taken: set[tuple[int, int]] = set()
        out: list[tuple[int, int, SpanCell]] = []
        for r, row in enumerate(self.rows):
            c = 0
            for cell in row:
                while (r, c) in taken:
                    c += 1
                out.append((r, c, cell))
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        taken.add((r + dr, c + dc))
                c += cell.colspan
        return out


def format_value(value: object) -> str:
    """How a value is printed in a cell: blank for None, no trailing zeros for decimals."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def _h(text: str, rowspan: int = 1, colspan: int = 1) -> SpanCell:
    return SpanCell(text, rowspan, colspan, header=True)


def _v(value: object, colspan: int = 1) -> SpanCell:
    return SpanCell(format_value(value), 1, colspan)


def active_table(
    fmt: Format, values: Mapping[str, object], units: Mapping[str, str] | None = None
) -> GridTable:
    """Table 二 of ``fmt``: per block a caption row, a 信息内容 header row and its data rows.

    ``units`` maps a cell key to the unit printed in its column header (e.g. 万元); the value,
    given in yuan, is then printed in that unit.
    """
    units = units or {}
    width = max(len(b.columns) for b in fmt.active)
    rows: list[tuple[SpanCell, ...]] = []
    for block in fmt.active:
        rows.append((_h(block.caption, colspan=width + 1),))
        head = [_h("信息内容")]
        for i, (ckey, clabel) in enumerate(block.columns):
            unit = units.get(f"active.{block.key}.{block.rows[0][0]}.{ckey}")
            label = f"{clabel}（{unit}）" if unit else clabel
            head.append(_h(label, colspan=width - i if i == len(block.columns) - 1 else 1))
        rows.append(tuple(head))
        for rkey, rlabel in block.rows:
            row = [_h(rlabel)]
            for i, (ckey, _) in enumerate(block.columns):
                key = f"active.{block.key}.{rkey}.{ckey}"
                value = values.get(key)
                if units.get(key) == "万元" and isinstance(value, int | float):
                    value = value / 10000
                row.append(_v(value, colspan=width - i if i == len(block.columns) - 1 else 1))
            rows.append(tuple(row))
    return GridTable(tuple(rows), width + 1, widths=(2.0,) + (1.0,) * width)


def apply_table(fmt: Format, values: Mapping[str, object]) -> GridTable:
    """Table 三 of ``fmt``: three header rows under the merged note, then one row per ApplyRow."""
    rows: list[tuple[SpanCell, ...]] = [
        (_h(APPLY_NOTE, rowspan=3, colspan=3), _h("申请人情况", colspan=7)),
        (_h("自然人", rowspan=2), _h("法人或其他组织", colspan=5), _h("总计", rowspan=2)),
        tuple(_h(label) for _, label in APPLY_COLUMNS[1:6]),
    ]
    apply_rows = fmt.apply_rows
    # How many data rows each label group covers, to size the vertical group cells.
    span: dict[tuple[str, ...], int] = {}
    for ar in apply_rows:
        for depth in range(1, len(ar.labels)):
            prefix = ar.labels[:depth]
            span[prefix] = span.get(prefix, 0) + 1
    seen: set[tuple[str, ...]] = set()
    for ar in apply_rows:
        cells: list[SpanCell] = []
        for depth in range(1, len(ar.labels)):
            prefix = ar.labels[:depth]
            if prefix not in seen:
                seen.add(prefix)
                cells.append(_h(prefix[-1], rowspan=span[prefix]))
        cells.append(_h(ar.labels[-1], colspan=4 - len(ar.labels)))
        cells.extend(_v(values.get(k)) for k in ar.keys())
        rows.append(tuple(cells))
    # Wide label columns as on the printed form, so labels do not wrap to one character a line.
    return GridTable(tuple(rows), 10, widths=(1.2, 1.4, 3.6) + (1.0,) * 7)


def review_table(values: Mapping[str, object]) -> GridTable:
    """Table 四: 行政复议 (5 cells) and 行政诉讼 split into 未经复议直接起诉 / 复议后起诉."""
    leaves = [label for _, label in REVIEW_LEAVES]
    (_, review_label), (_, direct_label), (_, after_label) = REVIEW_GROUPS
    rows = (
        (_h(review_label, colspan=5), _h("行政诉讼", colspan=10)),
        (*(_h(leaf, rowspan=2) for leaf in leaves), _h(direct_label, colspan=5), _h(after_label, colspan=5)),
        tuple(_h(leaf) for leaf in leaves * 2),
        tuple(_v(values.get(k)) for k in REVIEW_KEYS),
    )
    return GridTable(rows, 15)


def plain_table(rows: Sequence[Sequence[str]], n_cols: int) -> GridTable:
    """A table without spans, each row padded (or cut) to ``n_cols`` cells."""
    padded = [list(r[:n_cols]) + [""] * (n_cols - len(r)) for r in rows]
    return GridTable(
        tuple(tuple(SpanCell(t, header=i == 0) for t in r) for i, r in enumerate(padded)), n_cols
    )


def table_html(table: GridTable) -> str:
    """A bordered ``<table>`` with rowspan/colspan attributes, as CMS editors emit them."""
    out = [
        '<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse;width:100%">',
        "<tbody>",
    ]
    for row in table.rows:
        out.append("<tr>")
        for cell in row:
            attrs = ""
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            align = "center" if cell.header else "right"
            out.append(f'<td{attrs} style="text-align:{align}"><p>{html.escape(cell.text)}</p></td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def add_docx_table(doc: DocxDocument, table: GridTable) -> DocxTable:
    """Append ``table`` to ``doc`` as a bordered Word table with real merged cells."""
    n_rows = len(table.rows)
    t = doc.add_table(rows=n_rows, cols=table.n_cols)
    t.style = "Table Grid"
    if table.widths:
        t.autofit = False
        section = doc.sections[-1]
        usable = section.page_width - section.left_margin - section.right_margin
        total = sum(table.widths)
        for col, weight in zip(t.columns, table.widths, strict=True):
            width = Emu(int(usable * weight / total))
            col.width = width
            for cell in col.cells:
                cell.width = width
    # The cells once, before any merge: Table.cell() re-walks the whole table on every call. Spans
    # never overlap, so a span's corner cells are still unmerged when its turn comes.
    grid = [list(row.cells) for row in t.rows]
    for r, c, cell in table.placed():
        target = grid[r][c]
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(grid[r + cell.rowspan - 1][c + cell.colspan - 1])
        target.text = cell.text
    return t
