"""The ``county`` spider: seed portals → 年报 column → every list page → every report.

Run as ``scrapy crawl county -a province=云南`` (full name, short name or code), optionally
``-a division=530115`` (comma-separated; a prefecture or province code takes the units inside it)
and ``-a seeds=FILE.csv`` (replaces the seed list; same columns). The spider only finds and fetches:
what a fetched document is, and whether it is kept, is decided by the pipelines; what the archive
already holds is the HTTP cache's business (``govcrawl.fetch.cache``).

What the archive knows is handed in by the archive extension before the first request: each
portal's last good column (``column_hints``: the crawl starts there instead of the homepage) and
the incremental state (``incremental``), with which a list page showing only reports known at the
portal's last complete walk ends the paging of its list (``govcrawl.incremental.settled``). A
response served from the archive (Scrapy's ``cached`` flag) yields no document: its links are
still followed.

It stays one module, in the order a portal is crawled (navigation, the column's lists, report pages
and files, failures), because every callback works on the same portal's state (:class:`PortalRun`);
what differs from one CMS to another lives in ``govcrawl.discover``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import FormRequest, Request, Response, TextResponse
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from govcrawl.discover import families
from govcrawl.discover.families import ListRequest, scripted
from govcrawl.discover.links import (
    ATTACHMENT_EXTENSIONS,
    Link,
    canonical_url,
    column_score,
    disclosure_score,
    extract_links,
    file_urls,
    is_soft_404,
    next_page_links,
    redirect_target,
    sub_column,
)
from govcrawl.discover.scope import GOVERNMENT_SUFFIX, in_scope, is_aggregator
from govcrawl.fetch.failures import CHALLENGE_STATUSES, classify
from govcrawl.fetch.guard import BudgetExceeded
from govcrawl.identify import is_report_title
from govcrawl.incremental import LINKED_FILE, IncrementalState, settled
from govcrawl.items import CrawlError, FetchedDocument
from govcrawl.records import Capture
from govcrawl.seeds import Portal, SeedProblem, crawl_seeds

#: Hops from the homepage through 政府信息公开 / 政务公开 pages before giving up on finding the column.
MAX_HOPS = 2
#: Column candidates followed per page (several: a portal may split its 年报 by unit or year).
MAX_COLUMNS_PER_PAGE = 4
#: Disclosure pages followed per page on the way to the column.
MAX_DISCLOSURE_PER_PAGE = 3
#: Levels of sub-columns (year, then unit) followed below a column.
MAX_SUB_DEPTH = 2
#: Script redirects (shell homepages) followed in a row.
MAX_SHELL_REDIRECTS = 2
#: Milliseconds a browser-rendered list page may take to settle.
RENDER_TIMEOUT_MS = 15000


@dataclass
class PortalRun:
    """What one portal's crawl found this run: its health record in the making."""

    portal: Portal
    pages: int = 0
    columns: list[str] = field(default_factory=list)  # column candidates followed
    column_url: str | None = None  # the column whose list gave reports
    reports: int = 0
    failure: str | None = None  # why the way in failed (homepage or column hint unusable)
    robots: bool = False  # a page on the way was forbidden by robots.txt
    browser: bool = False  # the portal answers plain clients with a script challenge
    hosts: set[str] = field(default_factory=set)  # the unit's other government hosts reached by its nav
    rediscovering: bool = False
    cut_short: bool = False  # its budget ran out: the walk did not reach everything

    def failure_class(self) -> str | None:
        """The portal's failure class for the health record (None: reports found)."""
        if self.reports:
            return None
        if self.failure:
            return self.failure
        if not self.pages:
            # Asked for, never answered, never failed: its redirects led back to a URL already
            # fetched (a loop the duplicate filter cut short).
            return "http_error"
        if self.robots:
            return "robots"
        return "empty_column" if self.columns else "no_column"


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
        # Selected now, before the crawl opens: the archive extension reads what it knows of them.
        # The commands made the same check before starting; here it stops any other way of starting
        # a crawl of nothing (SeedError).
        self.portals: list[Portal]
        self.portals, self.seed_problems = crawl_seeds(seeds, province, division)
        #: Per seed portal URL: what its crawl found so far.
        self.runs: dict[str, PortalRun] = {}
        #: Handed in by the archive extension: the last good column per division code, and the
        #: incremental state (None: every list is read to its end).
        self.column_hints: dict[str, str] = {}
        self.incremental: IncrementalState | None = None
        self._due: set[str | None] = set()

    async def start(self) -> AsyncIterator[Any]:
        """Per selected portal: its last good column first when there is one, else its homepage."""
        for problem in self.seed_problems:
            self.logger.warning("seed row skipped: %s", problem)
            yield _seed_error(problem)
        self.logger.info("crawling %d portals", len(self.portals))
        self.crawler.stats.set_value("govcrawl/portals", len(self.portals))
        if self.incremental is not None:
            self._due = self.incremental.due()
        for portal in self.portals:
            self.runs[portal.portal_url] = PortalRun(portal)
            hint = self.column_hints.get(portal.division_code)
            if hint and in_scope(hint, portal.host):
                self.crawler.stats.inc_value("govcrawl/column_hints")
                self.runs[portal.portal_url].columns.append(hint)
                yield self._list_request(ListRequest(hint), portal, column=hint, hint=True)
            else:
                yield self._homepage(portal)

    def _homepage(self, portal: Portal) -> Request:
        return self._request(portal.portal_url, portal, self.parse_portal_page, {"hop": 0, "homepage": True})

    def _run(self, portal: Portal) -> PortalRun:
        return self.runs.setdefault(portal.portal_url, PortalRun(portal))

    def _request(
        self, url: str, portal: Portal, callback, meta: dict[str, Any], cacheable: bool = False, **kw: Any
    ) -> Request:
        """A GET for ``portal``: in Chromium when the portal challenges plain clients.

        Only reports (``cacheable``) may be answered by the archive's HTTP cache: navigation pages
        and lists are read every run, since that is where anything new appears.
        """
        meta = {"portal": portal, **meta}
        if not cacheable:
            meta["dont_cache"] = True
        if self._run(portal).browser:
            meta.update(_browser_meta())
            kw["dont_filter"] = True
        return Request(url, callback=callback, errback=self.on_error, meta=meta, **kw)

    def _count_page(self, response: Response) -> PortalRun:
        portal: Portal = response.meta["portal"]
        run = self._run(portal)
        if _fetched(response):  # a page served from the archive cost its portal nothing
            run.pages += 1
        # A page on another government host was asked for because the portal's navigation led there,
        # maybe in another process (distributed mode): its host is the unit's here too.
        self._admit(response.url, portal)
        return run

    # -- navigation: homepage and disclosure pages -------------------------------------------------

    def parse_portal_page(self, response: Response) -> Iterator[Any]:
        """A homepage or 政府信息公开 page: follow the 年报 column, else go one hop deeper."""
        run = self._count_page(response)
        if not isinstance(response, TextResponse):
            return
        portal: Portal = response.meta["portal"]
        links = self._links(response, portal, navigation=True)
        if response.status in CHALLENGE_STATUSES and not links:  # the browser did not get past it either
            run.failure = run.failure or "blocked"
            return
        if response.meta.get("homepage") and is_soft_404(response.text):
            run.failure = "soft404"
            return
        shells = response.meta.get("shells", 0)
        target = redirect_target(response.text, response.url)
        if target and len(links) < 3 and shells < MAX_SHELL_REDIRECTS and self._allowed(target, portal):
            yield self._request(target, portal, self.parse_portal_page, {**_nav_meta(response), "shells": shells + 1})
            return
        yield from self._follow_reports(response, portal, links)
        scored = sorted(((column_score(x), x) for x in links), key=lambda p: -p[0])
        best = scored[0][0] if scored else 0
        columns = _unique([x for s, x in scored if s and s >= min(best, 10)])[:MAX_COLUMNS_PER_PAGE]
        for link in columns:
            self._admit(link.url, portal)
            run.columns.append(link.url)
            yield self._list_request(ListRequest(link.url), portal, column=link.url)
        hop = response.meta["hop"]
        # Without a column confirmed by its link text, look one hop deeper as well.
        if best < 10 and hop < MAX_HOPS:
            ranked = sorted(((disclosure_score(x), x) for x in links), key=lambda p: -p[0])
            for link in _unique([x for s, x in ranked if s > 0])[:MAX_DISCLOSURE_PER_PAGE]:
                self._admit(link.url, portal)
                yield self._request(link.url, portal, self.parse_portal_page, {"hop": hop + 1})

    # -- the column: list pages and list APIs ------------------------------------------------------

    def _list_request(
        self,
        spec: ListRequest,
        portal: Portal,
        column: str,
        render: bool = False,
        hint: bool = False,
        year: int | None = None,
        depth: int = 0,
    ) -> Request:
        meta: dict[str, Any] = {
            "portal": portal, "column": column, "list_request": spec, "hint": hint, "year": year, "sub_depth": depth,
            "dont_cache": True,  # a list is read every run: new reports appear there
        }
        if render or (self._run(portal).browser and spec.payload == "html"):
            meta.update(_browser_meta())
        if spec.method == "POST":
            return FormRequest(
                spec.url, formdata=spec.formdata, callback=self.parse_list, errback=self.on_error, meta=meta
            )
        return Request(
            spec.url, callback=self.parse_list, errback=self.on_error, meta=meta, dont_filter="playwright" in meta
        )

    def parse_list(self, response: Response) -> Iterator[Any]:
        """A list page (or list API answer): queue the rest of the list and every report on it."""
        self._count_page(response)
        if not isinstance(response, TextResponse):
            return
        portal: Portal = response.meta["portal"]
        column: str = response.meta["column"]
        spec: ListRequest = response.meta["list_request"]
        year: int | None = response.meta.get("year")
        if spec.payload != "html":
            links, more = families.read_payload(spec, response.text, response.url)
            links = [x for x in links if self._allowed(x.url, portal)]
            yield from self._follow_reports(response, portal, links, year, column)
            for next_spec in [] if self._settled(portal, links, year) else more:
                yield self._list_request(next_spec, portal, column, year=year)
            return
        if is_soft_404(response.text):
            yield from self._rediscover(response, portal)
            return
        links = self._links(response, portal)
        reports = yield from self._follow_reports(response, portal, links, year, column)
        more = families.list_requests(response.text, response.url)
        pages = [*more, *(ListRequest(x.url) for x in next_page_links(links))]
        # The rest of a list whose page shows only reports known at the last complete walk is older.
        for next_spec in [] if self._settled(portal, links, year) else pages:
            yield self._list_request(next_spec, portal, column, year=year, depth=response.meta["sub_depth"])
        subs = 0
        if response.meta["sub_depth"] < MAX_SUB_DEPTH:
            for link in _unique(links):
                kind = sub_column(link)
                if kind and not link.is_attachment and families.report_title(link) is None:
                    subs += 1
                    sub_year = kind[1] if kind[0] == "year" else year
                    yield self._list_request(
                        ListRequest(link.url), portal, column, year=sub_year, depth=response.meta["sub_depth"] + 1
                    )
        rendered = "playwright" in response.flags or response.meta.get("playwright")
        if not reports and not more and not subs and not rendered and scripted.builds_list_by_script(response.text):
            self.crawler.stats.inc_value("govcrawl/rendered_lists")
            yield self._list_request(ListRequest(response.url), portal, column, render=True, year=year)
        elif response.meta.get("hint") and not reports and not more and not subs:
            yield from self._rediscover(response, portal)

    def _rediscover(self, response: Response, portal: Portal) -> Iterator[Any]:
        """The last good column is gone (404, soft 404, empty): find the column from the homepage again."""
        run = self._run(portal)
        if response.meta.get("hint") and not run.rediscovering:
            run.rediscovering = True
            run.columns.clear()
            self.crawler.stats.inc_value("govcrawl/column_hints_failed")
            yield self._homepage(portal)

    def _follow_reports(
        self,
        response: Response,
        portal: Portal,
        links: list[Link],
        year: int | None = None,
        column: str | None = None,
    ) -> Iterator[Any]:
        """Requests for the report-like links among ``links``; returns how many there were.

        A link counts when its text or title is a report title, when a family's URL shape marks it as
        a report, or, inside a per-year sub-column, when the title is one once the year is added.
        """
        count = 0
        run = self._run(portal)
        for link in _unique(links):
            title = _report_title(link, year)
            # A year sub-column's breadcrumb back to its column reads like "2022年" + the column's name.
            if title is None or link.url in (column, response.url):
                continue
            count += 1
            run.reports += 1
            if column and run.column_url is None:
                run.column_url = column
            meta = {"link_text": link.label, "parent_title": title}
            if link.is_attachment:
                yield self._request(link.url, portal, self.parse_attachment, {**meta, LINKED_FILE: True},
                                    cacheable=True, headers={"Referer": response.url})
            else:
                yield self._request(
                    link.url, portal, self.parse_report, meta, cacheable=True, headers={"Referer": response.url}
                )
        return count

    def _settled(self, portal: Portal, links: list[Link], year: int | None) -> bool:
        """Whether the rest of the list after this page needs nothing this run (see
        ``govcrawl.incremental.settled``): every report link on it was known at the last complete walk."""
        if self.incremental is None:
            return False
        urls = [canonical_url(x.url) for x in _unique(links) if _report_title(x, year) is not None]
        done = settled(urls, self.incremental, portal.division_code, self._due)
        if done:
            self.crawler.stats.inc_value("govcrawl/incremental/list_stops")
        return done

    # -- documents ---------------------------------------------------------------------------------

    def parse_report(self, response: Response) -> Iterator[Any]:
        """A report page: the page itself, and its attachments (the report may live in a file).

        Attachments are the page's file links and file URLs its scripts write (document.write).
        """
        self._count_page(response)
        portal: Portal = response.meta["portal"]
        new = not _from_archive(response)
        if not isinstance(response, TextResponse):
            if new:
                yield self._document(response, "attachment")
            return
        if is_aggregator(response.url):
            # The copy is the document; an aggregator's 下载/search links lead to its paywall, not to files.
            if new:
                yield self._document(response, "aggregator")
            return
        title = response.meta.get("link_text")
        linked = [x for x in self._links(response, portal) if x.is_attachment]
        scripted_files = [u for u in file_urls(response.text, response.url) if self._allowed(u, portal)]
        files = list(dict.fromkeys([x.url for x in linked] + scripted_files))
        # A page whose files are written by script or named only by their link text (download.jsp?…)
        # is a wrapper the way a page of plain file links is, but extraction cannot tell: such a
        # wrapper is not passed on as a document, its files are.
        if new and (not files or any(_path_names_file(x.url) for x in linked)):
            yield self._document(response, "article")
        for url in files:
            # A linked file is fetched over plain HTTP, never rendered.
            yield Request(
                url, callback=self.parse_attachment, errback=self.on_error, headers={"Referer": response.url},
                meta={"portal": portal, "link_text": title, "parent_title": title, LINKED_FILE: True},
            )

    def parse_attachment(self, response: Response) -> Iterator[Any]:
        """A linked file (PDF, DOC, DOCX, WPS...)."""
        self._count_page(response)
        if not _from_archive(response):
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
            captured="uncaptured" not in response.flags,
        )
        return FetchedDocument(capture, response.meta["portal"], kind, response.meta.get("parent_title"))

    # -- failures ---------------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> Iterator[Any]:
        """Record a failed request; a script challenge is retried in Chromium; the crawl goes on."""
        request = failure.request  # type: ignore[attr-defined]
        portal: Portal | None = request.meta.get("portal")
        kind, cls, status = classify(failure)
        if portal is not None:
            run = self._run(portal)
            run.pages += 1
            if status in CHALLENGE_STATUSES and not request.meta.get("playwright"):
                # A real browser runs the challenge script and is let in: so does the crawl, from now on.
                run.browser = True
                self.crawler.stats.inc_value("govcrawl/challenged_requests")
                meta = {k: v for k, v in request.meta.items() if k in _OWN_META}
                yield request.replace(meta={**meta, **_browser_meta()}, dont_filter=True)
                return
            if request.meta.get("homepage"):
                run.failure = cls
            elif request.meta.get("hint"):
                yield from self._rediscover_after_error(request, portal)
            elif cls == "robots":
                run.robots = True
            if failure.check(BudgetExceeded):
                run.cut_short = True
        self.crawler.stats.inc_value(f"govcrawl/fetch_error/{kind}")
        yield CrawlError(request.url, portal, "fetch", kind, str(failure.value)[:500], status)

    def _rediscover_after_error(self, request: Request, portal: Portal) -> Iterator[Any]:
        run = self._run(portal)
        if not run.rediscovering:
            run.rediscovering = True
            run.columns.clear()
            self.crawler.stats.inc_value("govcrawl/column_hints_failed")
            yield self._homepage(portal)

    def portal_health(self) -> list[PortalRun]:
        """Every selected portal's run (read by the store pipeline when the crawl ends).

        Health is recorded per division: where a division has several portals, the ones that found
        reports come last, so theirs is the record that stays.
        """
        return sorted((self._run(p) for p in self.portals), key=lambda r: r.reports > 0)

    def _allowed(self, url: str, portal: Portal) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return in_scope(url, portal.host) or (host in self._run(portal).hosts and in_scope(url, host))

    def _admit(self, url: str, portal: Portal) -> None:
        """Let the crawl onto the host of a disclosure or column link: the unit's other government host."""
        host = (urlsplit(url).hostname or "").lower()
        if not in_scope(url, portal.host) and in_scope(url, host) and host.endswith(GOVERNMENT_SUFFIX):
            self._run(portal).hosts.add(host)

    def _links(self, response: TextResponse, portal: Portal, navigation: bool = False) -> list[Link]:
        """The page's links the portal's crawl may follow; on navigation pages, also disclosure and
        column links to other government hosts (a unit's disclosure platform lives elsewhere)."""
        out = []
        for link in extract_links(response.text, response.url):
            if self._allowed(link.url, portal):
                out.append(link)
            elif navigation and (disclosure_score(link) >= 6 or column_score(link) >= 10):
                host = (urlsplit(link.url).hostname or "").lower()
                if host.endswith(GOVERNMENT_SUFFIX) and in_scope(link.url, host):
                    out.append(link)
        return out


def _path_names_file(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(ATTACHMENT_EXTENSIONS)


def _report_title(link: Link, year: int | None) -> str | None:
    """The report title ``link`` stands for, or None when it is not a report link."""
    if is_report_title(link.label):
        return link.label
    title = families.report_title(link)
    if title:
        return title
    if year is not None and is_report_title(f"{year}年{link.label}"):
        return f"{year}年{link.label}"
    return None


#: The request meta keys the spider sets itself (the ones a retried request keeps).
_OWN_META = frozenset(
    {
        "portal", "hop", "homepage", "shells", "column", "list_request", "hint", "year", "sub_depth", "link_text",
        "parent_title", LINKED_FILE, "dont_cache",
    }
)


def _from_archive(response: Response) -> bool:
    """The HTTP cache served the archive's copy (fresh, or confirmed unchanged): no new document."""
    return "cached" in response.flags


def _fetched(response: Response) -> bool:
    """Getting ``response`` cost a request to its server (a revalidated copy did too)."""
    return "cached" not in response.flags or "revalidated" in response.flags


def _seed_error(problem: SeedProblem) -> CrawlError:
    return CrawlError(problem.source, None, "discover", "bad_seed_row", problem.message)


def _browser_meta() -> dict[str, Any]:
    """Meta sending a request through Chromium, which waits for the page's scripts to settle."""
    return {
        "playwright": True,
        "playwright_page_methods": [PageMethod("wait_for_load_state", "networkidle", timeout=RENDER_TIMEOUT_MS)],
        # A challenge answers the first navigation with 412/521 and reloads: the settled page counts.
        "handle_httpstatus_list": list(CHALLENGE_STATUSES),
    }


def _nav_meta(response: Response) -> dict[str, Any]:
    return {k: response.meta[k] for k in ("hop", "homepage") if k in response.meta}


def _unique(links: list[Link]) -> list[Link]:
    seen: set[str] = set()
    out = []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            out.append(link)
    return out
