"""Item pipelines: process each fetched document, then store what it became.

:class:`ProcessPipeline` runs :func:`govcrawl.process.process` (extract → clean → identify →
hash → parse) in a worker thread, with extraction itself in the extraction worker process; a
document that fails turns into a :class:`CrawlError`, one that is no report is dropped.
:class:`StorePipeline` writes reports and errors into the crawl's archive (owned by
:class:`govcrawl.extensions.archive.ArchiveExtension`) on the archive writer thread
(:mod:`govcrawl.store.writer`). None of the work runs on the reactor thread, which must keep
fetching while documents are processed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from govcrawl.extensions.archive import ArchiveExtension
from govcrawl.items import CrawlError, FetchedDocument
from govcrawl.process import Processed, process
from govcrawl.store import writer


class ProcessPipeline:
    """A fetched document → a :class:`Processed` report, a recorded :class:`CrawlError`, or dropped."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProcessPipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedDocument):
            return item
        done = await asyncio.to_thread(
            process, item.capture, title_hint=item.parent_title, aggregator=item.kind == "aggregator"
        )
        stats = self.crawler.stats
        if done.failure is not None:
            stats.inc_value(f"govcrawl/extract_error/{done.failure.kind}")
            f = done.failure
            return CrawlError(item.capture.final_url, item.portal, f.stage, f.kind, f.message, item.capture.status)
        if done.skipped is not None:
            stats.inc_value(f"govcrawl/skipped/{done.skipped}")
            raise DropItem(done.message, log_level="INFO" if done.skipped == "not_a_report" else "DEBUG")
        return done


class StorePipeline:
    """Reports (deduplicated, sources added, nothing overwritten) and errors into the crawl's archive."""

    def __init__(self, crawler: Crawler, archive: ArchiveExtension) -> None:
        self.crawler = crawler
        self.archive = archive

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        archive = crawler.get_extension(ArchiveExtension)
        if archive is None:
            raise NotConfigured("storing needs the archive extension")
        return cls(crawler, archive)

    async def process_item(self, item: Any) -> Any:
        archive, run_id = self.archive.archive, self.archive.run_id
        if archive is None:  # the archive failed to open: the crawl is closing
            return item
        if isinstance(item, CrawlError):
            await writer.write(
                archive.runs.record_error,
                run_id=run_id, url=item.url, portal_code=item.portal.division_code if item.portal else None,
                stage=item.stage, kind=item.kind, message=item.message, http_status=item.http_status,
            )
            return item
        if not isinstance(item, Processed) or item.record is None:
            return item
        capture = item.capture
        if item.parse_error:
            await writer.write(
                archive.runs.record_error,
                run_id=run_id, url=capture.final_url, portal_code=capture.portal_code,
                stage="parse", kind="parser_error", message=item.parse_error,
            )
        outcome = await writer.write(archive.reports.store, item.record, run_id=run_id)
        stats = self.crawler.stats
        stats.inc_value("govcrawl/reports_new" if outcome.new_report else "govcrawl/reports_known")
        if outcome.new_source:
            stats.inc_value("govcrawl/sources_new")
        return item
