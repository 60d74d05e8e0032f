"""The replica web's data model: portal configs (input), virtual sites and responses (output).

A :class:`Portal` is plain data (host, division, family, skin, column items); a family
builder turns it into a :class:`Site` that answers :class:`Request` objects, plus the
portal's ground-truth entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode

from w3lib.url import safe_url_string

from replica.chrome import Skin, esc, not_found
from replica.render import Block, blocks_html, render_documents, render_seed, seed_expected

HTML = "text/html; charset=utf-8"
CONTENT_TYPES = {
    "html": HTML,
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
    "js": "application/javascript; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "css": "text/css; charset=utf-8",
}


@dataclass(frozen=True)
class Item:
    """One entry of a portal's 年报 column: a report (``seed`` set) or a non-report."""

    id: int
    title: str
    date: str  # YYYY-MM-DD
    seed: str | None = None
    fmt: str = "html"  # how a report is published: the html body or a pdf/docx/doc attachment
    text: str = ""  # a non-report's body
    duplicate_of: int | None = None  # id of the item whose report this one republishes
    href: str | None = None  # the column links off-site (e.g. to an aggregator copy)
    source: str = ""  # 来源 on the info line; defaults to the site name
    blocks: tuple[Block, ...] = ()  # a generated report's body (paragraphs and statistics tables)
    year: int | None = None  # the year a generated report is about
    listed_title: str | None = None  # the title as the list shows it, when it differs (no year, cut)

    @property
    def is_report(self) -> bool:
        return self.seed is not None or bool(self.blocks)

    @property
    def report_year(self) -> int:
        """The year the report is about."""
        if self.blocks:
            assert self.year is not None
            return self.year
        assert self.seed is not None
        return seed_expected(self.seed)["identity"]["year"]


@dataclass(frozen=True)
class Portal:
    """A government portal of the replica web, as data."""

    host: str
    division_code: str
    province: str
    prefecture: str
    name: str  # the division's name, e.g. 晋宁区
    level: str  # county / prefecture / province
    family: str
    skin: Skin
    column_title: str  # the 年报 column's name on this portal
    items: tuple[Item, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)  # family-specific knobs

    @property
    def homepage(self) -> str:
        """The portal URL of the seed list (option ``seed_path``: a listed URL that is not the root)."""
        return f"http://{self.host}{self.options.get('seed_path', '/')}"


@dataclass(frozen=True)
class DeadPortal:
    """A listed portal URL that yields nothing: its host never answers, or answers in a loop.

    ``cause``: ``dns`` (no such host: the proxy answers 502), ``refused`` (502, connection refused),
    ``timeout`` (504) or ``redirect_loop`` (/ and /index.html redirect to each other).
    """

    host: str
    division_code: str
    province: str
    prefecture: str
    name: str
    level: str = "county"
    cause: str = "dns"


@dataclass(frozen=True)
class Request:
    """What the server hands a site: method, path, decoded query and form fields."""

    method: str
    path: str
    query: Mapping[str, str]
    form: Mapping[str, str]
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def cookies(self) -> dict[str, str]:
        """The Cookie header as a dict."""
        raw = next((v for k, v in self.headers.items() if k.lower() == "cookie"), "")
        pairs = (c.strip().split("=", 1) for c in raw.split(";") if "=" in c)
        return {k: v for k, v in pairs}


@dataclass(frozen=True)
class Response:
    """A site's answer. ``modified`` set means a document: Last-Modified and ETag are sent."""

    body: bytes
    content_type: str = HTML
    status: int = 200
    modified: datetime | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # extra headers (Location, Set-Cookie…)
    delay: float = 0.0  # seconds the host takes to answer

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


Handler = Callable[[Request], Response]


def day(date: str) -> datetime:
    """A YYYY-MM-DD publication date as a UTC datetime (09:00 local = 01:00 UTC)."""
    return datetime.strptime(date, "%Y-%m-%d").replace(hour=1, tzinfo=UTC)


@dataclass(frozen=True)
class Conditions:
    """How a host misbehaves, after real portals (all off by default).

    ``encoding`` GBK/GB2312 pages, with the charset in the Content-Type header or only in the
    page's meta tag; ``soft404`` missing pages answer 200 saying 页面不存在; ``challenge`` a client
    without the cookie a script sets gets 412 and that script (a browser runs it and reloads);
    ``robots_disallow`` paths robots.txt forbids; ``delay`` seconds before every answer.
    """

    encoding: str = "utf-8"
    charset_header: bool = True
    soft404: bool = False
    challenge: bool = False
    robots_disallow: tuple[str, ...] = ()
    delay: float = 0.0


CHALLENGE_COOKIE = "rs_token"


def _challenge_page(token: str) -> bytes:
    # What a 瑞数-style shield sends a client without its cookie: a script that sets it and reloads.
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title></title>"
        f'<script type="text/javascript">document.cookie = "{CHALLENGE_COOKIE}={token}; path=/";'
        "location.reload();</script></head><body></body></html>"
    ).encode()


class Site:
    """A virtual host: static pages by path, dynamic handlers by path, a 404 page, its conditions."""

    def __init__(
        self, host: str, not_found_html: str, robots: bool = True, conditions: Conditions | None = None
    ) -> None:
        self.host = host
        self.conditions = conditions or Conditions()
        self.pages: dict[str, Response] = {}
        self.handlers: dict[str, Handler] = {}
        self._not_found = Response(not_found_html.encode("utf-8"), status=404)
        self._token = hashlib.sha1(host.encode()).hexdigest()[:16]
        if self.conditions.soft404:
            self._not_found = Response(not_found_html.encode("utf-8"), status=200)
        if robots:
            rules = "".join(f"Disallow: {p}\n" for p in self.conditions.robots_disallow) or "Disallow:\n"
            self.add("/robots.txt", f"User-agent: *\n{rules}".encode(), CONTENT_TYPES["txt"])

    @classmethod
    def for_skin(cls, host: str, skin: Skin, conditions: Conditions | None = None) -> Site:
        """A portal host with the skin's 404 page and stylesheet."""
        site = cls(host, not_found(skin), conditions=conditions)
        css = (files("replica") / "assets" / "portal.css").read_bytes()
        site.add(f"/images/{skin.css_prefix}_style.css", css, CONTENT_TYPES["css"])
        return site

    def add(
        self, path: str, body: str | bytes, content_type: str = HTML, modified: datetime | None = None
    ) -> str:
        """Serve ``body`` at ``path``; returns the absolute URL. HTML text takes the site's encoding."""
        if isinstance(body, str):
            body, content_type = self._encode(body, content_type)
        self.pages[path] = Response(body, content_type, modified=modified)
        return self.url(path)

    def _encode(self, text: str, content_type: str) -> tuple[bytes, str]:
        enc = self.conditions.encoding
        if content_type != HTML or enc == "utf-8":
            return text.encode("utf-8"), content_type
        text = text.replace('<meta charset="utf-8">', f'<meta charset="{enc}">', 1)
        header = f"text/html; charset={enc}" if self.conditions.charset_header else "text/html"
        return text.encode(enc, "xmlcharrefreplace"), header

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` as a client requests it: percent-encoded (UTF-8)."""
        return safe_url_string(f"http://{self.host}{path}")

    def respond(self, req: Request) -> Response:
        """The response for ``req``: the challenge, a handler, a static page (GET/HEAD/POST alike), or 404."""
        resp = self._respond(req)
        delay = self.conditions.delay
        return Response(resp.body, resp.content_type, resp.status, resp.modified, resp.headers, delay) if delay else resp

    def _respond(self, req: Request) -> Response:
        if self.conditions.challenge and req.cookies.get(CHALLENGE_COOKIE) != self._token:
            return Response(_challenge_page(self._token), HTML, 412)
        if req.path in self.handlers:
            return self.handlers[req.path](req)
        if req.query:  # a file served at a URL with a query (download.jsp?…&wbfileid=…)
            found = self.pages.get(f"{req.path}?{urlencode(req.query)}")
            if found:
                return found
        path = req.path
        if path.endswith("/"):
            path += "index.html"
        return self.pages.get(path) or self.pages.get(req.path) or self._not_found


def document(item: Item) -> tuple[bytes, str]:
    """The bytes and content type of a report item's published document."""
    if item.blocks:
        return render_documents([item.blocks], item.fmt)[0], CONTENT_TYPES[item.fmt]
    assert item.seed is not None
    return render_seed(item.seed, item.fmt), CONTENT_TYPES[item.fmt]


def report_html(item: Item) -> str:
    """A report item's body as an HTML fragment (for reports published as the article itself)."""
    if item.blocks:
        return blocks_html(item.blocks)
    assert item.seed is not None
    return render_seed(item.seed, "html").decode("utf-8")


@dataclass
class PortalTruth:
    """The ground truth a family records while building a portal."""

    portal: Portal
    column_url: str
    needs_browser: bool
    #: The failure class a crawler should record for this portal (None: it works).
    failure: str | None = None
    reports: list[dict] = field(default_factory=list)
    non_reports: list[str] = field(default_factory=list)
    _urls: dict[int, str] = field(default_factory=dict)

    def record(self, item: Item, url: str, page_url: str | None = None) -> None:
        """Note where ``item`` ended up: ``url`` is the report document (or the non-report page)."""
        self._urls[item.id] = url
        if not item.is_report:
            self.non_reports.append(page_url or url)
            return
        self.reports.append(
            {
                "url": url,
                "page_url": page_url or url,
                "seed": item.seed,
                "format": item.fmt,
                "year": item.report_year,
                "title": item.title,
                "duplicate_of": item.duplicate_of,
            }
        )

    def as_dict(self) -> dict:
        """The JSON-able entry: duplicate_of resolved from item id to URL."""
        p = self.portal
        reports = [{**r, "duplicate_of": self._urls.get(r["duplicate_of"])} for r in self.reports]
        # A portal a polite crawler cannot get into has no reports to find; they are kept as withheld.
        withheld = reports if self.failure else []
        reports = [] if self.failure else reports
        return {
            "host": p.host,
            "division_code": p.division_code,
            "name": p.name,
            "family": p.family,
            "homepage": p.homepage,
            "column_url": self.column_url,
            "needs_browser": self.needs_browser,
            "alive": self.failure is None,
            "failure": self.failure,
            "reports": reports,
            "non_reports": list(self.non_reports),
            "withheld": withheld,
        }


Builder = Callable[[Portal], tuple[Site, PortalTruth]]


def paragraphs_html(text: str) -> str:
    """A non-report's plain text as indented paragraphs."""
    return "\n".join(
        f'<p style="text-indent:2em">{esc(line)}</p>' for line in text.splitlines() if line.strip()
    )
