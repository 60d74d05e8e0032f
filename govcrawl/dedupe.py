"""Content hashing: the same report fetched at two URLs (or twice) hashes the same.

The hash is taken over a normalised form of the report's body text that ignores what differs
between copies of one report (whitespace and line breaks, full-width vs half-width forms, dash
and quote styles, page-number furniture, invisible characters) and keeps everything that makes
two reports different (every character and digit of the content).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

#: Dashes, minus signs and the CJK long dash, as one ASCII hyphen.
_DASHES = re.compile(r"[\u2010-\u2015\u2212\u2e3a\u2e3b\u30fc\ufe58\ufe63\uff0d]")
_DOUBLE_QUOTES = re.compile(r"[\u201c\u201d\u201e\u201f\u2033\u301d\u301e\u301f\uff02「」『』]")
_SINGLE_QUOTES = re.compile(r"[\u2018\u2019\u201a\u201b\u2032\uff07]")
#: Page-number furniture: "-1-", "— 12 —", "第 3 页", "第3页 共19页", "3/19" on a line of its own.
_PAGE_LINE = re.compile(
    r"^[ \t]*(?:-+[ \t]*\d{1,4}[ \t]*-+|第[ \t]*\d{1,4}[ \t]*页(?:[ \t,]*共[ \t]*\d{1,4}[ \t]*页)?"
    r"|\d{1,4}[ \t]*/[ \t]*\d{1,4})[ \t]*$",
    re.MULTILINE,
)
#: The same furniture inside a line, where PDF text runs pages together: "…情况 - 4 - 二、…".
_PAGE_INLINE = re.compile(r"(?<!\S)-{1,2}[ \t]*\d{1,4}[ \t]*-{1,2}(?!\S)")


def normalize_text(text: str) -> str:
    """The text as hashed: NFKC, unified dashes and quotes, no page numbers, no whitespace."""
    text = unicodedata.normalize("NFKC", text)
    text = _DASHES.sub("-", text)
    text = _DOUBLE_QUOTES.sub('"', text)
    text = _SINGLE_QUOTES.sub("'", text)
    text = _PAGE_LINE.sub("", text)
    text = _PAGE_INLINE.sub(" ", text)
    # Format characters (zero-width spaces, BOMs, soft hyphens) are invisible chrome.
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


def content_hash(text: str) -> str:
    """SHA-256 (hex) of :func:`normalize_text` of ``text``."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()
