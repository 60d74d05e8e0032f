"""The archive's connection handle, shared by every job of the store, and its time helpers."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import sessionmaker

from govcrawl.store.engine import SQLITE_BUSY_TIMEOUT, make_engine


class Database:
    """One engine on the archive (``url``, default ``GOVCRAWL_DATABASE_URL`` or the data dir's SQLite).

    ``sessions`` opens ORM sessions; ``insert`` is the dialect's INSERT, which speaks
    ``ON CONFLICT`` on both backends; ``sqlite_busy_timeout`` is how many seconds a SQLite write
    waits for another process's lock. It never migrates: ``govcrawl db upgrade`` does.
    """

    def __init__(self, url: str | None = None, sqlite_busy_timeout: float = SQLITE_BUSY_TIMEOUT) -> None:
        self.engine = make_engine(url, sqlite_busy_timeout)
        self.sessions = sessionmaker(self.engine)
        self.insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[self.engine.dialect.name]

    @property
    def dialect(self) -> str:
        """``postgresql`` or ``sqlite``."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """``moment`` in UTC: SQLite hands timestamps back naive."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with anything JSON cannot hold (datetimes as ISO 8601, Decimals) as strings, and
    keys as text without whitespace (Scrapy stats keys may carry it)."""
    return json.loads(json.dumps({re.sub(r"\s+", "_", str(k)): v for k, v in data.items()}, default=_text))


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)
