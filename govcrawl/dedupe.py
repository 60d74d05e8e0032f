"""Is this the same report? Exact duplicates by a content hash, near-duplicates by a MinHash signature.

**Exact.** The hash is taken over a normalised form of the report's body text that ignores what
differs between copies of one report (whitespace and line breaks, full-width vs half-width forms,
dash and quote styles, page-number furniture, invisible characters, traditional or simplified
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

The normalisation is frozen: every archived report is keyed by it, so a change would make the
archive miss its own reports. That is why its page-number patterns stay here, beside cleaning's
(``govcrawl.clean``), which may evolve.

**Near.** Exact hashing misses the same report as another site or another day lays it out: a
flattened table, a wrapper's leftovers, a new date line. Character shingles of the normalised text
compared by MinHash (datasketch) find them; the report's identity (division, year, publisher)
keeps reports written on one template apart. The archive's write path (``govcrawl.store.reports``)
only looks signatures up: they are computed here, once per document, with the hash.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from decimal import Decimal

import numpy as np
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

#: Characters per shingle: long enough that the shared 年报 template is a small part of the set.
SHINGLE_CHARS = 5
#: MinHash permutations: the similarity estimate's standard error is about 1/sqrt(128) ≈ 0.09 at 0.5.
NUM_PERM = 128
#: Estimated Jaccard similarity from which two texts of one unit and year are the same report.
#: Measured: seed 001's DOC文库 copy vs its DOCX original 0.86; reports of two units on one
#: template (seeds 002/003) 0.15; reports of different units or years below 0.05.
NEAR_DUP_THRESHOLD = 0.7
#: Shorter normalised texts are matched exactly only: too few shingles to estimate from.
NEAR_DUP_MIN_CHARS = 200
# A fixed seed: signatures stored in the archive stay comparable across processes and releases.
_MINHASH_SEED = 20211231


@functools.cache
def _converters() -> tuple[opencc.OpenCC, opencc.OpenCC]:
    return opencc.OpenCC("s2t"), opencc.OpenCC("t2s")


def simplified_form(text: str) -> str:
    """The canonical simplified form of ``text``: ``t2s(s2t(text))`` (see the module docstring)."""
    s2t, t2s = _converters()
    return t2s.convert(s2t.convert(text))


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


def digest(normalized: str) -> str:
    """The content hash of an already normalised text: SHA-256, hex."""
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def content_hash(text: str) -> str:
    """SHA-256 (hex) of :func:`normalize_text` of ``text``."""
    return digest(normalize_text(text))


def signature(normalized: str) -> bytes | None:
    """The MinHash signature (NUM_PERM little-endian uint64) of a normalised text's character shingles.

    None for a text too short to compare (see ``NEAR_DUP_MIN_CHARS``).
    """
    if len(normalized) < NEAR_DUP_MIN_CHARS:
        return None
    # Imported here, not at the top: datasketch brings scipy along (about 1 s and 40 MiB), and every
    # process imports this module through the store, while only those that process documents (a
    # crawl, parse, reparse) sign texts; status, export, db and doctor start without it.
    from datasketch import MinHash

    minhash = MinHash(num_perm=NUM_PERM, seed=_MINHASH_SEED)
    minhash.update_batch(
        [normalized[i : i + SHINGLE_CHARS].encode("utf-8") for i in range(len(normalized) - SHINGLE_CHARS + 1)]
    )
    return minhash.hashvalues.astype("<u8").tobytes()


def minhash_signature(text: str) -> bytes | None:
    """:func:`signature` of ``text`` once normalised."""
    return signature(normalize_text(text))


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two texts from their signatures."""
    return float(np.mean(np.frombuffer(a, dtype="<u8") == np.frombuffer(b, dtype="<u8")))


def same_publisher(a: str | None, b: str | None) -> bool:
    """False only when both publishers are known and neither name contains the other.

    "济宁市任城区人民政府" and "任城区人民政府" are one publisher; a county government and its
    education bureau share a division code and year but are not.
    """
    if not a or not b:
        return True
    a, b = normalize_text(a), normalize_text(b)
    return a in b or b in a


def conflicting_values(
    a: dict[str, Decimal | int | None], b: dict[str, Decimal | int | None]
) -> list[str]:
    """The statistics keys both sides read with different numbers (blank cells are no evidence)."""
    return sorted(k for k in a.keys() & b.keys() if a[k] is not None and b[k] is not None and a[k] != b[k])
