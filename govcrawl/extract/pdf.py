"""PDF files via pdfplumber: text lines joined into paragraphs, ruled tables as span-exact grids.

pdfplumber reports a merged cell once, at its top-left slot, and ``None`` in the slots it covers
(stack notes §4); the cell bounding boxes tell which slots belong to which cell. Tables and text
are ordered by their position on the page, a table continued on the next page is joined, and
printed page numbers are dropped.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from govcrawl.clean import is_page_number_line
from govcrawl.document import Block, Cell, Document, Table
from govcrawl.extract.errors import ExtractionError, classify
from govcrawl.extract.grid import collapse_redundant_lines
from govcrawl.extract.textutil import join_wrapped, leading_title, squash_spaces

_EPS = 1.0
#: A wrapped line may stop this many characters short of the right margin (a number or Latin
#: word that did not fit moves to the next line whole).
_WRAP_SLACK_CHARS = 4

# pdfminer logs every recoverable syntax oddity of real-world PDFs at WARNING.
logging.getLogger("pdfminer").setLevel(logging.ERROR)


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    size: float


BBox = tuple[float, float, float, float]
#: Points two column edges may differ by and still be the same ruling line.
_EDGE_TOLERANCE = 2.0


@dataclass
class _RawTable:
    """A table as pdfplumber found it: cell boxes with their texts, in page coordinates."""

    cells: list[tuple[BBox, str | None]]
    #: A single ruled box that pdfplumber does not count as a table (it needs two cells); kept
    #: only to be joined with a table continuing across the page break.
    lone: bool = False

    def edges(self) -> list[float]:
        return sorted({c[0][0] for c in self.cells} | {c[0][2] for c in self.cells})

    def first_row(self) -> list[str | None]:
        top = min(c[0][1] for c in self.cells)
        return [t for b, t in sorted(self.cells, key=lambda c: c[0][0]) if abs(b[1] - top) < _EPS]

    def bottom(self) -> float:
        return max(c[0][3] for c in self.cells)


@dataclass
class _Item:
    """A page element in reading order: a run of text lines or a table."""

    lines: list[_Line] = field(default_factory=list)
    table: _RawTable | None = None


def _covered(lo: float, hi: float, points: list[float]) -> list[int]:
    return [k for k, p in enumerate(points) if lo - _EPS <= p < hi - _EPS]


def pdf_table_to_grid(cells: list[tuple[BBox, str | None]]) -> Table:
    """Build a grid from pdfplumber cell boxes and their texts, merged cells shared.

    Rows and columns are the distinct cell tops and lefts; a box spanning several of them
    becomes one :class:`Cell` in each slot (pdfplumber itself reports ``None`` there).
    """
    xs = sorted({round(b[0], 1) for b, _ in cells})
    ys = sorted({round(b[1], 1) for b, _ in cells})
    slots: dict[tuple[int, int], Cell] = {}
    for (x0, top, x1, bottom), raw in sorted(cells, key=lambda c: (round(c[0][1], 1), round(c[0][0], 1))):
        rows = _covered(top, bottom, ys)
        cols = _covered(x0, x1, xs)
        if not rows or not cols:
            continue
        cell = Cell(join_wrapped((raw or "").split("\n")), rows[0], cols[0], len(rows), len(cols))
        for r in rows:
            for c in cols:
                slots.setdefault((r, c), cell)
    grid = [[slots.get((i, j)) or Cell("", i, j) for j in range(len(xs))] for i in range(len(ys))]
    return collapse_redundant_lines(Table(grid))


def _raw_table(table) -> _RawTable:
    cells = [
        (bbox, text)
        for row, texts in zip(table.rows, table.extract(), strict=False)
        for bbox, text in zip(row.cells, texts, strict=False)
        if bbox is not None
    ]
    return _RawTable(cells)


def _page_items(page: pdfplumber.page.Page) -> list[_Item]:
    """Text runs and tables of one page, top to bottom; page-number lines dropped."""
    finder = page.debug_tablefinder()
    found = finder.tables
    placed: list[tuple[float, float, _Item]] = []
    boxes = [t.bbox for t in found]
    for t in found:
        raw = _raw_table(t)
        if raw.cells:
            placed.append((t.bbox[1], t.bbox[3], _Item(table=raw)))

    def outside_tables(obj: dict) -> bool:
        # By the character's centre: a caption line may touch the table's top or bottom rule.
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    rest = page.filter(outside_tables) if boxes else page
    text_lines = rest.extract_text_lines(return_chars=True)
    height = float(page.height)
    for k, ln in enumerate(text_lines):
        text = ln["text"].strip()
        if not text or is_page_number_line(text):
            continue
        is_last = k == len(text_lines) - 1
        if is_last and text.isdigit() and len(text) <= 4 and ln["top"] > height * 0.85:
            continue  # bare page number in the footer
        size = float(ln["chars"][0]["size"]) if ln.get("chars") else 10.0
        placed.append((ln["top"], ln["bottom"], _Item(lines=[_Line(text, ln["x0"], ln["x1"], size)])))
    in_tables = {c for t in found for c in t.cells}
    for cell in finder.cells:
        if cell not in in_tables:
            placed = _lift_lone_cell(cell, placed)
    placed.sort(key=lambda p: p[0])
    items: list[_Item] = []
    for _, _, item in placed:
        if item.lines and items and items[-1].table is None:
            items[-1].lines.extend(item.lines)
        else:
            items.append(item)
    return items


def _lift_lone_cell(cell: BBox, placed: list[tuple[float, float, _Item]]) -> list[tuple[float, float, _Item]]:
    """Turn the text lines inside a lone ruled box at the very top or bottom of the page into a
    one-cell table part (a table's first or last row cut off by the page break)."""
    x0, top, x1, bottom = cell

    def inside(p: tuple[float, float, _Item]) -> bool:
        cy = (p[0] + p[1]) / 2
        return p[2].table is None and top <= cy <= bottom and any(x0 <= ln.x0 <= x1 for ln in p[2].lines)

    lines = [p for p in placed if inside(p)]
    others = [p for p in placed if not inside(p)]
    if not lines or not (all(p[0] >= bottom for p in others) or all(p[1] <= top for p in others)):
        return placed
    text = join_wrapped([ln.text for p in lines for ln in p[2].lines])
    return [*others, (top, bottom, _Item(table=_RawTable([(cell, text)], lone=True)))]


def _paragraphs(lines: list[_Line]) -> list[str]:
    """Join wrapped lines: a line continues the previous one unless that one stopped short of the
    right margin or this one is indented."""
    if not lines:
        return []
    left = min(ln.x0 for ln in lines)
    right = max(ln.x1 for ln in lines)
    paras: list[list[str]] = []
    prev: _Line | None = None
    for ln in lines:
        continues = (
            prev is not None
            and prev.x1 >= right - _WRAP_SLACK_CHARS * prev.size
            and ln.x0 <= left + 0.8 * ln.size
        )
        if continues:
            paras[-1].append(ln.text)
        else:
            paras.append([ln.text])
        prev = ln
    return [squash_spaces(join_wrapped(p)) for p in paras]


def _snap(x: float, edges: list[float]) -> float | None:
    near = min(edges, key=lambda e: abs(e - x))
    return near if abs(near - x) <= _EDGE_TOLERANCE else None


def _continues(prev: _RawTable, nxt: _RawTable) -> _RawTable | None:
    """``prev`` extended by ``nxt`` when ``nxt`` is its continuation on the next page, else None.

    A continuation has the same outer edges; a repeated header row is dropped, and cells cut
    by the page break are sewn back together (see :func:`_sew`).
    """
    edges, nxt_edges = prev.edges(), nxt.edges()
    if not all(_snap(x, nxt_edges) is not None for x in (edges[0], edges[-1])):
        return None
    cells = nxt.cells
    if nxt.first_row() == prev.first_row():
        top = min(b[1] for b, _ in cells)
        cells = [c for c in cells if abs(c[0][1] - top) >= _EPS]
    if not cells:
        return prev
    shift = prev.bottom() - min(b[1] for b, _ in cells)
    moved = [
        ((_snap(x0, edges) or x0, top + shift, _snap(x1, edges) or x1, bottom + shift), t)
        for (x0, top, x1, bottom), t in cells
    ]
    return _sew(prev.cells, moved, prev.bottom())


def _sew(
    above: list[tuple[BBox, str | None]], below: list[tuple[BBox, str | None]], seam: float
) -> _RawTable:
    """Join two table parts at a page break, mending cells the break cut in two.

    A row split over the pages (its number cells continue empty below) is joined cell by cell,
    texts concatenated; otherwise an empty cell below a cell that already spans several rows
    is that merged cell's continuation.
    """
    last = {(b[0], b[2]): k for k, (b, _) in enumerate(above) if abs(b[3] - seam) < _EPS}
    if not last:
        return _RawTable(above + below)
    last_row_top = max(above[k][0][1] for k in last.values())
    first = [k for k, (b, _) in enumerate(below) if abs(b[1] - seam) < _EPS]
    pairs = [(last.get((below[k][0][0], below[k][0][2])), k) for k in first]
    split_row = all(p is not None for p, _ in pairs) and any(
        not below[k][1] and above[p][1] and abs(above[p][0][1] - last_row_top) < _EPS for p, k in pairs
    )
    above = list(above)
    taken: set[int] = set()
    for p, k in pairs:
        if p is None:
            continue
        (x0, top, x1, _), text = above[p]
        (_, _, _, bottom), more = below[k]
        spans_rows = top < last_row_top - _EPS
        if split_row or (not more and text and spans_rows):
            above[p] = ((x0, top, x1, bottom), join_wrapped([text or "", more or ""]))
            taken.add(k)
    return _RawTable(above + [c for k, c in enumerate(below) if k not in taken])


def extract_pdf(body: bytes) -> Document:
    """A PDF as a :class:`Document`; a PDF without a text layer gives ``needs_ocr=True``.

    No time limit here: pdfminer and the table finder cannot be interrupted from inside, so
    :func:`govcrawl.extract.extract` bounds the time by running this in a killable worker.
    """
    if b"%%EOF" not in body[-2048:]:
        raise ExtractionError("truncated", "PDF has no %%EOF marker at its end")
    try:
        with pdfplumber.open(io.BytesIO(body)) as pdf:
            n_pages = len(pdf.pages)
            pages: list[list[_Item]] = []
            n_chars = 0
            for page in pdf.pages:
                n_chars += len(page.chars)
                pages.append(_page_items(page))
                page.close()
    except Exception as exc:  # pdfminer raises many unrelated types for broken files; classify tells ours apart
        cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise ExtractionError("encrypted", f"PDF needs a password: {cause!r}") from exc
        raise classify(exc, "PDF could not be parsed") from exc
    if n_pages == 0:
        raise ExtractionError("corrupt", "PDF has no pages")
    doc = Document(source_format="pdf", pages=n_pages)
    if n_chars == 0:
        doc.needs_ocr = True
        return doc
    doc.blocks = _blocks_from_pages(_drop_running_lines(pages))
    doc.title = leading_title(doc.blocks)
    return doc


def _running_key(text: str) -> str:
    return re.sub(r"\d+", "#", text)


def _drop_running_lines(pages: list[list[_Item]]) -> list[list[_Item]]:
    """Remove running headers and footers: a page's first or last text line repeated (page
    numbers aside) on at least three pages and half of them."""
    counts: dict[str, int] = {}
    for items in pages:
        seen = set()
        for k, pos in ((0, 0), (-1, -1)):
            if items and items[k].lines:
                key = _running_key(items[k].lines[pos].text)
                if key not in seen:
                    seen.add(key)
                    counts[key] = counts.get(key, 0) + 1
    running = {key for key, c in counts.items() if c >= 3 and c * 2 >= len(pages)}
    if not running:
        return pages
    out = []
    for items in pages:
        items = [_Item(lines=list(it.lines), table=it.table) for it in items]
        for k, pos in ((0, 0), (-1, -1)):
            if items and items[k].lines and _running_key(items[k].lines[pos].text) in running:
                del items[k].lines[pos]
        out.append([it for it in items if it.table is not None or it.lines])
    return out


def _blocks_from_pages(pages: list[list[_Item]]) -> list[Block]:
    """Blocks in reading order; a table that ends one page and opens the next becomes one table,
    and a paragraph broken by a page break is rejoined."""
    items: list[_Item] = []
    for page_items in pages:
        for k, item in enumerate(page_items):
            prev = items[-1] if items else None
            if k == 0 and prev is not None:
                if prev.table is not None and item.table is not None:
                    joined = _continues(prev.table, item.table)
                    if joined is not None:
                        prev.table = joined
                        continue
                elif prev.table is None and item.table is None:
                    prev.lines.extend(item.lines)
                    continue
            items.append(_Item(lines=list(item.lines), table=item.table))
    blocks: list[Block] = []
    for item in items:
        if item.table is not None and item.table.lone:
            blocks.extend(Block("paragraph", t) for _, t in item.table.cells if t)
        elif item.table is not None:
            grid = pdf_table_to_grid(item.table.cells)
            if grid.n_rows and grid.n_cols:
                blocks.append(Block("table", table=grid))
        else:
            blocks.extend(Block("paragraph", p) for p in _paragraphs(item.lines) if p)
    return blocks
