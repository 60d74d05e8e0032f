"""Remove page furniture that survives extraction, keep the report text and tables.

Government pages wrap every article in the same chrome: a breadcrumb (当前位置), an info line
(发布时间/来源/浏览次数/字体 大中小), print/close/share links and a footer (主办单位, 网站标识码,
ICP备, 公网安备). PDFs add page numbers (``- 1 -``, ``—1—``, ``— 14 —``). Content selectors and
trafilatura drop most of it; this pass removes what is left, line by line. Only short lines are
judged as furniture, so a report sentence that mentions 主办单位 is never cut.
"""

from __future__ import annotations

import re
from dataclasses import replace

from govcrawl.document import Block, Document

#: Lines longer than this are report text whatever words they contain.
_MAX_FURNITURE_LEN = 120

_DASH = r"[-—–－―─]"
_PAGE_NUMBER = re.compile(
    rf"^\s*(?:{_DASH}{{1,2}}\s*\d{{1,4}}\s*{_DASH}{{1,2}}"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,3}\s*/\s*\d{1,3}"
    r"|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?)\s*$"
)
# A page number printed inside a flowed line (text pasted from a PDF): a dash pair around
# one to three digits, standing alone between spaces.
_INLINE_PAGE_NUMBER = re.compile(rf"(?:(?<=\s)|^){_DASH}{{1,2}} ?\d{{1,3}} ?{_DASH}{{1,2}}(?=\s|$)")

_FURNITURE = [
    # footer
    re.compile(
        r"(?:主办|承办)(?:单位)?\s*[:：]|网站标识码|ICP\s*备|ICP\s*证|公网安备|版权所有|技术支持\s*[:：]"
    ),
    re.compile(r"^\s*(?:Copyright|©)", re.IGNORECASE),
    # breadcrumb
    re.compile(r"^\s*(?:当前位置|您现在的位置|你现在的位置|您的位置|你的位置|所在位置|当前的位置)\s*[:：]?"),
    re.compile(r"^\s*首页\s*(?:>|＞|&gt;|»|/)"),
    # info line and tools
    re.compile(r"浏览次数|阅读次数|访问次数|点击次数|点击数[:：]|累计次数|访问量[:：]|浏览量[:：]"),
    re.compile(r"字体\s*[:：]?\s*[\[【(（]?\s*(?:大\s*中\s*小|\s*[\]】)）])"),
    re.compile(r"[\[【]\s*(?:大|中|小)\s*[\]】]"),
    re.compile(
        r"分享到|打印本页|打印此页|关闭窗口|【\s*打印\s*】|【\s*关闭\s*】|^\s*(?:打印|关闭|收藏|返回顶部)\s*$"
    ),
    re.compile(r"(?:发布|发表|更新)(?:时间|日期)\s*[:：].{0,60}(?:来源|信息来源)\s*[:：]"),
    re.compile(r"(?:来源|信息来源)\s*[:：].{0,60}(?:发布|发表|更新)(?:时间|日期)\s*[:：]"),
    re.compile(r"^\s*(?:上一篇|下一篇)\s*[:：]"),
    re.compile(r"^\s*【?\s*(?:扫一扫|手机扫码)"),
]


def is_page_number_line(line: str) -> bool:
    """True for a line that is only a printed page number (``- 1 -``, ``—1—``, ``第1页 共3页``)."""
    return bool(_PAGE_NUMBER.match(line))


def is_furniture_line(line: str) -> bool:
    """True for a short line that is site chrome (footer, breadcrumb, info line, tools) or a page number."""
    if is_page_number_line(line):
        return True
    if len(line.strip()) > _MAX_FURNITURE_LEN:
        return False
    return any(p.search(line) for p in _FURNITURE)


def remove_inline_page_numbers(line: str) -> str:
    """Drop page numbers that a PDF-to-text copy left inside a flowed line (``…领 —1— 提高…``)."""
    cleaned = _INLINE_PAGE_NUMBER.sub("", line)
    if cleaned == line:
        return line
    return re.sub(r"\s{2,}", " ", cleaned).strip()


def strip_boilerplate(doc: Document) -> Document:
    """A copy of ``doc`` without furniture lines; tables and report text are kept as they are."""
    blocks: list[Block] = []
    for block in doc.blocks:
        if block.kind == "table":
            blocks.append(block)
            continue
        kept = [
            remove_inline_page_numbers(line)
            for line in block.text.split("\n")
            if line.strip() and not is_furniture_line(line)
        ]
        kept = [line for line in kept if line]
        if kept:
            blocks.append(Block(block.kind, "\n".join(kept)))
    return replace(
        doc,
        blocks=blocks,
        meta=dict(doc.meta),
        attachments=list(doc.attachments),
        warnings=list(doc.warnings),
    )
