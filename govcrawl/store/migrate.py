"""Alembic, driven from code: there is no alembic.ini; the script location is ``<project>/migrations``
(``govcrawl/migrations`` in a wheel install: :data:`govcrawl.config.MIGRATIONS_DIR`)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from govcrawl.config import MIGRATIONS_DIR
from govcrawl.store.engine import make_engine


def alembic_config(engine: Engine) -> Config:
    """An Alembic config whose ``env.py`` runs on ``engine`` (passed as an attribute, not an ini URL)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


#: PostgreSQL advisory-lock key held while migrating ("govcrawl" in ASCII, as a number).
_MIGRATION_LOCK = 0x676F766372617731


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold the archive's migration lock: processes starting at once (crawl workers) migrate one at a time.

    PostgreSQL: a session advisory lock. SQLite: an exclusive file lock beside the database file.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK})
    elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with open(f"{engine.url.database}.migrate-lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
    else:
        yield


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Run ``alembic upgrade`` (to head by default) on the archive at ``url`` (default: the configured one)."""
    engine = make_engine(url)
    try:
        with migration_lock(engine):
            command.upgrade(alembic_config(engine), revision)
    finally:
        engine.dispose()


def downgrade(revision: str, url: str | None = None) -> None:
    """Run ``alembic downgrade revision`` (e.g. ``base``) on the archive at ``url``."""
    engine = make_engine(url)
    try:
        with migration_lock(engine):
            command.downgrade(alembic_config(engine), revision)
    finally:
        engine.dispose()


def is_current(engine: Engine) -> bool:
    """True when the database behind ``engine`` is migrated to the newest revision."""
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head
