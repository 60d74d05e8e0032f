"""Links on a portal page, and how much each one looks like the way to the annual-report column.

Pure functions over HTML text: no Scrapy, no network.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

from lxml import html as lxml_html
from w3lib.url import safe_url_string

#: Document attachments worth fetching as reports.
ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".txt")

# Anchor texts of the 年报 column (whitespace removed before matching: nav texts are split by <br>).
_COLUMN_TEXT = re.compile(r"(政府|政务)?信息公开(工作)?(年报|年度报告)|公开年报|^年度报告$|年报专栏|^年报$")
# URL slugs the column lives under on real portals (see shared/data/README.md).
_COLUMN_SLUG = re.compile(
    r"(zfxxgknb|xxgknb|gknb|zfxxgkndbg|xxgkndbg|gkndbg|zfxxyjxndbg|ndbg|niandubaogao|annualreport|xxgknd)",
    re.IGNORECASE,
)
# The last part of a list page's path: a directory, or an index/list page in it.
_LIST_PAGE = re.compile(r"^(|index(_\d+)?|list(_\d+)?|nlist|default|more)(\.\w+)?$", re.IGNORECASE)
# The disclosure section the column hangs under.
_DISCLOSURE_TEXT = re.compile(r"^(政府信息公开|政务公开|信息公开|政府信息公开目录|政府信息公开专栏|政务信息公开|公开目录)$")
# Topic sections (专题专栏) sometimes hold the column: a weaker way in.
_TOPICS_TEXT = re.compile(r"^(专题专栏|专题专项|专栏专题)$")
_DISCLOSURE_SLUG = re.compile(r"/(zwgk|xxgk|zfxxgk|gk|zfxxgkml|xxgkml|openness|gkmlpt)(/|\b|_)", re.IGNORECASE)
# Anchor texts of list pagination.
_NEXT_TEXT = re.compile(r"^(下一页|下页|后一页|>|»|›)$")
# The last path segment of a file-download endpoint (download.jsp, DownloadFile.aspx, getFile.do…).
_DOWNLOAD_ENDPOINT = re.compile(r"download|attach|getfile|fileupload", re.IGNORECASE)
# A year in a title means a link to one report, not to the column.
_YEAR = re.compile(r"(19|20)\d{2}")


@dataclass(frozen=True)
class Link:
    """An anchor: absolute URL, its visible text (whitespace removed) and its title attribute."""

    url: str
    text: str
    title: str = ""

    @property
    def label(self) -> str:
        """The more informative of text and title (titles carry full names where text is cut with …)."""
        return self.title if len(self.title) > len(self.text) else self.text

    @property
    def is_attachment(self) -> bool:
        """A file link: by its path, or a download endpoint (download.jsp?…) whose text names a file."""
        path = urlsplit(self.url).path.lower()
        if path.endswith(ATTACHMENT_EXTENSIONS):
            return True
        endpoint = bool(_DOWNLOAD_ENDPOINT.search(path.rpartition("/")[2]))
        return endpoint and self.text.lower().endswith(ATTACHMENT_EXTENSIONS)


def squash(text: str) -> str:
    """NFKC and no whitespace: how link texts are compared."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def extract_links(page_html: str, base_url: str) -> list[Link]:
    """Every http(s) link of a page, made absolute against ``<base href>`` or ``base_url``, in page order.

    Besides ``<a href>``: the URL a ``javascript:`` href or an ``onclick`` handler opens
    (``location.href='…'``, ``window.open('…')``, ``openUrl('…')``), on any element, since real nav
    bars are built that way; and an image link's ``alt`` text when the anchor has no text.
    """
    if not page_html.strip():
        return []
    try:
        tree = lxml_html.fromstring(page_html)
    except (ValueError, lxml_html.etree.ParserError):
        return []
    base_el = tree.find(".//base[@href]")
    base = urljoin(base_url, base_el.get("href")) if base_el is not None else base_url
    links: list[Link] = []
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        href = (el.get("href") or "").strip() if el.tag in ("a", "area") else ""
        if href.lower().startswith("javascript:"):
            href = _scripted_target(href)
        elif href.startswith("#"):
            href = ""
        if not href and el.get("onclick"):
            href = _scripted_target(el.get("onclick"))
        if not href or href.lower().startswith(("mailto:", "tel:")):
            continue
        url = urljoin(base, href)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            continue
        url = urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))
        text = squash(el.text_content()) or squash(el.get("alt") or "") or _image_alt(el)
        links.append(Link(canonical_url(url), text, squash(el.get("title") or "")))
    return links


# The URL a script handler opens: the first quoted path or page-looking string in it.
_HANDLER_URL = re.compile(
    r"""['"]((?:https?://|/|\.{1,2}/)[^'"\s]*|[^'"\s/]+\.(?:s?html?|jsp|aspx?|php|do)(?:\?[^'"\s]*)?)['"]""",
    re.IGNORECASE,
)


def _scripted_target(script: str) -> str:
    m = _HANDLER_URL.search(html.unescape(script))
    return m.group(1) if m else ""


def _image_alt(el: lxml_html.HtmlElement) -> str:
    """The ``alt`` (else ``title``) of the first image inside an element: an image-only nav entry's name."""
    for img in el.iter("img"):
        label = squash(img.get("alt") or "") or squash(img.get("title") or "")
        if label:
            return label
    return ""


def canonical_url(url: str) -> str:
    """``url`` as Scrapy requests it and the archive stores it: percent-encoded (UTF-8), without a fragment.

    A link written ``/nb/2023年报告 最终.pdf`` and the request Scrapy makes for it must be one key,
    for the duplicate filter and for what an incremental run knows it has archived.
    """
    return safe_url_string(urldefrag(url)[0])


def column_score(link: Link) -> int:
    """How strongly a link points at the annual-report column (0 = not at all).

    Text matches weigh most; a slug alone is weaker (``ndbg`` also names other 年度报告 columns). A link
    whose text carries a year is a single report, not the column.
    """
    label = link.label
    if _YEAR.search(label):
        return 0
    score = 0
    if _COLUMN_TEXT.search(label):
        score += 10
    if _slug_names_list(urlsplit(link.url).path):
        score += 4
    return score


def _slug_names_list(path: str) -> bool:
    """True when the path is the column's own list (``/zwgk/zfxxgknb/``), not an article under it."""
    directory, _, last = path.rpartition("/")
    return bool(_LIST_PAGE.match(last)) and bool(_COLUMN_SLUG.search(directory.rpartition("/")[2]))


def disclosure_score(link: Link) -> int:
    """How strongly a link points at the 政府信息公开 / 政务公开 section (0 = not at all)."""
    score = 0
    if _DISCLOSURE_TEXT.search(link.label):
        score += 6
    elif _TOPICS_TEXT.search(link.label):
        score += 3
    if _DISCLOSURE_SLUG.search(urlsplit(link.url).path + "/"):
        score += 2
    return score


def next_page_links(links: list[Link]) -> list[Link]:
    """Links that page a list forward (下一页 and friends)."""
    return [link for link in links if _NEXT_TEXT.match(link.text)]


# A sub-column of the 年报 column: one year (2022年, 2022年度) or one kind of unit (本级, 部门, 乡镇街道).
_YEAR_COLUMN = re.compile(r"^((?:19|20)\d{2})年?度?(?:年报|报告)?$")
_UNIT_COLUMN = re.compile(r"^(本级|市本级|县本级|区本级|部门|乡镇|街道|乡镇街道|乡镇\(街道\)|镇街)(年报|年度报告)?$")
# Script redirects of shell homepages: location.replace("…"), location.href = "…", meta refresh.
_SCRIPT_REDIRECT = re.compile(
    r"location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*['\"]([^'\"]+)['\"]", re.IGNORECASE
)
_META_REFRESH = re.compile(r"<meta[^>]+http-equiv=['\"]?refresh[^>]+url=([^'\">\s]+)", re.IGNORECASE)
# Attachment URLs anywhere in the raw page, scripts included (document.write, variables).
_QUOTED_FILE = re.compile(
    r"""(?:href=|src=|['"])\\?['"]?([^'"<>\s\\]+\.(?:pdf|docx?|wps))(?=\\?['"])""", re.IGNORECASE
)


def sub_column(link: Link) -> tuple[str, int | None] | None:
    """("year", year) or ("unit", None) when ``link`` opens a sub-column of the 年报 column, else None."""
    m = _YEAR_COLUMN.match(link.text)
    if m:
        return "year", int(m.group(1))
    if _UNIT_COLUMN.match(re.sub(r"[（）()]", "", link.text)):
        return "unit", None
    return None


def redirect_target(page_html: str, base_url: str) -> str | None:
    """Where a shell page sends the browser (``location.replace``, ``location.href=``, meta refresh)."""
    m = _META_REFRESH.search(page_html) or _SCRIPT_REDIRECT.search(page_html)
    if not m:
        return None
    url = urljoin(base_url, m.group(1).strip())
    return canonical_url(url) if urlsplit(url).scheme in ("http", "https") else None


def file_urls(page_html: str, base_url: str) -> list[str]:
    """Attachment URLs written anywhere in the raw page, including by script; absolute, in order."""
    out: list[str] = []
    for m in _QUOTED_FILE.finditer(page_html):
        url = canonical_url(urljoin(base_url, html.unescape(m.group(1))))
        if urlsplit(url).scheme in ("http", "https") and url not in out:
            out.append(url)
    return out


#: What an empty page of a portal says when the page is gone (a 200 "soft 404").
_SOFT_404 = re.compile(r"页面不存在|页面已删除|已被删除|找不到(该|您要访问的)?页面|您访问的页面不存在")


def is_soft_404(page_html: str) -> bool:
    """True for a 200 page that only says the page does not exist."""
    title = re.search(r"<title>(.*?)</title>", page_html, re.IGNORECASE | re.DOTALL)
    if title and ("404" in title.group(1) or _SOFT_404.search(title.group(1))):
        return True
    text = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", "", page_html, flags=re.DOTALL | re.IGNORECASE)
    return bool(_SOFT_404.search(text)) and len(squash(text)) < 400
