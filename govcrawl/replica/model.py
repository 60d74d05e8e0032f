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

from govcrawl.replica.chrome import Skin, esc, not_found
from govcrawl.replica.render import render_seed, seed_expected

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

    @property
    def is_report(self) -> bool:
        return self.seed is not None


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
        return f"http://{self.host}/"


@dataclass(frozen=True)
class Request:
    """What the server hands a site: method, path, decoded query and form fields."""

    method: str
    path: str
    query: Mapping[str, str]
    form: Mapping[str, str]


@dataclass(frozen=True)
class Response:
    """A site's answer. ``modified`` set means a document: Last-Modified and ETag are sent."""

    body: bytes
    content_type: str = HTML
    status: int = 200
    modified: datetime | None = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


Handler = Callable[[Request], Response]


def day(date: str) -> datetime:
    """A YYYY-MM-DD publication date as a UTC datetime (09:00 local = 01:00 UTC)."""
    return datetime.strptime(date, "%Y-%m-%d").replace(hour=1, tzinfo=UTC)


class Site:
    """A virtual host: static pages by path, dynamic handlers by path, a 404 page."""

    def __init__(self, host: str, not_found_html: str, robots: bool = True) -> None:
        self.host = host
        self.pages: dict[str, Response] = {}
        self.handlers: dict[str, Handler] = {}
        self._not_found = Response(not_found_html.encode("utf-8"), status=404)
        if robots:
            self.add("/robots.txt", b"User-agent: *\nDisallow:\n", CONTENT_TYPES["txt"])

    @classmethod
    def for_skin(cls, host: str, skin: Skin) -> Site:
        """A portal host with the skin's 404 page and stylesheet."""
        site = cls(host, not_found(skin))
        css = (files("govcrawl.replica") / "assets" / "portal.css").read_bytes()
        site.add(f"/images/{skin.css_prefix}_style.css", css, CONTENT_TYPES["css"])
        return site

    def add(
        self, path: str, body: str | bytes, content_type: str = HTML, modified: datetime | None = None
    ) -> str:
        """Serve ``body`` at ``path``; returns the absolute URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[path] = Response(data, content_type, modified=modified)
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def respond(self, req: Request) -> Response:
        """The response for ``req``: a handler, a static page (GET/HEAD/POST alike), or 404."""
        if req.path in self.handlers:
            return self.handlers[req.path](req)
        path = req.path
        if path.endswith("/"):
            path += "index.html"
        return self.pages.get(path) or self.pages.get(req.path) or self._not_found


def document(item: Item) -> tuple[bytes, str]:
    """The bytes and content type of a report item's published document."""
    assert item.seed is not None
    return render_seed(item.seed, item.fmt), CONTENT_TYPES[item.fmt]


@dataclass
class PortalTruth:
    """The ground truth a family records while building a portal."""

    portal: Portal
    column_url: str
    needs_browser: bool
    reports: list[dict] = field(default_factory=list)
    non_reports: list[str] = field(default_factory=list)
    _urls: dict[int, str] = field(default_factory=dict)

    def record(self, item: Item, url: str, page_url: str | None = None) -> None:
        """Note where ``item`` ended up: ``url`` is the report document (or the non-report page)."""
        self._urls[item.id] = url
        if not item.is_report:
            self.non_reports.append(page_url or url)
            return
        assert item.seed is not None
        self.reports.append(
            {
                "url": url,
                "page_url": page_url or url,
                "seed": item.seed,
                "format": item.fmt,
                "year": seed_expected(item.seed)["identity"]["year"],
                "title": item.title,
                "duplicate_of": item.duplicate_of,
            }
        )

    def as_dict(self) -> dict:
        """The JSON-able entry: duplicate_of resolved from item id to URL."""
        p = self.portal
        reports = [{**r, "duplicate_of": self._urls.get(r["duplicate_of"])} for r in self.reports]
        return {
            "host": p.host,
            "division_code": p.division_code,
            "name": p.name,
            "family": p.family,
            "homepage": p.homepage,
            "column_url": self.column_url,
            "needs_browser": self.needs_browser,
            "alive": True,
            "reports": reports,
            "non_reports": list(self.non_reports),
        }


Builder = Callable[[Portal], tuple[Site, PortalTruth]]


def paragraphs_html(text: str) -> str:
    """A non-report's plain text as indented paragraphs."""
    return "\n".join(
        f'<p style="text-indent:2em">{esc(line)}</p>' for line in text.splitlines() if line.strip()
    )
