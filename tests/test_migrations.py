"""The Alembic migrations, run programmatically on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect, select, text

from govcrawl.store import Archive, downgrade, upgrade
from govcrawl.store.engine import make_engine
from govcrawl.store.migrate import is_current
from govcrawl.store.models import Base

TABLES = {
    "portals",
    "crawl_runs",
    "crawl_jobs",
    "reports",
    "sources",
    "blobs",
    "stat_values",
    "check_results",
    "fetch_errors",
    "portal_health",
    "captures",
    "report_versions",
    "parses",
    "divisions",
}
VIEWS = {"v_report_wide", "v_coverage", "v_current_values"}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_creates_every_table(db_url):
    upgrade(db_url)
    assert _tables(db_url) == TABLES


def test_downgrade_to_base_removes_every_table(migrated_url):
    downgrade("base", migrated_url)
    assert _tables(migrated_url) == set()


def test_upgrade_again_after_downgrade(migrated_url):
    downgrade("base", migrated_url)
    upgrade(migrated_url)
    assert _tables(migrated_url) == TABLES


def test_migration_matches_models(migrated_url):
    engine = make_engine(migrated_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_is_current_only_after_upgrade(db_url):
    engine = make_engine(db_url)
    try:
        assert not is_current(engine)
        upgrade(db_url)
        assert is_current(engine)
    finally:
        engine.dispose()


def test_indexes_for_common_queries(migrated_url):
    engine = make_engine(migrated_url)
    try:
        indexed = {
            (table, tuple(ix["column_names"]))
            for table in ("reports", "stat_values", "sources", "captures")
            for ix in inspect(engine).get_indexes(table)
        }
    finally:
        engine.dispose()
    assert {
        ("reports", ("division_code", "year")),
        ("reports", ("year",)),
        ("reports", ("stats_format",)),
        ("stat_values", ("key",)),
        ("stat_values", ("report_id",)),
        ("sources", ("report_id",)),
        ("sources", ("url",)),
        ("captures", ("url", "id")),
        ("captures", ("payload_sha256",)),
    } <= indexed


def test_views_exist_after_upgrade(migrated_url):
    engine = make_engine(migrated_url)
    try:
        assert set(inspect(engine).get_view_names()) == VIEWS
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_the_views(migrated_url):
    downgrade("base", migrated_url)
    engine = make_engine(migrated_url)
    try:
        assert inspect(engine).get_view_names() == []
    finally:
        engine.dispose()


def test_divisions_have_names_levels_and_parents(migrated_url):
    engine = make_engine(migrated_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT code, name, level, parent_code FROM divisions WHERE code IN ('370000', '370800', '370811')")
            ).all()
            total = conn.execute(text("SELECT count(*) FROM divisions")).scalar()
    finally:
        engine.dispose()
    assert sorted(tuple(r) for r in rows) == [
        ("370000", "山东省", "province", None),
        ("370800", "济宁市", "prefecture", "370000"),
        ("370811", "任城区", "county", "370800"),
    ]
    assert total > 3000


def test_abolished_county_keeps_its_name(migrated_url):
    engine = make_engine(migrated_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT name, parent_code, current FROM divisions WHERE code = '320611'")).one()
    finally:
        engine.dispose()
    assert (row.name, row.parent_code, bool(row.current)) == ("港闸区", "320600", False)


FOUNDATION_TEXT = "济宁市任城区人民政府2021年政府信息公开工作年度报告……" * 20


def _fill_foundation(url: str) -> None:
    """A database at the foundation schema (0001) holding one report as the foundation code wrote it."""
    upgrade(url, "0001")
    engine = make_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    t = meta.tables
    now = datetime(2026, 11, 23, 1, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            conn.execute(t["crawl_runs"].insert(), {"id": 1, "started_at": now, "arguments": {}})
            conn.execute(t["blobs"].insert(), {"sha256": "b" * 64, "size": 3, "content_type": "text/html", "data": b"abc"})
            conn.execute(
                t["reports"].insert(),
                {
                    "id": 1, "content_hash": "a" * 64, "title": "任城区2021年报", "division_code": "370811",
                    "region": "任城区", "year": 2021, "publisher": "济宁市任城区人民政府", "publisher_level": "county",
                    "source_format": "html", "stats_format": "gov2021", "parser_version": "stats-1.0",
                    "aggregator_copy": False, "clean_text": FOUNDATION_TEXT, "created_at": now, "crawl_run_id": 1,
                    "evidence": {"year": "title"}, "warnings": ["w"],
                },
            )
            for url_ in ("http://127.0.0.1/a.html", "http://127.0.0.1/b.html"):
                conn.execute(
                    t["sources"].insert(),
                    {
                        "report_id": 1, "url": url_, "final_url": url_, "http_status": 200, "content_type": "text/html",
                        "fetched_at": now, "headers": {}, "blob_sha256": "b" * 64, "rendered": False,
                        "crawl_run_id": 1, "aggregator_copy": False,
                    },
                )
            conn.execute(
                t["stat_values"].insert(),
                [
                    {"report_id": 1, "key": "apply.new.total", "value": 99, "raw": "99", "flags": [], "source": "table"},
                    {"report_id": 1, "key": "review.total", "value": None, "raw": "", "flags": ["blank"], "source": "table"},
                ],
            )
            conn.execute(
                t["check_results"].insert(),
                {"report_id": 1, "rule": "R3.1", "status": "pass", "lhs": 99, "rhs": 99, "delta": 0, "keys": []},
            )
            conn.execute(
                t["fetch_errors"].insert(),
                {"url": "http://127.0.0.1/x", "stage": "fetch", "kind": "http_404", "message": "m", "at": now},
            )
    finally:
        engine.dispose()


def test_upgrade_of_a_filled_foundation_database_keeps_everything(db_url):
    _fill_foundation(db_url)
    upgrade(db_url)
    archive = Archive(db_url)
    try:
        (record,) = archive.queries.export()
        with archive.engine.connect() as conn:
            version = conn.execute(text("SELECT number, content_hash, clean_text FROM report_versions")).one()
            parse = conn.execute(text("SELECT origin, parser_version, stats_format FROM parses")).one()
            checks = conn.execute(text("SELECT count(*) FROM check_results WHERE parse_id IS NOT NULL")).scalar()
            errors = conn.execute(text("SELECT count(*) FROM fetch_errors")).scalar()
    finally:
        archive.close()
    assert tuple(version) == (1, "a" * 64, FOUNDATION_TEXT)
    assert tuple(parse) == ("migration", "stats-1.0", "gov2021")
    assert record["values"] == {"apply.new.total": 99, "review.total": None}
    assert [(s["url"], s["version"], s["match"]) for s in record["sources"]] == [
        ("http://127.0.0.1/a.html", 1, "exact"),
        ("http://127.0.0.1/b.html", 1, "exact"),
    ]
    assert (checks, errors) == (1, 1)


def test_downgrade_to_foundation_restores_the_text(db_url):
    _fill_foundation(db_url)
    upgrade(db_url)
    downgrade("0001", db_url)
    engine = make_engine(db_url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            text_ = conn.execute(select(meta.tables["reports"].c.clean_text)).scalar_one()
            values = conn.execute(select(meta.tables["stat_values"].c.key)).scalars().all()
    finally:
        engine.dispose()
    assert text_ == FOUNDATION_TEXT
    assert sorted(values) == ["apply.new.total", "review.total"]


@pytest.mark.parametrize("revision", ["0001", "0002", "0003"])
def test_each_step_down_and_up_again(migrated_url, revision):
    downgrade(revision, migrated_url)
    upgrade(migrated_url)
    assert _tables(migrated_url) == TABLES


def test_upgrade_to_run_outcomes_keeps_runs_and_walks(migrated_url):
    # A run and a walk recorded before 0004: the run reads as finished, the walk as complete.
    downgrade("0003", migrated_url)
    engine = make_engine(migrated_url)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO crawl_runs (id, started_at, finished_at, arguments) VALUES (1, :t, :t, '{}')"),
                         {"t": now})
            conn.execute(text("INSERT INTO crawl_runs (id, started_at, arguments) VALUES (2, :t, '{}')"), {"t": now})
            conn.execute(text(
                "INSERT INTO portal_health (crawl_run_id, division_code, reports_found, pages_fetched, checked_at)"
                " VALUES (1, '370811', 3, 9, :t)"
            ), {"t": now})
        upgrade(migrated_url)
        with engine.connect() as conn:
            runs = dict(conn.execute(text("SELECT id, status FROM crawl_runs")).all())
            complete = conn.execute(text("SELECT complete FROM portal_health")).scalar()
    finally:
        engine.dispose()
    assert runs == {1: "finished", 2: None}  # the unfinished run stays unfinished
    assert bool(complete)
