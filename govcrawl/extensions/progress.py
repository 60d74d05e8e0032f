"""A progress line for long crawls: pages, reports, errors and rates, every ``GOVCRAWL_PROGRESS_INTERVAL`` s."""

from __future__ import annotations

import time
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task


def summarize(stats: dict[str, Any], elapsed: float) -> str:
    """One line from Scrapy stats: what an operator checks at a glance."""
    # Responses served from the archive by the HTTP cache were not fetched.
    pages = stats.get("downloader/response_count", 0) - stats.get("httpcache/hit", 0)
    reports = stats.get("govcrawl/reports_new", 0)
    known = stats.get("govcrawl/reports_known", 0)
    errors = sum(v for k, v in stats.items() if k.startswith(("govcrawl/fetch_error/", "govcrawl/extract_error/")))
    rate = pages / elapsed if elapsed > 0 else 0.0
    return (
        f"progress: {elapsed:.0f} s, {pages} pages ({rate:.1f}/s), {reports} new reports, "
        f"{known} already archived, {errors} errors, {stats.get('govcrawl/rendered_lists', 0)} rendered lists"
    )


class Progress:
    """Extension: logs :func:`summarize` periodically and once at the end."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self._task: task.LoopingCall | None = None
        crawler.signals.connect(self.opened, signals.spider_opened)
        crawler.signals.connect(self.closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        interval = crawler.settings.getfloat("GOVCRAWL_PROGRESS_INTERVAL", 30.0)
        if interval <= 0:
            raise NotConfigured
        return cls(crawler, interval)

    def opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        self._task = task.LoopingCall(self.log, spider)
        self._task.start(self.interval, now=False)

    def log(self, spider: Spider) -> None:
        spider.logger.info(summarize(self.crawler.stats.get_stats(), time.monotonic() - self.started))

    def closed(self, spider: Spider) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()
        self.log(spider)
