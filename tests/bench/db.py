"""Benchmark of the archive database: ``python -m bench.db [--reports N] [--backends sqlite,postgres]``.

Builds a synthetic archive of N reports (default 200,000) on SQLite and on PostgreSQL through
``archive.reports.store_many`` (the crawl's store path: dedupe by hash, identity lookup, version, parse,
source, blob, statistics, checks; one transaction per batch) and prints:

* the insert rate, and its ratio to a raw DB-API ``executemany`` of the same rows into an
  identically migrated database (the floor any ORM-free loader could reach);
* the time to export every report (``archive.queries.export``, the code behind ``govcrawl export``);
* the time of "sum of apply.new.total by province and year" over current versions and parses.

Each synthetic report has a distinct identity (division, year, publisher) and a short text, so
the near-duplicate search finds no candidates and computes no signature: the figures are those of
the database path. The MinHash signature a real report costs is measured on seed 001 and printed
apart. PostgreSQL databases are created on GOVCRAWL_BENCH_POSTGRES (default the local test server)
and dropped afterwards.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from govcrawl.config import PACKAGE_DATA
from govcrawl.dedupe import content_hash, minhash_signature
from govcrawl.records import Capture, CheckRecord, ReportRecord, StatRecord
from govcrawl.store import Archive, upgrade

POSTGRES_ADMIN = os.environ.get("GOVCRAWL_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
BATCH = 1000
#: The statistics each synthetic report carries: table 三's totals and a few more, as a gov2021 parse has.
KEYS = (
    "apply.new.natural_person",
    "apply.new.commercial",
    "apply.new.total",
    "apply.carried_over.total",
    "apply.result.granted.total",
    "apply.result.partial.total",
    "apply.result.total.total",
    "apply.carry_next.total",
    "review.total",
    "litigation.direct.total",
    "litigation.after_review.total",
    "litigation.total",
)
YEARS = range(2008, 2026)
FETCHED = datetime(2026, 11, 23, tzinfo=UTC)

SUM_BY_PROVINCE_YEAR = """
SELECT substr(r.division_code, 1, 2) AS province, r.year, sum(sv.value) AS apply_new_total
FROM stat_values sv
JOIN parses p ON p.id = sv.parse_id AND p.is_current
JOIN report_versions v ON v.id = p.version_id AND v.is_current
JOIN reports r ON r.id = v.report_id
WHERE sv.key = 'apply.new.total'
GROUP BY substr(r.division_code, 1, 2), r.year
"""


def _counties() -> list[tuple[str, str]]:
    with (PACKAGE_DATA / "divisions_cn_2023.csv").open(encoding="utf-8") as fh:
        return [(row["code"], row["name"]) for row in csv.DictReader(fh) if row["level"] == "county"]


def synthetic_records(n: int, start: int = 0) -> Iterator[ReportRecord]:
    """Reports ``start``…``n - 1`` of a fixed sequence of distinct reports: every county, every year
    2008–2025, then further publishers per unit."""
    counties = _counties()
    slots = len(counties) * len(YEARS)
    for i in range(start, n):
        code, name = counties[i % len(counties)]
        year = YEARS[(i // len(counties)) % len(YEARS)]
        bureau = i // slots
        publisher = f"{name}人民政府" if bureau == 0 else f"{name}第{bureau}局"
        values = [(i * 7 + k * 13) % 500 for k in range(len(KEYS))]
        body = f"{publisher}{year}年政府信息公开工作年度报告。本年新收申请{values[2]}件。".encode()
        clean = body.decode()
        url = f"http://bench.invalid/{code}/{year}/{bureau}.html"
        yield ReportRecord(
            capture=Capture(url, url, 200, {"Content-Type": "text/html"}, body, "text/html", FETCHED, code),
            title=f"{publisher}{year}年政府信息公开工作年度报告",
            division_code=code,
            region=name,
            year=year,
            publisher=publisher,
            publisher_level="本级人民政府" if bureau == 0 else "部门",
            clean_text=clean,
            content_hash=content_hash(clean),
            source_format="html",
            stats_format="gov2021",
            parser_version="bench",
            stats=[StatRecord(k, v, raw=str(v)) for k, v in zip(KEYS, values, strict=True)],
            checks=[CheckRecord("R3.1", "pass", keys=["apply.new.total"]), CheckRecord("R3.2", "pass")],
        )


def _batches(n: int, start: int = 0) -> Iterator[list[ReportRecord]]:
    batch: list[ReportRecord] = []
    for record in synthetic_records(n, start):
        batch.append(record)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def load_archive(url: str, n: int) -> float:
    """Store ``n`` synthetic reports through the Archive; returns the seconds spent storing."""
    archive = Archive(url)
    spent = 0.0
    try:
        for batch in _batches(n):
            start = time.perf_counter()
            archive.reports.store_many(batch)
            spent += time.perf_counter() - start
    finally:
        archive.close()
    return spent


def load_raw(url: str, n: int, start: int = 0) -> float:
    """Reports ``start``…``n - 1`` by DB-API ``executemany`` (explicit ids, no lookups); returns the seconds."""
    archive = Archive(url)
    placeholder = "%s" if archive.engine.dialect.name == "postgresql" else "?"
    spent = 0.0
    next_id = start + 1
    try:
        for batch in _batches(n, start):
            rows = _raw_rows(batch, next_id)
            next_id += len(batch)
            start = time.perf_counter()
            connection = archive.engine.raw_connection()
            try:
                cursor = connection.cursor()
                for table, columns, values in rows:
                    marks = ", ".join([placeholder] * len(columns))
                    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)
                connection.commit()
            finally:
                connection.close()
            spent += time.perf_counter() - start
    finally:
        archive.close()
    return spent


def _raw_rows(batch: list[ReportRecord], first_id: int) -> list[tuple[str, tuple[str, ...], list[tuple]]]:
    now = datetime.now(UTC)
    blobs, reports, versions, parses, sources, values, checks = [], [], [], [], [], [], []
    for offset, rec in enumerate(batch):
        rid = first_id + offset
        cap = rec.capture
        sha = hashlib.sha256(cap.body).hexdigest()
        blobs.append((sha, len(cap.body), cap.content_type, cap.body))
        reports.append(
            (rid, rec.content_hash, rec.title, rec.division_code, rec.region, rec.year, rec.publisher,
             rec.publisher_level, rec.source_format, rec.stats_format, rec.parser_version, False, now, "{}", "[]")
        )
        versions.append((rid, rid, 1, rec.content_hash, rec.title, rec.source_format, rec.clean_text, True, False, now))
        parses.append((rid, rid, rec.parser_version, rec.stats_format, "crawl", now, True, "[]", "[]"))
        sources.append(
            (rid, rid, cap.url, cap.final_url, cap.status, cap.content_type, cap.fetched_at, "{}", sha,
             cap.portal_code, False, False, rid, rec.content_hash, "exact", 1.0)
        )
        values += [(rid, rid, s.key, s.value, s.raw, "[]", s.source) for s in rec.stats]
        checks += [(rid, rid, c.rule, c.status, "[]") for c in rec.checks]
    return [
        ("blobs", ("sha256", "size", "content_type", "data"), blobs),
        ("reports", ("id", "content_hash", "title", "division_code", "region", "year", "publisher",
                     "publisher_level", "source_format", "stats_format", "parser_version", "aggregator_copy",
                     "created_at", "evidence", "warnings"), reports),
        ("report_versions", ("id", "report_id", "number", "content_hash", "title", "source_format", "clean_text",
                             "is_current", "aggregator_copy", "created_at"), versions),
        ("parses", ("id", "version_id", "parser_version", "stats_format", "origin", "parsed_at", "is_current",
                    "warnings", "triples"), parses),
        ("sources", ("id", "report_id", "url", "final_url", "http_status", "content_type", "fetched_at", "headers",
                     "blob_sha256", "portal_code", "rendered", "aggregator_copy", "version_id", "content_hash",
                     "match", "similarity"), sources),
        ("stat_values", ("report_id", "parse_id", "key", "value", "raw", "flags", "source"), values),
        ("check_results", ("report_id", "parse_id", "rule", "status", "keys"), checks),
    ]


def export_seconds(url: str) -> tuple[float, int]:
    """Seconds to export every report through ``archive.queries.export``, and the count."""
    archive = Archive(url)
    try:
        start = time.perf_counter()
        count = sum(1 for _ in archive.queries.export())
        return time.perf_counter() - start, count
    finally:
        archive.close()


def query_seconds(url: str, runs: int = 3) -> tuple[float, int]:
    """Median seconds of the province × year sum of apply.new.total, and its row count."""
    archive = Archive(url)
    times = []
    try:
        with archive.engine.connect() as conn:
            for _ in range(runs):
                start = time.perf_counter()
                rows = conn.execute(text(SUM_BY_PROVINCE_YEAR)).all()
                times.append(time.perf_counter() - start)
    finally:
        archive.close()
    return statistics.median(times), len(rows)


@contextmanager
def _sqlite(tmp: Path, name: str) -> Iterator[str]:
    yield f"sqlite:///{tmp / f'{name}.sqlite3'}"


@contextmanager
def _postgres(_tmp: Path, name: str) -> Iterator[str]:
    import psycopg

    db = f"govcrawl_bench_{name}_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{db}"')
    info = psycopg.conninfo.conninfo_to_dict(POSTGRES_ADMIN)
    try:
        yield f"postgresql+psycopg://{info.get('user', 'postgres')}@{info.get('host', '127.0.0.1')}:{info.get('port', '5432')}/{db}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


BACKENDS: dict[str, Callable] = {"sqlite": _sqlite, "postgres": _postgres}


def bench_backend(backend: str, n: int, tmp: Path, sample: int | None = None) -> None:
    """Run and print the three figures for one backend.

    With ``sample``, only the first ``sample`` reports go through the Archive (the rate and ratio
    are measured on them, against the raw load of the same ``sample`` rows) and the rest are bulk
    loaded, so that export and query still run on ``n`` reports.
    """
    database = BACKENDS[backend]
    measured = min(sample or n, n)
    with database(tmp, "archive") as url, database(tmp, "raw") as raw_url:
        upgrade(url)
        upgrade(raw_url)
        archive_s = load_archive(url, measured)
        raw_s = load_raw(raw_url, measured)
        if measured < n:
            load_raw(url, n, start=measured)
        export_s, exported = export_seconds(url)
        query_s, groups = query_seconds(url)
    print(f"[{backend}] {n:,} reports" + (f" ({measured:,} through the Archive, the rest bulk-loaded)" if measured < n else ""))
    print(f"  insert via archive.reports.store_many: {measured / archive_s:,.0f} reports/s ({archive_s:.1f} s)")
    print(f"  insert via raw executemany:       {measured / raw_s:,.0f} reports/s ({raw_s:.1f} s)")
    print(f"  ratio archive / raw rate:         {raw_s / archive_s:.2f}")
    print(f"  export of all {exported:,} reports:    {export_s:.1f} s ({exported / export_s:,.0f} reports/s)")
    print(f"  sum of apply.new.total by province and year ({groups} groups): {query_s * 1000:.0f} ms")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.db", description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument(
        "--archive-sample", type=int, help="only this many reports through the Archive; the rest bulk-loaded"
    )
    args = parser.parse_args(argv)
    from replica.render import seed_text

    text_001 = seed_text("001")
    start = time.perf_counter()
    for _ in range(20):
        minhash_signature(text_001)
    print(f"near-duplicate signature of a real report (seed 001, {len(text_001):,} chars): "
          f"{(time.perf_counter() - start) / 20 * 1000:.1f} ms")
    with tempfile.TemporaryDirectory(prefix="govcrawl-bench-db-") as tmp:
        for backend in args.backends.split(","):
            bench_backend(backend.strip(), args.reports, Path(tmp), args.archive_sample)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
