"""One archive per crawl process, owned by this extension: the run's beginning and end.

On ``spider_opened`` it migrates and opens the archive, starts the run, notes the portals being
crawled, and hands the spider what the archive knows: the last good column of each portal
(``spider.column_hints``) and the incremental state (``spider.incremental``, None when
``GOVCRAWL_INCREMENTAL`` is off). On ``spider_closed`` it records each portal's health (pooled over
the workers of a distributed job) and finishes the run with the crawl's stats.

The other components that write find the archive and the run here
(``crawler.get_extension(ArchiveExtension)``): the store pipeline, the WARC capture and the HTTP
cache. The spider never opens the archive. An archive that cannot be opened closes the spider at
once with the reason ``archive_unavailable``: a crawl that cannot store must not fetch.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from sqlalchemy.exc import SQLAlchemyError

from govcrawl.config import database_url
from govcrawl.distributed import pooled_health
from govcrawl.exitcodes import ExitCode
from govcrawl.incremental import IncrementalState
from govcrawl.store import Archive, upgrade
from govcrawl.store.engine import display_url, resolve_url

logger = logging.getLogger(__name__)

#: The close reason of a crawl whose archive could not be opened.
ARCHIVE_UNAVAILABLE = "archive_unavailable"


class ArchiveExtension:
    """Opens the archive and the run for the crawl, and closes them (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.url: str = crawler.settings.get("GOVCRAWL_DATABASE_URL") or database_url()
        self.archive: Archive | None = None
        self.run_id: int | None = None
        #: What the HTTP cache and the spider's paging start from (None: incremental runs are off).
        self.incremental: IncrementalState | None = None
        #: How the crawl process should exit: the run's outcome.
        self.exit_code = ExitCode.OK
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveExtension:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        settings = self.crawler.settings
        portals = list(getattr(spider, "portals", []))
        try:
            upgrade(self.url)
            self.archive = Archive(self.url)
            arguments = {k: getattr(spider, k, None) for k in ("province", "division", "seeds_file")}
            self.run_id = self.archive.runs.start({"spider": spider.name, **arguments})
            self.archive.runs.record_portals(portals)
            codes = [p.division_code for p in portals]
            spider.column_hints = self.archive.runs.column_hints(codes)
            if settings.getbool("GOVCRAWL_INCREMENTAL", True):
                days = settings.getfloat("GOVCRAWL_REVALIDATE_DAYS", 30.0)
                self.incremental = self.archive.incremental_state(codes, timedelta(days=days))
                spider.incremental = self.incremental
        except (SQLAlchemyError, OSError) as exc:
            where = display_url(resolve_url(self.url))
            logger.error("archive %s cannot be opened, nothing will be fetched: %s", where, _first_line(exc))
            self.crawler.stats.set_value("govcrawl/archive_error", _first_line(exc))
            if self.archive is not None:
                self.archive.close()
            self.archive = None
            self.exit_code = ExitCode.DATABASE
            raise CloseSpider(ARCHIVE_UNAVAILABLE) from exc
        state = self.incremental
        logger.info(
            "run %d: %d portals, %d column hints; incremental: %s",
            self.run_id, len(portals), len(spider.column_hints),
            f"{len(state.urls)} known URLs, {len(state.walks)} portals walked before, revalidation after "
            f"{state.revalidate_after.days} days" if state is not None else "off",
        )

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.archive is None or self.run_id is None:
            return
        try:
            self._record_health(spider)
            self.archive.runs.finish(self.run_id, self.crawler.stats.get_stats())
        finally:
            self.archive.close()

    def _record_health(self, spider: Spider) -> None:
        assert self.archive is not None and self.run_id is not None
        runs: list[Any] = spider.portal_health() if hasattr(spider, "portal_health") else []
        # Distributed, each worker saw part of each portal: the job records one pooled row per portal.
        pooled = pooled_health(self.crawler, runs)
        # One row per division: of a division's portals, the one that found reports comes last and stays.
        self.archive.runs.record_portals(run.portal for run in pooled)
        for run in pooled:
            failure = run.failure_class()
            if failure in ("no_column", "empty_column"):
                self.archive.runs.record_error(
                    run_id=self.run_id, url=run.portal.portal_url, portal_code=run.portal.division_code,
                    stage="discover", kind=failure, message=f"{failure}: no 年报 reports found from the homepage",
                )
            self.archive.runs.record_health(
                self.run_id, run.portal.division_code, column_url=run.column_url,
                reports_found=run.reports, pages_fetched=run.pages, failure_class=failure,
            )


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
