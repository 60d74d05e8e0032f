"""Plain-text tables for a terminal, aligned by display width (a CJK character takes two columns)."""

from __future__ import annotations

from collections.abc import Sequence

from wcwidth import wcswidth


def display_width(text: str) -> int:
    """The columns ``text`` takes in a terminal; a non-printable character counts as one."""
    width = wcswidth(text)
    return width if width >= 0 else sum(max(wcswidth(ch), 1) for ch in text)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str | None = None, indent: str = "") -> list[str]:
    """Lines of aligned columns, ``align`` giving each column's side (``l`` or ``r``; default all left).

    Trailing blanks are cut from every line.
    """
    align = align or "l" * len(header)
    widths = [max(display_width(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    out = []
    for row in (header, *rows):
        cells = []
        for cell, width, side in zip(row, widths, align, strict=True):
            pad = " " * (width - display_width(cell))
            cells.append(cell + pad if side == "l" else pad + cell)
        out.append((indent + "  ".join(cells)).rstrip())
    return out
