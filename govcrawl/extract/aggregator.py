"""Aggregator copies: a report republished inside a document-sharing site's wrapper.

Sites like DOC文库 show a banner ("DOC文库 - 千万精品文档"), the file name (often repeated many
times on one line), size/page prompts ("19 页 2.023 MB下载文档", "当前文档共19页",
"下载后继续阅读") and a "相关文章" tail around the report's text. A copy is not a new report,
so the wrapper is stripped, the document marked ``aggregator_copy`` and its title taken from the
file name the page claims.
"""

from __future__ import annotations

import re
from dataclasses import replace

from govcrawl.document import Block, Document

_BANNER = re.compile(
    r"DOC文库|千万精品文档|淘文阁|原创力文档|人人文库|道客巴巴|豆丁网|百度文库|文库网|冰点文库|"
    r"max\.book118|docin\.com|doc88\.com|wenku",
    re.IGNORECASE,
)
_PROMPT = re.compile(
    r"下载文档|下载后继续阅读|当前文档共\s*\d+\s*页|\d+\s*页\s*[\d.]+\s*[KM]B|还剩\s*\d+\s*页|"
    r"继续阅读|免费下载|立即下载|文档格式[:：]|文档大小[:：]|上传时间[:：]|VIP"
)
_TAIL = re.compile(r"^\s*(?:相关文章|相关文档|相关推荐|猜你喜欢|热门文档|最新文档|推荐文档)\s*[:：]?\s*$")
_FILE_NAME = re.compile(r"^\s*(.{6,150}?)\.(?:docx?|pdf|wps|txt|pptx?|xlsx?)\s*$", re.IGNORECASE)
#: Wrapper lines are short; a long line is document text even if it says 下载.
_MAX_WRAPPER_LEN = 200
#: Only this many leading blocks are searched for the wrapper's head.
_HEAD_BLOCKS = 15


def _repeated_unit(line: str) -> str | None:
    """The string a line consists of, repeated at least three times, if it is such a line."""
    s = line.strip()
    n = len(s)
    for size in range(4, n // 3 + 1):
        if n % size == 0 and s[:size] * (n // size) == s:
            return s[:size]
    return None


def _claimed_title(lines: list[str]) -> str | None:
    for line in lines:
        unit = _repeated_unit(line) or line
        m = _FILE_NAME.match(unit)
        if m:
            return m.group(1).strip()
    return None


def _head_texts(doc: Document, page_lines: list[str]) -> list[str]:
    head = [b.text for b in doc.blocks[:_HEAD_BLOCKS] if b.kind != "table"]
    return [t for t in [*head, *page_lines] if len(t) <= 2000]


def is_aggregator_copy(doc: Document, page_lines: list[str] = ()) -> bool:
    """True when the document's head, or the page around it, carries two distinct wrapper signs.

    ``page_lines`` are the lines of the whole HTML page: content extraction may already have
    dropped the wrapper, but the page still shows it.
    """
    head = _head_texts(doc, list(page_lines))
    signs = 0
    signs += any(_BANNER.search(t) for t in head if len(t) <= _MAX_WRAPPER_LEN)
    signs += any(_PROMPT.search(t) for t in head if len(t) <= _MAX_WRAPPER_LEN)
    signs += any(_repeated_unit(t) for t in head)
    return signs >= 2


def unwrap_aggregator(doc: Document, page_lines: list[str] = ()) -> Document:
    """The document without an aggregator's wrapper, or ``doc`` unchanged if it has none."""
    if not is_aggregator_copy(doc, page_lines):
        return doc
    claims = [*_head_texts(doc, list(page_lines)), *([doc.title] if doc.title else [])]
    title = _claimed_title(claims) or doc.title
    blocks: list[Block] = []
    for k, block in enumerate(doc.blocks):
        if block.kind == "table":
            blocks.append(block)
            continue
        text = block.text
        if _TAIL.match(text) and k >= len(doc.blocks) // 2:
            break
        if k < _HEAD_BLOCKS and len(text) <= _MAX_WRAPPER_LEN and _is_wrapper_line(text, title):
            continue
        blocks.append(block)
    return replace(
        doc,
        blocks=blocks,
        title=title,
        aggregator_copy=True,
        warnings=[*doc.warnings, "aggregator wrapper stripped"],
    )


def _is_wrapper_line(text: str, title: str | None) -> bool:
    if _BANNER.search(text) or _PROMPT.search(text) or _repeated_unit(text):
        return True
    return bool(_FILE_NAME.match(text)) and title is not None and text.strip().startswith(title)
