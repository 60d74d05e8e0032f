"""The archive: what the crawl's store pipeline and the CLI call to write and read reports."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from govcrawl.divisions import Divisions
from govcrawl.records import ReportRecord
from govcrawl.store.engine import make_engine
from govcrawl.store.models import (
    ERROR_STAGES,
    Blob,
    CheckResult,
    CrawlRun,
    FetchError,
    Portal,
    Report,
    Source,
    StatValue,
)

#: The fields of one exported report, in output order.
EXPORT_FIELDS = (
    "division_code",
    "region",
    "year",
    "title",
    "publisher",
    "source_urls",
    "content_hash",
    "format",
    "values",
)

# Reports per round trip when exporting: bounds memory while keeping queries few.
_EXPORT_BATCH = 500


@dataclass(frozen=True)
class StoreOutcome:
    """What ``Archive.store_report`` did: the report's id, and whether the report and the source were new."""

    report_id: int
    new_report: bool
    new_source: bool


class Archive:
    """Read and write access to the archive database. It never migrates: run ``govcrawl db upgrade`` first."""

    def __init__(self, url: str | None = None):
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine)
        # Both backends speak INSERT ... ON CONFLICT; only the statement class differs.
        self._insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[self.engine.dialect.name]

    def start_run(self, arguments: dict) -> int:
        """Record the start of a crawl run and return its id."""
        with self._sessions.begin() as session:
            run = CrawlRun(started_at=_now(), arguments=_jsonable(arguments))
            session.add(run)
            session.flush()
            return run.id

    def finish_run(self, run_id: int, stats: dict) -> None:
        """Record the end of a run: its final stats and the counts of what it added."""
        with self._sessions.begin() as session:
            session.execute(
                update(CrawlRun)
                .where(CrawlRun.id == run_id)
                .values(
                    finished_at=_now(),
                    stats=_jsonable(stats),
                    reports_added=_count(session, Report.crawl_run_id == run_id),
                    sources_added=_count(session, Source.crawl_run_id == run_id),
                    errors=_count(session, FetchError.crawl_run_id == run_id),
                )
            )

    def store_report(self, rec: ReportRecord, run_id: int | None = None) -> StoreOutcome:
        """Archive a report, deduplicated by ``rec.content_hash``.

        A new hash creates the report with its statistics and checks; a known hash only gains the
        capture's URL as another source, and the stored text, identity and statistics stay as they
        are. The same URL again adds nothing. Raw bytes are stored once per SHA-256. Concurrent
        callers are safe: every insert is ``ON CONFLICT DO NOTHING`` against a unique key.
        """
        capture = rec.capture
        digest = hashlib.sha256(capture.body).hexdigest()
        now = _now()
        with self._sessions.begin() as session:
            session.execute(
                self._insert(Blob.__table__)
                .values(
                    sha256=digest,
                    size=len(capture.body),
                    content_type=capture.content_type,
                    data=capture.body,
                )
                .on_conflict_do_nothing(index_elements=["sha256"])
            )
            report_id = session.scalar(
                self._insert(Report.__table__)
                .values(
                    content_hash=rec.content_hash,
                    title=rec.title,
                    division_code=rec.division_code,
                    region=rec.region,
                    year=rec.year,
                    publisher=rec.publisher,
                    publisher_level=rec.publisher_level,
                    source_format=rec.source_format,
                    stats_format=rec.stats_format,
                    parser_version=rec.parser_version,
                    aggregator_copy=rec.aggregator_copy,
                    clean_text=rec.clean_text,
                    created_at=now,
                    crawl_run_id=run_id,
                    evidence=rec.evidence,
                    warnings=rec.warnings,
                )
                .on_conflict_do_nothing(index_elements=["content_hash"])
                .returning(Report.__table__.c.id)
            )
            new_report = report_id is not None
            if new_report:
                self._insert_statistics(session, report_id, rec)
            else:
                report_id = session.scalar(select(Report.id).where(Report.content_hash == rec.content_hash))
            source_id = session.scalar(
                self._insert(Source.__table__)
                .values(
                    report_id=report_id,
                    url=capture.url,
                    final_url=capture.final_url,
                    http_status=capture.status,
                    content_type=capture.content_type,
                    fetched_at=capture.fetched_at,
                    headers=capture.headers,
                    blob_sha256=digest,
                    portal_code=capture.portal_code,
                    referer=capture.referer,
                    link_text=capture.link_text,
                    rendered=capture.rendered,
                    crawl_run_id=run_id,
                    aggregator_copy=rec.aggregator_copy,
                )
                .on_conflict_do_nothing(index_elements=["report_id", "url"])
                .returning(Source.__table__.c.id)
            )
        return StoreOutcome(report_id=report_id, new_report=new_report, new_source=source_id is not None)

    def _insert_statistics(self, session: Session, report_id: int, rec: ReportRecord) -> None:
        if rec.stats:
            # A key repeated within one source keeps its first value (the unique key allows one).
            session.execute(
                self._insert(StatValue.__table__).on_conflict_do_nothing(
                    index_elements=["report_id", "key", "source"]
                ),
                [
                    {
                        "report_id": report_id,
                        "key": s.key,
                        "value": s.value,
                        "raw": s.raw,
                        "unit": s.unit,
                        "flags": s.flags,
                        "source": s.source,
                    }
                    for s in rec.stats
                ],
            )
        if rec.checks:
            session.execute(
                CheckResult.__table__.insert(),
                [
                    {
                        "report_id": report_id,
                        "rule": c.rule,
                        "status": c.status,
                        "lhs": c.lhs,
                        "rhs": c.rhs,
                        "delta": c.delta,
                        "keys": c.keys,
                    }
                    for c in rec.checks
                ],
            )

    def record_error(
        self,
        *,
        run_id: int | None,
        url: str,
        portal_code: str | None,
        stage: str,
        kind: str,
        message: str,
        http_status: int | None = None,
    ) -> None:
        """Record an input that could not be archived. ``stage`` is one of ``ERROR_STAGES``."""
        if stage not in ERROR_STAGES:
            raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(ERROR_STAGES)}")
        with self._sessions.begin() as session:
            session.add(
                FetchError(
                    crawl_run_id=run_id,
                    url=url,
                    portal_code=portal_code,
                    stage=stage,
                    kind=kind,
                    message=message,
                    http_status=http_status,
                    at=_now(),
                )
            )

    def touch_portal(
        self, division_code: str, name: str, portal_url: str, province: str | None = None
    ) -> None:
        """Note that a seed portal was crawled: insert it, or refresh its name, URL and ``last_seen``."""
        now = _now()
        stmt = self._insert(Portal.__table__).values(
            division_code=division_code,
            name=name,
            province=province,
            portal_url=portal_url,
            first_seen=now,
            last_seen=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["division_code"],
            set_={
                "name": stmt.excluded.name,
                "portal_url": stmt.excluded.portal_url,
                "province": func.coalesce(stmt.excluded.province, Portal.__table__.c.province),
                "last_seen": stmt.excluded.last_seen,
            },
        )
        with self._sessions.begin() as session:
            session.execute(stmt)

    def iter_export(
        self,
        *,
        province: str | None = None,
        division: str | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """One dict per report (keys ``EXPORT_FIELDS``), ordered by division code, year and id.

        ``province`` is a name ("广东省", "广东") or a code ("44", "440000") and selects every division
        under it; ``division`` is an exact division code; the years are inclusive bounds. ``values``
        maps each statistics key to a number (int when integral) or None for a blank cell; a key found
        both in a table and in the text takes the table's value. An unknown province raises
        ValueError at the call, before anything is read.
        """
        return self._export(_export_query(province, division, year_from, year_to))

    def _export(self, query: Select) -> Iterator[dict[str, Any]]:
        with self._sessions() as session:
            for batch in session.execute(query.execution_options(yield_per=_EXPORT_BATCH)).partitions():
                ids = [row.id for row in batch]
                urls = _urls_by_report(session, ids)
                values = _values_by_report(session, ids)
                for row in batch:
                    yield {
                        "division_code": row.division_code,
                        "region": row.region,
                        "year": row.year,
                        "title": row.title,
                        "publisher": row.publisher,
                        "source_urls": urls.get(row.id, []),
                        "content_hash": row.content_hash,
                        "format": row.stats_format,
                        "values": values.get(row.id, {}),
                    }

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()


def province_prefix(province: str) -> str:
    """The two-digit code prefix shared by every division in ``province`` (a name or a code)."""
    found = Divisions.load().province(province)
    if found is None:
        raise ValueError(f"unknown province: {province}")
    return found.code[:2]


def _export_query(
    province: str | None, division: str | None, year_from: int | None, year_to: int | None
) -> Select:
    query = select(
        Report.id,
        Report.division_code,
        Report.region,
        Report.year,
        Report.title,
        Report.publisher,
        Report.content_hash,
        Report.stats_format,
    ).order_by(Report.division_code, Report.year, Report.id)
    if province is not None:
        query = query.where(Report.division_code.startswith(province_prefix(province)))
    if division is not None:
        query = query.where(Report.division_code == division)
    if year_from is not None:
        query = query.where(Report.year >= year_from)
    if year_to is not None:
        query = query.where(Report.year <= year_to)
    return query


def _urls_by_report(session: Session, ids: list[int]) -> dict[int, list[str]]:
    urls: dict[int, list[str]] = {}
    rows = session.execute(
        select(Source.report_id, Source.url).where(Source.report_id.in_(ids)).order_by(Source.id)
    )
    for report_id, url in rows:
        urls.setdefault(report_id, []).append(url)
    return urls


def _values_by_report(session: Session, ids: list[int]) -> dict[int, dict[str, int | float | None]]:
    values: dict[int, dict[str, int | float | None]] = {}
    rows = session.execute(
        select(StatValue.report_id, StatValue.key, StatValue.value, StatValue.source)
        .where(StatValue.report_id.in_(ids))
        .order_by(StatValue.id)
    )
    for report_id, key, value, source in rows:
        report_values = values.setdefault(report_id, {})
        if source == "table" or key not in report_values:
            report_values[key] = _number(value)
    return values


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _count(session: Session, condition: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).where(condition))


def _jsonable(data: dict) -> dict:
    """``data`` with anything JSON cannot hold (datetimes in Scrapy stats, Decimals) turned into strings."""
    return json.loads(json.dumps(data, default=str))


def _now() -> datetime:
    return datetime.now(UTC)
