"""Before the first request: are the components this crawl will use all there? If not, it does not start.

A missing library does not fail a crawl at its start: it fails each document that needs it, and
without ``lxml_html_clean`` extraction once filed 919 of 948 HTML reports as corrupt. Extraction
now stops the crawl at the first such failure (:mod:`govcrawl.extract.errors`), but a crawl that
cannot read what it fetches should not fetch at all. So on ``spider_opened``, after the archive
extension has opened the run, the components the crawl's settings will use
(:func:`govcrawl.components.crawl_components`) are checked: extraction's inside the crawl's own first
extraction worker (a separate interpreter, as it will run; it stays warm for the first document),
the others in this process. When one is missing, one critical line names it, what needs it and the
fix, and the spider closes with ``internal_error`` (exit 10) before any request.

``GOVCRAWL_PREFLIGHT=0`` turns the check off (a crawl whose first failing document is to show the
fault instead).
"""

from __future__ import annotations

import logging
import time

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured

from govcrawl.components import crawl_components
from govcrawl.config import database_url
from govcrawl.doctor import diagnose, summary
from govcrawl.extensions.archive import INTERNAL_ERROR, ArchiveExtension

logger = logging.getLogger(__name__)


class Preflight:
    """Checks the crawl's components when the spider opens; closes it with ``internal_error`` if one is missing."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Preflight:
        if not crawler.settings.getbool("GOVCRAWL_PREFLIGHT", True):
            raise NotConfigured("GOVCRAWL_PREFLIGHT is off")
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        from govcrawl.extract.worker import default_worker

        settings = self.crawler.settings
        handlers = settings.getdict("DOWNLOAD_HANDLERS")
        url = settings.get("GOVCRAWL_DATABASE_URL") or database_url()
        chosen = crawl_components(
            chromium=settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS").get("executable_path"),
            warc=settings.getbool("GOVCRAWL_WARC_ENABLED", True),
            browser=any("scrapy_playwright" in str(handler) for handler in handlers.values()),
            postgres=url.startswith("postgresql"),
            distributed=bool(settings.get("GOVCRAWL_REDIS_URL")),
        )
        start = time.monotonic()
        results = diagnose(chosen, worker=default_worker())
        missing = summary(chosen, results)
        if missing is None:
            logger.info("preflight: %d components ok in %.1f s", len(chosen), time.monotonic() - start)
            return
        logger.critical("cannot crawl, nothing will be fetched: %s (govcrawl doctor checks them all)", missing)
        self.crawler.stats.set_value("govcrawl/preflight_missing", [r.name for r in results if not r.ok])
        archive = self.crawler.get_extension(ArchiveExtension)
        # The archive's verdict is the crawl's exit code: a failed run, exit 10. A reason it already
        # has (an archive that could not be opened) came first and stays.
        if archive is not None and archive.stop_reason is None:
            archive.stop_reason = INTERNAL_ERROR
        raise CloseSpider(INTERNAL_ERROR)
