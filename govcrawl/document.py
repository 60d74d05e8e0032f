"""The document model every stage after fetching speaks: text blocks and table grids.

Extraction turns bytes (HTML, PDF, DOCX, DOC, TXT) into a :class:`Document`; cleaning,
identification, hashing and statistics parsing read it. It is plain data, so every stage
is a pure function testable without a crawl.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal


@dataclass(frozen=True, eq=False)
class Cell:
    """One cell of a table. A merged cell is one object placed in every grid slot it covers.

    Identity (``is``), not equality, tells a merged cell's slots apart from neighbours that
    merely hold the same text; ``row``/``col`` give the cell's top-left origin in the grid.
    """

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Table:
    """A rectangular grid of cells, merged cells expanded (see :class:`Cell`)."""

    grid: list[list[Cell]]

    @property
    def n_rows(self) -> int:
        return len(self.grid)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.grid), default=0)

    def texts(self) -> list[list[str]]:
        """The grid as strings, a merged cell's text repeated in every slot."""
        return [[c.text for c in row] for row in self.grid]

    def distinct_rows(self) -> list[list[Cell]]:
        """Each row with a merged cell kept once (at its first slot in the row)."""
        out = []
        for row in self.grid:
            seen: set[int] = set()
            kept = []
            for c in row:
                if id(c) not in seen:
                    seen.add(id(c))
                    kept.append(c)
            out.append(kept)
        return out

    def to_pipe_text(self) -> str:
        """One line per row, cells separated by `` | `` (merged cells once per row)."""
        return "\n".join(" | ".join(c.text for c in row) for row in self.distinct_rows())

    @classmethod
    def from_rows(cls, rows: list[list[str]]) -> Table:
        """A grid of unmerged cells from plain strings (ragged rows are padded with blanks)."""
        width = max((len(r) for r in rows), default=0)
        grid = [
            [Cell(r[j] if j < len(r) else "", i, j) for j in range(width)] for i, r in enumerate(rows)
        ]
        return cls(grid)


BlockKind = Literal["heading", "paragraph", "table"]


@dataclass
class Block:
    """A heading, a paragraph, or a table, in document order."""

    kind: BlockKind
    text: str = ""
    table: Table | None = None


@dataclass
class Document:
    """What extraction yields for one fetched file."""

    blocks: list[Block] = field(default_factory=list)
    #: The title the page or file claims (``<title>``/``<h1>``/meta/first heading), if any.
    title: str | None = None
    #: Page metadata worth keeping (HTML ``<meta>`` such as ArticleTitle, PubDate, ContentSource).
    meta: dict[str, str] = field(default_factory=dict)
    #: Absolute URLs of attachments linked from the body (PDF/DOC/DOCX/WPS...).
    attachments: list[str] = field(default_factory=list)
    #: The source format: "html", "pdf", "docx", "doc", "txt".
    source_format: str = ""
    #: Pages in the source (PDF), when known.
    pages: int | None = None
    #: True when the file is an aggregator's wrapped copy (DOC文库-style) of a report.
    aggregator_copy: bool = False
    #: True when the file holds no text layer (a scan) and needs OCR.
    needs_ocr: bool = False
    #: Non-fatal notes from extraction (e.g. "charset guessed gb18030").
    warnings: list[str] = field(default_factory=list)

    @property
    def tables(self) -> list[Table]:
        return [b.table for b in self.blocks if b.kind == "table" and b.table is not None]

    @cached_property
    def text(self) -> str:
        """The body as text: blocks in order, tables as pipe rows.

        Joined once, on first use (identification and parsing each read it several times): a
        document's blocks are final once it leaves extraction or cleaning, which build new documents.
        """
        parts = []
        for b in self.blocks:
            if b.kind == "table" and b.table is not None:
                parts.append(b.table.to_pipe_text())
            elif b.text:
                parts.append(b.text)
        return "\n".join(parts)
