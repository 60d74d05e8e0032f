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


class ProcessPipeline:
    """A fetched document → a :class:`Processed` report, a recorded :class:`CrawlError`, or dropped.

    Only what the document causes is a :class:`CrawlError` (corrupt, encrypted, a scan…); any other
    exception is ours (a missing library, a bug) and stops the crawl as an internal failure.
    """

    def __init__(self, crawler: Crawler, archive: ArchiveExtension | None) -> None:
        self.crawler = crawler
        self.archive = archive

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProcessPipeline:
        return cls(crawler, crawler.get_extension(ArchiveExtension))

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedDocument):
            return item
        try:
            done = await asyncio.to_thread(
                process, item.capture, title_hint=item.parent_title, aggregator=item.kind == "aggregator"
            )
        except Exception as exc:
            if self.archive is None:
                raise
            self.archive.internal_error(exc, item.capture.final_url, item.capture.portal_code)
            raise DropItem(f"internal error, the crawl stops: {exc!r}", log_level="DEBUG") from exc
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
    """Reports (deduplicated, sources added, nothing overwritten) and errors into the crawl's archive.

    Every write goes through the archive extension: retried while the database is away, spooled when
    it is gone. A report whose raw capture could not be written is not stored (a report never exists
    without its capture): its URL is recorded as a store error and fetched again next run.
    """

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
        if self.archive.archive is None:  # the archive failed to open: the crawl is closing
            return item
        try:
            await self._store(item)
        except Exception as exc:
            url = item.url if isinstance(item, CrawlError) else getattr(getattr(item, "capture", None), "final_url", "?")
            portal = item.portal.division_code if isinstance(item, CrawlError) and item.portal else None
            self.archive.internal_error(exc, url, portal or getattr(getattr(item, "capture", None), "portal_code", None))
            raise DropItem(f"internal error, the crawl stops: {exc!r}", log_level="DEBUG") from exc
        return item

    async def _store(self, item: Any) -> None:
        write, run_id = self.archive.write, self.archive.run_id
        if isinstance(item, CrawlError):
            code = item.portal.division_code if item.portal else None
            await write(
                "runs.record_error", run_id=run_id, url=item.url, portal_code=code, stage=item.stage, kind=item.kind,
                message=item.message, http_status=item.http_status, for_portal=code,
            )
            return
        if not isinstance(item, Processed) or item.record is None:
            return
        capture, stats = item.capture, self.crawler.stats
        code = capture.portal_code
        if not capture.captured:
            stats.inc_value("govcrawl/store/uncaptured")
            self.archive.note("uncaptured", code)
            await write(
                "runs.record_error", run_id=run_id, url=capture.final_url, portal_code=code, stage="store",
                kind="capture_missing", message="its raw capture could not be written: not stored, fetched again next run",
                http_status=capture.status, for_portal=code,
            )
            return
        if item.parse_error:
            await write(
                "runs.record_error", run_id=run_id, url=capture.final_url, portal_code=code,
                stage="parse", kind="parser_error", message=item.parse_error, for_portal=code,
            )
        outcome = await write("reports.store", item.record, run_id=run_id, for_portal=code)
        if outcome is None:  # spooled: the next run stores it
            return
        stats.inc_value("govcrawl/reports_new" if outcome.new_report else "govcrawl/reports_known")
        if outcome.new_source:
            stats.inc_value("govcrawl/sources_new")
