"""Values-only streams: tables flattened to text where only labels and numbers survive (spec §4.3.4–8).

Numbers are filled by position with the form's fixed cell counts, and a block is accepted only
where the consistency rules confirm the alignment. A block whose alignment fails stays unassigned
with a warning; nothing is ever shifted to make it fit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govcrawl.stats.cells import Found, keyed_value, mark_template_empty
from govcrawl.stats.layout import APPLY_COLUMN_KEYS, CAPTION_KEYS, REVIEW_GROUP_KEYS, apply_layout
from govcrawl.stats.schema import REVIEW_KEYS, ApplyRow, Format
from govcrawl.stats.values import CellValue, nfkc, normalise_label, parse_value, to_simplified

_CAPTION = re.compile(r"第\s*二\s*十\s*条\s*第\s*\(\s*([一二三四五六七八九十]+)\s*\)\s*项")
_FURNITURE = (
    re.compile(r"[—–\-]\s*\d{1,3}\s*[—–\-]"),  # page numbers: — 14 —, - 4 -
    re.compile(r"第\s*\d+\s*页|共\s*\d+\s*页"),
    re.compile(r"\d{4}\s*年度?"),  # years in labels and headers
    re.compile(r"\d+(?:\.\d+)?\s*%"),
)
# A bracketed note stays on one line and holds no run of numbers: a PDF's vertical group label
# （三）不予公开 can open a bracket on one line and close it on the next, around values.
_BRACKETED = re.compile(r"\([^()\n]{0,120}\)")
_NUMBER_RUN = re.compile(r"\d\s+[+\-]?\d")
_ENUMERATOR = re.compile(r"(?<![\d.])\d{1,2}\s*[.、]\s*(?=[\u4e00-\u9fff“\"])")
_VALUE = re.compile(
    r"(?:(?<=\s)|^)((?:增加|增|减少|减)?[+\-]?\d[\d,]*(?:\.\d+)?(?:人次|万元|件|项|个|条|次|人|篇|元)?|/|—{1,2}|-)(?=\s|$)"
)


@dataclass(frozen=True)
class _Num:
    cell: CellValue
    pos: int


def _base(text: str) -> str:
    return to_simplified(nfkc(text))


def clean_stream(text: str) -> str:
    """Text with page furniture, bracketed notes, enumerators (1.属于), years and percentages blanked.

    Replacements keep the length of the normalised text, so positions found there (captions,
    headings) stay valid in the cleaned text.
    """
    s = _base(text)

    def blank(m: re.Match[str]) -> str:
        return " " * len(m.group(0))

    for pattern in _FURNITURE:
        s = pattern.sub(blank, s)

    def blank_note(m: re.Match[str]) -> str:
        return m.group(0) if _NUMBER_RUN.search(m.group(0)) else blank(m)

    for _ in range(2):
        s = _BRACKETED.sub(blank_note, s)
    return _ENUMERATOR.sub(blank, s)


def numbers_in(cleaned: str, start: int = 0, end: int | None = None) -> list[_Num]:
    """The value tokens of a cleaned stream between two positions."""
    out = []
    for m in _VALUE.finditer(cleaned, start, len(cleaned) if end is None else end):
        cell = parse_value(m.group(1))
        if cell is not None:
            out.append(_Num(cell, m.start(1)))
    return out


def _spaced(word: str) -> str:
    return r"\s*".join(map(re.escape, word))


@dataclass
class _Regions:
    active: tuple[int, int] | None
    apply: tuple[int, int] | None
    review: tuple[int, int] | None


def _regions(s: str) -> _Regions:
    first_row = re.search(_spaced("本年新收政府信息公开申请"), s)
    head3 = None
    if first_row:
        heads = list(re.finditer(r"三\s*[、.]\s*" + _spaced("收到和处理"), s[: first_row.start()]))
        head3 = heads[-1].start() if heads else first_row.start()
    caption = _CAPTION.search(s, 0, head3 if head3 is not None else len(s))
    active = (caption.start(), head3 if head3 is not None else len(s)) if caption else None
    apply = review = None
    if first_row and head3 is not None:
        m4 = re.compile(r"四\s*[、.]\s*[^0-9|]{0,30}?" + _spaced("行政复议")).search(s, first_row.end())
        end3 = m4.start() if m4 else len(s)
        apply = (first_row.start(), end3)
        if m4:
            m5 = re.compile(
                r"五\s*[、.]\s*[^0-9]{0,12}?(?:" + _spaced("存在") + "|" + _spaced("问题") + ")"
            ).search(s, m4.end())
            review = (m4.end(), m5.start() if m5 else len(s))
    return _Regions(active, apply, review)


def _assign(
    found: Found, keys: list[str], nums: list[_Num], extra: tuple[str, ...] = (), unit_hint: str | None = None
) -> None:
    for key, num in zip(keys, nums, strict=True):
        found.values[key] = keyed_value(key, num.cell, unit_hint, extra)


def _parse_active(base: str, s: str, span: tuple[int, int], fmt: Format, found: Found) -> None:
    found.tables.add("active")
    blocks = {b.key: b for b in fmt.active}
    captions = [m for m in _CAPTION.finditer(base, *span) if CAPTION_KEYS.get(m.group(1)) in blocks]
    for n, m in enumerate(captions):
        block = blocks[CAPTION_KEYS[m.group(1)]]
        end = captions[n + 1].start() if n + 1 < len(captions) else span[1]
        nums = numbers_in(s, m.end(), end)
        keys = block.keys()
        if len(nums) == len(keys):
            head = base[m.end() : nums[0].pos] if nums else ""
            unit = "万元" if "万元" in head else ("元" if "元" in head else None)
            _assign(found, keys, nums, unit_hint=unit)
        elif nums:
            found.warnings.append(
                f"二 {block.caption}: {len(nums)} numbers where {len(keys)} cells were expected; block left unassigned"
            )
    mark_template_empty(found.values, fmt.active_keys())


def _row_sums_hold(rows: list[ApplyRow], cells: dict[str, _Num]) -> bool:
    for row in rows:
        vals = [cells[k].cell.value for k in row.keys()]
        if any(v is None for v in vals) or sum(vals[:-1]) != vals[-1]:  # type: ignore[arg-type]
            return False
    return True


def _parse_apply(base: str, s: str, span: tuple[int, int], fmt: Format, found: Found) -> None:
    found.tables.add("apply")
    layout = apply_layout(fmt)
    nums = numbers_in(s, *span)
    keys = fmt.apply_keys()
    if not nums:
        return
    if len(nums) != len(keys):
        anchors = _leaf_anchors(base, span, layout.rows)
        if anchors is None:
            found.warnings.append(
                f"三: {len(nums)} numbers where {len(keys)} cells were expected; table left unassigned"
            )
        else:
            found.warnings.append(
                f"三: {len(nums)} numbers where {len(keys)} cells were expected; read row by row on its labels"
            )
            _parse_apply_anchored(s, span, layout.rows, anchors, found)
        return
    cells = dict(zip(keys, nums, strict=True))
    by_key = {r.key: r for r in layout.rows}
    frame = [by_key[k] for k in ("new", "carried_over", "result.total", "carry_next")]
    frame_ok = _row_sums_hold(frame, cells) and all(
        cells[f"apply.new.{c}"].cell.value + cells[f"apply.carried_over.{c}"].cell.value  # type: ignore[operator]
        == cells[f"apply.result.total.{c}"].cell.value + cells[f"apply.carry_next.{c}"].cell.value  # type: ignore[operator]
        for c in APPLY_COLUMN_KEYS
    )
    if not frame_ok:
        found.warnings.append(
            "三: positional fill not confirmed by R3.1/R3.3 on the total rows; table left unassigned"
        )
        return
    rejected: list[ApplyRow] = []
    for group in layout.groups():
        if _row_sums_hold(group, cells):
            for row in group:
                _assign(found, row.keys(), [cells[k] for k in row.keys()])
        else:
            rejected.extend(group)
    if rejected:
        found.warnings.append(
            "三: rows "
            + ", ".join(r.key for r in rejected)
            + " do not align (row sums contradict their totals); "
            "left unassigned" + _implied_sums(layout.rows, rejected, cells)
        )


def _leaf_pattern(row: ApplyRow) -> re.Pattern[str]:
    """A printed leaf label, spaces and quotes allowed between its characters (first 8 characters)."""
    leaf = normalise_label(row.labels[-1])
    if leaf == "其他":
        return re.compile(r"3\s*[.、]\s*其\s*他")
    return re.compile(r"[\s\"“”‘’']*".join(map(re.escape, leaf[:8])))


def _leaf_anchors(
    base: str, span: tuple[int, int], rows: tuple[ApplyRow, ...]
) -> list[tuple[int, int]] | None:
    """Where each row's leaf label starts and ends, if every one is printed in form order; else None
    (labels scattered by a column-wise extraction cannot anchor anything)."""
    found, pos = [], span[0]
    for row in rows:
        m = _leaf_pattern(row).search(base, pos, span[1])
        if m is None:
            return None
        found.append((m.start(), m.end()))
        pos = m.end()
    return found


def _parse_apply_anchored(
    s: str, span: tuple[int, int], rows: tuple[ApplyRow, ...], anchors: list[tuple[int, int]], found: Found
) -> None:
    """Fill each row from the numbers between its label and the next one (spec §4.3.4 fallback).

    A row is taken only with exactly seven numbers whose six columns add up to its total (R3.3),
    which confirms the alignment inside the row; any other row stays unassigned with a warning.
    """
    ends = [start for start, _ in anchors[1:]] + [span[1]]
    for row, (_, start), end in zip(rows, anchors, ends, strict=True):
        nums = numbers_in(s, start, end)
        vals = [n.cell.value for n in nums]
        if len(nums) == 7 and None not in vals and sum(vals[:6]) == vals[6]:  # type: ignore[arg-type]
            _assign(found, row.keys(), nums)
        else:
            found.warnings.append(
                f"三 {row.labels[-1]}: {len(nums)} numbers"
                + ("" if len(nums) != 7 else " not adding up to their total")
                + " where 7 were expected; row left unassigned"
            )


def _implied_sums(rows: tuple[ApplyRow, ...], rejected: list[ApplyRow], cells: dict[str, _Num]) -> str:
    """The rejected rows' column sums implied by R3.2 against （七）总计, for the warning."""
    leaves = [r for r in rows if r.key.startswith("result.") and r.key != "result.total"]
    accepted = [r for r in leaves if r not in rejected]
    sums = {}
    for c in APPLY_COLUMN_KEYS:
        total = cells[f"apply.result.total.{c}"].cell.value
        got = sum(cells[f"apply.{r.key}.{c}"].cell.value for r in accepted)  # type: ignore[misc]
        sums[c] = total - got  # type: ignore[operator]
    return "; by R3.2 their column sums are " + ", ".join(f"{c} {v}" for c, v in sums.items() if v)


def _parse_review(s: str, span: tuple[int, int], found: Found) -> None:
    found.tables.add("review")
    nums = numbers_in(s, *span)
    if len(nums) == 3 and all(n.cell.value == 0 for n in nums):
        _assign(found, list(REVIEW_KEYS), [n for n in nums for _ in range(5)], ("merged",))
        return
    if len(nums) != 15:
        if nums:
            found.warnings.append(
                f"四: {len(nums)} numbers where 15 cells were expected; table left unassigned"
            )
        return
    for g, group in enumerate(REVIEW_GROUP_KEYS):
        part = nums[5 * g : 5 * g + 5]
        vals = [n.cell.value for n in part]
        if None not in vals and sum(vals[:4]) == vals[4]:  # type: ignore[arg-type]
            _assign(found, list(group), part)
        else:
            found.warnings.append(f"四: {group[0].rsplit('.', 1)[0]} numbers do not add up; left unassigned")


def parse_stream(text: str, fmt: Format) -> Found:
    """Read tables 二, 三 and 四 of ``fmt`` from a values-only stream."""
    found = Found()
    base, s = _base(text), clean_stream(text)
    regions = _regions(base)
    if regions.active:
        _parse_active(base, s, regions.active, fmt, found)
    if regions.apply:
        _parse_apply(base, s, regions.apply, fmt, found)
    if regions.review:
        _parse_review(s, regions.review, found)
    return found
