"""Best-first exploration of a portal's disclosure area: which page to open next to find 年报 columns.

Real portals do not put the 年报 column where one rule expects it: behind an image in the nav, on the
政府信息公开指南 page three clicks in, only on the 网站地图, or once per department on a 部门信息公开平台.
So discovery is a search, not a path: every link of every page opened is scored by graded evidence
(anchor text, ``title``, an image's ``alt``, the URL slug, and what the page it sits on is), and the
best unopened link is opened next, under a per-portal budget. Pure: links in, scores and choices out.

Kinds of page exploration opens (:data:`KINDS`): ``area`` (the disclosure area: 政府信息公开, 政务公开,
its 指南, 目录 and 制度 pages), ``platform`` (a page listing units' disclosure pages: 部门信息公开,
乡镇街道信息公开), ``unit`` (one unit's own disclosure page, linked from a platform), ``sitemap``
(the portal's 网站地图 page) and ``other`` (weaker evidence).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit
from xml.etree import ElementTree

from lxml import html as lxml_html

from govcrawl.discover.links import Link, canonical_url, column_score, squash

KINDS = ("area", "platform", "unit", "sitemap", "other")
#: Kinds still worth opening once a column has given reports: they lead to *other* units' columns.
UNIT_KINDS = frozenset({"platform", "unit"})
#: The least score a link needs to be opened at all (some evidence, not just any link).
MIN_SCORE = 2.0

# The section itself, named exactly as nav bars name it.
_AREA_EXACT = re.compile(
    r"^(政府信息公开|政务公开|信息公开|政府信息公开目录|政府信息公开专栏|政务信息公开|公开目录|信息公开目录"
    r"|政府信息公开平台|信息公开专栏|政府公开)$"
)
# Pages inside the section, where real portals also link the 年报 (指南, 目录, 制度, 法定主动公开内容).
_AREA_WORDS = re.compile(r"信息公开|政务公开|公开指南|公开目录|公开制度|主动公开|依申请公开|公开内容")
# A page listing the units' own disclosure pages.
_PLATFORM = re.compile(
    r"(部门|乡镇|街道|镇街|镇\(街道\)|乡镇\(街道\)|单位|区直|县直|市直|市直部门|县直部门)(政府)?(信息公开|政务公开|公开)"
    r"|部门专栏|部门信息|乡镇信息|街道信息|部门公开|机构信息公开"
)
# How units are named: bureaus, commissions, offices, townships, 街道, 片区, parks.
_UNIT_NAME = re.compile(
    r"^[\u4e00-\u9fff（）()]{1,24}(局|委员会|委|办公室|办|中心|乡|镇|街道|街道办事处|人民政府|管委会|管理委员会|"
    r"院|所|队|站|支队|大队|分局|馆|片区|园区|开发区)$"
)
_SITEMAP = re.compile(r"网站地图|站点地图|^sitemap$", re.IGNORECASE)
_TOPICS = re.compile(r"^(专题专栏|专题专项|专栏专题)$")
_AREA_SLUG = re.compile(r"/(zwgk|xxgk|zfxxgk|gk|zfxxgkml|xxgkml|openness|gkmlpt|bmxxgk|xzxxgk|zdly)(/|\b|_)", re.IGNORECASE)
_YEAR = re.compile(r"(19|20)\d{2}")
# Links that never lead anywhere new: paging, home, accessibility and account chrome.
_NOISE = re.compile(r"^(首页|返回首页|网站首页|上一页|下一页|尾页|末页|更多|更多>>|详细|English|无障碍|长者模式|登录|注册|\d+|>|<|»|«)$")


@dataclass(frozen=True)
class Scored:
    """A link with the evidence that it leads towards a 年报 column."""

    url: str
    score: float
    kind: str
    label: str


def page_kind(link_kind: str | None, url: str) -> str:
    """What a page is, from the kind of link that led to it (None: the homepage) and its URL."""
    if link_kind:
        return link_kind
    return "area" if _AREA_SLUG.search(urlsplit(url).path + "/") else "other"


def score_link(link: Link, on_page: str, depth: int) -> Scored | None:
    """How much ``link``, found on a page of kind ``on_page`` ``depth`` links from the homepage, is worth
    opening to look for 年报 columns; None for a link that is a column itself, a report, or noise.

    Graded evidence, added up: the section's own name (8), a page inside it (6), a units' platform (9),
    a unit's name on a platform page (8), the 网站地图 (5), a topics section (3), a disclosure slug (2).
    A page inside the disclosure area lends its links 1 more; every level deeper costs 0.5, so good
    evidence near the homepage is opened before the same evidence further in.
    """
    label = link.label
    if column_score(link) >= 10 or _NOISE.match(label) or link.is_attachment:
        return None
    if _YEAR.search(label):  # one article (a report, a notice), not a section
        return None
    kind, score = "other", 0.0
    if _PLATFORM.search(label):
        kind, score = "platform", 9.0
    elif on_page == "platform" and _UNIT_NAME.match(label):
        kind, score = "unit", 8.0
    elif _AREA_EXACT.match(label):
        kind, score = "area", 8.0
    elif _AREA_WORDS.search(label):
        kind, score = "area", 6.0
    elif _SITEMAP.search(label):
        kind, score = "sitemap", 5.0
    elif _TOPICS.match(label):
        score = 3.0
    if _AREA_SLUG.search(urlsplit(link.url).path + "/"):
        score += 2.0
        if kind == "other":
            kind = "area"
    if score == 0:
        return None
    if on_page in ("area", "platform", "unit"):
        score += 1.0
    return Scored(link.url, score - 0.5 * depth, kind, label)


@dataclass
class _Entry:
    scored: Scored
    depth: int
    way: str
    order: int


@dataclass
class Frontier:
    """A portal's unopened links, best first; a URL enters once (opened or not)."""

    entries: list[_Entry] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    units: int = 0  # unit pages found: the discovery budget grows with them

    def add(self, scored: Iterable[Scored], depth: int, way: str) -> int:
        """Add links found ``depth`` hops from the homepage by way of ``way``; returns how many were new."""
        added = 0
        for item in scored:
            if item.url in self.seen:
                continue
            self.seen.add(item.url)
            self.entries.append(_Entry(item, depth, way, len(self.seen)))
            self.units += item.kind == "unit"
            added += 1
        return added

    def mark(self, url: str) -> None:
        """Record ``url`` as opened by another way (the homepage, a column): never offered again."""
        self.seen.add(url)

    def pop(self, accept: Callable[[Scored], bool] = lambda s: True) -> _Entry | None:
        """The best entry ``accept`` takes (ties: the one found first), removed; None when there is none.

        Entries ``accept`` refuses stay: if the column found turns out empty, they are wanted again.
        """
        best: _Entry | None = None
        for entry in self.entries:
            if entry.scored.score < MIN_SCORE or not accept(entry.scored):
                continue
            if best is None or (entry.scored.score, -entry.order) > (best.scored.score, -best.order):
                best = entry
        if best is not None:
            self.entries.remove(best)
        return best


def sitemap_locations(xml: bytes | str) -> list[str]:
    """The ``<loc>`` URLs of a sitemap or sitemap index (namespaced or not); [] for anything else."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return []
    return [el.text.strip() for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "loc" and el.text]


#: What a site search is asked for when nothing else found the column.
SEARCH_TERM = "年度报告"
_SEARCH_FIELD_TYPES = ("", "text", "search")


def search_url(page_html: str, base_url: str, term: str = SEARCH_TERM) -> str | None:
    """The URL of the page's plain-GET site search for ``term`` (its hidden fields kept), or None.

    A form qualifies when it is GET (the default), has one visible text field, and is a search: its
    action, class, id or button says so. A POST form or a script-driven search is not followed.
    """
    if not page_html.strip():
        return None
    try:
        tree = lxml_html.fromstring(page_html)
    except (ValueError, lxml_html.etree.ParserError):
        return None
    for form in tree.iter("form"):
        if (form.get("method") or "get").strip().lower() != "get":
            continue
        hint = " ".join([form.get("action") or "", form.get("class") or "", form.get("id") or "",
                         form.get("name") or "", squash(form.text_content())]).lower()
        if not re.search(r"search|sousuo|query|检索|搜索", hint):
            continue
        fields, text_field = [], None
        for el in form.iter("input"):
            name, kind = el.get("name"), (el.get("type") or "").strip().lower()
            if not name or kind in ("submit", "button", "image", "reset", "checkbox", "radio"):
                continue
            if kind in _SEARCH_FIELD_TYPES and text_field is None:
                text_field = name
                fields.append((name, term))
            elif kind == "hidden":
                fields.append((name, el.get("value") or ""))
        if text_field is None:
            continue
        action = urljoin(base_url, (form.get("action") or "").strip() or base_url)
        if urlsplit(action).scheme not in ("http", "https"):
            continue
        return canonical_url(f"{action.split('?', 1)[0]}?{urlencode(fields)}")
    return None
