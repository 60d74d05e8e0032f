"""The report write path: a capture becomes a new report, a new version of one, or another source of one.

A report is read from its original on the government host whenever the archive has it: an
aggregator's copy (a DOC文库 page that republished it) is only ever another source of a report
whose original is known, and the original arriving after its copy *re-points* the report: its
text becomes the report's current version (with its parse), and its identity the report's.

Nothing archived is ever updated except the ``is_current`` marks, the signature of a version
archived before signatures were kept, and a re-pointed report's identity (title, region,
publisher, publisher level and evidence; the copy's values it replaces are kept in the evidence,
and the copy's text, parse, source and capture stay as they were). The parse that comes with a new
version is written by ``govcrawl.store.parses``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, exists, func, select, text, update
from sqlalchemy.orm import Session

from govcrawl.dedupe import (
    NEAR_DUP_THRESHOLD,
    conflicting_values,
    minhash_signature,
    same_publisher,
    similarity,
)
from govcrawl.records import ReportRecord
from govcrawl.store.captures import newest_capture_id
from govcrawl.store.database import Database, now
from govcrawl.store.models import Blob, Report, ReportVersion, Source
from govcrawl.store.parses import current_values, insert_parse, parse_statements


@dataclass(frozen=True)
class StoreOutcome:
    """What ``Reports.store`` did.

    ``report_id`` and ``version_id`` say where the capture went; ``new_report``, ``new_version``
    and ``new_source`` what was created; ``match`` how the capture relates to the version's text
    ("exact" or "near"), with the estimated ``similarity``; ``parse_id`` is set when a parse was
    stored; ``repointed`` when the capture is the original of a report known until then only from
    aggregators' copies, and the report now reads from it.
    """

    report_id: int
    new_report: bool
    new_source: bool
    version_id: int | None = None
    new_version: bool = False
    match: str = "exact"
    similarity: float = 1.0
    parse_id: int | None = None
    repointed: bool = False


@dataclass(frozen=True)
class _VersionRef:
    """The two ids a source row needs of its version (a loaded ``ReportVersion`` has them too), and
    whether the version's text was read from an aggregator's copy."""

    id: int
    report_id: int
    aggregator_copy: bool = False


class Reports:
    """The archive's reports, versions, sources and raw blobs."""

    def __init__(self, db: Database) -> None:
        self.db = db
        insert = db.insert
        # The write path's statements, built once: building them per report cost more than running them.
        self._statements = {
            "blob": insert(Blob.__table__).on_conflict_do_nothing(index_elements=["sha256"]),
            "report": insert(Report.__table__)
            .on_conflict_do_nothing(index_elements=["content_hash"])
            .returning(Report.__table__.c.id),
            "version": insert(ReportVersion.__table__)
            .on_conflict_do_nothing(index_elements=["content_hash"])
            .returning(ReportVersion.__table__.c.id),
            "source": insert(Source.__table__)
            .on_conflict_do_nothing(index_elements=["version_id", "url"])
            .returning(Source.__table__.c.id),
            **parse_statements(db),
        }

    def store(self, rec: ReportRecord, run_id: int | None = None) -> StoreOutcome:
        """Archive a report: as a new report, a new version of a known one, or another source of one.

        The decision, in order:

        1. *Exact duplicate*: a version with ``rec.content_hash`` exists → the capture becomes a
           source of that version (the same URL again adds nothing).
        2. *Same report identity*: reports of the same division code and year whose publisher is
           compatible (``dedupe.same_publisher``) are candidates; the most similar version by
           MinHash over character shingles (``rec.signature``; ``dedupe.similarity`` ≥
           ``NEAR_DUP_THRESHOLD``) is the match (within the matched report, a version read from
           an original wins over one read from a copy). If the statistics agree (no key read with
           two different numbers) the capture is a *near-duplicate source* of that version (an
           aggregator's copy, a re-publication with a new date); if they differ it is a
           *corrected re-publication*: a new version of the report, marked current, beside the
           earlier ones.
        3. Otherwise a *new report* with its version 1.

        Originals before copies, whatever the order of arrival (``rec.aggregator_copy`` tells a
        copy; a report *has its original* once one of its sources is no copy):

        * a copy of a report that has its original is a source of it and nothing more, even when
          its flattened text reads some number differently;
        * an original of a report that has none *re-points* it (``StoreOutcome.repointed``): a
          near-duplicate becomes the report's new current version with its parse, whether or not
          the statistics agree; an exact duplicate of a copy's text becomes a source of that
          version and its parse the version's current one. Either way the report's identity
          becomes the original's (see the module docstring); the copy's version, parse, source
          row and capture stay.

        Raw bytes are stored once per SHA-256, and the source points at the run's WARC capture of
        its URL when there is one. Concurrent callers are safe: inserts are ``ON CONFLICT DO
        NOTHING`` against unique keys, and on PostgreSQL the near-duplicate search holds a
        transaction lock per division and year.
        """
        with self.db.sessions.begin() as session:
            return self._store(session, rec, run_id)

    def store_many(self, records: Iterable[ReportRecord], run_id: int | None = None) -> list[StoreOutcome]:
        """``store`` for many records in one transaction (bulk loads: one commit, not one each)."""
        with self.db.sessions.begin() as session:
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
        source = _SourceRow(rec, digest, newest_capture_id(conn, capture.final_url, run_id), run_id)
        known = _version_by_hash(conn, rec.content_hash)
        if known is not None:
            if not rec.aggregator_copy and not _has_original(conn, known):
                return self._original_of_copied_text(conn, rec, source, known)
            return source.add(conn, self._statements["source"], known, "exact", 1.0)
        match = self._near_duplicate(conn, rec)
        if match is not None:
            version, score = match
            has_original = _has_original(conn, version)
            if rec.aggregator_copy and has_original:  # a copy never changes a report read from its original
                return source.add(conn, self._statements["source"], version, "near", score)
            if not rec.aggregator_copy and not has_original:  # the original of a report known from copies
                return self._new_version(conn, rec, source, version.report_id, run_id, repoint=True)
            if not conflicting_values(current_values(conn, version.id), _record_values(rec)):
                return source.add(conn, self._statements["source"], version, "near", score)
            return self._new_version(conn, rec, source, version.report_id, run_id)
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
                "created_at": now(),
                "crawl_run_id": run_id,
                "evidence": rec.evidence,
                "warnings": rec.warnings,
            },
        ).scalar()
        if report_id is None:  # another process archived this text a moment ago
            return source.add(conn, self._statements["source"], _version_by_hash(conn, rec.content_hash), "exact", 1.0)
        outcome = self._new_version(conn, rec, source, report_id, run_id, first=True)
        return replace(outcome, new_report=True)

    def _lock(self, conn: Connection, division_code: str | None, year: int | None) -> None:
        """On PostgreSQL, serialise the near-duplicate and re-pointing decisions of one unit and
        year across processes (a transaction lock)."""
        if self.db.dialect == "postgresql":
            conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"govcrawl:{division_code}:{year}"},
            )

    def _near_duplicate(self, conn: Connection, rec: ReportRecord) -> tuple[_VersionRef, float] | None:
        """The most similar version of a report with the same identity, if similar enough.

        The report is the one with the most similar version; of its versions similar enough, one
        read from an original wins over one read from an aggregator's copy, then the most similar.
        """
        if rec.signature is None or rec.division_code is None or rec.year is None:
            return None
        self._lock(conn, rec.division_code, rec.year)
        rows = conn.execute(
            select(
                ReportVersion.id,
                ReportVersion.report_id,
                ReportVersion.minhash,
                ReportVersion.aggregator_copy,
                Report.publisher,
            )
            .join(Report, Report.id == ReportVersion.report_id)
            .where(Report.division_code == rec.division_code, Report.year == rec.year)
            .order_by(ReportVersion.id)
        ).all()
        similar: list[tuple[_VersionRef, float]] = []
        for version_id, report_id, minhash, copy, publisher in rows:
            if not same_publisher(publisher, rec.publisher):
                continue
            minhash = minhash or _fill_in_signature(conn, version_id)
            if minhash is None:
                continue
            score = similarity(rec.signature, minhash)
            if score >= NEAR_DUP_THRESHOLD:
                similar.append((_VersionRef(version_id, report_id, bool(copy)), score))
        if not similar:
            return None
        # max() keeps the first of equals: the earliest version, as before.
        report_id = max(similar, key=lambda s: s[1])[0].report_id
        return max(
            (s for s in similar if s[0].report_id == report_id), key=lambda s: (not s[0].aggregator_copy, s[1])
        )

    def _new_version(
        self,
        conn: Connection,
        rec: ReportRecord,
        source: _SourceRow,
        report_id: int,
        run_id: int | None,
        *,
        first: bool = False,
        repoint: bool = False,
    ) -> StoreOutcome:
        """Add ``rec``'s text as the newest (current) version of report ``report_id``, with its parse.

        ``first`` says the report was created in this transaction: it has no other version to
        number after or to unmark (one query and two updates fewer on the common path).
        ``repoint``: ``rec`` is the original of a report known only from copies, whose identity
        becomes the report's (:func:`_take_identity`).
        """
        number = 1
        if not first:
            number += conn.scalar(
                select(func.max(ReportVersion.number)).where(ReportVersion.report_id == report_id)
            ) or 0
        version_id = conn.execute(
            self._statements["version"],
            {
                "report_id": report_id,
                "number": number,
                "content_hash": rec.content_hash,
                "title": rec.title,
                "source_format": rec.source_format,
                "clean_text": rec.clean_text,
                "minhash": rec.signature,
                "is_current": True,
                "aggregator_copy": rec.aggregator_copy,
                "created_at": now(),
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
        parse_id = self._crawl_parse(conn, rec, report_id, version_id, first=True)
        outcome = source.add(conn, self._statements["source"], _VersionRef(version_id, report_id), "exact", 1.0)
        if repoint:
            _take_identity(conn, rec, report_id, f"version {number}, the original, replaces an aggregator's copy")
        return replace(outcome, new_version=True, parse_id=parse_id, repointed=repoint)

    def _crawl_parse(
        self, conn: Connection, rec: ReportRecord, report_id: int, version_id: int, first: bool = False
    ) -> int:
        """Store the parse ``rec`` brings as the current one of ``version_id``."""
        return insert_parse(
            conn,
            self._statements,
            report_id,
            version_id,
            parser_version=rec.parser_version,
            stats_format=rec.stats_format,
            origin="crawl",
            warnings=rec.warnings,
            stats=rec.stats,
            checks=rec.checks,
            triples=rec.triples,
            first=first,
        )

    def _original_of_copied_text(
        self, conn: Connection, rec: ReportRecord, source: _SourceRow, known: _VersionRef
    ) -> StoreOutcome:
        """``rec``, an original, has exactly the text of ``known``, a version read from a copy of a
        report that has no original yet: the capture becomes a source of that version, its parse
        the version's current one, the version the report's current one, and its identity the
        report's. Nothing the copy brought is dropped: its parse stays as the version's history."""
        division_code, year = conn.execute(
            select(Report.division_code, Report.year).where(Report.id == known.report_id)
        ).one()
        self._lock(conn, division_code, year)
        if _has_original(conn, known):  # another process re-pointed it meanwhile
            return source.add(conn, self._statements["source"], known, "exact", 1.0)
        conn.execute(
            update(ReportVersion)
            .where(ReportVersion.report_id == known.report_id)
            .values(is_current=ReportVersion.id == known.id)
        )
        parse_id = self._crawl_parse(conn, rec, known.report_id, known.id)
        outcome = source.add(conn, self._statements["source"], known, "exact", 1.0)
        number = conn.scalar(select(ReportVersion.number).where(ReportVersion.id == known.id))
        _take_identity(conn, rec, known.report_id, f"version {number}, read from a copy, is the original's text")
        return replace(outcome, parse_id=parse_id, repointed=True)

    def blob(self, sha256: str) -> bytes:
        """The raw bytes stored under ``sha256``; LookupError if absent."""
        with self.db.sessions() as session:
            data = session.scalar(select(Blob.data).where(Blob.sha256 == sha256))
        if data is None:
            raise LookupError(f"no blob {sha256}")
        return data


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


#: The report's identity columns an original re-pointing its report brings (``_take_identity``).
IDENTITY_COLUMNS = ("title", "region", "publisher", "publisher_level")


def _has_original(conn: Connection, version: _VersionRef) -> bool:
    """Whether the report of ``version`` has its original: a source that is no aggregator's copy.

    A version read from an original says so itself; only one read from a copy costs a query.
    """
    if not version.aggregator_copy:
        return True
    return bool(
        conn.scalar(
            select(exists().where(Source.report_id == version.report_id, Source.aggregator_copy.is_(False)))
        )
    )


def _take_identity(conn: Connection, rec: ReportRecord, report_id: int, why: str) -> None:
    """Make the original ``rec``'s identity the report's, in place of its copy's.

    Each of ``IDENTITY_COLUMNS`` takes the original's value, as if the original had arrived first
    (one it leaves unknown becomes unknown: the report reads the same whatever the order). The
    evidence becomes the original's, with ``repointed`` saying why, ``copy:<column>`` each value of
    the copy's that was replaced and ``copy:evidence:<key>`` the copy's evidence: the update loses
    nothing. A report is re-pointed once: it has its original from then on.
    """
    row = conn.execute(
        select(*(getattr(Report, c) for c in IDENTITY_COLUMNS), Report.evidence).where(Report.id == report_id)
    ).one()
    replaced = {
        f"copy:{column}": getattr(row, column)
        for column in IDENTITY_COLUMNS
        if getattr(row, column) is not None and getattr(row, column) != getattr(rec, column)
    }
    copy_evidence = {f"copy:evidence:{key}": value for key, value in (row.evidence or {}).items()}
    evidence = {**rec.evidence, "repointed": why, **replaced, **copy_evidence}
    conn.execute(
        update(Report)
        .where(Report.id == report_id)
        .values(**{column: getattr(rec, column) for column in IDENTITY_COLUMNS}, evidence=evidence)
    )


def _fill_in_signature(conn: Connection, version_id: int) -> bytes | None:
    """The signature of a version archived before signatures were kept (migration 0003), computed
    from its text and stored with it, once: this write path is the only reader that needs it."""
    text_ = conn.scalar(select(ReportVersion.clean_text).where(ReportVersion.id == version_id))
    signature = minhash_signature(text_)
    if signature is not None:
        conn.execute(update(ReportVersion).where(ReportVersion.id == version_id).values(minhash=signature))
    return signature


def _version_by_hash(conn: Connection, content_hash: str) -> _VersionRef | None:
    row = conn.execute(
        select(ReportVersion.id, ReportVersion.report_id, ReportVersion.aggregator_copy).where(
            ReportVersion.content_hash == content_hash
        )
    ).first()
    return _VersionRef(row.id, row.report_id, bool(row.aggregator_copy)) if row else None


def _record_values(rec: ReportRecord) -> dict[str, Decimal | None]:
    values: dict[str, Decimal | None] = {}
    for s in rec.stats:
        if s.source == "table" or s.key not in values:
            values[s.key] = None if s.value is None else Decimal(s.value)
    return values
