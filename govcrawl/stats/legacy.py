"""The legacy2014 统计表 (统计指标 | 单位 | 统计数, spec §3.1) from rows of cells."""

from __future__ import annotations

import re
from itertools import groupby

from govcrawl.stats.cells import Found, keyed_value
from govcrawl.stats.layout import labels_match
from govcrawl.stats.schema import LEGACY2014_ROWS
from govcrawl.stats.structured import Token
from govcrawl.stats.values import normalise_label

_UNIT_WORDS = {"条", "件", "次", "篇", "个", "人", "人次", "万元", "元", "项"}
_UNIT_LINE = re.compile(
    r"^\s*(?P<label>\S.*?)\s+(?P<unit>人次|万元|条|件|次|篇|个|人|元|项)\s+(?P<value>\S+)\s*$"
)


def tokens_from_unit_lines(text: str) -> list[Token]:
    """Rows of a 统计表 printed without cell separators (PDF text): ``label unit value`` per line."""
    tokens: list[Token] = []
    for row, line in enumerate(text.splitlines()):
        m = _UNIT_LINE.match(line)
        if m:
            tokens += [
                Token(m.group("label"), row),
                Token(m.group("unit"), row),
                Token(m.group("value"), row),
            ]
    return tokens


def parse_legacy(tokens: list[Token]) -> Found:
    """Match rows to the 统计表 in order (so repeated labels such as 被依法纠错数 resolve by position).

    A row's value is its single non-blank value cell after the label; rows with several value
    cells (split local columns) are left unassigned with a warning.
    """
    found = Found()
    pointer = 0
    for _, row_iter in groupby(tokens, key=lambda t: t.row):
        row = list(row_iter)
        if len(row) < 2 or not row[0].is_label:
            continue  # prose lines and stray cells are not table rows
        label = normalise_label(row[0].text)
        hit = next(
            (j for j in range(pointer, len(LEGACY2014_ROWS)) if labels_match(label, LEGACY2014_ROWS[j][1])),
            None,
        )
        if hit is None:
            continue
        pointer = hit + 1
        key = LEGACY2014_ROWS[hit][0]
        found.tables.add("legacy")
        if key is None:
            continue
        unit = next(
            (normalise_label(t.text) for t in row[1:] if normalise_label(t.text) in _UNIT_WORDS), None
        )
        values = [
            t for t in row[1:] if not t.is_label and t.value is not None and "blank" not in t.value.flags
        ]
        if len(values) != 1:
            if len(values) > 1:
                found.warnings.append(
                    f"统计表 {row[0].text.strip()}: {len(values)} value cells; left unassigned"
                )
            continue
        cell = values[0].value
        assert cell is not None
        found.values[key] = keyed_value(key, cell, None)
        if found.values[key].unit is None and unit:
            v = found.values[key]
            found.values[key] = type(v)(v.key, v.value, v.raw, unit, v.flags, v.source)
    return found
