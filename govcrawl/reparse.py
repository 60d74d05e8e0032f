"""Re-parse: the archived raw bytes read again by today's parser, without the network.

Each version of a report is re-read from the raw bytes of a capture that carries exactly its text
(an "exact" source): from the WARC record when the source has one (a revisit followed to its
original), else from the content-addressed blob. The bytes go through :func:`govcrawl.process.process`
like a fresh download. The result becomes the version's current parse when it differs from the
current one (another parser version, format, value or check outcome); the earlier parses stay as
history. A document that no longer extracts is recorded in ``fetch_errors`` and the run goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from govcrawl.process import check_records, process, stat_records
from govcrawl.records import Capture
from govcrawl.stats import PARSER_VERSION
from govcrawl.store.archive import Archive
from govcrawl.store.parses import ParseSnapshot, ReparseSource


@dataclass(frozen=True)
class ReparseOutcome:
    """What re-parsing one version did: ``status`` is "updated", "unchanged" or "error"."""

    report_id: int
    version_id: int
    status: str
    raw_from: str | None  # "warc" or "blob"
    parse_id: int | None = None
    message: str = ""


def reparse(
    archive: Archive, *, report_ids: list[int] | None = None, warc_only: bool = False
) -> Iterator[ReparseOutcome]:
    """Re-parse every version (of ``report_ids`` if given); ``warc_only`` refuses the blob fallback."""
    for source in archive.parses.reparse_sources(report_ids):
        try:
            body, raw_from = _raw_bytes(archive, source, warc_only)
        except (OSError, LookupError) as exc:
            message = f"raw bytes unavailable: {type(exc).__name__}: {exc}"
            archive.runs.record_error(
                run_id=None, url=source.url, portal_code=None, stage="store", kind="raw_missing", message=message
            )
            yield ReparseOutcome(source.report_id, source.version_id, "error", None, message=message)
            continue
        done = process(Capture.of_bytes(body, source.url, source.content_type), require_report=False)
        if done.failure is not None:
            failure = done.failure
            archive.runs.record_error(
                run_id=None, url=source.url, portal_code=None, stage=failure.stage, kind=failure.kind,
                message=failure.message,
            )
            yield ReparseOutcome(source.report_id, source.version_id, "error", raw_from, message=failure.message)
            continue
        if done.parse is None:  # the parser crashed on it: the current parse stays
            yield ReparseOutcome(source.report_id, source.version_id, "error", raw_from, message=done.parse_error or "")
            continue
        result, doc = done.parse, done.document
        assert doc is not None
        warnings = list(doc.warnings) + list(result.warnings)
        if done.content_hash != source.content_hash:
            warnings.append("re-extracted text differs from the archived version's text")
        snapshot = ParseSnapshot(
            parser_version=result.parser_version or PARSER_VERSION,
            stats_format=result.format,
            values={v.key + "@" + v.source: _decimal(v.value) for v in result.values.values()},
            checks={(c.rule, c.status, _decimal(c.lhs), _decimal(c.rhs)) for c in result.checks},
        )
        if snapshot == archive.parses.snapshot(source.version_id):
            yield ReparseOutcome(source.report_id, source.version_id, "unchanged", raw_from)
            continue
        parse_id = archive.parses.store(
            source.version_id,
            parser_version=snapshot.parser_version,
            stats_format=result.format,
            warnings=warnings,
            stats=stat_records(result),
            checks=check_records(result),
            triples=[t.to_json() for t in result.triples],
            origin="reparse",
        )
        yield ReparseOutcome(source.report_id, source.version_id, "updated", raw_from, parse_id)


def _raw_bytes(archive: Archive, source: ReparseSource, warc_only: bool) -> tuple[bytes, str]:
    if source.capture_id is not None:
        try:
            return archive.captures.read(source.capture_id), "warc"
        except (OSError, LookupError):
            if warc_only:
                raise
    elif warc_only:
        raise LookupError(f"no WARC capture indexed for {source.url}")
    return archive.reports.blob(source.blob_sha256), "blob"


def _decimal(value: int | Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value)
