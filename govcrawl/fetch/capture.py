"""Every response of a crawl into the run's WARC files and the archive's capture index.

A downloader middleware next to the downloader: it sees every response as it came off the wire,
before redirects are followed or bodies decompressed (listing pages, reports, robots.txt, 3xx, 4xx
and the 304s of revalidation included), and none that the HTTP cache served from the archive. The
archive and the run are the crawl's (:class:`govcrawl.extensions.archive.ArchiveExtension`); the
files go under ``GOVCRAWL_WARC_DIR`` (default ``<data dir>/warc``), a new one beyond
``GOVCRAWL_WARC_MAX_BYTES``. What we sent is recorded without credentials: proxy and server
authorisation headers are never written.
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
from sqlalchemy.exc import SQLAlchemyError

from govcrawl.extensions.archive import ArchiveExtension
from govcrawl.store import writer
from govcrawl.store.warc import DEFAULT_MAX_FILE_BYTES, WarcWriter, warc_root

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
        if "cached" in response.flags or self.extension.archive is None:  # served from the archive; or it failed to open
            return response
        # On the archive writer thread: the WARC file and the capture index are written in response
        # order, and before any report item of this response reaches the store.
        try:
            record_type = await writer.write(self._capture, request, response)
            self.crawler.stats.inc_value(f"govcrawl/warc/{record_type}")
        except (OSError, SQLAlchemyError) as exc:  # a capture lost is logged and counted; the crawl goes on
            logger.error("WARC capture of %s failed: %s", response.url, exc)
            self.crawler.stats.inc_value("govcrawl/warc/errors")
        return response

    def _capture(self, request: Request, response: Response) -> str:
        """Write the response to the WARC files and the capture index; its record type."""
        archive = self.extension.archive
        assert archive is not None
        if self.writer is None:
            self.writer = WarcWriter(self.root, self.extension.run_id, self.max_file_bytes)
        body = response.body
        original = archive.captures.with_payload(hashlib.sha256(body).hexdigest()) if body else None
        capture = self.writer.write(
            url=response.url,
            status=response.status,
            headers=header_pairs(response.headers),
            body=body,
            method=request.method,
            request_headers=header_pairs(request.headers, drop=CREDENTIAL_HEADERS),
            request_body=request.body,
            rendered=bool(request.meta.get("playwright")),
            refers_to=original,
        )
        archive.captures.record(capture, self.extension.run_id)
        return capture.record_type

    def spider_closed(self) -> None:
        if self.writer is not None:
            self.writer.close()
