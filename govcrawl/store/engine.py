"""Engines for the archive database: URL normalisation and per-backend connection settings."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from govcrawl.config import database_url

#: How long a SQLite writer waits for another process's write lock before failing, in seconds.
SQLITE_BUSY_TIMEOUT = 30.0
#: The database backends the archive runs on.
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def resolve_url(url: str | None = None) -> URL:
    """The archive URL (``url`` or ``database_url()``), with PostgreSQL pinned to psycopg 3.

    A bare ``postgresql://`` would select psycopg2, which the project does not install.
    """
    parsed = make_url(url or database_url())
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def display_url(url: URL) -> str:
    """The URL for messages, with any password masked."""
    return url.render_as_string(hide_password=True)


def make_engine(url: str | None = None, sqlite_busy_timeout: float = SQLITE_BUSY_TIMEOUT) -> Engine:
    """An engine for the archive: SQLite gets WAL (synchronous NORMAL), foreign keys and a busy
    timeout (seconds) on every connection."""
    resolved = resolve_url(url)
    if resolved.get_backend_name() not in SUPPORTED_BACKENDS:
        raise ValueError(f"unsupported database backend: {display_url(resolved)}")
    if resolved.get_backend_name() == "postgresql":
        return create_engine(resolved, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    engine = create_engine(resolved, connect_args={"timeout": sqlite_busy_timeout})
    busy_ms = int(sqlite_busy_timeout * 1000)
    event.listen(engine, "connect", lambda connection, record: _configure_sqlite(connection, busy_ms))
    return engine


def _configure_sqlite(dbapi_connection, busy_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: a killed process loses nothing
    # committed and the file never corrupts; only a power cut may lose the last commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.close()
