"""The archive's tables as SQLAlchemy models.

The Alembic migrations (``migrations/versions/``, applied in order) create exactly this schema
and are the source of truth for real databases; these models are what the code reads and writes
through, and a test checks that the two agree. The views (``v_report_wide``, ``v_coverage``,
``v_current_values``) exist only in the migrations. Each model's docstring documents its columns:
that is most of this module's length, and what ``datasette-metadata.json`` is checked against.
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
    Float,
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
from sqlalchemy.sql.expression import true

#: JSON stored as JSONB on PostgreSQL (indexable, compact) and as text on SQLite.
JsonType = JSON().with_variant(JSONB(), "postgresql")
#: Statistics values: integers in practice, but a few cells are decimals (e.g. 万元 fees).
StatNumber = Numeric(20, 4)
#: When a row was written or seen; timezone-aware on PostgreSQL, naive UTC on SQLite.
Timestamp = DateTime(timezone=True)

#: The stages a bad input can fail at (``fetch_errors.stage``).
ERROR_STAGES = ("discover", "fetch", "extract", "identify", "parse", "store")
#: Why a portal yielded no reports in a run (``portal_health.failure_class``; NULL when it did).
FAILURE_CLASSES = (
    "dns",
    "refused",
    "timeout",
    "blocked",
    "robots",
    "soft404",
    "no_column",
    "empty_column",
    "http_error",
)
#: How a crawl run ended (``crawl_runs.status``; NULL while it runs, or after it was killed).
RUN_STATUSES = ("finished", "degraded", "interrupted", "failed")
#: WARC record types a capture is written as: the full response, or a revisit of identical bytes.
CAPTURE_RECORD_TYPES = ("response", "revisit")

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
    final stats), and the counts filled in when it ends: ``reports_added`` (reports first
    archived by this run), ``sources_added`` (URLs recorded by this run), ``errors`` (rows of
    ``fetch_errors``); ``status`` (one of ``RUN_STATUSES``: ``finished``, ``degraded`` when work
    was lost, spooled or skipped, ``interrupted`` when stopped by a signal, ``failed`` when the
    crawl stopped itself) and ``problems`` (JSON: what it could not do, counted); ``job`` (the
    distributed job it was a worker of).
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
    status: Mapped[str | None] = mapped_column(String(20))
    problems: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    job: Mapped[str | None] = mapped_column(String(100))


class CrawlJob(Base):
    """``crawl_jobs``: a distributed job, kept where a Redis restart cannot lose it.

    Columns: ``name`` (PK: ``GOVCRAWL_JOB``), ``arguments`` (JSON: the spider arguments every
    worker runs with), ``started_at``, ``finished_at`` (NULL until its last worker closes),
    ``rebuilds`` (how many times its queue was rebuilt after Redis lost it).
    """

    __tablename__ = "crawl_jobs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    arguments: Mapped[dict[str, Any]] = mapped_column(JsonType)
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    rebuilds: Mapped[int] = mapped_column(Integer, server_default="0")


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
    """``reports``: one annual report (a unit's report on a year), with all its versions and sources.

    Columns: ``id``, ``content_hash`` (UNIQUE: the hash of the first version's text, the key that
    makes concurrent stores of a new report create it once), ``title``, ``division_code``,
    ``region`` (region name as identified), ``year`` (the reporting year), ``publisher``,
    ``publisher_level``, and, as first archived: ``source_format`` (html/pdf/docx/doc/txt),
    ``stats_format`` (gov2021, gov2019, legacy2014, legacy_local, narrative or NULL),
    ``parser_version``, ``aggregator_copy``, ``created_at``, ``crawl_run_id`` (the run that first
    archived it), ``evidence`` (JSON: how identity was decided), ``warnings`` (JSON list). Written
    once, except that the original arriving after an aggregator's copy re-points the identity
    (title, region, publisher, its level, evidence; the copy's values kept in the evidence,
    ``govcrawl.store.reports``); texts live in ``report_versions``, statistics in ``parses`` /
    ``stat_values``.
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
    ``aggregator_copy``, ``version_id`` (FK: the version whose text this capture carries),
    ``capture_id`` (FK: the WARC record), ``content_hash`` (hash of this capture's own normalised
    text), ``match`` ("exact": same text as the version; "near": a near-duplicate such as an
    aggregator's copy or a re-publication with a new date, same statistics), ``similarity``
    (estimated Jaccard similarity to the version's text, 1.0 for exact). UNIQUE (version_id, url):
    a corrected file re-published at the same URL is a source of both versions.
    """

    __tablename__ = "sources"
    __table_args__ = (
        UniqueConstraint("version_id", "url"),
        Index(None, "url"),
        Index(None, "report_id"),
        CheckConstraint("match IN ('exact', 'near')", name="match"),
    )

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
    version_id: Mapped[int] = mapped_column(ForeignKey("report_versions.id"))
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    match: Mapped[str] = mapped_column(String(10))
    similarity: Mapped[float] = mapped_column(Float)


class ReportVersion(Base):
    """``report_versions``: one distinct text of a report; a corrected re-publication is a new version.

    Columns: ``id``, ``report_id`` (FK), ``number`` (1, 2, … in order of archiving),
    ``content_hash`` (UNIQUE: SHA-256 of the normalised text; exact duplicates are one version),
    ``title``, ``source_format``, ``clean_text``, ``minhash`` (MinHash signature of the text's
    character shingles, for near-duplicate search), ``is_current`` (the newest version),
    ``aggregator_copy``, ``created_at``, ``crawl_run_id`` (FK). UNIQUE (report_id, number).
    """

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("report_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    source_format: Mapped[str] = mapped_column(String(10))
    clean_text: Mapped[str] = mapped_column(Text)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    is_current: Mapped[bool] = mapped_column(Boolean)
    aggregator_copy: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))


class Parse(Base):
    """``parses``: one run of the statistics parser over a version; re-parsing adds a row, keeping history.

    Columns: ``id``, ``version_id`` (FK), ``parser_version``, ``stats_format``, ``origin``
    ("crawl", "reparse" or "migration"), ``parsed_at``, ``is_current`` (the parse the views and
    exports use), ``warnings`` (JSON list), ``triples`` (JSON: legacy_local (label, unit, column,
    value) cells outside the canonical keys, when the parse produced them).
    """

    __tablename__ = "parses"
    __table_args__ = (Index(None, "version_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("report_versions.id"))
    parser_version: Mapped[str | None] = mapped_column(String(50))
    stats_format: Mapped[str | None] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(10))
    parsed_at: Mapped[datetime] = mapped_column(Timestamp)
    is_current: Mapped[bool] = mapped_column(Boolean)
    warnings: Mapped[list[str]] = mapped_column(JsonType)
    triples: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)


class Division(Base):
    """``divisions``: the administrative divisions reports are attributed to.

    Columns: ``code`` (PK, 6 digits), ``name``, ``level`` (province, prefecture or county),
    ``parent_code`` (the enclosing division, NULL for a province), ``province_code``,
    ``current`` (in the 2023 code list; false for a county abolished or renumbered since 2016).
    """

    __tablename__ = "divisions"
    __table_args__ = (Index(None, "parent_code"),)

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))
    parent_code: Mapped[str | None] = mapped_column(String(12))
    province_code: Mapped[str] = mapped_column(String(12))
    current: Mapped[bool] = mapped_column(Boolean)


class StatValue(Base):
    """``stat_values``: one statistics cell of a report.

    Columns: ``id``, ``report_id`` (FK), ``parse_id`` (FK: the parse that produced it), ``key``
    (canonical key from ``govcrawl.stats.schema``), ``value`` (NULL for a blank cell), ``raw``
    (the cell text), ``unit``, ``flags`` (JSON list), ``source`` ("table" or "text").
    UNIQUE (parse_id, key, source).
    """

    __tablename__ = "stat_values"
    __table_args__ = (UniqueConstraint("parse_id", "key", "source"), Index(None, "key"), Index(None, "report_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    parse_id: Mapped[int] = mapped_column(ForeignKey("parses.id"))
    key: Mapped[str] = mapped_column(String(120))
    value: Mapped[Decimal | None] = mapped_column(StatNumber)
    raw: Mapped[str] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(20))
    flags: Mapped[list[str]] = mapped_column(JsonType)
    source: Mapped[str] = mapped_column(String(10))


class CheckResult(Base):
    """``check_results``: one consistency rule evaluated on a report.

    Columns: ``id``, ``report_id`` (FK), ``parse_id`` (FK), ``rule`` (e.g. "R3.1"), ``status`` (pass, fail,
    not_assessable), ``lhs`` / ``rhs`` / ``delta`` (the compared sums), ``keys`` (JSON list of
    the statistics keys involved).
    """

    __tablename__ = "check_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    parse_id: Mapped[int] = mapped_column(ForeignKey("parses.id"), index=True)
    rule: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    lhs: Mapped[Decimal | None] = mapped_column(StatNumber)
    rhs: Mapped[Decimal | None] = mapped_column(StatNumber)
    delta: Mapped[Decimal | None] = mapped_column(StatNumber)
    keys: Mapped[list[str]] = mapped_column(JsonType)


class FetchError(Base):
    """``fetch_errors``: every input that could not be archived, and why.

    Columns: ``id``, ``crawl_run_id`` (FK, NULL outside a crawl), ``url``, ``portal_code``,
    ``stage`` (discover, fetch, extract, identify, parse or store), ``kind`` (short machine-readable
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


class PortalHealth(Base):
    """``portal_health``: how one portal fared in one crawl run.

    Columns: ``id``, ``crawl_run_id`` (FK), ``division_code`` (the portal), ``column_url`` (the
    年报 column found, NULL if none), ``reports_found``, ``pages_fetched``, ``failure_class`` (NULL
    when the portal worked, else one of ``FAILURE_CLASSES``), ``checked_at``, ``complete`` (the
    walk reached every report: nothing of the portal was left unstored, uncaptured or unread),
    ``found_by`` (how the columns that gave reports were found, comma-separated in the order they
    gave them: hint, nav, explore, sitemap, search), ``discovery_pages`` (pages opened to find
    them), ``columns`` (JSON: every column that gave reports, where the next run starts).
    UNIQUE (crawl_run_id, division_code): recording again in the same run replaces the row.
    """

    __tablename__ = "portal_health"
    __table_args__ = (
        UniqueConstraint("crawl_run_id", "division_code"),
        CheckConstraint(
            f"failure_class IS NULL OR failure_class IN ({', '.join(repr(c) for c in FAILURE_CLASSES)})",
            name="failure_class",
        ),
        Index(None, "division_code", "checked_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"))
    division_code: Mapped[str] = mapped_column(String(12))
    column_url: Mapped[str | None] = mapped_column(Text)
    reports_found: Mapped[int] = mapped_column(Integer)
    pages_fetched: Mapped[int] = mapped_column(Integer)
    failure_class: Mapped[str | None] = mapped_column(String(20))
    checked_at: Mapped[datetime] = mapped_column(Timestamp)
    complete: Mapped[bool] = mapped_column(Boolean, server_default=true())
    found_by: Mapped[str | None] = mapped_column(String(60))
    discovery_pages: Mapped[int | None] = mapped_column(Integer)
    columns: Mapped[list[str] | None] = mapped_column(JsonType)


class Capture(Base):
    """``captures``: one HTTP response as written to a WARC file (listing pages, reports, robots.txt).

    Columns: ``id``, ``crawl_run_id`` (FK), ``url`` (the response URL), ``method``,
    ``http_status``, ``content_type``, ``etag`` and ``last_modified`` (validators for
    incremental crawls), ``payload_sha256`` (hex SHA-256 of the body as recorded),
    ``size`` (body bytes), ``fetched_at``, ``rendered`` (body from Chromium), ``warc_file``
    (path of the .warc.gz), ``warc_offset`` / ``warc_length`` (the gzip member of the response
    or revisit record), ``warc_record_id``, ``record_type`` ("response" or "revisit"),
    ``refers_to_id`` (FK: for a revisit, the capture holding the identical bytes).
    """

    __tablename__ = "captures"
    __table_args__ = (
        CheckConstraint(
            f"record_type IN ({', '.join(repr(t) for t in CAPTURE_RECORD_TYPES)})", name="record_type"
        ),
        Index(None, "url", "id"),
        Index(None, "payload_sha256"),
        Index(None, "crawl_run_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    url: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(10))
    http_status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    fetched_at: Mapped[datetime] = mapped_column(Timestamp)
    rendered: Mapped[bool] = mapped_column(Boolean)
    warc_file: Mapped[str] = mapped_column(Text)
    warc_offset: Mapped[int] = mapped_column(BigInteger)
    warc_length: Mapped[int] = mapped_column(BigInteger)
    warc_record_id: Mapped[str] = mapped_column(String(100))
    record_type: Mapped[str] = mapped_column(String(10))
    refers_to_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id"))
