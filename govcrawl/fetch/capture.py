"""Every response of a crawl into the run's WARC files and the archive's capture index.

A downloader middleware next to the downloader: it sees every response as it came off the wire,
before redirects are followed or bodies decompressed (listing pages, reports, robots.txt, 3xx, 4xx
and the 304s of revalidation included), and none that the HTTP cache served from the archive. The
archive and the run are the crawl's (:class:`govcrawl.extensions.archive.ArchiveExtension`); the
files go under ``GOVCRAWL_WARC_DIR`` (default ``<data dir>/warc``), a new one beyond
``GOVCRAWL_WARC_MAX_BYTES``. What we sent is recorded without credentials: proxy and server
authorisation headers are never written.

A record that cannot be written (a full disk) stops the crawl with one line: the response is
flagged ``uncaptured``, so that no report is stored without its raw capture, and its URL is fetched
again by the next run. An index row the database does not take is retried, or spooled with the
rest of the crawl's writes (``govcrawl.extensions.archive``).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from govcrawl.extensions.archive import CAPTURE_FAILED, ArchiveExtension
from govcrawl.store.warc import DEFAULT_MAX_FILE_BYTES, CaptureRecord, WarcWriter, warc_root
from govcrawl.store.writer import StoreUnavailable

logger = logging.getLogger(__name__)

#: Request headers that carry credentials: never archived.
CREDENTIAL_HEADERS = frozenset({"proxy-authorization", "authorization"})


def header_pairs(headers: Any, drop: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Scrapy headers as (name, value) text pairs, one per value, without the names in ``drop`` (lower case)."""
    return [
        (name, value.decode("latin-1"))
        for key, values in headers.items()
        if (name := key.decode("latin-1")).lower() not in drop
        for value in values
    ]


class WarcCaptureMiddleware:
    """Downloader middleware writing every response to the run's WARC files and the capture index.

    Settings: ``GOVCRAWL_WARC_ENABLED`` (default True), ``GOVCRAWL_WARC_DIR``,
    ``GOVCRAWL_WARC_MAX_BYTES``.
    """

    def __init__(self, crawler: Crawler, extension: ArchiveExtension, root: Path, max_file_bytes: int) -> None:
        self.crawler = crawler
        self.extension = extension
        self.root = root
        self.max_file_bytes = max_file_bytes
        self.writer: WarcWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        settings = crawler.settings
        if not settings.getbool("GOVCRAWL_WARC_ENABLED", True):
            raise NotConfigured("WARC capture disabled")
        archive = crawler.get_extension(ArchiveExtension)
        if archive is None:
            raise NotConfigured("WARC capture needs the archive extension")
        middleware = cls(
            crawler,
            archive,
            Path(settings.get("GOVCRAWL_WARC_DIR") or warc_root()),
            settings.getint("GOVCRAWL_WARC_MAX_BYTES", DEFAULT_MAX_FILE_BYTES),
        )
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    async def process_response(self, request: Request, response: Response) -> Response:
        extension = self.extension
        if "cached" in response.flags or extension.archive is None:  # served from the archive; or it failed to open
            return response
        portal = request.meta.get("portal")
        code = portal.division_code if portal is not None else None
        if extension.stop_reason == CAPTURE_FAILED:  # the disk is full: nothing more can be captured
            response.flags.append("uncaptured")
            return response
        try:
            # One turn of the archive writer: the revisit lookup, the WARC record and its index row, in
            # order with the archive's other writes (a capture row before any report of this response).
            capture, indexed = await extension.run_io(self._capture, request, response)
        except OSError as exc:
            response.flags.append("uncaptured")
            self.crawler.stats.inc_value("govcrawl/warc/errors")
            extension.note("uncaptured", code)
            extension.stop(CAPTURE_FAILED, f"WARC capture of {response.url} failed ({exc}); no report can be stored "
                                           f"without its raw capture: free space in {self.root}, then crawl again")
            return response
        self.crawler.stats.inc_value(f"govcrawl/warc/{capture.record_type}")
        if not indexed:  # the record is on disk; its index row waits in the spool
            extension.spooled("captures.record", capture, extension.run_id, for_portal=code)
        return response

    def _capture(self, request: Request, response: Response) -> tuple[CaptureRecord, bool]:
        """On the writer thread: the record, written once; its index row, retried while the database is
        away. Returns the capture and whether it was indexed (False: the archive is gone)."""
        extension = self.extension
        captures = extension.archive.captures
        body = response.body
        try:
            # Bytes archived before become a revisit record; when the archive cannot say, a full record.
            original = extension.writer.retried(captures.with_payload, hashlib.sha256(body).hexdigest()) if body else None
        except StoreUnavailable:
            original = None
        capture = self._write_record(request, response, original)
        try:
            extension.writer.retried(captures.record, capture, extension.run_id)
        except StoreUnavailable:
            return capture, False
        return capture, True

    def _write_record(self, request: Request, response: Response, original: Any) -> CaptureRecord:
        """Append the exchange to the run's WARC files; what the capture index stores of it."""
        if self.writer is None:
            self.writer = WarcWriter(self.root, self.extension.run_id, self.max_file_bytes)
        return self.writer.write(
            url=response.url,
            status=response.status,
            headers=header_pairs(response.headers),
            body=response.body,
            method=request.method,
            request_headers=header_pairs(request.headers, drop=CREDENTIAL_HEADERS),
            request_body=request.body,
            rendered=bool(request.meta.get("playwright")),
            refers_to=original,
        )

    def spider_closed(self) -> None:
        if self.writer is not None:
            self.writer.close()
