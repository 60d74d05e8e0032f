"""The ``county`` spider: seed portals → 年报 columns → every list page → every report.

Run as ``scrapy crawl county -a province=云南`` (full name, short name or code), optionally
``-a division=530115`` (comma-separated; a prefecture or province code takes the units inside it)
and ``-a seeds=FILE.csv`` (replaces the seed list; same columns). The spider only finds and fetches:
what a fetched document is, and whether it is kept, is decided by the pipelines; what the archive
already holds is the HTTP cache's business (``govcrawl.fetch.cache``).

What the archive knows is handed in by the archive extension before the first request: each
portal's last good columns (``column_hints``: the crawl starts there instead of the homepage) and
the incremental state (``incremental``), with which a list page showing only reports known at the
portal's last complete walk ends the paging of its list (``govcrawl.incremental.settled``). A
response served from the archive (Scrapy's ``cached`` flag) yields no document: its links are
still followed.

Columns are found by a best-first exploration of the portal's disclosure area under a per-portal
budget (``govcrawl.discover.explore``), then by the portal's /sitemap.xml and its site search; how
each column was found is kept (``PortalRun.found_by``: hint, nav, explore, sitemap, search).

It stays one module, in the order a portal is crawled (navigation, the column's lists, report pages
and files, failures), because every callback works on the same portal's state (:class:`PortalRun`);
what differs from one CMS to another lives in ``govcrawl.discover``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import FormRequest, Request, Response, TextResponse
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from govcrawl.discover import families
from govcrawl.discover.explore import (
    UNIT_KINDS,
    Frontier,
    page_kind,
    score_link,
    search_url,
    sitemap_locations,
)
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
from govcrawl.distributed.queue import GENERATION
from govcrawl.fetch.failures import CHALLENGE_STATUSES, classify
from govcrawl.fetch.guard import BudgetExceeded
from govcrawl.identify import is_report_title
from govcrawl.incremental import LINKED_FILE, IncrementalState, settled
from govcrawl.items import CrawlError, FetchedDocument
from govcrawl.records import Capture
from govcrawl.seeds import Portal, SeedProblem, crawl_seeds

#: Column candidates followed per page (several: a portal may split its 年报 by unit or year).
MAX_COLUMNS_PER_PAGE = 4
#: Discovery budget per portal (settings ``GOVCRAWL_DISCOVERY_*``): pages opened to find columns,
#: more per unit found on a 部门/乡镇 platform, and seconds from the first of them.
DISCOVERY_PAGES = 40
DISCOVERY_PAGES_PER_UNIT = 3
DISCOVERY_SECONDS = 600.0
#: Discovery pages of one portal in flight at once: best-first order is kept, latency is hidden.
DISCOVERY_WIDTH = 2
#: Nested sitemaps followed from /sitemap.xml.
MAX_SITEMAPS = 3
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
    # Discovery (govcrawl.discover.explore): the unopened links, best first, and what was spent.
    frontier: Frontier = field(default_factory=Frontier)
    discovery_pages: int = 0
    discovery_started: float | None = None
    exploring: int = 0  # discovery pages this process asked for and has not had back
    reading: int = 0  # column lists this process asked for and has not had back
    owner: bool = False  # this process opened the portal (homepage or hints): it runs the fallbacks
    fallbacks: list[str] = field(default_factory=lambda: ["sitemap.xml", "search"])
    search_url: str | None = None  # the homepage's plain-GET site search
    ways: dict[str, str] = field(default_factory=dict)  # column URL → how it was found (FOUND_BY)
    productive: dict[str, int] = field(default_factory=dict)  # column URL → report links it listed
    listed: set[str] = field(default_factory=set)  # columns whose first page read as a list
    hints_out: int = 0  # hint columns asked for whose first page is not back
    hint_leads: bool = False  # a hint column's first page led somewhere (reports, pages, sub-columns)
    generation: str | None = None  # distributed: the job queue's generation this state belongs to

    def hint_columns(self) -> list[str]:
        """The columns the next run starts from: those that gave reports, then those that read as a
        list without any (a government column listing only its departments' notices today may list
        its own report next year)."""
        return list(dict.fromkeys([*self.productive, *(c for c in self.columns if c in self.listed)]))

    def found_by(self) -> str | None:
        """How the columns that gave reports were found, in the order they gave them (``nav,explore``)."""
        ways = dict.fromkeys(self.ways.get(column, "explore") for column in self.productive)
        return ",".join(ways) or None

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
        self.portals, self.seed_problems = crawl_seeds(seeds, province, division)
        #: Per seed portal URL: what its crawl found so far.
        self.runs: dict[str, PortalRun] = {}
        #: Handed in by the archive extension: the last good columns per division code, and the
        #: incremental state (None: every list is read to its end).
        self.column_hints: dict[str, list[str]] = {}
        self.incremental: IncrementalState | None = None
        self._due: set[str | None] = set()
        #: Marks this process's discovery requests: in a distributed job another worker may get them back.
        self.token = secrets.token_hex(6)
        self.discovery_pages = DISCOVERY_PAGES
        self.discovery_pages_per_unit = DISCOVERY_PAGES_PER_UNIT
        self.discovery_seconds = DISCOVERY_SECONDS
        self.discovery_width = DISCOVERY_WIDTH

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> CountySpider:
        """The spider, with its discovery budget from the settings (``GOVCRAWL_DISCOVERY_*``)."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.discovery_pages = settings.getint("GOVCRAWL_DISCOVERY_PAGES", DISCOVERY_PAGES)
        spider.discovery_pages_per_unit = settings.getint("GOVCRAWL_DISCOVERY_PAGES_PER_UNIT", DISCOVERY_PAGES_PER_UNIT)
        spider.discovery_seconds = settings.getfloat("GOVCRAWL_DISCOVERY_SECONDS", DISCOVERY_SECONDS)
        spider.discovery_width = max(1, settings.getint("GOVCRAWL_DISCOVERY_WIDTH", DISCOVERY_WIDTH))
        crawler.signals.connect(spider.resume_discovery, signals.spider_idle)
        return spider

    def resume_discovery(self) -> None:
        """On idle, go on with the discovery of portals whose answers went elsewhere.

        In a distributed job another worker may take the answer to a discovery page or list this
        process asked for, so its count of them in flight never comes down and its exploration (and
        the fallbacks, which only the portal's opener runs) would wait for ever; alone, a list request
        the duplicate filter dropped never comes back either. Idle, this process has nothing in
        flight: it counts its portals' requests as back and explores on.
        """
        resumed = 0
        for run in list(self.runs.values()):
            if not (run.exploring or run.reading):
                continue
            run.exploring = run.reading = 0
            for request in self._explore(run.portal):
                self.crawler.engine.crawl(request)
                resumed += 1
        if resumed:
            self.crawler.stats.inc_value("govcrawl/discovery/resumed", resumed)
            raise DontCloseSpider

    async def start(self) -> AsyncIterator[Any]:
        """Per selected portal: its last good columns when it has some, else its homepage."""
        for problem in self.seed_problems:
            self.logger.warning("seed row skipped: %s", problem)
            yield _seed_error(problem)
        self.logger.info("crawling %d portals", len(self.portals))
        self.crawler.stats.set_value("govcrawl/portals", len(self.portals))
        if self.incremental is not None:
            self._due = self.incremental.due()
        for portal in self.portals:
            self.runs[portal.portal_url] = PortalRun(portal)
            hints = self.hint_requests(portal)
            if hints:
                self.crawler.stats.inc_value("govcrawl/column_hints")
            for request in hints or [self._homepage(portal)]:
                yield request

    def restart_discovery(self, portal: Portal) -> None:
        """Forget what discovery opened and read of ``portal``: its walk starts afresh (a distributed
        job's queue rebuilt after Redis lost it, whose pages this process must be free to ask again)."""
        run = self._run(portal)
        run.frontier = Frontier()
        run.discovery_started = None
        run.exploring = run.reading = run.hints_out = 0
        run.hint_leads = False
        run.fallbacks = PortalRun(portal).fallbacks
        # What the lost walk found read is no guide either: with a column that gave reports, only unit
        # pages are opened, and the way to them (the disclosure page) would stay closed.
        run.ways.clear()
        run.productive.clear()
        run.listed.clear()

    def hint_requests(self, portal: Portal) -> list[Request]:
        """List requests for the portal's columns that gave reports last time (``column_hints``)."""
        run = self._run(portal)
        requests = []
        for hint in self.column_hints.get(portal.division_code, []):
            self._admit(hint, portal)  # a column on the unit's disclosure platform, another government host
            if self._allowed(hint, portal):
                run.columns.append(hint)
                run.owner = True
                run.hints_out += 1
                requests.append(self._list_request(ListRequest(hint), portal, column=hint, hint=True, way="hint"))
        return requests

    def _homepage(self, portal: Portal) -> Request:
        run = self._run(portal)
        run.owner = True
        run.frontier.mark(canonical_url(portal.portal_url))
        return self._request(
            portal.portal_url, portal, self.parse_portal_page, {"hop": 0, "homepage": True, "way": "nav"}
        )

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
        # A distributed job's queue rebuilt after Redis lost it walks every portal afresh: so does
        # this process's discovery, else the pages it opened before the loss stay "seen" for ever.
        generation = response.meta.get(GENERATION)
        if generation and run.generation and generation != run.generation:
            self.restart_discovery(portal)
        run.generation = generation or run.generation
        if _fetched(response):  # a page served from the archive cost its portal nothing
            run.pages += 1
        # A page on another government host was asked for because the portal's navigation led there,
        # maybe in another process (distributed mode): its host is the unit's here too.
        self._admit(response.url, portal)
        return run

    # -- navigation: homepage and disclosure pages -------------------------------------------------

    def parse_portal_page(self, response: Response) -> Iterator[Any]:
        """A homepage or a page of the disclosure area: queue the 年报 columns it links, keep its other
        links as the portal's frontier, and open the best of them next (``govcrawl.discover.explore``)."""
        run = self._count_page(response)
        portal: Portal = response.meta["portal"]
        self._explored(response, run)
        if not isinstance(response, TextResponse):
            yield from self._explore(portal)
            return
        links = self._links(response, portal, navigation=True)
        if response.status in CHALLENGE_STATUSES and not links:  # the browser did not get past it either
            run.failure = run.failure or "blocked"
            return
        if response.meta.get("homepage"):
            if is_soft_404(response.text):
                run.failure = "soft404"
                return
            run.search_url = run.search_url or self._search(response, portal)
        shells = response.meta.get("shells", 0)
        target = redirect_target(response.text, response.url)
        if target and len(links) < 3 and shells < MAX_SHELL_REDIRECTS and self._allowed(target, portal):
            yield self._request(target, portal, self.parse_portal_page, {**_nav_meta(response), "shells": shells + 1})
            return
        yield from self._follow_reports(response, portal, links)
        way = _way_on(response)
        yield from self._queue_columns(portal, links, way)
        hop, kind = response.meta.get("hop", 0), page_kind(response.meta.get("kind"), response.url)
        scored = (score_link(link, kind, hop + 1) for link in links)
        run.frontier.add((x for x in scored if x is not None), hop + 1, way)
        yield from self._explore(portal)

    def _queue_columns(self, portal: Portal, links: list[Link], way: str) -> Iterator[Request]:
        """List requests for the best column candidates among ``links`` (text evidence first)."""
        run = self._run(portal)
        scored = sorted(((column_score(x), x) for x in links), key=lambda p: -p[0])
        best = scored[0][0] if scored else 0
        for link in _unique([x for s, x in scored if s and s >= min(best, 10)])[:MAX_COLUMNS_PER_PAGE]:
            if link.url in run.ways:
                continue
            self._admit(link.url, portal)
            run.columns.append(link.url)
            run.frontier.mark(link.url)
            yield self._list_request(ListRequest(link.url), portal, column=link.url, way=way)

    def _explored(self, response: Response, run: PortalRun) -> None:
        """Account for a discovery page this process asked for: it is back, and it cost the budget."""
        if response.meta.get("explorer") == self.token:
            run.exploring = max(0, run.exploring - 1)
        if _fetched(response):
            run.discovery_pages += 1

    def _explore(self, portal: Portal) -> Iterator[Request]:
        """Open the frontier's best links while the budget lasts; when it is spent or empty without a
        column that gave reports, try what the portal itself offers: /sitemap.xml, then its site search.

        Until a column gives reports, any link with evidence is a candidate; after, only the ways to
        other units' columns (部门/乡镇 platforms and the units on them): finding one column does not end
        discovery, but the rest of the disclosure area is not worth its pages.
        """
        run = self._run(portal)
        if run.discovery_started is None:
            run.discovery_started = time.monotonic()
        searching = not run.productive and not run.reading
        while run.exploring < self.discovery_width and self._budget_left(run):
            entry = run.frontier.pop(lambda s: searching or s.kind in UNIT_KINDS)
            if entry is None:
                break
            run.exploring += 1
            meta = {"hop": entry.depth, "kind": entry.scored.kind, "way": entry.way, "explorer": self.token}
            self._admit(entry.scored.url, portal)
            yield self._request(entry.scored.url, portal, self.parse_portal_page, meta)
        if searching and not run.exploring and run.owner and not run.failure:
            yield from self._fall_back(portal)

    def _budget_left(self, run: PortalRun) -> bool:
        pages = self.discovery_pages + self.discovery_pages_per_unit * run.frontier.units
        started = run.discovery_started or time.monotonic()
        if run.discovery_pages < pages and time.monotonic() - started < self.discovery_seconds:
            return True
        self.crawler.stats.inc_value("govcrawl/discovery/budget_spent")
        return False

    def _fall_back(self, portal: Portal) -> Iterator[Request]:
        """The next of the portal's own ways in that exploration did not need: sitemap.xml, site search."""
        run = self._run(portal)
        while run.fallbacks:
            step = run.fallbacks.pop(0)
            if step == "sitemap.xml":
                url = canonical_url(urljoin(portal.portal_url, "/sitemap.xml"))
                if url in run.frontier.seen:
                    continue
                run.frontier.mark(url)
                run.exploring += 1
                self.crawler.stats.inc_value("govcrawl/discovery/sitemap_xml")
                yield self._request(url, portal, self.parse_sitemap, {"explorer": self.token, "way": "sitemap"})
                return
            if step == "search" and run.search_url and run.search_url not in run.ways:
                # Not a column candidate: a search that finds nothing leaves the portal without a column.
                self.crawler.stats.inc_value("govcrawl/discovery/search")
                yield self._list_request(ListRequest(run.search_url), portal, column=run.search_url, way="search")
                return

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        """A /sitemap.xml (or a sitemap it lists): column-shaped URLs become columns, found by sitemap."""
        run = self._count_page(response)
        portal: Portal = response.meta["portal"]
        self._explored(response, run)
        locations = sitemap_locations(response.body) if response.status == 200 else []
        urls = [canonical_url(u) for u in locations if urlsplit(u).scheme in ("http", "https")]
        links = [Link(u, "") for u in urls if self._allowed(u, portal)]
        nested = [x.url for x in links if urlsplit(x.url).path.lower().endswith(".xml")]
        depth = response.meta.get("sitemaps", 0)
        for url in nested[: MAX_SITEMAPS if depth == 0 else 0]:
            if url not in run.frontier.seen:
                run.frontier.mark(url)
                run.exploring += 1
                meta = {"explorer": self.token, "way": "sitemap", "sitemaps": depth + 1}
                yield self._request(url, portal, self.parse_sitemap, meta)
        yield from self._queue_columns(portal, [x for x in links if column_score(x) >= 4], "sitemap")
        yield from self._explore(portal)

    def _search(self, response: TextResponse, portal: Portal) -> str | None:
        url = search_url(response.text, response.url)
        return url if url and self._allowed(url, portal) else None

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
        way: str | None = None,
    ) -> Request:
        """A request for a page of ``column``'s list; ``way`` is how the column was found (first page)."""
        run = self._run(portal)
        if way is not None:
            run.ways.setdefault(column, way)
        run.reading += 1
        meta: dict[str, Any] = {
            "portal": portal, "column": column, "list_request": spec, "hint": hint, "year": year, "sub_depth": depth,
            "dont_cache": True,  # a list is read every run: new reports appear there
            "explorer": self.token,
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
        """A list page (or list API answer): queue the rest of the list and every report on it.

        A column read to nothing sends discovery on (its frontier, then the fallbacks)."""
        run = self._count_page(response)
        portal: Portal = response.meta["portal"]
        if response.meta.get("explorer") == self.token:
            run.reading = max(0, run.reading - 1)
        yield from self._read_list(response, portal)
        if not run.productive:
            yield from self._explore(portal)

    def _read_list(self, response: Response, portal: Portal) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            return
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
        if spec.url == column:
            self._run(portal).listed.add(column)
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
        by_script = not reports and not more and not subs and not rendered and scripted.builds_list_by_script(response.text)
        if by_script:
            self.crawler.stats.inc_value("govcrawl/rendered_lists")
            yield self._list_request(ListRequest(response.url), portal, column, render=True, year=year)
        if response.meta.get("hint"):
            yield from self._hint_read(response, portal, leads=bool(reports or more or subs or by_script))

    def _hint_read(self, response: Response, portal: Portal, leads: bool) -> Iterator[Any]:
        """A hint column's first page is back: when none of the hints led anywhere, find the columns again."""
        run = self._run(portal)
        run.hints_out = max(0, run.hints_out - 1)
        run.hint_leads = run.hint_leads or leads
        if not run.hints_out and not run.hint_leads and not run.productive:
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
            if column:
                run.column_url = run.column_url or column
                run.productive[column] = run.productive.get(column, 0) + 1
            # A report the site search found links its column (the breadcrumb): read that column too.
            meta = {"link_text": link.label, "parent_title": title, "via_search": column == run.search_url}
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
        links = self._links(response, portal)
        if response.meta.get("via_search"):
            yield from self._queue_columns(portal, [x for x in links if column_score(x) >= 10], "search")
        linked = [x for x in links if x.is_attachment]
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
            if request.meta.get("explorer") == self.token:
                if "list_request" in request.meta:
                    run.reading = max(0, run.reading - 1)
                else:
                    run.exploring = max(0, run.exploring - 1)
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
        if portal is not None and not self._run(portal).productive:
            yield from self._explore(portal)

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
        "parent_title", LINKED_FILE, "dont_cache", "kind", "way", "explorer", "sitemaps", "via_search",
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
    return {k: response.meta[k] for k in ("hop", "homepage", "kind", "way") if k in response.meta}


def _way_on(response: Response) -> str:
    """How a column linked from this discovery page counts as found (``found_by``): ``nav`` from the
    homepage or a disclosure page it links, ``sitemap`` from the 网站地图 or a page it led to, else
    ``explore``."""
    way, kind, hop = response.meta.get("way"), response.meta.get("kind"), response.meta.get("hop", 0)
    if kind == "sitemap" or way == "sitemap":
        return "sitemap"
    if hop == 0 or (hop == 1 and kind == "area" and way == "nav"):
        return "nav"
    return "explore"


def _unique(links: list[Link]) -> list[Link]:
    seen: set[str] = set()
    out = []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            out.append(link)
    return out
