"""Content hashing: the same report fetched at two URLs (or twice) hashes the same.

The hash is taken over a normalised form of the report's body text that ignores what differs
between copies of one report (whitespace and line breaks, full-width vs half-width forms, dash
and quote styles, page-number furniture, invisible characters, traditional or simplified
characters) and keeps everything that makes two reports different (every character and digit of
the content).

A mirror in traditional characters is the same report: spam sites republish reports through a
simplified-to-traditional converter. Matching happens here, in the hash, rather than in a second
key, because the hash already is the archive's one answer to "is this the same report" (one
report, many sources; each source keeps its own raw bytes and the report its first text). The
text is hashed in its canonical simplified form, OpenCC ``s2t`` then ``t2s``: converting to
traditional first makes the form a fixed point of the round trip, so a mirror made by ``s2t``
maps to exactly the form of its original even where ``t2s`` alone would not undo ``s2t``
(复函 → 覆函 → 覆函). For nearly all simplified text the form is the text itself.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

import opencc

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


@functools.cache
def _converters() -> tuple[opencc.OpenCC, opencc.OpenCC]:
    return opencc.OpenCC("s2t"), opencc.OpenCC("t2s")


def simplified_form(text: str) -> str:
    """The canonical simplified form of ``text``: ``t2s(s2t(text))`` (see the module docstring)."""
    s2t, t2s = _converters()
    return t2s.convert(s2t.convert(text))


# A report's text is normalised by three stages (identify, hash, the store's MinHash), each on
# another thread: the recent results are kept (a few KB each) so the work is done once.
@functools.lru_cache(maxsize=32)
def normalize_text(text: str) -> str:
    """The text as hashed: NFKC, canonical simplified characters, unified dashes and quotes, no
    page numbers, no whitespace."""
    text = simplified_form(unicodedata.normalize("NFKC", text))
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

