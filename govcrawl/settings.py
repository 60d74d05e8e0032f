"""Scrapy settings for govcrawl: every ``GOVCRAWL_*`` setting is declared here, from the environment.

Plain HTTP for everything except list pages built by script, which go to Chromium through
scrapy-playwright (Debian's /usr/bin/chromium; Playwright cannot download a browser here).
Both honour the standard ``http_proxy`` / ``HTTP_PROXY`` variables: Scrapy through its proxy
middleware, Chromium through the launch option set below (credentials in the URL become
Playwright's username and password; neither is ever archived or logged).
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit, urlunsplit

# Scrapy's cookie middleware builds a tldextract instance at import: keep it off the network.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from govcrawl.discover.scope import url_refusal  # noqa: E402 (imports tldextract: after the line above)

BOT_NAME = "govcrawl"
SPIDER_MODULES = ["govcrawl.spiders"]
NEWSPIDER_MODULE = "govcrawl.spiders"
# `scrapy crawl` exits with the run's outcome (govcrawl.commands.crawl).
COMMANDS_MODULE = "govcrawl.commands"

# Identify ourselves and say how to reach us (GOVCRAWL_CONTACT: an e-mail or URL of the operator).
_CONTACT = os.environ.get("GOVCRAWL_CONTACT", "govcrawl@example.org")
USER_AGENT = os.environ.get(
    "GOVCRAWL_USER_AGENT",
    f"govcrawl/0.1 (research archive of government information-disclosure annual reports; contact: {_CONTACT})",
)
ROBOTSTXT_OBEY = True

# Politeness: at most 2 requests at once per host, paced by the host's own response times.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 50 * 1024 * 1024
DOWNLOAD_WARNSIZE = 20 * 1024 * 1024
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 10

# No listening consoles: nothing but the crawl opens a port.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {
    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"


def playwright_proxy(url: str | None) -> dict[str, str]:
    """Playwright's ``proxy`` option for a proxy URL: Chromium takes no credentials in the server URL,
    so ``user:password@`` moves to fields of their own."""
    parts = urlsplit(url or "")
    if not parts.hostname:
        return {}
    server = urlunsplit((parts.scheme or "http", parts.hostname + (f":{parts.port}" if parts.port else ""), "", "", ""))
    proxy = {"server": server}
    if parts.username:
        proxy |= {"username": unquote(parts.username), "password": unquote(parts.password or "")}
    return proxy


_PROXY = playwright_proxy(os.environ.get("http_proxy") or os.environ.get("HTTP_PROXY"))
#: Where Chromium's own traffic goes (update checks, sign-in probes: Debian's build sends them whatever
#: the flags say): the discard port of this machine, where nothing listens, so it fails at once and
#: never reaches the crawl's proxy or the network. Pages use the crawl's proxy, set on their context.
BROWSER_SINK = "http://127.0.0.1:9"
#: Without a crawl proxy, Chromium resolves names itself: Google's service hosts resolve nowhere.
_NO_GOOGLE = "MAP *.google.com ~NOTFOUND, MAP *.googleapis.com ~NOTFOUND, MAP *.gvt1.com ~NOTFOUND"

PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": os.environ.get("GOVCRAWL_CHROMIUM", "/usr/bin/chromium"),
    "headless": True,
    "args": [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        f"--host-resolver-rules={_NO_GOOGLE}",
    ],
    "timeout": 30000,
    **({"proxy": {"server": BROWSER_SINK}} if _PROXY else {}),
}
# The crawl's pages browse in this context, through the crawl's proxy; nothing else does.
PLAYWRIGHT_CONTEXTS = {"default": {"proxy": _PROXY} if _PROXY else {}}
# Non-persistent contexts: Playwright gives each browser launch a fresh temporary profile directory.
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30000


def _skip_heavy_resources(request: object) -> bool:
    """Images, media, fonts and stylesheets do not change which links a list shows. Chromium's own
    requests (scripts, frames) bypass the downloader middlewares: the scope guard's URL rules apply here."""
    return getattr(request, "resource_type", "") in ("image", "media", "font", "stylesheet") or (
        url_refusal(getattr(request, "url", "")) is not None
    )


PLAYWRIGHT_ABORT_REQUEST = _skip_heavy_resources

# One archive per crawl process (govcrawl.extensions.archive): it opens the run before the first
# request and closes it after the last item; the capture, the cache and the store pipeline use it.
EXTENSIONS = {
    "govcrawl.extensions.archive.ArchiveExtension": 100,
    "govcrawl.extensions.preflight.Preflight": 110,
    "govcrawl.extensions.progress.Progress": 500,
}
# After the archive has opened the run, the components the crawl will use are checked (parsers in
# the extraction worker, LibreOffice, Chromium…): one missing, the crawl stops before its first
# request with internal_error (exit 10). "0" skips the check (govcrawl.extensions.preflight).
GOVCRAWL_PREFLIGHT = os.environ.get("GOVCRAWL_PREFLIGHT", "1")
GOVCRAWL_PROGRESS_INTERVAL = float(os.environ.get("GOVCRAWL_PROGRESS_INTERVAL", "30"))

# Every request passes the scope guard first (robots.txt included), then the HTTP cache over the
# archive (a fresh archived copy costs no request, nor a place in the portal's budget), then its
# portal's budget (govcrawl.fetch.guard). Next to the downloader, every response as it came off the
# wire goes into the run's WARC files (govcrawl.fetch.capture): so the cache's 304s are archived too.
DOWNLOADER_MIDDLEWARES = {
    "govcrawl.fetch.guard.ScopeGuard": 40,
    "govcrawl.fetch.cache.ArchiveCache": 42,
    "govcrawl.fetch.guard.PortalBudget": 45,
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,
    "govcrawl.fetch.capture.WarcCaptureMiddleware": 950,
}
HTTPCACHE_ENABLED = True
HTTPCACHE_STORAGE = "govcrawl.fetch.cache.ArchiveStorage"
HTTPCACHE_POLICY = "govcrawl.fetch.cache.ArchivePolicy"
# Raw captures (govcrawl.fetch.capture): on unless "0"; the directory, default <data dir>/warc; the
# size from which a run starts its next WARC file.
GOVCRAWL_WARC_ENABLED = os.environ.get("GOVCRAWL_WARC_ENABLED", "1")
GOVCRAWL_WARC_DIR = os.environ.get("GOVCRAWL_WARC_DIR") or None
GOVCRAWL_WARC_MAX_BYTES = int(os.environ.get("GOVCRAWL_WARC_MAX_BYTES", str(1 << 30)))
# Names pinned for the guard (/etc/hosts format), consulted before the system resolver; with
# GOVCRAWL_SYSTEM_RESOLVER=0 the guard resolves nothing else (the replica web and tests).
GOVCRAWL_HOSTS_FILE = os.environ.get("GOVCRAWL_HOSTS_FILE") or None
GOVCRAWL_SYSTEM_RESOLVER = os.environ.get("GOVCRAWL_SYSTEM_RESOLVER", "1")
GOVCRAWL_RESOLVE_TIMEOUT = float(os.environ.get("GOVCRAWL_RESOLVE_TIMEOUT", "5"))
# Per portal and run: at most this many requests and seconds from its first request (0: no limit).
GOVCRAWL_PORTAL_MAX_PAGES = int(os.environ.get("GOVCRAWL_PORTAL_MAX_PAGES", "2000"))
GOVCRAWL_PORTAL_MAX_SECONDS = float(os.environ.get("GOVCRAWL_PORTAL_MAX_SECONDS", "1800"))
# Discovery per portal (govcrawl.discover.explore): pages opened to find its 年报 columns, more for
# each unit found on a 部门/乡镇 platform, and seconds from the first of them.
GOVCRAWL_DISCOVERY_PAGES = int(os.environ.get("GOVCRAWL_DISCOVERY_PAGES", "40"))
GOVCRAWL_DISCOVERY_PAGES_PER_UNIT = int(os.environ.get("GOVCRAWL_DISCOVERY_PAGES_PER_UNIT", "3"))
GOVCRAWL_DISCOVERY_SECONDS = float(os.environ.get("GOVCRAWL_DISCOVERY_SECONDS", "600"))
# Discovery pages of one portal in flight at once: 1 keeps the best-first order strict; more hides
# latency at the cost of pages opened after the column was already found.
GOVCRAWL_DISCOVERY_WIDTH = int(os.environ.get("GOVCRAWL_DISCOVERY_WIDTH", "2"))

# Incremental runs (govcrawl.fetch.cache, govcrawl.incremental): "0" fetches everything as a first
# run does; archived reports fetched less than this many days ago cost no request, older ones are
# revalidated.
GOVCRAWL_INCREMENTAL = os.environ.get("GOVCRAWL_INCREMENTAL", "1")
GOVCRAWL_REVALIDATE_DAYS = float(os.environ.get("GOVCRAWL_REVALIDATE_DAYS", "30"))

# Each fetched document through extract → clean → identify → hash → parse (govcrawl.process), then
# into the archive.
ITEM_PIPELINES = {
    "govcrawl.pipelines.ProcessPipeline": 100,
    "govcrawl.pipelines.StorePipeline": 900,
}

# Database URL: GOVCRAWL_DATABASE_URL, else a SQLite file in the data directory (govcrawl.config).
GOVCRAWL_DATABASE_URL = os.environ.get("GOVCRAWL_DATABASE_URL")
# Seconds an archive write is retried while the database is away before the crawl spools its writes
# and stops (govcrawl.store.writer); seconds a SQLite write waits for another process's lock.
GOVCRAWL_STORE_RETRY_SECONDS = float(os.environ.get("GOVCRAWL_STORE_RETRY_SECONDS", "120"))
GOVCRAWL_SQLITE_BUSY_TIMEOUT = float(os.environ.get("GOVCRAWL_SQLITE_BUSY_TIMEOUT", "30"))

# Distributed mode (govcrawl/distributed/): a shared queue and duplicate filter in Redis. Seconds a
# worker's heartbeat lives unrenewed (then its leases go back to the queue); seconds Redis calls are
# retried while Redis is away before the worker stops with queue_lost (exit 11).
GOVCRAWL_REDIS_URL = os.environ.get("GOVCRAWL_REDIS_URL") or None
GOVCRAWL_JOB = os.environ.get("GOVCRAWL_JOB", "default")
if GOVCRAWL_REDIS_URL:
    from govcrawl.distributed import settings_for

    _distributed = settings_for(GOVCRAWL_REDIS_URL, GOVCRAWL_JOB)
    EXTENSIONS = {**EXTENSIONS, **_distributed.pop("EXTENSIONS")}
    globals().update(_distributed)
    GOVCRAWL_LEASE_TTL = int(os.environ.get("GOVCRAWL_LEASE_TTL", "10"))
    GOVCRAWL_REDIS_RETRY_SECONDS = float(os.environ.get("GOVCRAWL_REDIS_RETRY_SECONDS", "60"))

LOG_LEVEL = os.environ.get("GOVCRAWL_LOG_LEVEL", "INFO")
FEED_EXPORT_ENCODING = "utf-8"
