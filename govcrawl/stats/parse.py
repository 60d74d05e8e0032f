"""Entry points: a report's statistics from a Document (grids) or from plain text."""

from __future__ import annotations

from dataclasses import replace

from govcrawl.document import Document
from govcrawl.stats.cells import Found
from govcrawl.stats.checks import derive_other_total, gov_checks, impute_totals, legacy_checks, text_checks
from govcrawl.stats.layout import detect_format, format_by_id
from govcrawl.stats.legacy import parse_legacy, tokens_from_unit_lines
from govcrawl.stats.local import parse_local, tokens_from_spaced_lines
from govcrawl.stats.narrative import parse_narrative
from govcrawl.stats.result import ParseResult
from govcrawl.stats.schema import FORMATS
from govcrawl.stats.stream import parse_stream
from govcrawl.stats.structured import Token, parse_tokens, tokens_from_pipe_text, tokens_from_table


def _line_mode(tokens: list[Token]) -> bool:
    """True when pipe text prints one table row per line (a label then values on the same line)."""
    rows_with_values = {
        a.row
        for a, b in zip(tokens, tokens[1:], strict=False)
        if a.row == b.row and a.is_label and not b.is_label
    }
    return len(rows_with_values) >= 5


def _read_tables(tokens: list[Token], fid: str, line_mode: bool) -> Found:
    if fid == "legacy2014":
        return parse_legacy(tokens)
    if fid == "legacy_local":
        return parse_local(tokens)
    return parse_tokens(tokens, format_by_id(fid), line_mode)


def _finish(found: Found, fid: str | None, method: str | None, prose: str) -> ParseResult:
    text_values = parse_narrative(prose)
    result = ParseResult(
        has_tables=bool(found.tables),
        warnings=list(found.warnings),
        text_values=text_values,
        triples=list(found.triples),
    )
    values = dict(found.values)
    if result.has_tables and fid in ("gov2019", "gov2021"):
        fmt = format_by_id(fid)
        impute_totals(values, fmt)
        if fid == "gov2021":
            derive_other_total(values)
        result.checks = gov_checks(values, fmt)
    elif result.has_tables and fid in ("legacy2014", "legacy_local"):
        result.checks = legacy_checks(values, local=fid == "legacy_local")
    result.checks.extend(found.checks)
    result.checks.extend(text_checks(values, text_values))
    if "apply.result.total.total" in values:
        # schema.HEADLINE_KEYS names the handled total "apply.result.total" (row key, no column).
        values["apply.result.total"] = replace(values["apply.result.total.total"], key="apply.result.total")
    for key, tv in text_values.items():
        values.setdefault(key, tv)
    result.values = values
    if result.has_tables:
        result.format, result.method = fid, method
    elif text_values:
        result.format, result.method = "narrative", "narrative"
    return result


def parse_text(text: str) -> ParseResult:
    """Statistics from plain text: pipe text (row per line, or all on one line), values-only
    streams, a local 统计表 in space-separated columns, or prose. Table values and prose values
    are kept apart (see :class:`ParseResult`)."""
    fid = detect_format(text)
    found, method = Found(), None
    if fid is not None:
        tokens = tokens_from_pipe_text(text)
        if text.count("|") >= 10:
            found, method = _read_tables(tokens, fid, _line_mode(tokens)), "pipe"
        if fid == "legacy_local":
            if not found.tables:
                found, method = parse_local(tokens_from_spaced_lines(text)), "columns"
        elif not found.values and fid == "legacy2014":
            found, method = parse_legacy(tokens_from_unit_lines(text)), "values_only"
        elif not found.values:
            streamed = parse_stream(text, format_by_id(fid))
            if streamed.values or not found.tables:
                found, method = streamed, "values_only"
    return _finish(found, fid, method, text)


def parse_document(doc: Document) -> ParseResult:
    """Statistics from an extracted Document: its table grids first (merged cells honoured), and
    the document text when the grids hold no statistics (e.g. a PDF whose tables were not found)."""
    prose = "\n".join(b.text for b in doc.blocks if b.kind != "table" and b.text)
    fid = detect_format(doc.text)
    if fid is not None and doc.tables:
        tokens: list[Token] = []
        row = 0
        for block in doc.blocks:
            if block.kind == "table" and block.table is not None:
                tokens.extend(tokens_from_table(block.table, row))
                row += block.table.n_rows
            elif block.text:
                tokens.append(Token(block.text.strip(), row))
                row += 1
        found = _read_tables(tokens, fid, line_mode=True)
        if found.values:
            method = "grid"
            missing = {"active", "apply", "review"} - _tables_with_values(found)
            if fid in FORMATS and missing:
                # A table the grids lack (one a PDF extractor did not detect) may survive as text.
                streamed = parse_stream(prose, format_by_id(fid))
                added = {k: v for k, v in streamed.values.items() if _table_of(k) in missing}
                if added:
                    found.values.update(added)
                    found.warnings += streamed.warnings
                    method = "grid+values_only"
            return _finish(found, fid, method, prose)
    return parse_text(doc.text)


def _table_of(key: str) -> str:
    """Which table a canonical key belongs to: active (二), apply (三) or review (四)."""
    head = key.split(".", 1)[0]
    return "review" if head == "litigation" else head


def _tables_with_values(found: Found) -> set[str]:
    return {_table_of(k) for k in found.values}
