"""Incremental runs on Scrapy's HTTP cache: the archive is the cache.

Scrapy's ``HttpCacheMiddleware`` with a storage over the archive's capture index and WARC files
(:class:`ArchiveStorage`) and a policy of our own (:class:`ArchivePolicy`), both fed the run's
:class:`~govcrawl.incremental.IncrementalState` by the archive extension. Keys are Scrapy's own
request URLs, percent-encoded as the archive stores them. For a URL the archive knows (a report's
source, or a page that linked one):

- checked less than ``GOVCRAWL_REVALIDATE_DAYS`` ago: *fresh*, served from the archive without a
  request. Its bytes are read from the WARC file only when they are needed
  (:func:`govcrawl.incremental.needs_replay`: a page whose links matter); otherwise the cached
  response is the archived response's status and type without a body, which the spider takes for
  what it is, a document already archived;
- checked longer ago: asked "changed since?" with the validators of its newest capture
  (``If-None-Match`` / ``If-Modified-Since``; Chromium is never sent them: a 304 would leave it a
  blank page). A 304, or a 200 whose bytes have the archived SHA-256, is the archived response
  again; anything else is new and goes on as a normal response.

Every response the cache serves carries Scrapy's ``cached`` flag (and ``revalidated`` when the
server was asked); the capture middleware writes none of them, and the spider yields no document
for them. The WARC capture is the cache's store: :meth:`ArchiveStorage.store_response` keeps nothing
itself. ``GOVCRAWL_INCREMENTAL=0`` turns the cache off.
"""

from __future__ import annotations

import hashlib

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings

from govcrawl.extensions.archive import ArchiveExtension
from govcrawl.incremental import LINKED_FILE, IncrementalState, KnownURL, needs_replay
from govcrawl.store.warc import read_record

#: Request meta: the archive's entry for the request's URL, set by the storage for the policy.
ENTRY = "govcrawl_cache_entry"


class ArchiveCache(HttpCacheMiddleware):
    """Scrapy's HTTP cache middleware, with its storage and policy fed the run's incremental state."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveCache:
        if not crawler.settings.getbool("GOVCRAWL_INCREMENTAL", True):
            raise NotConfigured("incremental runs are off")
        return super().from_crawler(crawler)

    def spider_opened(self, spider: Spider) -> None:
        extension = self.crawler.get_extension(ArchiveExtension)
        state = extension.incremental if extension is not None else None
        for part in (self.storage, self.policy):
            if hasattr(part, "open"):
                part.open(state)
        super().spider_opened(spider)


class _Entry:
    """What the storage found for a request: the archive's knowledge of its URL, and its freshness."""

    __slots__ = ("fresh", "known")

    def __init__(self, known: KnownURL, fresh: bool) -> None:
        self.known = known
        self.fresh = fresh


class ArchiveStorage:
    """``HTTPCACHE_STORAGE``: known URLs answered from their newest 200 capture in the WARC files."""

    def __init__(self, settings: BaseSettings) -> None:
        self.state: IncrementalState | None = None

    def open(self, state: IncrementalState | None) -> None:
        """Start answering from ``state`` (None: answer nothing)."""
        self.state = state

    def open_spider(self, spider: Spider) -> None:
        """Nothing to open: the archive extension opened the archive."""

    def close_spider(self, spider: Spider) -> None:
        """Nothing to close."""

    def retrieve_response(self, spider: Spider, request: Request) -> Response | None:
        """The archived response for ``request``'s URL, or None when the archive has no capture of it."""
        if self.state is None:
            return None
        known = self.state.urls.get(request.url)
        if known is None or known.capture_id is None or known.warc_file is None or known.warc_offset is None:
            return None
        fresh = self.state.fresh(known)
        portal = request.meta.get("portal")
        walk = self.state.walks.get(portal.division_code) if portal is not None else None
        request.meta[ENTRY] = _Entry(known, fresh)
        headers = Headers({"Content-Type": known.content_type} if known.content_type else {})
        if fresh and not needs_replay(known, walk, bool(request.meta.get(LINKED_FILE))):
            body = b""  # nothing needs the bytes: a document already archived
        else:
            body = read_record(known.warc_file, known.warc_offset)[2]  # OSError: a miss, fetched instead
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(url=request.url, status=200, headers=headers, body=body, request=request)

    def store_response(self, spider: Spider, request: Request, response: Response) -> None:
        """Nothing: every response is already written to the WARC files and the capture index."""


class ArchivePolicy:
    """``HTTPCACHE_POLICY``: fresh within the revalidation period, then validated by its server."""

    def __init__(self, settings: BaseSettings) -> None:
        self.state: IncrementalState | None = None

    def open(self, state: IncrementalState | None) -> None:
        """Judge with ``state`` (None: nothing is cacheable)."""
        self.state = state

    def should_cache_request(self, request: Request) -> bool:
        """Only GETs of URLs the archive knows: list pages and list APIs are read every run."""
        return self.state is not None and request.method == "GET" and request.url in self.state.urls

    def should_cache_response(self, response: Response, request: Request) -> bool:
        """Every response is stored, by the WARC capture (the storage's ``store_response`` does nothing)."""
        return True

    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        """Fresh: served as it is. Stale: the request is sent with the capture's validators."""
        entry: _Entry = request.meta[ENTRY]
        if entry.fresh:
            return True
        if not request.meta.get("playwright"):  # Chromium would show a 304 as a blank page
            for name, value in entry.known.validators().items():
                request.headers[name] = value
        return False

    def is_cached_response_valid(self, cachedresponse: Response, response: Response, request: Request) -> bool:
        """A 304, or a 200 with the archived bytes: the archived response stands (flagged ``revalidated``)."""
        entry: _Entry = request.meta[ENTRY]
        unchanged = response.status == 304 or (
            response.status == 200 and hashlib.sha256(response.body).hexdigest() == entry.known.payload_sha256
        )
        if unchanged:
            cachedresponse.flags.append("revalidated")
        return unchanged
