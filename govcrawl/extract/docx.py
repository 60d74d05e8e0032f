"""DOCX files via python-docx: paragraphs and tables in document order, merged cells shared.

Merges are read from the table XML itself (``w:gridSpan`` for horizontal, ``w:vMerge`` for
vertical), so one ``w:tc`` becomes one :class:`Cell` in every slot it covers. The zip directory
is checked before anything is inflated, so a zip bomb is refused without being unpacked.
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from govcrawl.document import Block, Cell, Document, Table
from govcrawl.extract.errors import ExtractionError, classify
from govcrawl.extract.grid import collapse_redundant_lines, drop_lines
from govcrawl.extract.textutil import join_wrapped, leading_title, squash_spaces

#: Total uncompressed size a DOCX may declare.
MAX_UNCOMPRESSED = 200 * 1024 * 1024
#: Largest compression ratio accepted for a member bigger than :data:`_RATIO_MIN_SIZE`.
MAX_RATIO = 200
_RATIO_MIN_SIZE = 10 * 1024 * 1024
#: Grid columns narrower than this (1 pt) are layout slivers, not table columns.
_SLIVER_EMU = 12700
_HEADING_STYLES = ("heading", "title", "标题")


def check_zip(body: bytes) -> zipfile.ZipFile:
    """Open the zip and refuse it if its directory declares a bomb (sizes are read, not inflated)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile as exc:
        raise ExtractionError("corrupt", f"not a readable zip: {exc}") from exc
    total = 0
    for info in zf.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_MIN_SIZE and ratio > MAX_RATIO:
            raise ExtractionError(
                "zip_bomb", f"{info.filename} inflates {ratio:.0f}x to {info.file_size} bytes"
            )
    if total > MAX_UNCOMPRESSED:
        raise ExtractionError("zip_bomb", f"zip declares {total} uncompressed bytes")
    return zf


#: Runs of a paragraph, including those python-docx's ``Paragraph.text`` skips: inside content
#: controls (w:sdt), tracked insertions, smart tags and simple fields.
_RUNS = (
    "./w:r | ./w:hyperlink/w:r | ./w:ins/w:r | ./w:smartTag/w:r | ./w:fldSimple/w:r"
    " | ./w:sdt/w:sdtContent/w:r | ./w:sdt/w:sdtContent/w:hyperlink/w:r"
)


def paragraph_text(p) -> str:
    """The text of a ``w:p`` element, content-control and tracked-insertion runs included."""
    return "".join(r.text for r in p.xpath(_RUNS))


def _tc_text(tc) -> str:
    """A table cell's text: its paragraphs joined as wrapped lines (nested tables included)."""
    return join_wrapped([paragraph_text(p) for p in tc.iter(qn("w:p"))])


def _vmerge(tc) -> str | None:
    tc_pr = tc.tcPr
    if tc_pr is None:
        return None
    v = tc_pr.find(qn("w:vMerge"))
    if v is None:
        return None
    return v.get(qn("w:val")) or "continue"


def docx_table_to_grid(tbl) -> Table:
    """A ``w:tbl`` element as a :class:`Table`; gridSpan and vMerge become shared cells."""
    # origin slot -> [text, row, col, rowspan, colspan]; slots -> origin key
    cells: dict[tuple[int, int], list] = {}
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    n_rows = 0
    for i, tr in enumerate(tbl.tr_lst):
        n_rows = i + 1
        j = tr.grid_before
        for tc in tr.tc_lst:
            span = max(1, tc.grid_span)
            above = owner.get((i - 1, j))
            if _vmerge(tc) == "continue" and above is not None and cells[above][4] == span:
                cells[above][3] = i - above[0] + 1
                key = above
            else:
                key = (i, j)
                cells[key] = [_tc_text(tc), i, j, 1, span]
            for dj in range(span):
                owner[(i, j + dj)] = key
            j += span
    made = {key: Cell(v[0], v[1], v[2], v[3], v[4]) for key, v in cells.items()}
    width = max((c for _, c in owner), default=-1) + 1
    grid = [
        [made[owner[(i, j)]] if (i, j) in owner else Cell("", i, j) for j in range(width)]
        for i in range(n_rows)
    ]
    return collapse_redundant_lines(drop_lines(Table(grid), _sliver_columns(tbl)))


def _sliver_columns(tbl) -> set[int]:
    """Grid columns too narrow to hold text: LibreOffice's DOC import leaves 1-twip ones where
    cell edges of different rows almost line up."""
    grid = tbl.tblGrid
    widths = [g.w for g in grid.gridCol_lst] if grid is not None else []
    return {k for k, w in enumerate(widths) if w is not None and w < _SLIVER_EMU}


def _is_heading(p: Paragraph) -> bool:
    try:
        name = (p.style.name or "").lower() if p.style is not None else ""
    except (KeyError, ValueError):
        return False
    return name.startswith(_HEADING_STYLES)


def _body_elements(container):
    """``w:p`` and ``w:tbl`` children in order, those inside block content controls (w:sdt) too."""
    for child in container.iterchildren():
        if child.tag in (qn("w:p"), qn("w:tbl")):
            yield child
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _body_elements(content)


def docx_blocks(document) -> list[Block]:
    """Paragraph, heading and table blocks of a python-docx document, in order."""
    blocks: list[Block] = []
    body = document._body
    for el in _body_elements(body._element):
        if el.tag == qn("w:tbl"):
            grid = docx_table_to_grid(el)
            if grid.n_rows and grid.n_cols:
                blocks.append(Block("table", table=grid))
            continue
        text = squash_spaces(paragraph_text(el))
        if text:
            blocks.append(Block("heading" if _is_heading(Paragraph(el, body)) else "paragraph", text))
    return blocks


def extract_docx(body: bytes) -> Document:
    """A DOCX file as a :class:`Document` (title: the first heading or short opening line)."""
    zf = check_zip(body)
    if "word/document.xml" not in zf.namelist():
        raise ExtractionError("unsupported", "zip without word/document.xml is not a DOCX")
    try:
        document = docx.Document(io.BytesIO(body))
        blocks = docx_blocks(document)
    except ExtractionError:
        raise
    except Exception as exc:  # python-docx/lxml/zlib raise many types for broken parts; classify tells ours apart
        raise classify(exc, "DOCX could not be parsed") from exc
    # Core properties are left out: converters and templates fill them with "Word Document" and the like.
    return Document(blocks=blocks, title=leading_title(blocks), source_format="docx")
