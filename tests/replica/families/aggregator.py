"""A DOC文库-style document site that republishes reports with its own chrome.

Each document page shows the site banner, the title repeated as tags, 页数 / 大小 / 下载文档
prompts, a 下载后继续阅读 teaser, the document's flattened text in a content div (one div per
preview page), and a 相关文章 list. A seed captured from such a page is laid back out line by line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from replica.chrome import esc
from replica.model import Site, day
from replica.render import seed_text

# Preview pages end with a page number between dashes: "—3—", "— 10 —".
_PAGE_MARK = re.compile(r"(—\s?\d+\s?—)")


@dataclass(frozen=True)
class AggregatorDoc:
    """One republished document: its page id, the seed captured from it, upload date."""

    id: int
    seed: str
    date: str
    related: tuple[tuple[int, str], ...] = ()  # (page id, title) of the 相关文章 list


@dataclass(frozen=True)
class Aggregator:
    """The document site as data."""

    host: str
    name: str
    docs: tuple[AggregatorDoc, ...]


def _lines(seed: str) -> list[str]:
    return [ln.strip() for ln in seed_text(seed).splitlines() if ln.strip()]


def doc_title(doc: AggregatorDoc) -> str:
    """The document title the page shows (the captured page's second line)."""
    return _lines(doc.seed)[1]


def _page_html(agg: Aggregator, doc: AggregatorDoc) -> str:
    banner, title, info, tags, preview, teaser, title2, content, related_head = _lines(doc.seed)
    m = re.match(r"(.*?)(\d+ 页)\s*(\S+ MB)(下载文档)$", info)
    uploader, pages, size, download = m.groups() if m else ("", "", "", info)
    slogan = banner.split(" - ", 1)[-1]
    n_tags = max(1, tags.count(title))
    tag_links = "".join(f'<a href="/search?q={esc(title)}">{esc(title)}</a>' for _ in range(n_tags))
    pm = re.match(r"(当前文档共\d+页)\s*(.*)$", preview)
    preview_html = f"{esc(pm.group(1))} <span class='price'>{esc(pm.group(2))}</span>" if pm else esc(preview)
    parts = _PAGE_MARK.split(content)  # text, mark, text, mark, …, text
    pages_html = [
        f'<div class="page-item">{esc(p)}</div>'
        for p in ("".join(parts[i : i + 2]).strip() for i in range(0, len(parts), 2))
        if p
    ]
    related = "".join(f'<li><a href="/p-{pid}.html">{esc(t)}</a></li>' for pid, t in doc.related)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{esc(title)} - {esc(agg.name)}</title>
<meta name="keywords" content="{esc(title)}">
<meta name="description" content="{esc(content[:120])}">
</head>
<body>
<div class="top-banner"><a class="logo" href="/">{esc(agg.name)}</a> - <span class="slogan">{esc(slogan)}</span></div>
<div class="doc-head">
<h1 class="doc-title">{esc(title)}</h1>
<div class="doc-meta"><span class="uploader">{esc(uploader)}</span><span class="pages">{esc(pages)}</span> <span class="size">{esc(size)}</span><a class="btn-download" href="/down/{doc.id}.html">{esc(download)}</a></div>
<div class="doc-tags">{tag_links}</div>
<div class="doc-preview-tip">{preview_html}</div>
<div class="continue"><a class="btn-continue" href="/down/{doc.id}.html">{esc(teaser)}</a></div>
</div>
<div class="doc-body">
<h2 class="doc-name">{esc(title2)}</h2>
<div class="doc-content" id="contents">
{chr(10).join(pages_html)}
</div>
</div>
<div class="related"><h3>{esc(related_head)}</h3><ul>{related}</ul></div>
<div class="footer">Copyright © {esc(agg.name)} 版权所有 本站文档由用户上传，仅供学习交流</div>
</body>
</html>
"""


def build(agg: Aggregator) -> Site:
    """The document site: a homepage and one page per republished document."""
    site = Site(
        agg.host, "<html><head><title>404</title></head><body><h1>文档不存在或已被删除</h1></body></html>"
    )
    items = []
    for doc in agg.docs:
        site.add(f"/p-{doc.id}.html", _page_html(agg, doc), modified=day(doc.date))
        items.append(f'<li><a href="/p-{doc.id}.html">{esc(doc_title(doc))}</a></li>')
    home = f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(agg.name)}</title></head><body><h1>{esc(agg.name)}</h1><ul>{''.join(items)}</ul></body></html>"
    site.add("/", home)
    site.add("/index.html", home)
    return site
