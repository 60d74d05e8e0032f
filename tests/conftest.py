"""Shared fixtures: fresh archive databases on SQLite and on the local PostgreSQL server."""

from __future__ import annotations

import os

# Must be set before anything imports Scrapy, whose cookie middleware builds a TLDExtract at import.
os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""

import dataclasses  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from decimal import Decimal  # noqa: E402
from pathlib import Path  # noqa: E402

import psycopg  # noqa: E402
import pytest  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from govcrawl.records import Capture, CheckRecord, ReportRecord, StatRecord  # noqa: E402
from govcrawl.store import Archive, upgrade  # noqa: E402

#: The maintenance database tests create their own databases from (override with GOVCRAWL_TEST_POSTGRES).
POSTGRES_ADMIN = os.environ.get("GOVCRAWL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")

#: The two backends every database test runs on.
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _postgres_admin() -> psycopg.Connection:
    """An autocommit connection to the maintenance database; skips (or fails under CI) if none answers."""
    try:
        return psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN} is required under CI: {exc}")
        pytest.skip(f"no PostgreSQL server at {POSTGRES_ADMIN}")


@contextmanager
def _fresh_postgres(template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (a copy of ``template`` if given) for the block, then dropped."""
    name = f"govcrawl_t_{secrets.token_hex(6)}"
    with _postgres_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    info = psycopg.conninfo.conninfo_to_dict(POSTGRES_ADMIN)
    host, port, user = info.get("host", "127.0.0.1"), info.get("port", "5432"), info.get("user", "postgres")
    try:
        yield f"postgresql+psycopg://{user}@{host}:{port}/{name}"
    finally:
        with _postgres_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(url: str, sql: str, **params: object) -> list[tuple]:
    """The rows of ``sql`` (or none, for a statement) run and committed on the database at ``url``."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def broken_module_path(tmp_path: Path, module: str, pythonpath: str | None = None) -> str:
    """A PYTHONPATH whose first entry holds a ``module`` that raises ImportError, then ``pythonpath``
    (default: this process's): a subprocess given it, and the extraction worker that subprocess
    starts, run as in a venv where ``module`` is broken or missing."""
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / f"{module}.py").write_text(f"raise ImportError('{module} is broken in this test')\n", encoding="utf-8")
    rest = os.environ.get("PYTHONPATH") if pythonpath is None else pythonpath
    return os.pathsep.join(filter(None, [str(stub), rest]))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The SQLAlchemy URL of a fresh, empty PostgreSQL database, dropped after the test."""
    with _fresh_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """The name of a PostgreSQL database migrated to head once per session; tests get copies of it."""
    with _fresh_postgres() as url:
        upgrade(url)
        yield url.rsplit("/", 1)[1]


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty (unmigrated) archive database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite archive file migrated to head once per session; tests get copies of it."""
    path = tmp_path_factory.mktemp("template") / "archive.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def migrated_url(request, tmp_path) -> Iterator[str]:
    """A fresh archive database at the newest schema: a copy of the session's migrated SQLite file,
    or a new PostgreSQL database copied from the session's migrated template (copying is faster
    than migrating)."""
    if request.param == "sqlite":
        path = tmp_path / "archive.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        with _fresh_postgres(template=request.getfixturevalue("postgres_template")) as url:
            yield url


@pytest.fixture
def archive(migrated_url) -> Iterator[Archive]:
    """An ``Archive`` on a freshly migrated database (both backends)."""
    store = Archive(migrated_url)
    yield store
    store.close()


@pytest.fixture
def make_record() -> Callable[..., ReportRecord]:
    """A factory of ``ReportRecord``s: ``make_record(content_hash, url, body=..., title=..., stats=...)``."""
    return _report_record


def _report_record(
    content_hash: str = "a" * 64,
    url: str = "http://127.0.0.1/report.html",
    *,
    body: bytes = b"<html>report</html>",
    title: str = "任城区2021年政府信息公开工作年度报告",
    division_code: str = "370811",
    year: int = 2021,
    stats: list[StatRecord] | None = None,
) -> ReportRecord:
    """A complete gov2021 report record fetched from 127.0.0.1 (one statistic, one check)."""
    capture = Capture(
        url=url,
        final_url=url,
        status=200,
        headers={"Content-Type": "text/html; charset=utf-8"},
        body=body,
        content_type="text/html",
        fetched_at=datetime(2026, 11, 23, 1, 0, tzinfo=UTC),
        portal_code="370800",
        referer="http://127.0.0.1/list.html",
        link_text=title,
    )
    return ReportRecord(
        capture=capture,
        title=title,
        division_code=division_code,
        region="任城区",
        year=year,
        publisher="济宁市任城区人民政府",
        publisher_level="county",
        clean_text="一、总体情况……",
        content_hash=content_hash,
        source_format="html",
        stats_format="gov2021",
        parser_version="1",
        stats=[StatRecord("apply.new.total", 14, raw="14")] if stats is None else stats,
        checks=[CheckRecord("R3.1", "pass", Decimal(14), Decimal(14), Decimal(0), ["apply.new.total"])],
        warnings=["table 三 split across pages"],
        evidence={"region": "title", "year": "title"},
    )


@pytest.fixture
def document_record() -> Callable[..., ReportRecord]:
    """A factory of ``ReportRecord``s from real bytes, through the crawl's own processing.

    ``document_record(body, url, content_type=None, **identity_overrides)``: ``govcrawl.process``
    reads ``body`` as the crawl does; keyword arguments replace identity fields (division_code,
    year, publisher) to stage identity collisions.
    """
    return _document_record


def _document_record(body: bytes, url: str, content_type: str | None = None, **overrides) -> ReportRecord:
    from govcrawl.process import process

    capture = Capture(
        url=url, final_url=url, status=200, headers={}, body=body, content_type=content_type,
        fetched_at=datetime(2026, 11, 23, 1, 0, tzinfo=UTC),
    )
    record = process(capture, require_report=False).record
    assert record is not None, f"no report from {url}"
    return dataclasses.replace(record, **overrides)
