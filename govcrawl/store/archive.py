"""The archive: what the crawl's store pipeline and the CLI call to write and read reports."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, case, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased, sessionmaker

from govcrawl.divisions import Divisions
from govcrawl.records import CheckRecord, ReportRecord, StatRecord
from govcrawl.store.engine import make_engine
from govcrawl.store.models import (
    ERROR_STAGES,
    FAILURE_CLASSES,
    Blob,
    Capture,
    CheckResult,
    CrawlRun,
    Division,
    FetchError,
    Parse,
    Portal,
    PortalHealth,
    Report,
    ReportVersion,
    Source,
    StatValue,
)
from govcrawl.store.neardup import (
    NEAR_DUP_THRESHOLD,
    conflicting_values,
    minhash_signature,
    same_publisher,
    similarity,
)

#: The fields of one exported report, in output order.
EXPORT_FIELDS = (
    "report_id",
    "division_code",
    "region",
    "year",
    "title",
    "publisher",
    "source_urls",
    "content_hash",
    "format",
    "version",
    "versions",
    "parse_id",
    "parser_version",
    "values",
    "sources",
)

# Reports per round trip when exporting: bounds memory while keeping queries few.
_EXPORT_BATCH = 500


@dataclass(frozen=True)
class StoreOutcome:
    """What ``Archive.store_report`` did.

    ``report_id`` and ``version_id`` say where the capture went; ``new_report``, ``new_version``
    and ``new_source`` what was created; ``match`` how the capture relates to the version's text
    ("exact" or "near"), with the estimated ``similarity``; ``parse_id`` is set when a parse was
    stored.
    """

    report_id: int
    new_report: bool
    new_source: bool
    version_id: int | None = None
    new_version: bool = False
    match: str = "exact"
    similarity: float = 1.0
    parse_id: int | None = None


@dataclass(frozen=True)
class _VersionRef:
    """The two ids a source row needs of its version (a loaded ``ReportVersion`` has them too)."""

    id: int
    report_id: int


@dataclass(frozen=True)
class _SourceRow:
    """A capture about to become a source row, once the version it belongs to is known."""

    rec: ReportRecord
    blob_sha256: str
    capture_id: int | None
    run_id: int | None

    def add(self, conn: Connection, statement: Any, version: _VersionRef, match: str, score: float) -> StoreOutcome:
        capture = self.rec.capture
        source_id = conn.execute(
            statement,
            {
                "report_id": version.report_id,
                "version_id": version.id,
                "url": capture.url,
                "final_url": capture.final_url,
                "http_status": capture.status,
                "content_type": capture.content_type,
                "fetched_at": capture.fetched_at,
                "headers": capture.headers,
                "blob_sha256": self.blob_sha256,
                "portal_code": capture.portal_code,
                "referer": capture.referer,
                "link_text": capture.link_text,
                "rendered": capture.rendered,
                "crawl_run_id": self.run_id,
                "aggregator_copy": self.rec.aggregator_copy,
                "capture_id": self.capture_id,
                "content_hash": self.rec.content_hash,
                "match": match,
                "similarity": score,
            },
        ).scalar()
        return StoreOutcome(
            report_id=version.report_id,
            new_report=False,
            new_source=source_id is not None,
            version_id=version.id,
            match=match,
            similarity=score,
        )


@dataclass(frozen=True)
class KnownCapture:
    """The newest capture of a URL: what an incremental crawl needs to ask "changed since?"."""

    capture_id: int
    url: str
    http_status: int
    etag: str | None
    last_modified: str | None
    payload_sha256: str
    fetched_at: datetime


@dataclass(frozen=True)
class CaptureRecord:
    """One HTTP response written to a WARC file, as the capture index stores it."""

    url: str
    http_status: int
    payload_sha256: str
    size: int
    fetched_at: datetime
    warc_file: str
    warc_offset: int
    warc_length: int
    warc_record_id: str
    record_type: str = "response"
    refers_to_id: int | None = None
    method: str = "GET"
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    rendered: bool = False


@dataclass(frozen=True)
class ReparseSource:
    """Where a version's raw bytes are: a source carrying exactly the version's text."""

    report_id: int
    version_id: int
    content_hash: str
    url: str
    content_type: str | None
    capture_id: int | None
    blob_sha256: str


@dataclass(frozen=True)
class ParseSnapshot:
    """What a parse decided, for comparing two parses: values keyed ``key@source``, check outcomes."""

    parser_version: str | None
    stats_format: str | None
    values: dict[str, Decimal | None]
    checks: set[tuple[str, str, Decimal | None, Decimal | None]]


class Archive:
    """Read and write access to the archive database. It never migrates: run ``govcrawl db upgrade`` first."""

    def __init__(self, url: str | None = None):
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine)
        # Both backends speak INSERT ... ON CONFLICT; only the statement class differs.
        self._insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[self.engine.dialect.name]
        # The store path's statements, built once: building them per report cost more than running them.
        self._statements = {
            "blob": self._insert(Blob.__table__).on_conflict_do_nothing(index_elements=["sha256"]),
            "report": self._insert(Report.__table__)
            .on_conflict_do_nothing(index_elements=["content_hash"])
            .returning(Report.__table__.c.id),
            "version": self._insert(ReportVersion.__table__)
            .on_conflict_do_nothing(index_elements=["content_hash"])
            .returning(ReportVersion.__table__.c.id),
            "parse": Parse.__table__.insert().returning(Parse.__table__.c.id),
            "source": self._insert(Source.__table__)
            .on_conflict_do_nothing(index_elements=["version_id", "url"])
            .returning(Source.__table__.c.id),
        }

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
        """Archive a report: as a new report, a new version of a known one, or another source of one.

        The decision, in order:

        1. *Exact duplicate*: a version with ``rec.content_hash`` exists → the capture becomes a
           source of that version (the same URL again adds nothing).
        2. *Same report identity*: reports of the same division code and year whose publisher is
           compatible (``dedupe.same_publisher``) are candidates; the most similar version by
           MinHash over character shingles (``dedupe.similarity`` ≥ ``NEAR_DUP_THRESHOLD``) is
           the match. If the statistics agree (no key read with two different numbers) the
           capture is a *near-duplicate source* of that version (an aggregator's copy, a
           re-publication with a new date); if they differ it is a *corrected re-publication*:
           a new version of the report, marked current, beside the earlier ones.
        3. Otherwise a *new report* with its version 1.

        Nothing archived is updated except the ``is_current`` marks. Raw bytes are stored once
        per SHA-256, and the source points at the run's WARC capture of its URL when there is one.
        Concurrent callers are safe: inserts are ``ON CONFLICT DO NOTHING`` against unique keys,
        and on PostgreSQL the near-duplicate search holds a transaction lock per division and year.
        """
        with self._sessions.begin() as session:
            return self._store(session, rec, run_id)

    def store_reports(self, records: Iterable[ReportRecord], run_id: int | None = None) -> list[StoreOutcome]:
        """``store_report`` for many records in one transaction (bulk loads: one commit, not one each)."""
        with self._sessions.begin() as session:
            return [self._store(session, rec, run_id) for rec in records]

    def _store(self, session: Session, rec: ReportRecord, run_id: int | None) -> StoreOutcome:
        # Core statements on the session's connection: the ORM layer doubled the cost of each one.
        conn = session.connection()
        capture = rec.capture
        digest = hashlib.sha256(capture.body).hexdigest()
        conn.execute(
            self._statements["blob"],
            {"sha256": digest, "size": len(capture.body), "content_type": capture.content_type, "data": capture.body},
        )
        source = _SourceRow(rec, digest, self._capture_id(conn, capture.final_url, run_id), run_id)
        known = _version_by_hash(conn, rec.content_hash)
        if known is not None:
            return source.add(conn, self._statements["source"], known, "exact", 1.0)
        signature = minhash_signature(rec.clean_text)
        match = self._near_duplicate(conn, rec, signature)
        if match is not None:
            version, score = match
            if not conflicting_values(_current_values(conn, version.id), _record_values(rec)):
                return source.add(conn, self._statements["source"], version, "near", score)
            return self._new_version(conn, rec, signature, source, version.report_id, run_id)
        report_id = conn.execute(
            self._statements["report"],
            {
                "content_hash": rec.content_hash,
                "title": rec.title,
                "division_code": rec.division_code,
                "region": rec.region,
                "year": rec.year,
                "publisher": rec.publisher,
                "publisher_level": rec.publisher_level,
                "source_format": rec.source_format,
                "stats_format": rec.stats_format,
                "parser_version": rec.parser_version,
                "aggregator_copy": rec.aggregator_copy,
                "created_at": _now(),
                "crawl_run_id": run_id,
                "evidence": rec.evidence,
                "warnings": rec.warnings,
            },
        ).scalar()
        if report_id is None:  # another process archived this text a moment ago
            return source.add(conn, self._statements["source"], _version_by_hash(conn, rec.content_hash), "exact", 1.0)
        outcome = self._new_version(conn, rec, signature, source, report_id, run_id, first=True)
        return replace(outcome, new_report=True)

    def _capture_id(self, conn: Connection, url: str, run_id: int | None) -> int | None:
        query = select(Capture.id).where(Capture.url == url)
        if run_id is not None:
            query = query.where(Capture.crawl_run_id == run_id)
        return conn.scalar(query.order_by(Capture.id.desc()).limit(1))

    def _near_duplicate(
        self, conn: Connection, rec: ReportRecord, signature: bytes | None
    ) -> tuple[_VersionRef, float] | None:
        """The most similar version of a report with the same identity, if similar enough."""
        if signature is None or rec.division_code is None or rec.year is None:
            return None
        if self.engine.dialect.name == "postgresql":
            # Serialises near-duplicate decisions per unit and year across processes.
            conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"govcrawl:{rec.division_code}:{rec.year}"},
            )
        rows = conn.execute(
            select(ReportVersion.id, ReportVersion.report_id, ReportVersion.minhash, Report.publisher)
            .join(Report, Report.id == ReportVersion.report_id)
            .where(Report.division_code == rec.division_code, Report.year == rec.year)
            .order_by(ReportVersion.id)
        ).all()
        best: tuple[_VersionRef, float] | None = None
        for version_id, report_id, minhash, publisher in rows:
            if not same_publisher(publisher, rec.publisher):
                continue
            if minhash is None:  # archived before signatures were kept: computed once, then stored
                text_ = conn.scalar(select(ReportVersion.clean_text).where(ReportVersion.id == version_id))
                minhash = minhash_signature(text_)
                if minhash is None:
                    continue
                conn.execute(update(ReportVersion).where(ReportVersion.id == version_id).values(minhash=minhash))
            score = similarity(signature, minhash)
            if score >= NEAR_DUP_THRESHOLD and (best is None or score > best[1]):
                best = (_VersionRef(version_id, report_id), score)
        return best

    def _new_version(
        self,
        conn: Connection,
        rec: ReportRecord,
        signature: bytes | None,
        source: _SourceRow,
        report_id: int,
        run_id: int | None,
        *,
        first: bool = False,
    ) -> StoreOutcome:
        """Add ``rec``'s text as the newest (current) version of report ``report_id``, with its parse.

        ``first`` says the report was created in this transaction: it has no other version to
        number after or to unmark (one query and two updates fewer on the common path).
        """
        number = 1
        if not first:
            number += conn.scalar(
                select(func.max(ReportVersion.number)).where(ReportVersion.report_id == report_id)
            ) or 0
        now = _now()
        version_id = conn.execute(
            self._statements["version"],
            {
                "report_id": report_id,
                "number": number,
                "content_hash": rec.content_hash,
                "title": rec.title,
                "source_format": rec.source_format,
                "clean_text": rec.clean_text,
                "minhash": signature,
                "is_current": True,
                "aggregator_copy": rec.aggregator_copy,
                "created_at": now,
                "crawl_run_id": run_id,
            },
        ).scalar()
        if version_id is None:  # the same text arrived through another process meanwhile
            return source.add(conn, self._statements["source"], _version_by_hash(conn, rec.content_hash), "exact", 1.0)
        if not first:
            conn.execute(
                update(ReportVersion)
                .where(ReportVersion.report_id == report_id, ReportVersion.id != version_id)
                .values(is_current=False)
            )
        parse_id = self._insert_parse(
            conn,
            report_id,
            version_id,
            parser_version=rec.parser_version,
            stats_format=rec.stats_format,
            origin="crawl",
            warnings=rec.warnings,
            stats=rec.stats,
            checks=rec.checks,
            first=True,
        )
        outcome = source.add(conn, self._statements["source"], _VersionRef(version_id, report_id), "exact", 1.0)
        return replace(outcome, new_version=True, parse_id=parse_id)

    def _insert_parse(
        self,
        conn: Connection,
        report_id: int,
        version_id: int,
        *,
        parser_version: str | None,
        stats_format: str | None,
        origin: str,
        warnings: list[str],
        stats: list[StatRecord],
        checks: list[CheckRecord],
        triples: list[dict[str, Any]] | None = None,
        first: bool = False,
    ) -> int:
        """Record a parse of a version as its current one (earlier parses stay as history).

        ``first``: the version is new in this transaction and has no earlier parse to unmark.
        """
        if not first:
            conn.execute(update(Parse).where(Parse.version_id == version_id).values(is_current=False))
        parse_id = conn.execute(
            self._statements["parse"],
            {
                "version_id": version_id,
                "parser_version": parser_version,
                "stats_format": stats_format,
                "origin": origin,
                "parsed_at": _now(),
                "is_current": True,
                "warnings": warnings,
                "triples": triples or [],
            },
        ).scalar()
        if stats:
            # A key repeated within one source keeps its first value (the unique key allows one).
            conn.execute(
                self._insert(StatValue.__table__).on_conflict_do_nothing(
                    index_elements=["parse_id", "key", "source"]
                ),
                [
                    {
                        "report_id": report_id,
                        "parse_id": parse_id,
                        "key": s.key,
                        "value": s.value,
                        "raw": s.raw,
                        "unit": s.unit,
                        "flags": s.flags,
                        "source": s.source,
                    }
                    for s in stats
                ],
            )
        if checks:
            conn.execute(
                CheckResult.__table__.insert(),
                [
                    {
                        "report_id": report_id,
                        "parse_id": parse_id,
                        "rule": c.rule,
                        "status": c.status,
                        "lhs": c.lhs,
                        "rhs": c.rhs,
                        "delta": c.delta,
                        "keys": c.keys,
                    }
                    for c in checks
                ],
            )
        return parse_id

    def store_parse(
        self,
        version_id: int,
        *,
        parser_version: str | None,
        stats_format: str | None,
        warnings: list[str],
        stats: list[StatRecord],
        checks: list[CheckRecord],
        triples: list[dict[str, Any]] | None = None,
        origin: str = "reparse",
    ) -> int:
        """Record a new parse of a version as its current one; earlier parses stay as history."""
        with self._sessions.begin() as session:
            report_id = session.scalar(select(ReportVersion.report_id).where(ReportVersion.id == version_id))
            if report_id is None:
                raise LookupError(f"no version {version_id}")
            return self._insert_parse(
                session.connection(),
                report_id,
                version_id,
                parser_version=parser_version,
                stats_format=stats_format,
                origin=origin,
                warnings=warnings,
                stats=stats,
                checks=checks,
                triples=triples,
            )

    def reparse_sources(self, report_ids: list[int] | None = None) -> list[ReparseSource]:
        """For every version (of ``report_ids`` if given), its first exact source, preferring a WARC capture."""
        query = (
            select(
                Source.report_id,
                Source.version_id,
                ReportVersion.content_hash,
                Source.final_url,
                Source.content_type,
                Source.capture_id,
                Source.blob_sha256,
            )
            .join(ReportVersion, ReportVersion.id == Source.version_id)
            .where(Source.match == "exact")
            .order_by(Source.version_id, Source.capture_id.is_(None), Source.id)
        )
        if report_ids is not None:
            query = query.where(Source.report_id.in_(report_ids))
        chosen: dict[int, ReparseSource] = {}
        with self._sessions() as session:
            for row in session.execute(query):
                chosen.setdefault(row.version_id, ReparseSource(*row))
        return list(chosen.values())

    def current_parse_snapshot(self, version_id: int) -> ParseSnapshot | None:
        """What the version's current parse holds, or None if it has none."""
        with self._sessions() as session:
            parse = session.scalar(select(Parse).where(Parse.version_id == version_id, Parse.is_current))
            if parse is None:
                return None
            values = {
                f"{key}@{source}": value
                for key, source, value in session.execute(
                    select(StatValue.key, StatValue.source, StatValue.value).where(StatValue.parse_id == parse.id)
                )
            }
            checks = {
                tuple(row)
                for row in session.execute(
                    select(CheckResult.rule, CheckResult.status, CheckResult.lhs, CheckResult.rhs).where(
                        CheckResult.parse_id == parse.id
                    )
                )
            }
            return ParseSnapshot(parse.parser_version, parse.stats_format, values, checks)

    def blob(self, sha256: str) -> bytes:
        """The raw bytes stored under ``sha256``; LookupError if absent."""
        with self._sessions() as session:
            data = session.scalar(select(Blob.data).where(Blob.sha256 == sha256))
        if data is None:
            raise LookupError(f"no blob {sha256}")
        return data

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

    def record_portal_health(
        self,
        run_id: int,
        division_code: str,
        *,
        column_url: str | None,
        reports_found: int,
        pages_fetched: int,
        failure_class: str | None,
    ) -> None:
        """Record how a portal fared in a run; a second call for the same run and portal replaces the row.

        ``failure_class`` is None for a working portal, else one of ``FAILURE_CLASSES``.
        """
        if failure_class is not None and failure_class not in FAILURE_CLASSES:
            raise ValueError(
                f"unknown failure class {failure_class!r}; expected None or one of {', '.join(FAILURE_CLASSES)}"
            )
        values = {
            "column_url": column_url,
            "reports_found": reports_found,
            "pages_fetched": pages_fetched,
            "failure_class": failure_class,
            "checked_at": _now(),
        }
        stmt = self._insert(PortalHealth.__table__).values(
            crawl_run_id=run_id, division_code=division_code, **values
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["crawl_run_id", "division_code"],
            set_={name: stmt.excluded[name] for name in values},
        )
        with self._sessions.begin() as session:
            session.execute(stmt)

    def last_good_column(self, division_code: str) -> str | None:
        """The column URL of the portal's most recent run that found reports there, or None."""
        with self._sessions() as session:
            return session.scalar(
                select(PortalHealth.column_url)
                .where(
                    PortalHealth.division_code == division_code,
                    PortalHealth.reports_found > 0,
                    PortalHealth.column_url.is_not(None),
                )
                .order_by(PortalHealth.checked_at.desc(), PortalHealth.id.desc())
                .limit(1)
            )

    def record_capture(self, capture: CaptureRecord, run_id: int | None = None) -> int:
        """Index one WARC record of a response; returns the capture's id."""
        with self._sessions.begin() as session:
            return session.scalar(
                Capture.__table__.insert()
                .values(crawl_run_id=run_id, **asdict(capture))
                .returning(Capture.__table__.c.id)
            )

    def known_capture(self, url: str) -> KnownCapture | None:
        """The newest capture of ``url`` (response or revisit) with its validators, or None if never fetched."""
        with self._sessions() as session:
            row = session.execute(
                select(
                    Capture.id,
                    Capture.url,
                    Capture.http_status,
                    Capture.etag,
                    Capture.last_modified,
                    Capture.payload_sha256,
                    Capture.fetched_at,
                )
                .where(Capture.url == url)
                .order_by(Capture.id.desc())
                .limit(1)
            ).first()
        if row is None:
            return None
        return KnownCapture(*row[:-1], fetched_at=_aware(row.fetched_at))

    def capture(self, capture_id: int) -> Capture | None:
        """The capture index row ``capture_id``, or None."""
        with self._sessions() as session:
            return session.get(Capture, capture_id)

    def capture_with_payload(self, payload_sha256: str) -> Capture | None:
        """The newest full (non-revisit) capture of these exact bytes at any URL, or None."""
        with self._sessions() as session:
            return session.scalar(
                select(Capture)
                .where(Capture.payload_sha256 == payload_sha256, Capture.record_type == "response")
                .order_by(Capture.id.desc())
                .limit(1)
            )

    def iter_export(
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

        Filters: ``province`` is a name ("广东省", "广东") or a code ("44", "440000") and selects
        every division under it; ``division`` is an exact division code; the years are inclusive
        bounds; ``stats_format`` a format name (gov2021, …); ``keys`` keeps only those statistics.
        An unknown province raises ValueError at the call, before anything is read.
        """
        query = _export_query(province, division, year_from, year_to, stats_format)
        return self._export(query, keys)

    def _export(self, query: Select, keys: list[str] | None) -> Iterator[dict[str, Any]]:
        with self._sessions() as session:
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
        """Counts for ``govcrawl stats``: totals, and reports by province, year and format, checks by status.

        Reports are counted as their current version and parse; ``checks`` counts the rule
        outcomes of those parses.
        """
        current = (
            select(Report.id, Report.division_code, Report.year, Parse.id.label("parse_id"), Parse.stats_format)
            .join(ReportVersion, (ReportVersion.report_id == Report.id) & ReportVersion.is_current)
            .join(Parse, (Parse.version_id == ReportVersion.id) & Parse.is_current)
            .subquery()
        )
        province = func.substr(current.c.division_code, 1, 2)
        with self._sessions() as session:
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
            by_year = grouped(current.c.year)
            by_format = grouped(current.c.stats_format)
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
                "reports": session.scalar(select(func.count()).select_from(Report)),
                "versions": session.scalar(select(func.count()).select_from(ReportVersion)),
                "sources": session.scalar(select(func.count()).select_from(Source)),
                "captures": session.scalar(select(func.count()).select_from(Capture)),
                "errors": session.scalar(select(func.count()).select_from(FetchError)),
            }
        return {
            "totals": totals,
            "province": by_province,
            "year": by_year,
            "format": by_format,
            "check_status": checks,
        }

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def incremental_state(self, division_codes: Iterable[str] | None = None) -> IncrementalState:
        """What an incremental crawl of the portals ``division_codes`` (None: all) starts from.

        Per URL archived as a report's source, or linking to one (a Referer of a source): its
        first and newest successful fetch and its newest 200 capture's validators and digest
        (``KnownURL``). Per portal: its last complete walk and the URLs that failed since
        (``PortalWalk``). Read once, at the start of a crawl.
        """
        codes = set(division_codes) if division_codes is not None else None
        with self._sessions() as session:
            return _incremental_state(session, codes)


def _version_by_hash(conn: Connection, content_hash: str) -> _VersionRef | None:
    row = conn.execute(
        select(ReportVersion.id, ReportVersion.report_id).where(ReportVersion.content_hash == content_hash)
    ).first()
    return _VersionRef(*row) if row else None


def _current_values(conn: Connection, version_id: int) -> dict[str, Decimal | None]:
    """The statistics of a version's current parse, a table value winning over the text's."""
    rows = conn.execute(
        select(StatValue.key, StatValue.value, StatValue.source)
        .join(Parse, Parse.id == StatValue.parse_id)
        .where(Parse.version_id == version_id, Parse.is_current)
        .order_by(StatValue.id)
    )
    values: dict[str, Decimal | None] = {}
    for key, value, source in rows:
        if source == "table" or key not in values:
            values[key] = value
    return values


def _record_values(rec: ReportRecord) -> dict[str, Decimal | None]:
    values: dict[str, Decimal | None] = {}
    for s in rec.stats:
        if s.source == "table" or s.key not in values:
            values[s.key] = None if s.value is None else Decimal(s.value)
    return values


def province_prefix(province: str) -> str:
    """The two-digit code prefix shared by every division in ``province`` (a name or a code)."""
    found = Divisions.load().province(province)
    if found is None:
        raise ValueError(f"unknown province: {province}")
    return found.code[:2]


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
    query = (
        select(
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
        )
        .join(ReportVersion, (ReportVersion.report_id == Report.id) & ReportVersion.is_current)
        .join(Parse, (Parse.version_id == ReportVersion.id) & Parse.is_current)
        .order_by(Report.division_code, Report.year, Report.id)
    )
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
        .order_by(Source.id)
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


def _count(session: Session, condition: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).where(condition))


def _jsonable(data: dict) -> dict:
    """``data`` with anything JSON cannot hold (datetimes in Scrapy stats, Decimals) turned into strings."""
    return json.loads(json.dumps(data, default=str))


def _aware(moment: datetime) -> datetime:
    """``moment`` in UTC: SQLite hands timestamps back naive."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class KnownURL:
    """What the archive knows of a URL an incremental crawl may meet again.

    ``archived``: the URL is a source of an archived report. ``links_files``: it is the Referer
    of an archived source (a report page or wrapper that linked the file the report lives in), so
    its links matter even when its own bytes are not a report. ``first_fetched``: the first time
    it was fetched with success; ``checked_at``: the newest successful fetch or 304 revalidation.
    ``portal_code``: the portal it was reached from. The validators, digest, content type and
    capture are those of its newest 200 capture (None when WARC capture was off).
    """

    url: str
    archived: bool
    links_files: bool
    first_fetched: datetime
    checked_at: datetime
    portal_code: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    payload_sha256: str | None = None
    content_type: str | None = None
    capture_id: int | None = None


@dataclass(frozen=True)
class PortalWalk:
    """A portal's last complete walk of its column, and what failed since.

    ``run_id`` and ``walked_at``: the newest finished run whose health record says the portal
    worked (reports found, no failure class), and when that record was written; every report
    linked from the column then was reached in that run or before. ``pending``: URLs of the
    portal that failed to fetch, extract or store in that run or later and are not archived.
    """

    run_id: int
    walked_at: datetime
    pending: frozenset[str] = frozenset()


@dataclass(frozen=True)
class IncrementalState:
    """What an incremental crawl starts from: known URLs, and per division code its last walk."""

    urls: dict[str, KnownURL]
    walks: dict[str, PortalWalk]


def _incremental_state(session: Session, codes: set[str] | None) -> IncrementalState:
    """See ``Archive.incremental_state``."""
    archived: dict[str, datetime] = {}
    linking: dict[str, datetime] = {}
    portal: dict[str, str | None] = {}
    for url, final_url, referer, fetched_at, code in session.execute(
        select(Source.url, Source.final_url, Source.referer, Source.fetched_at, Source.portal_code)
    ):
        if codes is not None and code not in codes:
            continue
        when = _aware(fetched_at)
        for known in {url, final_url}:
            archived[known] = min(when, archived.get(known, when))
            portal[known] = code
        if referer:
            linking[referer] = min(when, linking.get(referer, when))
            portal.setdefault(referer, code)
    # Per URL, aggregated in the database (a list page is captured every run): its first 200,
    # its newest 200 or 304, and the newest 200 capture's row.
    relevant = select(Source.url).union(select(Source.final_url), select(Source.referer)).scalar_subquery()
    ok = Capture.http_status == 200
    per_url = (
        select(
            Capture.url,
            func.min(case((ok, Capture.fetched_at))).label("first"),
            func.max(Capture.fetched_at).label("checked"),
            func.max(case((ok, Capture.id))).label("newest"),
        )
        .where(Capture.http_status.in_((200, 304)), Capture.url.in_(relevant))
        .group_by(Capture.url)
        .subquery()
    )
    rows = {
        row.url: row
        for row in session.execute(
            select(
                per_url.c.url, per_url.c.first, per_url.c.checked, Capture.id, Capture.etag,
                Capture.last_modified, Capture.payload_sha256, Capture.content_type,
            ).outerjoin(Capture, Capture.id == per_url.c.newest)
        )
    }
    urls = {}
    for url in set(archived) | set(linking):
        fetched = min(t for t in (archived.get(url), linking.get(url)) if t is not None)
        row = rows.get(url)
        first = _aware(row.first) if row is not None and row.first is not None else fetched
        checked = _aware(row.checked) if row is not None else fetched
        if row is not None and row.id is None:  # revalidated only: no 200 capture to take validators from
            row = None
        urls[url] = KnownURL(
            url=url,
            archived=url in archived,
            links_files=url in linking,
            first_fetched=min(first, fetched),
            checked_at=max(checked, fetched),
            portal_code=portal[url],
            etag=row.etag if row else None,
            last_modified=row.last_modified if row else None,
            payload_sha256=row.payload_sha256 if row else None,
            content_type=row.content_type if row else None,
            capture_id=row.id if row else None,
        )
    walked: dict[str, tuple[int, datetime]] = {}
    for code, run_id, checked_at in session.execute(
        select(PortalHealth.division_code, PortalHealth.crawl_run_id, PortalHealth.checked_at)
        .join(CrawlRun, CrawlRun.id == PortalHealth.crawl_run_id)
        .where(PortalHealth.failure_class.is_(None), PortalHealth.reports_found > 0, CrawlRun.finished_at.is_not(None))
        .order_by(PortalHealth.checked_at)
    ):
        if codes is None or code in codes:
            walked[code] = (run_id, _aware(checked_at))
    pending: dict[str, set[str]] = {}
    for code, url, run_id in session.execute(
        select(FetchError.portal_code, FetchError.url, FetchError.crawl_run_id).where(
            FetchError.stage.in_(("fetch", "extract", "store")), FetchError.kind != "robots"
        )
    ):
        if code in walked and run_id is not None and run_id >= walked[code][0] and url not in archived:
            pending.setdefault(code, set()).add(url)
    walks = {
        code: PortalWalk(run_id, at, frozenset(pending.get(code, ()))) for code, (run_id, at) in walked.items()
    }
    return IncrementalState(urls, walks)
