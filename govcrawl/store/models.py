"""The archive's tables as SQLAlchemy models.

The initial Alembic migration (``migrations/versions/0001_initial.py``) creates exactly this
schema and is the source of truth for real databases; these models are what the code reads and
writes through, and a test checks that the two agree.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: JSON stored as JSONB on PostgreSQL (indexable, compact) and as text on SQLite.
JsonType = JSON().with_variant(JSONB(), "postgresql")
#: Statistics values: integers in practice, but a few cells are decimals (e.g. 万元 fees).
StatNumber = Numeric(20, 4)
#: When a row was written or seen; timezone-aware on PostgreSQL, naive UTC on SQLite.
Timestamp = DateTime(timezone=True)

#: The stages a bad input can fail at (``fetch_errors.stage``).
ERROR_STAGES = ("fetch", "extract", "identify", "parse", "store")

# Deterministic constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Portal(Base):
    """``portals``: one row per seed portal crawled (a government website of one division).

    Columns: ``division_code`` (PK, 6-digit code of the portal's division), ``name`` (portal
    name), ``province``, ``portal_url`` (home page), ``first_seen`` / ``last_seen`` (first and
    latest crawl that touched it).
    """

    __tablename__ = "portals"

    division_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str | None] = mapped_column(String(50))
    portal_url: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(Timestamp)
    last_seen: Mapped[datetime] = mapped_column(Timestamp)


class CrawlRun(Base):
    """``crawl_runs``: one crawl invocation.

    Columns: ``id``, ``started_at``, ``finished_at`` (NULL while running or after a crash),
    ``arguments`` (JSON: spider arguments and settings that matter), ``stats`` (JSON: Scrapy's
    final stats), and the counts filled in by ``finish_run``: ``reports_added`` (reports first
    archived by this run), ``sources_added`` (URLs recorded by this run), ``errors`` (rows of
    ``fetch_errors``).
    """

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    arguments: Mapped[dict[str, Any]] = mapped_column(JsonType)
    stats: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    reports_added: Mapped[int | None] = mapped_column(Integer)
    sources_added: Mapped[int | None] = mapped_column(Integer)
    errors: Mapped[int | None] = mapped_column(Integer)


class Blob(Base):
    """``blobs``: raw fetched bytes, content-addressed and stored once.

    Columns: ``sha256`` (PK, hex digest of ``data``), ``size`` (bytes), ``content_type`` (as
    first served), ``data``.
    """

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(Text)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Report(Base):
    """``reports``: one annual report, identified by the hash of its clean text.

    Columns: ``id``, ``content_hash`` (UNIQUE; the dedupe key), ``title``, ``division_code``,
    ``region`` (region name as identified), ``year`` (the reporting year), ``publisher``,
    ``publisher_level``, ``source_format`` (html/pdf/docx/doc/txt of the first capture),
    ``stats_format`` (gov2021, gov2019, legacy2014, legacy_local, narrative or NULL),
    ``parser_version``, ``aggregator_copy`` (first seen as an aggregator's copy), ``clean_text``,
    ``created_at``, ``crawl_run_id`` (the run that first archived it), ``evidence`` (JSON: how
    identity was decided), ``warnings`` (JSON list). Written once; later captures of the same
    text only add ``sources`` rows.
    """

    __tablename__ = "reports"
    __table_args__ = (
        Index(None, "division_code", "year"),
        Index(None, "year"),
        Index(None, "stats_format"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    division_code: Mapped[str | None] = mapped_column(String(12))
    region: Mapped[str | None] = mapped_column(String(100))
    year: Mapped[int | None] = mapped_column(Integer)
    publisher: Mapped[str | None] = mapped_column(Text)
    publisher_level: Mapped[str | None] = mapped_column(String(50))
    source_format: Mapped[str] = mapped_column(String(10))
    stats_format: Mapped[str | None] = mapped_column(String(20))
    parser_version: Mapped[str | None] = mapped_column(String(50))
    aggregator_copy: Mapped[bool] = mapped_column(Boolean)
    clean_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    evidence: Mapped[dict[str, str]] = mapped_column(JsonType)
    warnings: Mapped[list[str]] = mapped_column(JsonType)


class Source(Base):
    """``sources``: one URL a report was fetched from (a report has one or more).

    Columns: ``id``, ``report_id`` (FK), ``url`` (as requested), ``final_url`` (after
    redirects), ``http_status``, ``content_type``, ``fetched_at``, ``headers`` (JSON),
    ``blob_sha256`` (FK to the raw bytes), ``portal_code`` (division code of the seed portal),
    ``referer``, ``link_text``, ``rendered`` (fetched through Chromium), ``crawl_run_id`` (FK),
    ``aggregator_copy``. UNIQUE (report_id, url).
    """

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("report_id", "url"), Index(None, "url"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(Timestamp)
    headers: Mapped[dict[str, str]] = mapped_column(JsonType)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    portal_code: Mapped[str | None] = mapped_column(String(12))
    referer: Mapped[str | None] = mapped_column(Text)
    link_text: Mapped[str | None] = mapped_column(Text)
    rendered: Mapped[bool] = mapped_column(Boolean)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    aggregator_copy: Mapped[bool] = mapped_column(Boolean)


class StatValue(Base):
    """``stat_values``: one statistics cell of a report.

    Columns: ``id``, ``report_id`` (FK), ``key`` (canonical key from ``govcrawl.stats.schema``),
    ``value`` (NULL for a blank cell), ``raw`` (the cell text), ``unit``, ``flags`` (JSON list),
    ``source`` ("table" or "text"). UNIQUE (report_id, key, source).
    """

    __tablename__ = "stat_values"
    __table_args__ = (UniqueConstraint("report_id", "key", "source"), Index(None, "key"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    key: Mapped[str] = mapped_column(String(120))
    value: Mapped[Decimal | None] = mapped_column(StatNumber)
    raw: Mapped[str] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(20))
    flags: Mapped[list[str]] = mapped_column(JsonType)
    source: Mapped[str] = mapped_column(String(10))


class CheckResult(Base):
    """``check_results``: one consistency rule evaluated on a report.

    Columns: ``id``, ``report_id`` (FK), ``rule`` (e.g. "R3.1"), ``status`` (pass, fail,
    not_assessable), ``lhs`` / ``rhs`` / ``delta`` (the compared sums), ``keys`` (JSON list of
    the statistics keys involved).
    """

    __tablename__ = "check_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    rule: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    lhs: Mapped[Decimal | None] = mapped_column(StatNumber)
    rhs: Mapped[Decimal | None] = mapped_column(StatNumber)
    delta: Mapped[Decimal | None] = mapped_column(StatNumber)
    keys: Mapped[list[str]] = mapped_column(JsonType)


class FetchError(Base):
    """``fetch_errors``: every input that could not be archived, and why.

    Columns: ``id``, ``crawl_run_id`` (FK, NULL outside a crawl), ``url``, ``portal_code``,
    ``stage`` (fetch, extract, identify, parse or store), ``kind`` (short machine-readable
    cause, e.g. "http_404", "encrypted_pdf"), ``message``, ``http_status``, ``at``.
    """

    __tablename__ = "fetch_errors"
    __table_args__ = (
        CheckConstraint(f"stage IN ({', '.join(repr(s) for s in ERROR_STAGES)})", name="stage"),
        Index(None, "crawl_run_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    url: Mapped[str] = mapped_column(Text)
    portal_code: Mapped[str | None] = mapped_column(String(12))
    stage: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(Timestamp)
