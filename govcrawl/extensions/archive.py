"""One archive per crawl process, owned by this extension: the run's beginning, its writes, its end.

On ``spider_opened`` it migrates and opens the archive, replays what an earlier run spooled
(``govcrawl.store.spool``), starts the run, notes the portals being crawled, and hands the spider
what the archive knows: the last good column of each portal (``spider.column_hints``) and the
incremental state (``spider.incremental``, None when ``GOVCRAWL_INCREMENTAL`` is off). An archive
that cannot be opened closes the spider at once (``archive_unavailable``): a crawl that cannot
store must not fetch.

Every write of the crawl goes through :meth:`ArchiveExtension.write`, on the archive writer thread
(``govcrawl.store.writer``): the store pipeline's reports and errors, the WARC capture's index rows.
While the database is away the writer retries and the crawl stops fetching (the engine is paused
while a write is stalled, with one warning line when the stall starts and one with its duration
when it ends). Past ``GOVCRAWL_STORE_RETRY_SECONDS`` the writer gives up: the write, and every later
one, goes to the spool beside the WARC files, and the crawl stops (``archive_lost``). Nothing is
dropped: the next run replays the spool before it fetches anything.

On ``spider_closed`` it records each portal's health (pooled over the workers of a distributed
job), with ``complete`` false for a portal whose walk left something unstored, uncaptured or
unread, and ends the run with its status and problems (``crawl_runs``); ``exit_code`` is what the
crawl process exits with (:mod:`govcrawl.exitcodes`). The spider never opens the archive.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet import task

from govcrawl.config import database_url
from govcrawl.distributed.health import pooled_health
from govcrawl.exitcodes import ExitCode, gravest
from govcrawl.incremental import IncrementalState
from govcrawl.store import Archive, upgrade
from govcrawl.store.engine import display_url, resolve_url
from govcrawl.store.spool import Spool
from govcrawl.store.warc import warc_root
from govcrawl.store.writer import DEFAULT_RETRY_SECONDS, ArchiveWriter, StoreUnavailable, first_line

logger = logging.getLogger(__name__)

#: Close reasons of a crawl that stopped itself, and the exit code each says.
ARCHIVE_UNAVAILABLE = "archive_unavailable"
ARCHIVE_LOST = "archive_lost"
CAPTURE_FAILED = "capture_failed"
INTERNAL_ERROR = "internal_error"
QUEUE_LOST = "queue_lost"
_REASON_CODES = {
    ARCHIVE_UNAVAILABLE: ExitCode.DATABASE,
    ARCHIVE_LOST: ExitCode.STORE_ERRORS,
    CAPTURE_FAILED: ExitCode.CAPTURE_ERRORS,
    INTERNAL_ERROR: ExitCode.INTERNAL,
    QUEUE_LOST: ExitCode.QUEUE_LOST,
    "shutdown": ExitCode.INTERRUPTED,  # Scrapy's reason for SIGTERM and SIGINT
}
#: Problems counted during the run (``crawl_runs.problems``) and the exit code each says.
_PROBLEM_CODES = {
    "spooled": ExitCode.STORE_ERRORS,
    "unstored": ExitCode.STORE_ERRORS,
    "uncaptured": ExitCode.CAPTURE_ERRORS,
    "internal_errors": ExitCode.INTERNAL,
}
#: Seconds a write may run before the crawl stops fetching and says so.
STALL_WARNING_SECONDS = 5.0


class ArchiveExtension:
    """Opens the archive and the run for the crawl, writes for it, and closes them (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.url: str = settings.get("GOVCRAWL_DATABASE_URL") or database_url()
        self.archive: Archive | None = None
        self.run_id: int | None = None
        #: What the HTTP cache and the spider's paging start from (None: incremental runs are off).
        self.incremental: IncrementalState | None = None
        self.writer = ArchiveWriter(settings.getfloat("GOVCRAWL_STORE_RETRY_SECONDS", DEFAULT_RETRY_SECONDS))
        self.spool = Spool(Path(settings.get("GOVCRAWL_WARC_DIR") or warc_root()) / "spool")
        #: What the run could not do, counted (``crawl_runs.problems``).
        self.problems: Counter[str] = Counter()
        #: Portals whose walk left something unstored, uncaptured or unread this run.
        self.incomplete: set[str] = set()
        #: Why the crawl stopped itself, when it did (a close reason above).
        self.stop_reason: str | None = None
        self.exit_code = ExitCode.OK
        self._stalled_since: float | None = None
        self._watch: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveExtension:
        return cls(crawler)

    # -- the run's beginning -------------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        settings = self.crawler.settings
        portals = list(getattr(spider, "portals", []))
        try:
            upgrade(self.url)
            self.archive = Archive(self.url, sqlite_busy_timeout=settings.getfloat("GOVCRAWL_SQLITE_BUSY_TIMEOUT", 30.0))
            replayed = self.writer.write_now(self.spool.replay, self.archive)
            arguments = {k: getattr(spider, k, None) for k in ("province", "division", "seeds_file")}
            job = settings.get("GOVCRAWL_JOB") if settings.get("GOVCRAWL_REDIS_URL") else None
            self.run_id = self.writer.write_now(self.archive.runs.start, {"spider": spider.name, **arguments}, job=job)
            self.writer.write_now(self.archive.runs.record_portals, portals)
            codes = [p.division_code for p in portals]
            spider.column_hints = self.archive.runs.column_hints(codes)
            if settings.getbool("GOVCRAWL_INCREMENTAL", True):
                days = settings.getfloat("GOVCRAWL_REVALIDATE_DAYS", 30.0)
                self.incremental = self.archive.incremental_state(codes, timedelta(days=days))
                spider.incremental = self.incremental
        except Exception as exc:
            unavailable = isinstance(exc, SQLAlchemyError | OSError | StoreUnavailable)
            if unavailable:
                where = display_url(resolve_url(self.url))
                logger.error("archive %s cannot be opened, nothing will be fetched: %s", where, first_line(exc))
            else:  # ours: a bug or a broken installation
                logger.critical("the archive extension failed to start, nothing will be fetched", exc_info=exc)
            self.crawler.stats.set_value("govcrawl/archive_error", first_line(exc))
            if self.archive is not None:
                self.archive.close()
            self.archive = None
            self.stop_reason = ARCHIVE_UNAVAILABLE if unavailable else INTERNAL_ERROR
            raise CloseSpider(self.stop_reason) from exc
        if replayed:
            self.crawler.stats.set_value("govcrawl/store/replayed", replayed)
        self._watch = task.LoopingCall(self._watch_writes)
        self._watch.start(1.0, now=False)
        state = self.incremental
        logger.info(
            "run %d: %d portals, %d column hints; incremental: %s",
            self.run_id, len(portals), len(spider.column_hints),
            f"{len(state.urls)} known URLs, {len(state.walks)} portals walked before, revalidation after "
            f"{state.revalidate_after.days} days" if state is not None else "off",
        )

    # -- the run's writes ----------------------------------------------------------------------------

    async def write(self, method: str, *args: Any, for_portal: str | None = None, **kwargs: Any) -> Any:
        """Make an archive write (``"reports.store"`` is ``archive.reports.store``) on the writer thread.

        Returns what the write returned, or None when the archive is lost: the write is spooled,
        the walk of the portal it is ``for_portal`` marked incomplete, and the crawl stopped.
        """
        assert self.archive is not None
        job, name = method.split(".")
        try:
            return await self.writer.write(getattr(getattr(self.archive, job), name), *args, **kwargs)
        except StoreUnavailable:
            self.spooled(method, *args, for_portal=for_portal, **kwargs)
            return None

    def spooled(self, method: str, *args: Any, for_portal: str | None = None, **kwargs: Any) -> None:
        """Keep a write the archive did not take in the spool, and stop the crawl: the archive is gone."""
        self.spool.add(method, *args, **kwargs)
        self.problems["spooled"] += 1
        self.crawler.stats.inc_value("govcrawl/store/spooled")
        self.mark_incomplete(for_portal)
        self.stop(ARCHIVE_LOST, f"the archive is gone ({self.writer.failing}); writes are spooled in "
                                f"{self.spool.directory}")

    async def run_io(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """``fn`` on the writer thread, in order with the archive's writes, once (a WARC record is
        never written twice); inside it, database calls go through ``self.writer.retried``."""
        return await self.writer.run(fn, *args, **kwargs)

    def internal_error(self, exc: BaseException, url: str, portal_code: str | None) -> None:
        """A failure of ours, not of the document: stop the crawl, loudly (the URL stays to be fetched)."""
        logger.critical("internal error on %s: %s", url, first_line(exc), exc_info=exc)
        self.crawler.stats.inc_value("govcrawl/internal_errors")
        self.note("internal_errors", portal_code)
        self.stop(INTERNAL_ERROR, f"{type(exc).__name__}: {first_line(exc)} (fix the installation or the code, then crawl again)")

    def mark_incomplete(self, portal_code: str | None) -> None:
        """The portal's walk left something undone this run: its next run reads it in full."""
        if portal_code:
            self.incomplete.add(portal_code)

    def note(self, problem: str, portal_code: str | None = None) -> None:
        """Count something the run could not do (``uncaptured``, ``internal_errors``…) for a portal."""
        self.problems[problem] += 1
        self.mark_incomplete(portal_code)

    def stop(self, reason: str, message: str) -> None:
        """Stop the crawl for ``reason`` (once), with one line saying why."""
        if self.stop_reason is not None:
            return
        self.stop_reason = reason
        logger.critical("stopping the crawl: %s", message)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason=reason))

    def _watch_writes(self) -> None:
        """Stop fetching while a write is stalled (the database away, or locked), and say so once."""
        stalled = self.writer.stalled_for()
        engine = self.crawler.engine
        if stalled >= STALL_WARNING_SECONDS and self._stalled_since is None:
            self._stalled_since = stalled
            why = self.writer.failing or "waiting on the database"
            logger.warning("archive write stalled for %.0f s (%s): fetching paused until it is done", stalled, why)
            self.problems["stalls"] += 1
            if engine is not None:
                engine.pause()
        elif stalled < STALL_WARNING_SECONDS and self._stalled_since is not None:
            self._stalled_since = None
            logger.warning("archive writes resumed: fetching again")
            if engine is not None:
                engine.unpause()

    # -- the run's end -------------------------------------------------------------------------------

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._watch is not None and self._watch.running:
            self._watch.stop()
        if self.archive is None or self.run_id is None:
            self.exit_code = _REASON_CODES.get(self.stop_reason or reason, ExitCode.DATABASE)
            self.writer.close()
            return
        if self.crawler.engine is not None and self.crawler.engine.paused:
            self.crawler.engine.unpause()
        interrupted = reason == "shutdown"
        codes = {_REASON_CODES[r] for r in (reason, self.stop_reason) if r in _REASON_CODES}
        codes |= {_PROBLEM_CODES[p] for p, n in self.problems.items() if n and p in _PROBLEM_CODES}
        self.exit_code = gravest(codes)
        status = "finished"
        if interrupted:
            status = "interrupted"
        elif self.stop_reason is not None:
            status = "failed"
        elif self.exit_code != ExitCode.OK:
            status = "degraded"
        problems = {**self.problems, "exit_code": int(self.exit_code), "reason": reason}
        try:
            self._record_health(spider, interrupted)
            self._end_write("runs.finish", self.run_id, self.crawler.stats.get_stats(), status=status, problems=problems)
        finally:
            self.writer.close()
            self.archive.close()
        if self.exit_code != ExitCode.OK:
            logger.error("run %d %s (exit %d): %s", self.run_id, status, self.exit_code,
                         ", ".join(f"{n} {p}" for p, n in sorted(self.problems.items())) or reason)

    def _end_write(self, method: str, *args: Any, **kwargs: Any) -> None:
        """A write of the run's end, in this thread; spooled when the archive is lost."""
        assert self.archive is not None
        job, name = method.split(".")
        try:
            self.writer.write_now(getattr(getattr(self.archive, job), name), *args, **kwargs)
        except StoreUnavailable:
            self.spool.add(method, *args, **kwargs)
            self.problems["spooled"] += 1

    def _record_health(self, spider: Spider, interrupted: bool) -> None:
        """Each portal's health row. A run cut short (a signal, or the crawl stopping itself) records
        only the portals it found reports on, none of them complete: of the others it cannot tell a
        portal that yields nothing from one it never got to, and their last state stands."""
        assert self.run_id is not None
        cut_short = interrupted or self.stop_reason is not None
        runs: list[Any] = spider.portal_health() if hasattr(spider, "portal_health") else []
        # Distributed, each worker saw part of each portal: the job records one pooled row per portal.
        pooled = pooled_health(self.crawler, runs)
        # One row per division: of a division's portals, the one that found reports comes last and stays.
        self._end_write("runs.record_portals", [run.portal for run in pooled])
        for run in pooled:
            code = run.portal.division_code
            failure = run.failure_class()
            if cut_short and failure is not None:
                continue
            if failure in ("no_column", "empty_column"):
                self._end_write(
                    "runs.record_error", run_id=self.run_id, url=run.portal.portal_url, portal_code=code,
                    stage="discover", kind=failure, message=f"{failure}: no 年报 reports found from the homepage",
                )
            complete = not (cut_short or run.cut_short or code in self.incomplete)
            self._end_write(
                "runs.record_health", self.run_id, code, column_url=run.column_url, reports_found=run.reports,
                pages_fetched=run.pages, failure_class=failure, complete=complete, found_by=run.found_by(),
                discovery_pages=run.discovery_pages, columns=run.hint_columns() or None,
            )
