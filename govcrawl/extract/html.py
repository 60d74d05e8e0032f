"""HTML pages: decode, find the article body, keep its paragraphs and span-exact table grids.

The body is found by the content containers government CMSs use (TRS, Hanweb, 博达, ...);
trafilatura is only the fallback, because it loses rowspan/colspan and, on a page whose body
is just an attachment link, returns the whole page chrome (stack notes §3).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from govcrawl.document import Block, Cell, Document, Table
from govcrawl.extract.aggregator import unwrap_aggregator
from govcrawl.extract.errors import ExtractionError
from govcrawl.extract.grid import collapse_redundant_lines
from govcrawl.extract.text import decode_text
from govcrawl.extract.textutil import squash_spaces

#: Content containers, most specific first. Each is an XPath over the parsed page.
_BODY_XPATHS = [
    '//*[contains(concat(" ", normalize-space(@class), " "), " TRS_Editor ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " TRS_UEDITOR ")]',
    '//*[@id="zoom"]',
    '//*[@id="UCAP-CONTENT"]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " article-content ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " bt-article ")]',
    '//*[@id="Zoom"] | //*[@id="fontzoom"] | //*[@id="zoomcon"] | //*[@id="zoomCon"]',
    '//*[@id="article_content"] | //*[@id="artibody"] | //*[@id="ArticleContent"]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " view ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " zw ")] | //*[@id="zw"]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " article ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " pages_content ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " news_content ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " detail ")]',
    '//*[@id="content"]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " content ")]',
    "//article",
]
#: Generic containers (the last few) also match sidebars; they need this much text to count.
_GENERIC_FROM = _BODY_XPATHS.index('//*[contains(concat(" ", normalize-space(@class), " "), " article ")]')
_GENERIC_MIN_CHARS = 80

_TITLE_XPATHS = [
    "//h1",
    '//*[contains(concat(" ", normalize-space(@class), " "), " article-title ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " tit ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " title ")]',
    '//*[@id="title"] | //*[@id="ivs_title"]',
]
_META_NAMES = [
    "ArticleTitle",
    "PubDate",
    "ContentSource",
    "SiteName",
    "ColumnName",
    "Keywords",
    "Description",
]

_ATTACHMENT_EXT = re.compile(r"\.(pdf|docx?|wps|xlsx?|txt|et|ofd|zip|rar)$", re.IGNORECASE)
_ATTACHMENT_TEXT = re.compile(r"附件|下载")
_SITE_SUFFIX = re.compile(r"(人民政府|政府|网站|门户|信息公开|政务|办公室|平台)")

_BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "center",
    "form",
    "tr",
    "td",
    "th",
    "caption",
    "header",
    "footer",
    "main",
    "aside",
    "nav",
    "hr",
}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_DROP_TAGS = ["script", "style", "noscript", "template", "iframe", "object", "embed", "select", "button"]
_SITE_NAME_ONLY = re.compile(r"^.{0,20}(?:人民政府|政府网|门户网站|网站)$")
_NAV_WORDS = re.compile(r"首页|当前位置|网站地图|联系我们|主办单位|网站标识码|ICP|登录|注册|无障碍|English")
_MAX_SPAN = 1000


def sniff_charset(body: bytes, content_type: str | None) -> str | None:
    """The charset a page declares: the HTTP header first, then ``<meta charset>`` in the head."""
    if content_type:
        m = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
        if m:
            return m.group(1)
    head = body[:4096].decode("ascii", errors="ignore")
    m = re.search(r"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", head, re.IGNORECASE)
    return m.group(1) if m else None


def _parse(text: str) -> etree._Element:
    # lxml refuses str input carrying an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        root = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError("corrupt", f"unparseable HTML: {exc}") from exc
    etree.strip_elements(root, *_DROP_TAGS, with_tail=False)
    etree.strip_elements(root, etree.Comment, with_tail=False)
    return root


def _el_text(el: etree._Element) -> str:
    return squash_spaces(el.text_content())


# ---------------------------------------------------------------- tables


def _span(value: str | None) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return max(1, min(n, _MAX_SPAN))


def _own_rows(table: etree._Element) -> list[etree._Element]:
    return table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")


def _cell_text(cell: etree._Element) -> str:
    return squash_spaces("".join(cell.itertext()))


def html_table_to_grid(table: etree._Element) -> Table:
    """A ``<table>`` element as a :class:`Table`, rowspan/colspan expanded into shared cells.

    Rows of nested tables are not this table's rows; a nested table's text stays inside the
    cell that holds it. A rowspan reaching past the last row is clipped to the table.
    """
    rows = _own_rows(table)
    slots: dict[tuple[int, int], Cell] = {}
    n_rows = len(rows)
    for i, tr in enumerate(rows):
        j = 0
        for td in tr.xpath("./td | ./th"):
            while (i, j) in slots:
                j += 1
            rowspan = min(_span(td.get("rowspan")), n_rows - i)
            colspan = _span(td.get("colspan"))
            cell = Cell(_cell_text(td), i, j, rowspan, colspan)
            for di in range(rowspan):
                for dj in range(colspan):
                    slots.setdefault((i + di, j + dj), cell)
            j += colspan
    width = max((c for _, c in slots), default=-1) + 1
    grid = [[slots.get((i, j)) or Cell("", i, j) for j in range(width)] for i in range(n_rows)]
    return collapse_redundant_lines(Table(grid))


def _is_layout_table(table: etree._Element) -> bool:
    """A table used for page layout: it holds other tables, or is a single cell wrapping content."""
    if table.xpath(".//table"):
        return True
    rows = _own_rows(table)
    cells = [c for tr in rows for c in tr.xpath("./td | ./th")]
    return len(cells) <= 1


# ---------------------------------------------------------------- blocks


class _BlockWriter:
    """Walks an element tree in document order and emits paragraphs, headings and tables."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._buf: list[str] = []
        self._kind = "paragraph"

    def flush(self) -> None:
        text = squash_spaces("".join(self._buf))
        if text:
            self.blocks.append(Block(self._kind, text))  # type: ignore[arg-type]
        self._buf = []
        self._kind = "paragraph"

    def _text(self, s: str | None) -> None:
        if s:
            self._buf.append(s)

    def walk(self, el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower()
        if tag == "br":
            self.flush()
        elif tag == "table" and not _is_layout_table(el):
            self.flush()
            grid = html_table_to_grid(el)
            if grid.n_rows and grid.n_cols:
                self.blocks.append(Block("table", table=grid))
        elif tag in _HEADING_TAGS:
            self.flush()
            self._kind = "heading"
            self._text(el.text)
            for child in el:
                self.walk(child)
            self.flush()
        elif tag in _BLOCK_TAGS or tag == "table":
            self.flush()
            self._text(el.text)
            for child in el:
                self.walk(child)
            self.flush()
        else:
            self._text(el.text)
            for child in el:
                self.walk(child)
        if el.tail:
            self._text(el.tail)


def element_blocks(root: etree._Element) -> list[Block]:
    """Paragraph, heading and table blocks of an element, in document order."""
    writer = _BlockWriter()
    writer._text(root.text)
    for child in root:
        writer.walk(child)
    writer.flush()
    return writer.blocks


# ---------------------------------------------------------------- body, title, meta, links


def _has_attachment_link(el: etree._Element) -> bool:
    return any(_is_attachment(a) for a in el.iter("a"))


def _is_attachment(a: etree._Element) -> bool:
    href = (a.get("href") or "").strip()
    if not href or href.startswith(("javascript:", "#", "mailto:")):
        return False
    path = urlsplit(href).path
    return bool(_ATTACHMENT_EXT.search(path)) or bool(_ATTACHMENT_TEXT.search(_el_text(a)))


def find_body(root: etree._Element) -> etree._Element | None:
    """The article container, by the ordered CMS selectors; ``None`` if none fits."""
    for idx, xpath in enumerate(_BODY_XPATHS):
        best = None
        best_len = -1
        for el in root.xpath(xpath):
            n = len(_el_text(el))
            if n > best_len:
                best, best_len = el, n
        if best is None:
            continue
        has_content = best_len > 0 or bool(best.xpath(".//table | .//img")) or _has_attachment_link(best)
        if idx >= _GENERIC_FROM and best_len < _GENERIC_MIN_CHARS and not _has_attachment_link(best):
            continue
        if has_content:
            return best
    return None


def _trafilatura_blocks(text: str, root: etree._Element) -> list[Block]:
    """Fallback body via trafilatura; its tables are swapped for the raw grids they came from."""
    xml = trafilatura.extract(text, output_format="xml", include_tables=True, include_comments=False)
    if not xml:
        return []
    try:
        tree = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError:
        return []
    raw_tables = [t for t in root.iter("table") if not _is_layout_table(t)]
    raw_grids = [(html_table_to_grid(t), _table_signature(t)) for t in raw_tables]
    blocks: list[Block] = []
    main = tree.find("main")
    for el in (main if main is not None else tree).iter():
        if el.tag == "head":
            blocks.append(Block("heading", squash_spaces("".join(el.itertext()))))
        elif el.tag in ("p", "item", "quote", "code") and el.xpath("not(ancestor::table)"):
            t = squash_spaces("".join(el.itertext()))
            if t:
                blocks.append(Block("paragraph", t))
        elif el.tag == "table":
            rows = [
                [squash_spaces("".join(c.itertext())) for c in r.findall("cell")] for r in el.findall("row")
            ]
            sig = {c for r in rows for c in r if c}
            match = next((g for g, s in raw_grids if s == sig), None)
            if match is None and _repeats_paragraphs(sig, blocks):
                continue  # a layout table whose content trafilatura also gave as paragraphs
            blocks.append(Block("table", table=match or Table.from_rows(rows)))
    return [b for b in blocks if b.kind == "table" or b.text]


def _repeats_paragraphs(cells: set[str], blocks: list[Block]) -> bool:
    texts = [b.text for b in blocks if b.kind != "table" and len(b.text) >= 10]
    return any(t in c for c in cells for t in texts)


def _table_signature(table: etree._Element) -> set[str]:
    return {t for tr in _own_rows(table) for c in tr.xpath("./td | ./th") if (t := _cell_text(c))}


def _looks_like_chrome(blocks: list[Block]) -> bool:
    """True when a fallback body is mostly navigation (trafilatura's whole-page fallback)."""
    lines = [b.text for b in blocks if b.kind != "table"]
    if not lines:
        return False
    navish = sum(1 for line in lines if len(line) < 40 and _NAV_WORDS.search(line))
    return navish >= 2 and navish * 4 >= len(lines)


def clean_title(title: str) -> str:
    """A ``<title>`` without the site name the CMS appends (``报告_XX市人民政府``)."""
    title = squash_spaces(title)
    parts = re.split(r"\s*(?:_|\||｜|--|—|-\s)\s*", title)
    if len(parts) > 1:
        head, rest = parts[0], parts[1:]
        if head and any(_SITE_SUFFIX.search(p) for p in rest):
            return head.strip()
    return title


def read_meta(root: etree._Element) -> dict[str, str]:
    """The government CMS ``<meta name=...>`` values worth keeping."""
    found: dict[str, str] = {}
    wanted = {n.lower(): n for n in _META_NAMES}
    for m in root.iter("meta"):
        name = (m.get("name") or "").strip().lower()
        if name in wanted and wanted[name] not in found:
            content = squash_spaces(m.get("content") or "")
            if content:
                found[wanted[name]] = content
    return found


def find_title(root: etree._Element, meta: dict[str, str]) -> str | None:
    """ArticleTitle meta, then an ``<h1>``/title container, then the cleaned ``<title>``."""
    if meta.get("ArticleTitle"):
        return meta["ArticleTitle"]
    for xpath in _TITLE_XPATHS:
        for el in root.xpath(xpath):
            t = _el_text(el)
            if 4 <= len(t) <= 200 and not _SITE_NAME_ONLY.match(t):
                return t
    title_el = root.find(".//title")
    if title_el is not None:
        t = clean_title(title_el.text_content())
        return t or None
    return None


def find_attachments(root: etree._Element, body: etree._Element | None, base_url: str) -> list[str]:
    """Absolute URLs of attachment links: any in the body, elsewhere those whose text says 附件/下载
    or that sit in an attachment box."""
    base_el = root.find(".//base")
    if base_el is not None and base_el.get("href"):
        base_url = urljoin(base_url, base_el.get("href").strip())
    body_links = set(body.iter("a")) if body is not None else set()
    urls: list[str] = []
    for a in root.iter("a"):
        if not _is_attachment(a):
            continue
        href = (a.get("href") or "").strip()
        if a not in body_links:
            boxed = a.xpath(
                'ancestor::*[re:test(concat(@class, " ", @id), "fj|fujian|attach|file|down", "i")]',
                namespaces={"re": "http://exslt.org/regular-expressions"},
            )
            if not (_ATTACHMENT_TEXT.search(_el_text(a)) or boxed):
                continue
        url = urljoin(base_url, href)
        if url not in urls:
            urls.append(url)
    return urls


def extract_html(body: bytes, *, url: str = "", content_type: str | None = None) -> Document:
    """An HTML page as a :class:`Document` (body blocks, title, meta, attachments)."""
    text, _, warnings = decode_text(body, sniff_charset(body, content_type))
    root = _parse(text)
    meta = read_meta(root)
    container = find_body(root)
    if container is not None:
        blocks = element_blocks(container)
    else:
        blocks = _trafilatura_blocks(text, root)
        warnings.append("no content container; trafilatura fallback")
        if _looks_like_chrome(blocks):
            warnings.append("fallback body looks like page chrome; dropped")
            blocks = []
    doc = Document(
        blocks=blocks,
        title=find_title(root, meta),
        meta=meta,
        attachments=find_attachments(root, container, url),
        source_format="html",
        warnings=warnings,
    )
    page = root.find("body")
    page_lines = [b.text for b in element_blocks(page if page is not None else root) if b.kind != "table"]
    return unwrap_aggregator(doc, page_lines)
