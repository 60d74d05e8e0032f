"""One document's way from fetched bytes to an archive record, in one place.

extract → clean → identify → normalise (once) → content hash + near-duplicate signature → parse.

:func:`process` is pure but for extraction's worker process: bytes and their provenance in, a
:class:`Processed` out. The crawl's pipeline, ``govcrawl reparse``, ``govcrawl parse`` and the
benchmarks all call it, so a document is read the same way whichever door it came in by.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from govcrawl import dedupe
from govcrawl.clean import strip_boilerplate
from govcrawl.document import Document
from govcrawl.extract import ExtractionError, extract
from govcrawl.identify import Identity, identify
from govcrawl.records import Capture, CheckRecord, ReportRecord, StatRecord
from govcrawl.stats import ParseResult, parse_document

logger = logging.getLogger(__name__)

#: An HTML page with less body text than this and an attachment is a wrapper, not the report itself.
MIN_REPORT_CHARS = 300

#: Why a document that is not archived was left out (``Processed.skipped``).
SKIP_REASONS = ("attachment_page", "not_a_report")


@dataclass(frozen=True)
class Failure:
    """Why a document yielded nothing: the stage (``extract``) and the kind (``corrupt``, ``needs_ocr``…)."""

    stage: str
    kind: str
    message: str


@dataclass
class Processed:
    """What processing made of one capture.

    Exactly one of three outcomes: ``failure`` (the bytes yield no document), ``skipped`` (a
    document, but no report: one of ``SKIP_REASONS``, explained in ``message``), or a report, with
    ``record`` ready to archive. ``parse_error`` is set when the statistics parser crashed on a
    report: it is archived unparsed and the error recorded, never lost.
    """

    capture: Capture
    document: Document | None = None
    identity: Identity | None = None
    normalized: str = ""
    content_hash: str = ""
    signature: bytes | None = None
    parse: ParseResult | None = None
    parse_error: str | None = None
    failure: Failure | None = None
    skipped: str | None = None
    message: str = ""
    record: ReportRecord | None = field(default=None, repr=False)


def process(
    capture: Capture,
    *,
    title_hint: str | None = None,
    aggregator: bool = False,
    require_report: bool = True,
    hint: str = "",
    extract_fn: Callable[..., Document] = extract,
) -> Processed:
    """Read one capture through every stage (see the module docstring).

    ``title_hint`` is the text of the link that led to the document (or the title of the page that
    linked an attachment); ``aggregator`` marks a copy found on a document-sharing site;
    ``require_report`` stops at identification when the document is not a report (the crawl),
    while reading anything goes on to the parse (``govcrawl parse``, re-parsing). ``hint`` is a
    file extension for type sniffing where the URL has none; ``extract_fn`` replaces the killable
    worker (benchmarks time extraction in their own process).

    Only what the document causes becomes a ``failure``: an extraction fault of ours
    (:class:`govcrawl.extract.InternalError`: a missing module or program, a bug, no memory) is
    raised, so that the crawl stops instead of filing every document as bad.
    """
    out = Processed(capture)
    try:
        raw = extract_fn(capture.body, url=capture.final_url, content_type=capture.content_type, hint=hint)
    except ExtractionError as exc:  # never InternalError: it is no ExtractionError, and escapes on purpose
        out.failure = Failure("extract", exc.kind, exc.message)
        return out
    if raw.needs_ocr:
        out.failure = Failure("extract", "needs_ocr", "no text layer: the document is a scan and needs OCR")
        return out
    doc = out.document = strip_boilerplate(raw)
    out.normalized = dedupe.normalize_text(doc.text)
    if require_report and doc.source_format == "html" and len(out.normalized) < MIN_REPORT_CHARS and doc.attachments:
        return _skip(out, "attachment_page", f"attachment-only page, its files are fetched: {capture.final_url}")
    if not out.normalized:
        out.failure = Failure("extract", "empty", "no text in the document body")
        return out
    out.identity = identify(
        doc, url=capture.final_url, link_text=title_hint or capture.link_text, portal_code=capture.portal_code
    )
    if require_report and not out.identity.is_report:
        return _skip(out, "not_a_report", f"not an annual report: {out.identity.title!r} {capture.final_url}")
    out.content_hash = dedupe.digest(out.normalized)
    out.signature = dedupe.signature(out.normalized)
    try:
        out.parse = parse_document(doc)
    except Exception as exc:  # a parser bug must not lose the report: it is archived unparsed, the error kept
        logger.exception("statistics parser failed on %s", capture.final_url)
        out.parse_error = f"{type(exc).__name__}: {exc}"
    out.record = _record(out, aggregator)
    return out


def _skip(out: Processed, reason: str, message: str) -> Processed:
    out.skipped, out.message = reason, message
    return out


def stat_records(parse: ParseResult) -> list[StatRecord]:
    """A parse's values as archive rows."""
    return [StatRecord(v.key, v.value, v.raw, v.unit, list(v.flags), v.source) for v in parse.values.values()]


def check_records(parse: ParseResult) -> list[CheckRecord]:
    """A parse's consistency checks as archive rows."""
    return [CheckRecord(c.rule, c.status, c.lhs, c.rhs, c.delta, list(c.keys)) for c in parse.checks]


def _record(out: Processed, aggregator: bool) -> ReportRecord:
    ident, doc, parse = out.identity, out.document, out.parse
    assert ident is not None and doc is not None
    return ReportRecord(
        capture=out.capture,
        title=ident.title,
        division_code=ident.division_code,
        region=ident.region,
        year=ident.year,
        publisher=ident.publisher,
        publisher_level=ident.publisher_level,
        clean_text=doc.text,
        content_hash=out.content_hash,
        signature=out.signature,
        source_format=doc.source_format,
        aggregator_copy=doc.aggregator_copy or aggregator,
        stats_format=parse.format if parse else None,
        parser_version=parse.parser_version if parse else None,
        stats=stat_records(parse) if parse else [],
        checks=check_records(parse) if parse else [],
        triples=[t.to_json() for t in parse.triples] if parse else [],
        warnings=list(doc.warnings) + (list(parse.warnings) if parse else []),
        evidence=dict(ident.evidence),
    )
