"""Parses: what the statistics parser read from one version of a report, with the history of re-parses.

A parse is written with its version by the report write path (``govcrawl.store.reports``), and
again by ``govcrawl reparse`` when the parser reads the archived bytes differently: the new parse
becomes current, earlier ones stay. This module also tells re-parsing where each version's raw
bytes are and what its current parse holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, update

from govcrawl.records import CheckRecord, StatRecord
from govcrawl.store.database import Database, now
from govcrawl.store.models import CheckResult, Parse, ReportVersion, Source, StatValue


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


def parse_statements(db: Database) -> dict[str, Any]:
    """The statements :func:`insert_parse` runs, built once per archive."""
    return {
        "parse": Parse.__table__.insert().returning(Parse.__table__.c.id),
        "value": db.insert(StatValue.__table__).on_conflict_do_nothing(index_elements=["parse_id", "key", "source"]),
    }


def insert_parse(
    conn: Connection,
    statements: dict[str, Any],
    report_id: int,
    version_id: int,
    *,
    parser_version: str | None,
    stats_format: str | None,
    origin: str,
    warnings: list[str],
    stats: list[StatRecord],
    checks: list[CheckRecord],
    triples: list[dict[str, Any]],
    first: bool = False,
) -> int:
    """Record a parse of a version as its current one (earlier parses stay as history), in the
    caller's transaction; ``statements`` come from :func:`parse_statements`.

    ``first``: the version is new in this transaction and has no earlier parse to unmark.
    """
    if not first:
        conn.execute(update(Parse).where(Parse.version_id == version_id).values(is_current=False))
    parse_id = conn.execute(
        statements["parse"],
        {
            "version_id": version_id,
            "parser_version": parser_version,
            "stats_format": stats_format,
            "origin": origin,
            "parsed_at": now(),
            "is_current": True,
            "warnings": warnings,
            "triples": triples,
        },
    ).scalar()
    if stats:
        # A key repeated within one source keeps its first value (the unique key allows one).
        conn.execute(
            statements["value"],
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


class Parses:
    """Re-parsing's access to the archive: raw-byte sources, current parses, new parses."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._statements = parse_statements(db)

    def store(
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
        with self.db.sessions.begin() as session:
            report_id = session.scalar(select(ReportVersion.report_id).where(ReportVersion.id == version_id))
            if report_id is None:
                raise LookupError(f"no version {version_id}")
            return insert_parse(
                session.connection(),
                self._statements,
                report_id,
                version_id,
                parser_version=parser_version,
                stats_format=stats_format,
                origin=origin,
                warnings=warnings,
                stats=stats,
                checks=checks,
                triples=triples or [],
            )

    def reparse_sources(self, report_ids: list[int] | None = None) -> list[ReparseSource]:
        """For every version (of ``report_ids`` if given), its first exact source, preferring an
        original's to an aggregator's copy (a version read from a copy and later found at its
        original re-parses the original's bytes), then a WARC capture."""
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
            .order_by(Source.version_id, Source.aggregator_copy, Source.capture_id.is_(None), Source.id)
        )
        if report_ids is not None:
            query = query.where(Source.report_id.in_(report_ids))
        chosen: dict[int, ReparseSource] = {}
        with self.db.sessions() as session:
            for row in session.execute(query):
                chosen.setdefault(row.version_id, ReparseSource(*row))
        return list(chosen.values())

    def snapshot(self, version_id: int) -> ParseSnapshot | None:
        """What the version's current parse holds, or None if it has none."""
        with self.db.sessions() as session:
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


def current_values(conn: Connection, version_id: int) -> dict[str, Decimal | None]:
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


