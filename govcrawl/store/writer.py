"""The crawl's archive writer: one thread that runs every database write of a crawl process, in order,
and waits out a database that is away.

The reactor thread must not wait on SQL: a commit costs milliseconds, and a crawl of thousands of
pages makes thousands of them (a capture row per response, a report with its sources, values and
checks per document). Writes go to one thread instead, first in first out, so they keep the order in
which the crawl produced them (a response's capture row is written before the report that cites it)
and SQLite sees a single writer per process. Callers await the result, so a write's failure reaches
whoever asked for it.

A write that fails because the database is away (a restart, a dropped connection, SQLite locked by
another process) is tried again with back-off, the writes behind it waiting, until
``retry_seconds`` have passed since its first failure; then the writer gives up
(:class:`StoreUnavailable`) and fails every later write at once, so that callers spool their items
(``govcrawl.store.spool``) instead of waiting. Every write is idempotent or harmless to repeat:
inserts of reports, versions, sources and blobs are ``ON CONFLICT DO NOTHING`` on their keys.
:meth:`ArchiveWriter.stalled_for` lets the crawl notice a write that takes long (a lock waited on
inside SQLite's busy timeout is one write that does not fail) and stop fetching meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds a write keeps being retried while the database is away (``GOVCRAWL_STORE_RETRY_SECONDS``).
DEFAULT_RETRY_SECONDS = 120.0
#: Longest pause between two tries.
MAX_BACKOFF = 5.0


class StoreUnavailable(Exception):
    """The archive did not take a write within the retry period: the database is gone for now."""


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is away (worth waiting for), not that the write is wrong."""
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, with the driver's own error when there is one."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class ArchiveWriter:
    """One thread for the archive's writes (see the module docstring)."""

    def __init__(self, retry_seconds: float = DEFAULT_RETRY_SECONDS) -> None:
        self.retry_seconds = retry_seconds
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="govcrawl-archive-writer")
        self._busy_since: float | None = None
        #: Why the current write is failing (None while writes succeed).
        self.failing: str | None = None
        #: The writer gave up: every write fails at once with StoreUnavailable.
        self.lost = False

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` on the writer thread after every write queued before it, tried
        again while the database is away; StoreUnavailable past the retry period."""
        return await asyncio.wrap_future(self._executor.submit(self._retried, fn, args, kwargs))

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` on the writer thread, in order, once (file writes: never repeated)."""
        return await asyncio.wrap_future(self._executor.submit(fn, *args, **kwargs))

    def retried(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` tried again while the database is away, in the calling thread:
        for a database call inside a job that already runs on the writer thread (:meth:`run`)."""
        return self._retried(fn, args, kwargs)

    def write_now(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """:meth:`write`, waited for in the calling thread (outside the reactor: the crawl's start and end)."""
        return self._executor.submit(self._retried, fn, args, kwargs).result()

    def stalled_for(self) -> float:
        """Seconds the current write has been running (0 when the writer is idle)."""
        since = self._busy_since
        return time.monotonic() - since if since is not None else 0.0

    def close(self) -> None:
        """Finish the queued writes and stop the thread."""
        self._executor.shutdown(wait=True)

    def _retried(self, fn: Callable[..., T], args: tuple, kwargs: dict[str, Any]) -> T:
        if self.lost:
            raise StoreUnavailable(f"the archive was lost earlier: {self.failing}")
        self._busy_since = time.monotonic()
        failing_since: float | None = None
        delay = 0.25
        try:
            while True:
                try:
                    result = fn(*args, **kwargs)
                except Exception as exc:
                    if not is_transient(exc):
                        raise
                    now = time.monotonic()
                    failing_since = failing_since or now
                    if self.failing is None:
                        logger.warning("archive write failed, retrying for up to %g s: %s", self.retry_seconds,
                                       first_line(exc))
                    self.failing = first_line(exc)
                    if now - failing_since >= self.retry_seconds:
                        self.lost = True
                        raise StoreUnavailable(
                            f"the archive took no write for {now - failing_since:.0f} s: {self.failing}"
                        ) from exc
                    time.sleep(delay)
                    delay = min(delay * 2, MAX_BACKOFF)
                else:
                    self.failing = None
                    return result
        finally:
            self._busy_since = None
