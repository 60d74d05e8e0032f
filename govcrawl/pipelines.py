"""Item pipelines, one stage each, in data-flow order: extract → clean → identify → hash → parse → store.

Each stage is a thin wrapper over a pure function. A stage that fails on bad input turns the item into
a :class:`CrawlError`, which the later stages pass through and the store records: the crawl goes on.

None of the work runs on the reactor thread, which must keep fetching while documents are processed:
the document stages run in worker threads (extraction itself in the extraction worker process, see
:mod:`govcrawl.extract.worker`), and the store's writes on the archive writer thread
(:mod:`govcrawl.store.writer`).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from govcrawl.clean import strip_boilerplate
from govcrawl.config import database_url
from govcrawl.dedupe import content_hash, normalize_text
from govcrawl.distributed import pooled_health
from govcrawl.extract import ExtractionError, extract
from govcrawl.identify import PortalContext, identify
from govcrawl.items import CrawlError, FetchedDocument
from govcrawl.records import CheckRecord, ReportRecord, StatRecord
from govcrawl.stats import parse_document
from govcrawl.store import upgrade, writer
from govcrawl.store.archive import Archive

#: An HTML page with less body text than this and an attachment is a wrapper, not the report itself.
MIN_REPORT_CHARS = 300


class _Stage:
    """Runs :meth:`process` on a worker thread; passes anything but a :class:`FetchedDocument` through."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> _Stage:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, FetchedDocument):
            self._loop = asyncio.get_running_loop()
            return await asyncio.to_thread(self.process, item)
        return item

    def process(self, item: FetchedDocument) -> Any:
        raise NotImplementedError

    def count(self, key: str) -> None:
        """Add one to the crawl stat ``govcrawl/<key>`` (from the worker thread: the stats are the reactor's)."""
        inc = self.crawler.stats.inc_value
        if self._loop is None:
            inc(f"govcrawl/{key}")
        else:
            self._loop.call_soon_threadsafe(inc, f"govcrawl/{key}")


def _error(item: FetchedDocument, stage: str, kind: str, message: str) -> CrawlError:
    return CrawlError(item.capture.final_url, item.portal, stage, kind, message, item.capture.status)


class ExtractPipeline(_Stage):
    """Bytes → :class:`~govcrawl.document.Document` (HTML, PDF, DOCX, DOC/WPS, text)."""

    def process(self, item: FetchedDocument) -> Any:
        try:
            item.document = extract(item.capture.body, url=item.capture.final_url, content_type=item.capture.content_type)
        except ExtractionError as exc:
            self.count(f"extract_error/{exc.kind}")
            return _error(item, "extract", exc.kind, exc.message)
        if item.document.needs_ocr:
            return _error(item, "extract", "needs_ocr", "no text layer: the document is a scan and needs OCR")
        return item


class CleanPipeline(_Stage):
    """Page furniture (nav, footers, page numbers) out; report text and tables kept."""

    def process(self, item: FetchedDocument) -> Any:
        item.document = strip_boilerplate(item.document)
        return item


class IdentifyPipeline(_Stage):
    """Whose report, for which year; pages that are not reports go no further."""

    def process(self, item: FetchedDocument) -> Any:
        doc = item.document
        body = normalize_text(doc.text)
        if doc.source_format == "html" and len(body) < MIN_REPORT_CHARS and doc.attachments:
            self.count("skipped/attachment_page")
            raise DropItem(f"attachment-only page, its files are fetched: {item.capture.final_url}", log_level="DEBUG")
        if not body:
            return _error(item, "extract", "empty", "no text in the document body")
        portal = PortalContext(item.portal.division_code, item.portal.name, item.portal.province, item.portal.portal_url)
        item.identity = identify(
            doc, url=item.capture.final_url, link_text=item.parent_title or item.capture.link_text, portal=portal
        )
        if not item.identity.is_report:
            self.count("skipped/not_a_report")
            raise DropItem(f"not an annual report: {item.identity.title!r} {item.capture.final_url}", log_level="INFO")
        return item


class HashPipeline(_Stage):
    """The content hash of the normalised text: the same report at two URLs is one report."""

    def process(self, item: FetchedDocument) -> Any:
        item.content_hash = content_hash(item.document.text)
        return item


class ParsePipeline(_Stage):
    """The statistics tables into canonical keys, with their checks."""

    def process(self, item: FetchedDocument) -> Any:
        try:
            item.parse = parse_document(item.document)
        except Exception as exc:  # a parser bug must not lose the report: store it unparsed, record why
            self.crawler.spider.logger.exception("parse failed for %s", item.capture.final_url)
            item.parse_error = f"{type(exc).__name__}: {exc}"
        return item


class StorePipeline:
    """Reports (deduplicated by hash, sources added, nothing overwritten) and errors into the archive."""

    def __init__(self, crawler: Crawler, url: str) -> None:
        self.crawler = crawler
        self.url = url
        self.archive: Archive | None = None
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler, crawler.settings.get("GOVCRAWL_DATABASE_URL") or database_url())

    def open_spider(self) -> None:
        spider = self.crawler.spider
        upgrade(self.url)
        self.archive = Archive(self.url)
        arguments = {k: getattr(spider, k, None) for k in ("province", "division", "seeds_file")}
        self.run_id = self.archive.start_run({"spider": spider.name, **arguments})
        self.crawler.stats.set_value("govcrawl/run_id", self.run_id)  # the WARC capture files under it

    def close_spider(self) -> None:
        assert self.archive is not None
        spider = self.crawler.spider
        # Distributed, each worker saw part of each portal: the job records one pooled row per portal.
        for run in pooled_health(self.crawler, spider.portal_health()):
            failure = run.failure_class()
            if failure in ("no_column", "empty_column"):
                self.archive.record_error(
                    run_id=self.run_id, url=run.portal.portal_url, portal_code=run.portal.division_code,
                    stage="discover", kind=failure, message=f"{failure}: no 年报 reports found from the homepage",
                )
            self.archive.record_portal_health(
                self.run_id, run.portal.division_code, column_url=run.column_url,
                reports_found=run.reports, pages_fetched=run.pages, failure_class=failure,
            )
        self.archive.finish_run(self.run_id, _jsonable(spider.crawler.stats.get_stats()))
        self.archive.close()

    async def process_item(self, item: Any) -> Any:
        assert self.archive is not None
        if isinstance(item, CrawlError):
            await writer.write(
                self.archive.record_error,
                run_id=self.run_id, url=item.url, portal_code=item.portal.division_code if item.portal else None,
                stage=item.stage, kind=item.kind, message=item.message, http_status=item.http_status,
            )
            return item
        if not isinstance(item, FetchedDocument):
            return item
        record = to_record(item)
        if item.parse_error:
            await writer.write(
                self.archive.record_error,
                run_id=self.run_id, url=item.capture.final_url, portal_code=item.portal.division_code,
                stage="parse", kind="parser_error", message=item.parse_error,
            )
        outcome = await writer.write(self.archive.store_report, record, run_id=self.run_id)
        stats = self.crawler.stats
        stats.inc_value("govcrawl/reports_new" if outcome.new_report else "govcrawl/reports_known")
        if outcome.new_source:
            stats.inc_value("govcrawl/sources_new")
        return item


def to_record(item: FetchedDocument) -> ReportRecord:
    """The archive record of a fetched, identified, hashed and parsed document."""
    ident, doc, parse = item.identity, item.document, item.parse
    stats = []
    checks = []
    if parse is not None:
        stats = [
            StatRecord(v.key, v.value, v.raw, v.unit, list(v.flags), v.source) for v in parse.values.values()
        ]
        checks = [CheckRecord(c.rule, c.status, c.lhs, c.rhs, c.delta, list(c.keys)) for c in parse.checks]
    return ReportRecord(
        capture=item.capture,
        title=ident.title,
        division_code=ident.division_code,
        region=ident.region,
        year=ident.year,
        publisher=ident.publisher,
        publisher_level=ident.publisher_level,
        clean_text=doc.text,
        content_hash=item.content_hash,
        source_format=doc.source_format,
        aggregator_copy=doc.aggregator_copy or item.kind == "aggregator",
        stats_format=parse.format if parse else None,
        parser_version=parse.parser_version if parse else None,
        stats=stats,
        checks=checks,
        warnings=list(doc.warnings) + (list(parse.warnings) if parse else []),
        evidence=dict(ident.evidence),
    )


def _jsonable(stats: dict[str, Any]) -> dict[str, Any]:
    """Scrapy stats with datetimes as ISO strings and keys made safe for JSON."""
    return {re.sub(r"\s+", "_", str(k)): (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in stats.items()}
