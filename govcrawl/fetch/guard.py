"""The crawl's last line of defence: every request is checked before it leaves, whoever made it.

The spider keeps links in scope (:func:`govcrawl.discover.scope.in_scope`), but requests also come
from redirects (a report page answering 302 with ``Location: http://10.0.0.1/``), meta refreshes,
robots.txt and any future code path. :class:`ScopeGuard`, a downloader middleware placed before
every other, refuses the request when

- its URL is refused by :func:`~govcrawl.discover.scope.url_refusal`: a scheme other than http(s),
  an address that is not globally routable in any spelling (``10.1.2.3``, ``[::1]``,
  ``2130706433``, ``0x7f.1``…), ``localhost`` and the other local-only names;
- it belongs to a portal (``request.meta["portal"]``) and leaves the unit's government sites
  (:func:`~govcrawl.discover.scope.on_government_sites`: the portal's domain, any ``*.gov.cn`` host,
  the known aggregators);
- its host name resolves to any address that is not global.

Names are resolved by the guard itself, because behind a proxy nobody else on this side does:
first from the hosts file ``GOVCRAWL_HOSTS_FILE`` (``/etc/hosts`` format; for operators who pin
names, and for tests), then, unless ``GOVCRAWL_SYSTEM_RESOLVER`` is off, by the system resolver in
a thread with a ``GOVCRAWL_RESOLVE_TIMEOUT`` (5 s) limit, once per host and run. A name that does
not resolve (or not in time) is let through: the proxy may resolve names this machine cannot, and
its own error is recorded when it cannot either. The replica web's virtual hosts resolve nowhere,
so its crawls run with the system resolver off and send no DNS query at all.

:class:`PortalBudget` caps each portal's crawl per run: at most ``GOVCRAWL_PORTAL_MAX_PAGES``
requests (2000) and ``GOVCRAWL_PORTAL_MAX_SECONDS`` (1800) of wall time from its first request
(0 turns either off). Both count per crawl process (each distributed worker has its own).

Refusals raise :class:`OutOfScope` or :class:`BudgetExceeded` (IgnoreRequest subclasses: the
spider's errback records them in ``fetch_errors`` under that kind) and count in the crawl stats as
``govcrawl/refused/<reason>``.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from govcrawl.discover.scope import (
    REASONS,
    first_unsafe_address,
    ip_literal,
    normalize_host,
    on_government_sites,
    url_refusal,
)
from govcrawl.seeds import Portal

logger = logging.getLogger(__name__)

#: Seconds one name's lookup may take before the guard stops waiting and lets the proxy decide.
DEFAULT_RESOLVE_TIMEOUT = 5.0
DEFAULT_PORTAL_MAX_PAGES = 2000
DEFAULT_PORTAL_MAX_SECONDS = 1800.0

Addresses = tuple[str, ...]


class OutOfScope(IgnoreRequest):
    """A request the scope guard refused.

    The message names the reason and, for addresses, the address, never the URL or host: the
    spider classifies ignored requests by words in the message (robots…), which a URL could carry.
    """

    def __init__(self, reason: str, address: str | None = None) -> None:
        self.reason = reason
        detail = f" ({address})" if address else ""
        super().__init__(f"{reason}: {REASONS[reason]}{detail}")


class BudgetExceeded(IgnoreRequest):
    """A request of a portal whose page or time budget for this run is spent."""

    def __init__(self, reason: str, limit: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}: the portal's budget of {limit} for this run is spent")


def parse_hosts(text: str) -> dict[str, Addresses]:
    """``/etc/hosts`` text (``address name [alias…]``, ``#`` comments) as name → its addresses.

    A line whose first field is not an address raises ValueError naming the line.
    """
    pinned: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        address, names = fields[0], fields[1:]
        try:
            ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            raise ValueError(f"hosts file line {number}: {address!r} is not an address") from None
        for name in names:
            known = pinned.setdefault(normalize_host(name), [])
            if address not in known:
                known.append(address)
    return {name: tuple(addresses) for name, addresses in pinned.items()}


def system_addresses(host: str) -> Addresses | None:
    """Every address the system resolver gives for ``host`` (blocking), or None when it gives none."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    return tuple(dict.fromkeys(str(info[4][0]) for info in infos)) or None


class Resolver:
    """Host name → addresses for the guard: pinned names first, then the system resolver.

    System lookups run in the reactor's thread pool, at most one per host and run (concurrent
    requests for a host wait for the same lookup); a lookup that fails or times out counts as
    unresolved (None) and is not tried again this run.
    """

    def __init__(self, pinned: Mapping[str, Addresses], system: bool, timeout: float) -> None:
        self.pinned = dict(pinned)
        self.system = system
        self.timeout = timeout
        self.lookups = 0
        self._known: dict[str, Addresses | None] = {}
        self._waiting: dict[str, list[Deferred]] = {}

    async def addresses(self, host: str) -> Addresses | None:
        """The addresses of ``host`` (a normalized name), or None when it does not resolve here."""
        if host in self.pinned:
            return self.pinned[host]
        if not self.system:
            return None
        if host in self._known:
            return self._known[host]
        waiters = self._waiting.get(host)
        if waiters is None:
            from twisted.internet import reactor

            waiters = self._waiting[host] = []
            self.lookups += 1
            lookup = threads.deferToThreadPool(reactor, reactor.getThreadPool(), system_addresses, host)
            lookup.addTimeout(
                self.timeout, reactor, onTimeoutCancel=lambda _, timeout: self._timed_out(host, timeout)
            )
            lookup.addErrback(self._lookup_failed, host)
            lookup.addCallback(self._settle, host)
        waiter: Deferred = Deferred()
        waiters.append(waiter)
        return await maybe_deferred_to_future(waiter)

    def _timed_out(self, host: str, timeout: float) -> None:
        logger.info("looking up %s took over %g s: left to the proxy", host, timeout)

    def _lookup_failed(self, failure: Failure, host: str) -> None:
        logger.warning("looking up %s failed: %s", host, failure.getErrorMessage())

    def _settle(self, addresses: Addresses | None, host: str) -> None:
        self._known[host] = addresses
        for waiter in self._waiting.pop(host):
            waiter.callback(addresses)


class ScopeGuard:
    """Downloader middleware refusing every request the crawl must never send (module docstring)."""

    def __init__(self, crawler: Crawler, resolver: Resolver) -> None:
        self.stats = crawler.stats
        self.resolver = resolver
        self._unresolved: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScopeGuard:
        settings = crawler.settings
        hosts_file = settings.get("GOVCRAWL_HOSTS_FILE")
        pinned = parse_hosts(Path(hosts_file).read_text(encoding="utf-8")) if hosts_file else {}
        resolver = Resolver(
            pinned,
            system=settings.getbool("GOVCRAWL_SYSTEM_RESOLVER", True),
            timeout=settings.getfloat("GOVCRAWL_RESOLVE_TIMEOUT", DEFAULT_RESOLVE_TIMEOUT),
        )
        if hosts_file:
            logger.info("scope guard: %d names pinned by %s", len(pinned), hosts_file)
        return cls(crawler, resolver)

    async def process_request(self, request: Request) -> None:
        """Let ``request`` through, or raise :class:`OutOfScope`."""
        reason = url_refusal(request.url)
        portal = request.meta.get("portal")
        if reason is None and portal is not None and not on_government_sites(request.url, portal.host):
            reason = "offsite"
        host = normalize_host(urlsplit(request.url).hostname or "")
        literal = ip_literal(host)
        if reason:
            self._refuse(request, reason, str(literal).split("%", 1)[0] if literal else None)
        if literal is not None:
            return
        addresses = await self.resolver.addresses(host)
        if addresses is None:
            if host not in self._unresolved:  # the proxy resolves it, or answers that it cannot
                self._unresolved.add(host)
                self.stats.inc_value("govcrawl/guard/unresolved_hosts")
            return
        unsafe = first_unsafe_address(addresses)
        if unsafe is not None:
            self._refuse(request, "private_dns", unsafe.split("%", 1)[0])

    def _refuse(self, request: Request, reason: str, address: str | None) -> None:
        self.stats.inc_value(f"govcrawl/refused/{reason}")
        came_from = request.meta.get("redirect_urls")
        logger.info(
            "refused %s: %s%s%s",
            request.url,
            REASONS[reason],
            f" ({address})" if address else "",
            f", reached from {came_from[0]}" if came_from else "",
        )
        raise OutOfScope(reason, address)


def budget_refusal(requests: int, elapsed: float, max_pages: int, max_seconds: float) -> str | None:
    """``budget_pages`` when ``requests`` already reached ``max_pages``, ``budget_time`` when
    ``elapsed`` seconds reached ``max_seconds``, else None (a limit of 0 is no limit)."""
    if max_pages and requests >= max_pages:
        return "budget_pages"
    if max_seconds and elapsed >= max_seconds:
        return "budget_time"
    return None


@dataclass
class PortalSpend:
    """What one portal's crawl has spent this run."""

    started: float  # monotonic time of its first request
    requests: int = 0
    over: set[str] = field(default_factory=set)  # budgets already reported as spent


class PortalBudget:
    """Downloader middleware enforcing each portal's page and time budget (module docstring)."""

    def __init__(self, crawler: Crawler, max_pages: int, max_seconds: float) -> None:
        self.stats = crawler.stats
        self.max_pages = max_pages
        self.max_seconds = max_seconds
        self.spent: dict[str, PortalSpend] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PortalBudget:
        settings = crawler.settings
        return cls(
            crawler,
            settings.getint("GOVCRAWL_PORTAL_MAX_PAGES", DEFAULT_PORTAL_MAX_PAGES),
            settings.getfloat("GOVCRAWL_PORTAL_MAX_SECONDS", DEFAULT_PORTAL_MAX_SECONDS),
        )

    def process_request(self, request: Request) -> None:
        """Count ``request`` against its portal's budget, or raise :class:`BudgetExceeded`."""
        portal: Portal | None = request.meta.get("portal")
        if portal is None:  # robots.txt and other requests of no portal
            return
        now = time.monotonic()
        spend = self.spent.setdefault(portal.portal_url, PortalSpend(now))
        reason = budget_refusal(spend.requests, now - spend.started, self.max_pages, self.max_seconds)
        if reason is None:
            spend.requests += 1
            return
        limit = f"{self.max_pages} requests" if reason == "budget_pages" else f"{self.max_seconds:g} s"
        if reason not in spend.over:
            spend.over.add(reason)
            self.stats.inc_value(f"govcrawl/budget/portals_{reason.removeprefix('budget_')}")
            logger.warning(
                "portal %s %s has spent its budget of %s for this run: its further requests are dropped",
                portal.division_code,
                portal.portal_url,
                limit,
            )
        self.stats.inc_value(f"govcrawl/refused/{reason}")
        raise BudgetExceeded(reason, limit)
