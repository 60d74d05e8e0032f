"""The Alembic migrations, run programmatically on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from govcrawl.store import downgrade, upgrade
from govcrawl.store.engine import make_engine
from govcrawl.store.migrate import is_current
from govcrawl.store.models import Base

TABLES = {
    "portals",
    "crawl_runs",
    "reports",
    "sources",
    "blobs",
    "stat_values",
    "check_results",
    "fetch_errors",
}


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
            for table in ("reports", "stat_values")
            for ix in inspect(engine).get_indexes(table)
        }
    finally:
        engine.dispose()
    assert {
        ("reports", ("division_code", "year")),
        ("reports", ("year",)),
        ("reports", ("stats_format",)),
        ("stat_values", ("key",)),
    } <= indexed
