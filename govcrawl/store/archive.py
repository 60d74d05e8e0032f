"""The archive: one connection to the database, and one object per job of the store.

=================  ====================================================================
``reports``        the write path: a capture becomes a report, a version or a source
``parses``         statistics parses and re-parse support
``runs``           crawl runs, errors, portal health, the portals crawled, column hints
``captures``       the WARC capture index and reading captures back
``queries``        export and summary for researchers
=================  ====================================================================

``incremental_state`` reads what an incremental crawl starts from (``govcrawl.incremental``).
The archive never migrates: ``govcrawl db upgrade`` (or the crawl's archive extension) does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from govcrawl.incremental import IncrementalState
from govcrawl.store.captures import Captures
from govcrawl.store.database import Database
from govcrawl.store.engine import SQLITE_BUSY_TIMEOUT
from govcrawl.store.incremental import read_state
from govcrawl.store.parses import Parses
from govcrawl.store.queries import Queries
from govcrawl.store.reports import Reports
from govcrawl.store.runs import Runs


class Archive:
    """Read and write access to the archive database at ``url`` (default: the configured one);
    ``sqlite_busy_timeout``: seconds a SQLite write waits for another process's lock."""

    def __init__(self, url: str | None = None, sqlite_busy_timeout: float = SQLITE_BUSY_TIMEOUT) -> None:
        self.db = Database(url, sqlite_busy_timeout)
        self.engine = self.db.engine
        self.reports = Reports(self.db)
        self.parses = Parses(self.db)
        self.runs = Runs(self.db)
        self.captures = Captures(self.db)
        self.queries = Queries(self.db)

    def incremental_state(
        self,
        division_codes: Iterable[str] | None = None,
        revalidate_after: timedelta = timedelta(days=30),
        at: datetime | None = None,
    ) -> IncrementalState:
        """What an incremental crawl of the portals ``division_codes`` (None: all) starts from."""
        return read_state(self.db, division_codes, revalidate_after, at)

    def close(self) -> None:
        """Release the connection pool."""
        self.db.close()
