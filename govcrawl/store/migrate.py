"""Alembic, driven from code: there is no alembic.ini; the script location is ``<project>/migrations``."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from govcrawl.config import PROJECT_ROOT
from govcrawl.store.engine import make_engine

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config whose ``env.py`` runs on ``engine`` (passed as an attribute, not an ini URL)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Run ``alembic upgrade`` (to head by default) on the archive at ``url`` (default: the configured one)."""
    engine = make_engine(url)
    try:
        command.upgrade(alembic_config(engine), revision)
    finally:
        engine.dispose()


def downgrade(revision: str, url: str | None = None) -> None:
    """Run ``alembic downgrade revision`` (e.g. ``base``) on the archive at ``url``."""
    engine = make_engine(url)
    try:
        command.downgrade(alembic_config(engine), revision)
    finally:
        engine.dispose()


def is_current(engine: Engine) -> bool:
    """True when the database behind ``engine`` is migrated to the newest revision."""
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head
