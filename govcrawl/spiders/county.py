"""The ``county`` spider: seed portals → 年报 column → every list page → every report.

Run as ``scrapy crawl county -a province=云南`` (full name, short name or code), optionally
``-a division=530115`` (comma-separated; a prefecture or province code takes the units inside it)
and ``-a seeds=FILE.csv`` (replaces the seed list; same columns). The spider only finds and fetches;
what a fetched document is, and whether it is kept, is decided by the pipelines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import FormRequest, Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy_playwright.page import PageMethod
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from govcrawl.discover import families
from govcrawl.discover.families import ListRequest, scripted
from govcrawl.discover.links import Link, column_score, disclosure_score, extract_links, next_page_links
from govcrawl.discover.scope import in_scope, is_aggregator
from govcrawl.identify import is_report_title
from govcrawl.items import CrawlError, FetchedDocument
from govcrawl.records import Capture
from govcrawl.seeds import Portal, load_seeds, select

#: Hops from the homepage through 政府信息公开 / 政务公开 pages before giving up on finding the column.
MAX_HOPS = 2
#: Column candidates followed per page (several: a portal may split its 年报 by unit or year).
MAX_COLUMNS_PER_PAGE = 4
#: Disclosure pages followed per page on the way to the column.
MAX_DISCLOSURE_PER_PAGE = 3
#: Milliseconds a browser-rendered list page may take to settle.
RENDER_TIMEOUT_MS = 15000


class CountySpider(scrapy.Spider):
    """Crawl the annual reports of the seed portals (see the module docstring for arguments)."""

    name = "county"

    def __init__(
        self,
        province: str | None = None,
        division: str | None = None,
        seeds: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.province = province
        self.division = division
        self.seeds_file = seeds
        #: Per portal: did any page lead to a column, did any fetch fail.
        self.columns_found: dict[str, set[str]] = defaultdict(set)
        self.portals: list[Portal] = []

    async def start(self) -> AsyncIterator[Any]:
        """One request per selected portal's homepage; seed-row problems become recorded errors."""
        portals, problems = load_seeds([self.seeds_file] if self.seeds_file else None)
        for problem in problems:
            self.logger.warning("seed row skipped: %s", problem)
            yield CrawlError(problem.source, None, "discover", "bad_seed_row", problem.message)
        self.portals = select(portals, self.province, self.division)
        self.logger.info("crawling %d portals", len(self.portals))
        self.crawler.stats.set_value("govcrawl/portals", len(self.portals))
        for portal in self.portals:
            yield Request(
                portal.portal_url,
                callback=self.parse_portal_page,
                errback=self.on_error,
                meta={"portal": portal, "hop": 0},
            )

    # -- navigation: homepage and disclosure pages -------------------------------------------------

    def parse_portal_page(self, response: Response) -> Iterator[Any]:
        """A homepage or 政府信息公开 page: follow the 年报 column, else go one hop deeper."""
        if not isinstance(response, TextResponse):
            return
        portal: Portal = response.meta["portal"]
        links = self._links(response, portal)
        yield from self._follow_reports(response, portal, links)
        scored = sorted(((column_score(x), x) for x in links), key=lambda p: -p[0])
        best = scored[0][0] if scored else 0
        columns = _unique([x for s, x in scored if s and s >= min(best, 10)])[:MAX_COLUMNS_PER_PAGE]
        for link in columns:
            self.columns_found[portal.division_code].add(link.url)
            yield self._list_request(ListRequest(link.url), portal, column=link.url)
        hop = response.meta["hop"]
        # Without a column confirmed by its link text, look one hop deeper as well.
        if best < 10 and hop < MAX_HOPS:
            ranked = sorted(((disclosure_score(x), x) for x in links), key=lambda p: -p[0])
            for link in _unique([x for s, x in ranked if s > 0])[:MAX_DISCLOSURE_PER_PAGE]:
                yield response.follow(
                    link.url,
                    callback=self.parse_portal_page,
                    errback=self.on_error,
                    meta={"portal": portal, "hop": hop + 1},
                )

    # -- the column: list pages and list APIs ------------------------------------------------------

    def _list_request(self, spec: ListRequest, portal: Portal, column: str, render: bool = False) -> Request:
        meta: dict[str, Any] = {"portal": portal, "column": column, "list_request": spec}
        if render:
            meta.update(
                playwright=True,
                playwright_page_methods=[
                    PageMethod("wait_for_load_state", "networkidle", timeout=RENDER_TIMEOUT_MS),
                ],
            )
        if spec.method == "POST":
            return FormRequest(
                spec.url, formdata=spec.formdata, callback=self.parse_list, errback=self.on_error, meta=meta
            )
        return Request(spec.url, callback=self.parse_list, errback=self.on_error, meta=meta, dont_filter=render)

    def parse_list(self, response: Response) -> Iterator[Any]:
        """A list page (or list API answer): queue the rest of the list and every report on it."""
        if not isinstance(response, TextResponse):
            return
        portal: Portal = response.meta["portal"]
        column: str = response.meta["column"]
        spec: ListRequest = response.meta["list_request"]
        if spec.payload != "html":
            links, more = families.read_payload(spec, response.text, response.url)
            yield from self._follow_reports(response, portal, [x for x in links if in_scope(x.url, portal.host)])
            for next_spec in more:
                yield self._list_request(next_spec, portal, column)
            return
        links = self._links(response, portal)
        reports = yield from self._follow_reports(response, portal, links)
        more = families.list_requests(response.text, response.url)
        for next_spec in more:
            yield self._list_request(next_spec, portal, column)
        for link in next_page_links(links):
            yield self._list_request(ListRequest(link.url), portal, column)
        rendered = "playwright" in response.flags or response.meta.get("playwright")
        if not reports and not more and not rendered and scripted.builds_list_by_script(response.text):
            self.crawler.stats.inc_value("govcrawl/rendered_lists")
            yield self._list_request(ListRequest(response.url), portal, column, render=True)

    def _follow_reports(self, response: Response, portal: Portal, links: list[Link]) -> Iterator[Any]:
        """Requests for the report-like links among ``links``; returns how many there were."""
        count = 0
        for link in _unique(links):
            if not is_report_title(link.label):
                continue
            count += 1
            callback = self.parse_attachment if link.is_attachment else self.parse_report
            yield Request(
                link.url,
                callback=callback,
                errback=self.on_error,
                meta={"portal": portal, "link_text": link.label, "parent_title": link.label},
                headers={"Referer": response.url},
            )
        return count

    # -- documents ---------------------------------------------------------------------------------

    def parse_report(self, response: Response) -> Iterator[Any]:
        """A report page: the page itself, and its attachments (the report may live in a file)."""
        portal: Portal = response.meta["portal"]
        if not isinstance(response, TextResponse):
            yield self._document(response, "attachment")
            return
        kind = "aggregator" if is_aggregator(response.url) else "article"
        yield self._document(response, kind)
        title = response.meta.get("link_text")
        for link in _unique(self._links(response, portal)):
            if link.is_attachment:
                yield Request(
                    link.url,
                    callback=self.parse_attachment,
                    errback=self.on_error,
                    meta={"portal": portal, "link_text": link.label, "parent_title": title},
                    headers={"Referer": response.url},
                )

    def parse_attachment(self, response: Response) -> Iterator[Any]:
        """A linked file (PDF, DOC, DOCX, WPS...)."""
        yield self._document(response, "attachment")

    def _document(self, response: Response, kind: str) -> FetchedDocument:
        headers = {
            k.decode("latin-1"): b", ".join(v).decode("latin-1", "replace") for k, v in response.headers.items()
        }
        referer = response.request.headers.get("Referer") if response.request else None
        capture = Capture(
            url=response.request.url if response.request else response.url,
            final_url=response.url,
            status=response.status,
            headers=headers,
            body=response.body,
            content_type=headers.get("Content-Type"),
            fetched_at=datetime.now(UTC),
            portal_code=response.meta["portal"].division_code,
            portal_url=response.meta["portal"].portal_url,
            referer=referer.decode("latin-1") if referer else None,
            link_text=response.meta.get("link_text"),
            rendered="playwright" in response.flags or bool(response.meta.get("playwright")),
        )
        return FetchedDocument(capture, response.meta["portal"], kind, response.meta.get("parent_title"))

    # -- failures ----------------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> Iterator[CrawlError]:
        """Record a failed request; the crawl goes on."""
        request = failure.request  # type: ignore[attr-defined]
        portal = request.meta.get("portal")
        status = None
        if failure.check(HttpError):
            status = failure.value.response.status
            kind = f"http_{status}"
        elif failure.check(DNSLookupError):
            kind = "dns"
        elif failure.check(ConnectionRefusedError):
            kind = "refused"
        elif failure.check(TimeoutError, TCPTimedOutError):
            kind = "timeout"
        else:
            kind = type(failure.value).__name__
        self.crawler.stats.inc_value(f"govcrawl/fetch_error/{kind}")
        yield CrawlError(request.url, portal, "fetch", kind, str(failure.value)[:500], status)

    def portals_without_column(self) -> list[Portal]:
        """Portals whose pages led to no 年报 column (read by the store pipeline when the crawl ends)."""
        return [p for p in self.portals if not self.columns_found.get(p.division_code)]

    def _links(self, response: TextResponse, portal: Portal) -> list[Link]:
        return [x for x in extract_links(response.text, response.url) if in_scope(x.url, portal.host)]


def _unique(links: list[Link]) -> list[Link]:
    seen: set[str] = set()
    out = []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            out.append(link)
    return out
