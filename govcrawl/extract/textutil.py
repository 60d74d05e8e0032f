"""Small text helpers shared by the format extractors."""

from __future__ import annotations

import re

from govcrawl.document import Block

_WS = re.compile(r"\s+")
# Section numbering that opens a report's body, never its title: 一、 （一） 1. 1、
_SECTION_START = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+\s*[、.．])"
)


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def join_wrapped(lines: list[str]) -> str:
    """Join visually wrapped lines: no space between CJK, one space between Latin words.

    PDF and Word cells wrap long labels (``社会\\n公益\\n组织``); the break is layout, not content.
    """
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if out and _is_word_char(out[-1]) and _is_word_char(line[0]):
            out += " "
        out += line
    return out


def squash_spaces(text: str) -> str:
    """Collapse every whitespace run (newlines included) into one space and strip."""
    return _WS.sub(" ", text).strip()


def leading_title(blocks: list[Block]) -> str | None:
    """The title a file opens with: its first heading, else a short first line that is no sentence."""
    for b in blocks:
        if b.kind == "heading" and b.text:
            return b.text
    first = next((b for b in blocks if b.kind != "table" and b.text), None)
    if first is None or len(first.text) > 80 or _SECTION_START.match(first.text):
        return None
    if first.text.endswith(("。", "；", "，", "：", ":")):
        return None
    return first.text
