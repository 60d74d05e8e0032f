"""Reading the archive for researchers: each report as its current version and parse, exported or counted.

``current_reports`` is the one definition of "the archive's reports as they stand": every report
with its current version and that version's current parse. Export, the summary and the status
board (``govcrawl.store.status``) all read through it.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from govcrawl.divisions import Divisions
from govcrawl.store.database import Database
from govcrawl.store.models import (
    Capture,
    CheckResult,
    Division,
    FetchError,
    Parse,
    Report,
    ReportVersion,
    Source,
    StatValue,
)

#: The fields of one exported report, in output order, with their type: ``int``, ``int32``,
#: ``str``, ``list`` (of strings) or ``json`` (a nested value, as JSON text in flat formats).
EXPORT_FIELDS: dict[str, str] = {
    "report_id": "int",
    "division_code": "str",
    "region": "str",
    "year": "int32",
    "title": "str",
    "publisher": "str",
    "source_urls": "list",
    "content_hash": "str",
    "format": "str",
    "version": "int32",
    "versions": "int32",
    "parse_id": "int",
    "parser_version": "str",
    "values": "json",
    "sources": "json",
}

# Reports per round trip when exporting: bounds memory while keeping queries few.
_EXPORT_BATCH = 500


def province_prefix(province: str) -> str:
    """The two-digit code prefix shared by every division in ``province`` (a name or a code)."""
    found = Divisions.load().province(province)
    if found is None:
        raise ValueError(f"unknown province: {province}")
    return found.code[:2]


def current_reports(*columns: Any) -> Select:
    """``SELECT columns`` over every report joined to its current version and that version's current parse."""
    return (
        select(*columns)
        .select_from(Report)
        .join(ReportVersion, (ReportVersion.report_id == Report.id) & ReportVersion.is_current)
        .join(Parse, (Parse.version_id == ReportVersion.id) & Parse.is_current)
    )


class Queries:
    """Export and summary of the archive."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def export(
        self,
        *,
        province: str | None = None,
        division: str | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        stats_format: str | None = None,
        keys: list[str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """One dict per report (keys ``EXPORT_FIELDS``), ordered by division code, year and id.

        Each report is exported as its current version with that version's current parse:
        ``content_hash``, ``version`` (number) and ``versions`` (how many), ``parse_id`` and
        ``parser_version``; ``values`` maps each statistics key to a number (int when integral) or
        None for a blank cell, a table's value winning over the text's; ``source_urls`` lists every
        URL the report was fetched from, and ``sources`` the same with, per URL, the version it
        carries, ``match`` (exact/near), the WARC ``capture`` (file, offset, length) and the
        ``blob`` hash of the raw bytes: every value leads back to its report, version and capture.
        Sources are listed in the order they were archived, except that aggregators' copies come
        after the originals on government hosts: the first is the report's primary source.

        Filters: ``province`` is a name ("广东省", "广东") or a code ("44", "440000") and selects
        every division under it; ``division`` is an exact division code; the years are inclusive
        bounds; ``stats_format`` a format name (gov2021, …); ``keys`` keeps only those statistics.
        An unknown province raises ValueError at the call, before anything is read.
        """
        query = _export_query(province, division, year_from, year_to, stats_format)
        return self._export(query, keys)

    def _export(self, query: Select, keys: list[str] | None) -> Iterator[dict[str, Any]]:
        with self.db.sessions() as session:
            for batch in session.execute(query.execution_options(yield_per=_EXPORT_BATCH)).partitions():
                sources = _sources_by_report(session, [row.id for row in batch])
                values = _values_by_parse(session, [row.parse_id for row in batch], keys)
                for row in batch:
                    report_sources = sources.get(row.id, [])
                    yield {
                        "report_id": row.id,
                        "division_code": row.division_code,
                        "region": row.region,
                        "year": row.year,
                        "title": row.title,
                        "publisher": row.publisher,
                        "source_urls": [s["url"] for s in report_sources],
                        "content_hash": row.content_hash,
                        "format": row.stats_format,
                        "version": row.number,
                        "versions": row.versions,
                        "parse_id": row.parse_id,
                        "parser_version": row.parser_version,
                        "values": values.get(row.parse_id, {}),
                        "sources": report_sources,
                    }

    def summary(self) -> dict[str, Any]:
        """See :func:`summary`."""
        with self.db.sessions() as session:
            return summary(session)


def summary(session: Session) -> dict[str, Any]:
    """Totals (reports, versions, sources, captures, errors), and the current reports by province,
    year and format, and their checks by status (``govcrawl status`` shows it).

    Reports are counted as their current version and parse; ``check_status`` counts the rule
    outcomes of those parses.
    """
    current = current_reports(
        Report.id, Report.division_code, Report.year, Parse.id.label("parse_id"), Parse.stats_format
    ).subquery()
    province = func.substr(current.c.division_code, 1, 2)
    names = {
        code: name
        for code, name in session.execute(
            select(func.substr(Division.code, 1, 2), Division.name).where(Division.level == "province")
        )
    }

    def grouped(column: Any) -> list[tuple[Any, int]]:
        rows = session.execute(select(column, func.count()).group_by(column).order_by(column))
        return [(key, n) for key, n in rows]

    by_province = [
        (names.get(code, "unidentified") if code else "unidentified", n)
        for code, n in session.execute(
            select(province, func.count()).select_from(current).group_by(province).order_by(province)
        )
    ]
    checks = [
        (status, n)
        for status, n in session.execute(
            select(CheckResult.status, func.count())
            .join(current, current.c.parse_id == CheckResult.parse_id)
            .group_by(CheckResult.status)
            .order_by(CheckResult.status)
        )
    ]
    totals = {
        name: session.scalar(select(func.count()).select_from(table))
        for name, table in (
            ("reports", Report),
            ("versions", ReportVersion),
            ("sources", Source),
            ("captures", Capture),
            ("errors", FetchError),
        )
    }
    return {
        "totals": totals,
        "province": by_province,
        "year": grouped(current.c.year),
        "format": grouped(current.c.stats_format),
        "check_status": checks,
    }


def _export_query(
    province: str | None,
    division: str | None,
    year_from: int | None,
    year_to: int | None,
    stats_format: str | None,
) -> Select:
    other = aliased(ReportVersion)
    versions = (
        select(func.count())
        .select_from(other)
        .where(other.report_id == Report.id)
        .correlate(Report)
        .scalar_subquery()
        .label("versions")
    )
    query = current_reports(
        Report.id,
        Report.division_code,
        Report.region,
        Report.year,
        Report.title,
        Report.publisher,
        ReportVersion.content_hash,
        ReportVersion.number,
        versions,
        Parse.id.label("parse_id"),
        Parse.parser_version,
        Parse.stats_format,
    ).order_by(Report.division_code, Report.year, Report.id)
    if province is not None:
        query = query.where(Report.division_code.startswith(province_prefix(province)))
    if division is not None:
        query = query.where(Report.division_code == division)
    if year_from is not None:
        query = query.where(Report.year >= year_from)
    if year_to is not None:
        query = query.where(Report.year <= year_to)
    if stats_format is not None:
        query = query.where(Parse.stats_format == stats_format)
    return query


def _sources_by_report(session: Session, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    sources: dict[int, list[dict[str, Any]]] = {}
    rows = session.execute(
        select(
            Source.report_id,
            Source.url,
            ReportVersion.number,
            Source.match,
            Source.blob_sha256,
            Capture.id.label("capture_id"),
            Capture.warc_file,
            Capture.warc_offset,
            Capture.warc_length,
        )
        .join(ReportVersion, ReportVersion.id == Source.version_id)
        .outerjoin(Capture, Capture.id == Source.capture_id)
        .where(Source.report_id.in_(ids))
        .order_by(Source.aggregator_copy, Source.id)
    )
    for row in rows:
        capture = None
        if row.capture_id is not None:
            capture = {
                "id": row.capture_id,
                "warc_file": row.warc_file,
                "offset": row.warc_offset,
                "length": row.warc_length,
            }
        sources.setdefault(row.report_id, []).append(
            {"url": row.url, "version": row.number, "match": row.match, "blob": row.blob_sha256, "capture": capture}
        )
    return sources


def _values_by_parse(
    session: Session, parse_ids: list[int], keys: list[str] | None
) -> dict[int, dict[str, int | float | None]]:
    values: dict[int, dict[str, int | float | None]] = {}
    query = (
        select(StatValue.parse_id, StatValue.key, StatValue.value, StatValue.source)
        .where(StatValue.parse_id.in_(parse_ids))
        .order_by(StatValue.id)
    )
    if keys:
        query = query.where(StatValue.key.in_(keys))
    for parse_id, key, value, source in session.execute(query):
        parse_values = values.setdefault(parse_id, {})
        if source == "table" or key not in parse_values:
            parse_values[key] = _number(value)
    return values


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
