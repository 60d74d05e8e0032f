"""Label-anchored parsing of tables whose cells survived: grids and pipe text (spec §4.3.1–3).

Both become one stream of :class:`Token` (a cell's text, its row, column and column span). A row
is found by its leaf label; its values are the value cells that follow on the same row (or, in
pipe text printed on one line, up to the next label). Values are taken in the form's fixed column
order; a row whose values cannot be counted out exactly is left unassigned with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from govcrawl.document import Table
from govcrawl.stats.cells import Found, keyed_value, mark_template_empty
from govcrawl.stats.layout import (
    APPLY_COLUMN_KEYS,
    REVIEW_GROUP_KEYS,
    ApplyLayout,
    apply_layout,
    caption_block_key,
    match_active_row,
)
from govcrawl.stats.result import Check, Triple
from govcrawl.stats.schema import APPLY_COLUMNS, REVIEW_KEYS, ApplyRow, Format
from govcrawl.stats.values import CellValue, compact, normalise_label, parse_value


@dataclass(frozen=True)
class Token:
    """One printed cell: its text, row number, grid column (None in pipe text) and column span."""

    text: str
    row: int
    col: int | None = None
    span: int = 1

    @cached_property
    def value(self) -> CellValue | None:
        return parse_value(self.text)

    @property
    def is_label(self) -> bool:
        return self.value is None


def tokens_from_pipe_text(text: str) -> list[Token]:
    """Cells of pipe text, one row per line. ``| |`` is a blank cell; ``||`` is a colspan filler."""
    tokens: list[Token] = []
    for row, line in enumerate(text.splitlines()):
        if "|" not in line:
            if line.strip():
                tokens.append(Token(line.strip(), row))
            continue
        for piece in line.split("|"):
            if piece == "":
                continue  # a filler: nothing between two pipes
            tokens.append(Token(piece.strip(), row))
    return tokens


def tokens_from_table(table: Table, first_row: int = 0) -> list[Token]:
    """Cells of a grid, each merged cell once per row it covers, with its column and span."""
    tokens: list[Token] = []
    for i, row in enumerate(table.distinct_rows()):
        for cell in row:
            col = next(j for j, c in enumerate(table.grid[i]) if c is cell)
            tokens.append(Token(cell.text.strip(), first_row + i, col, cell.colspan))
    return tokens


def _values_after(tokens: list[Token], i: int, line_mode: bool) -> list[Token]:
    """The value tokens following the label at ``i``: same row, up to the next label."""
    out = []
    for tok in tokens[i + 1 :]:
        if tok.is_label or (line_mode and tok.row != tokens[i].row):
            break
        out.append(tok)
    return out


def _slots(
    values: list[Token], k: int, where: str, warnings: list[str], merges: bool = True
) -> list[tuple[Token, tuple[str, ...]]] | None:
    """The ``k`` value slots of a row, spans expanded; None (with a warning) if they don't count out.

    With ``merges`` (tables 三 and 四), a zero spanning several columns, or printed once and followed
    only by fillers, is one merged zero in every slot; a merged non-zero cannot be split and leaves
    the row unassigned. Table 二 passes ``merges=False``: its official header cells themselves span
    grid columns (a gov2021 （五） value fills three), so each value cell is one slot there.
    """
    slots: list[tuple[Token, tuple[str, ...]]] = []
    for tok in values:
        if tok.span > 1 and merges:
            assert tok.value is not None
            if tok.value.value not in (0, None):
                warnings.append(f"{where}: value {tok.text!r} merged across {tok.span} cells; not split")
                return None
            slots.extend([(tok, ("merged",))] * tok.span)
        else:
            slots.append((tok, ()))
    while len(slots) > k and slots[-1][0].value is not None and "blank" in slots[-1][0].value.flags:
        slots.pop()
    if len(slots) == k:
        return slots
    non_blank = [t for t, _ in slots if t.value is not None and "blank" not in t.value.flags]
    if merges and len(slots) < k and len(non_blank) == 1 and slots[0][0] is non_blank[0]:
        if non_blank[0].value is not None and non_blank[0].value.value == 0:
            return [(non_blank[0], ("merged",))] * k
        warnings.append(f"{where}: one value {non_blank[0].text!r} for {k} cells; not split")
        return None
    if slots:
        warnings.append(f"{where}: {len(slots)} value cells where {k} were expected; row left unassigned")
    return None


@dataclass
class _Sections:
    active: tuple[int, int]
    apply: tuple[int, int]
    review: tuple[int, int]


def _find_sections(tokens: list[Token]) -> _Sections:
    """Token ranges of tables 二, 三, 四, from section headings or, failing them, first labels."""
    n = len(tokens)
    texts = [compact(t.text) for t in tokens]
    start3 = next(
        (i for i, s in enumerate(texts) if re.search(r"三[、.]收到和处理|本列数据的勾稽关系", s)), None
    )
    if start3 is None:
        start3 = next(
            (i for i, s in enumerate(texts) if "本年新收政府信息公开申请" in s or "申请人情况" in s), n
        )
    end_new = next((i for i in range(start3, n) if "结转下年度" in texts[i]), start3)
    start4 = next(
        (i for i in range(end_new, n) if "行政复议" in texts[i] and tokens[i].is_label),
        n,
    )
    end4 = next((i for i in range(start4 + 1, n) if re.match(r"^五[、.]", texts[i])), n)
    start2 = next(
        (i for i in range(0, start3) if "主动公开政府信息情况" in texts[i] or "第二十条" in texts[i]), start3
    )
    return _Sections((start2, start3), (start3, start4), (start4, end4))


def _parse_active(tokens: list[Token], fmt: Format, line_mode: bool, found: Found) -> None:
    captioned: str | None = None  # the block whose caption was seen last
    header = ""  # label text since that caption: the block's header row, where a unit may be printed
    for i, tok in enumerate(tokens):
        if not tok.is_label:
            continue
        key = caption_block_key(tok.text)
        if key:
            captioned, header = key, ""
            found.tables.add("active")
            continue
        hit = match_active_row(fmt, tok.text)
        if hit is None:
            _keep_extra_row(tokens, i, fmt, captioned, line_mode, found)
            header += compact(tok.text)
            continue
        block, row_key = hit
        found.tables.add("active")
        where = f"二 {block.caption} {tok.text.strip()}"
        slots = _slots(_values_after(tokens, i, line_mode), len(block.columns), where, found.warnings, False)
        if slots is None:
            continue
        unit_hint = None
        if block.key == captioned:
            unit_hint = (
                "万元" if "万元" in header else ("元" if re.search(r"\(元\)|单位:元", header) else None)
            )
        for (col_key, _), (cell_tok, extra) in zip(block.columns, slots, strict=True):
            key_ = f"active.{block.key}.{row_key}.{col_key}"
            assert cell_tok.value is not None
            found.values.setdefault(key_, keyed_value(key_, cell_tok.value, unit_hint, extra))
    mark_template_empty(found.values, fmt.active_keys())


def _keep_extra_row(
    tokens: list[Token], i: int, fmt: Format, captioned: str | None, line_mode: bool, found: Found
) -> None:
    """Keep an unknown row of a table-二 block (Hubei's 其他主动公开文件…) as ``active.extra`` triples
    when it carries exactly the block's number of values; it never takes a canonical key."""
    block = next((b for b in fmt.active if b.key == captioned), None)
    values = _values_after(tokens, i, line_mode)
    if block is None or not line_mode or len(values) != len(block.columns):
        return
    if all(t.value is not None and "blank" in t.value.flags for t in values):
        return
    for (_, col_label), tok in zip(block.columns, values, strict=True):
        assert tok.value is not None
        found.triples.append(
            Triple(
                "active.extra",
                f"{block.caption} {tokens[i].text.strip()}",
                col_label,
                tok.value.value,
                tok.text,
                tok.value.unit,
                tok.value.flags,
            )
        )


def _subtotal_index(tokens: list[Token]) -> int | None:
    """Where an extra 法人或其他组织 subtotal column sits among 8 value columns, if the header has one."""
    labels = [t for t in tokens if t.is_label]
    sub = next((t for t in labels if normalise_label(t.text) in ("小计", "法人或其他组织小计")), None)
    if sub is None:
        return None
    natural = next((t for t in labels if normalise_label(t.text) == "自然人"), None)
    if sub.col is not None and natural is not None and natural.col is not None:
        return sub.col - natural.col
    commercial = next((i for i, t in enumerate(labels) if normalise_label(t.text) == "商业企业"), None)
    return 1 if commercial is not None and labels.index(sub) < commercial else 6


def _subtotal_check(row_key: str, subtotal: CellValue, orgs: list[CellValue | None]) -> Check:
    """R3.3s: an extra 法人或其他组织 subtotal equals the five organisation columns (blank = 0)."""
    keys = tuple(f"apply.{row_key}.{c}" for c in APPLY_COLUMN_KEYS[1:6])
    lhs = subtotal.value or 0
    rhs = sum((c.value or 0) for c in orgs if c is not None)
    delta = Decimal(lhs) - Decimal(rhs)
    return Check(f"R3.3s[{row_key}]", "pass" if delta == 0 else "fail", lhs, rhs, delta, keys)


def _keep_subtotal_row(
    tokens: list[Token], i: int, line_mode: bool, last: ApplyRow, layout: ApplyLayout, found: Found
) -> None:
    """A subtotal row (小计, or 合计 before （七）总计) under a group of table 三 (spec §4.3.10): kept as
    ``apply.extra`` triples and checked against the group's leaf rows above it (R3.2s), never
    given a canonical key."""
    group = next((g for g in layout.groups() if last in g), [last])
    label = last.labels[1] if len(last.labels) == 3 else last.labels[-1]
    slots = _slots(
        _values_after(tokens, i, line_mode), len(APPLY_COLUMN_KEYS), f"三 {label} 小计", found.warnings
    )
    if slots is None:
        return
    for (col_key, col_label), (tok, _) in zip(APPLY_COLUMNS, slots, strict=True):
        assert tok.value is not None
        found.triples.append(
            Triple(
                "apply.extra",
                f"{label} {tokens[i].text.strip()}",
                col_label,
                tok.value.value,
                tok.text,
                None,
                tok.value.flags,
            )
        )
        keys = tuple(f"apply.{r.key}.{col_key}" for r in group)
        parts = [found.values.get(k) for k in keys]
        if any(p is None for p in parts):
            found.checks.append(
                Check(f"R3.2s[{group[0].key.rsplit('.', 1)[0]}.{col_key}]", "not_assessable", keys=keys)
            )
            continue
        lhs = tok.value.value or 0
        rhs = sum((p.value or 0) for p in parts if p is not None)
        delta = Decimal(lhs) - Decimal(rhs)
        found.checks.append(
            Check(
                f"R3.2s[{group[0].key.rsplit('.', 1)[0]}.{col_key}]",
                "pass" if delta == 0 else "fail",
                lhs,
                rhs,
                delta,
                keys,
            )
        )


def _parse_apply(tokens: list[Token], fmt: Format, line_mode: bool, found: Found) -> None:
    layout = apply_layout(fmt)
    subtotal = _subtotal_index(tokens)
    seventh = any(t.is_label and re.match(r"^\(七\)(总|合)计", compact(t.text)) for t in tokens)
    previous: str | None = None
    last: ApplyRow | None = None
    for i, tok in enumerate(tokens):
        if not tok.is_label:
            continue
        norm = normalise_label(tok.text)
        if last is not None and (
            norm == "小计" or (norm == "合计" and seventh and "(七)" not in compact(tok.text))
        ):
            _keep_subtotal_row(tokens, i, line_mode, last, layout, found)
            continue
        row = layout.match_leaf(tok.text, previous)
        previous = tok.text
        if row is None:
            continue
        last = row
        found.tables.add("apply")
        values = _values_after(tokens, i, line_mode)
        if all(t.value is not None and "blank" in t.value.flags for t in values) and len(values) < 7:
            continue  # a header cell such as 总计 followed by fillers
        if any(k in found.values for k in row.keys()):
            continue  # a repeated header row
        where = f"三 {tok.text.strip()}"
        k = len(APPLY_COLUMN_KEYS)
        sub_cell = None
        if subtotal is not None and len(values) == k + 1 and all(t.span == 1 for t in values):
            sub_cell = values[subtotal].value
            values = values[:subtotal] + values[subtotal + 1 :]
        slots = _slots(values, k, where, found.warnings)
        if slots is None:
            continue
        if sub_cell is not None:
            found.checks.append(_subtotal_check(row.key, sub_cell, [t.value for t, _ in slots[1:6]]))
            found.triples.append(
                Triple(
                    "apply.extra",
                    tok.text.strip(),
                    "小计",
                    sub_cell.value,
                    sub_cell.raw,
                    None,
                    sub_cell.flags,
                )
            )
        for key_, (cell_tok, extra) in zip(row.keys(), slots, strict=True):
            assert cell_tok.value is not None
            found.values[key_] = keyed_value(key_, cell_tok.value, None, extra)
    mark_template_empty(found.values, fmt.apply_keys())


def _parse_review(tokens: list[Token], line_mode: bool, found: Found) -> None:
    if not any(t.is_label and "行政复议" in compact(t.text) for t in tokens):
        return
    found.tables.add("review")
    last_label = max((i for i, t in enumerate(tokens) if t.is_label), default=-1)
    values = [t for t in tokens[last_label + 1 :] if not t.is_label]
    if line_mode and last_label >= 0:
        # Fillers on the last header row are not values.
        values = [t for t in values if t.row != tokens[last_label].row]
    slots: list[tuple[Token, tuple[str, ...]]] | None
    if sum(t.span for t in values) == 15 or len(values) > 3:
        slots = _slots(values, 15, "四", found.warnings)
    elif len(values) == 3 and all(t.value is not None and t.value.value == 0 for t in values):
        # One zero per group (行政复议, 未经复议直接起诉, 复议后起诉), each merged across its five cells.
        slots = [(t, ("merged",)) for t in values for _ in range(5)]
    else:
        found.warnings.append(f"四: {len(values)} value cells where 15 were expected; table left unassigned")
        slots = None
    if slots is None:
        return
    for key_, (cell_tok, extra) in zip(REVIEW_KEYS, slots, strict=True):
        assert cell_tok.value is not None
        found.values[key_] = keyed_value(key_, cell_tok.value, None, extra)
    mark_template_empty(found.values, [k for group in REVIEW_GROUP_KEYS for k in group])


def parse_tokens(tokens: list[Token], fmt: Format, line_mode: bool) -> Found:
    """Read tables 二, 三 and 四 of ``fmt`` from cell tokens.

    ``line_mode``: rows end at line (grid row) ends; otherwise (one-line pipe text) a row's values
    end at the next label.
    """
    found = Found()
    sections = _find_sections(tokens)
    _parse_active(tokens[slice(*sections.active)], fmt, line_mode, found)
    _parse_apply(tokens[slice(*sections.apply)], fmt, line_mode, found)
    _parse_review(tokens[slice(*sections.review)], line_mode, found)
    return found
