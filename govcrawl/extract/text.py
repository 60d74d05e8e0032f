"""Plain text files: decode, one paragraph block per non-empty line."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from govcrawl.document import Block, Document
from govcrawl.extract.mojibake import repair_mojibake
from govcrawl.extract.textutil import leading_title

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def normalise_encoding(name: str) -> str:
    """Map a declared charset to the codec that really decodes such pages (GB2312/GBK → GB18030)."""
    key = name.strip().strip("\"'").lower().replace("_", "-")
    if key in {
        "gb2312",
        "gbk",
        "gb-2312",
        "gb2312-80",
        "gb-2312-80",
        "x-gbk",
        "cp936",
        "euc-cn",
        "hz-gb-2312",
    }:
        return "gb18030"
    if key in {"utf8", "unicode-1-1-utf-8"}:
        return "utf-8"
    return key


#: Non-ASCII bytes a body needs before its being valid UTF-8 outweighs a declared GB charset
#: (GBK text is practically never valid UTF-8 beyond a few characters).
_UTF8_EVIDENCE = 8


def decode_text(body: bytes, declared: str | None = None) -> tuple[str, str, list[str]]:
    """Decode bytes and undo mojibake in the result (see :mod:`govcrawl.extract.mojibake`).

    Returns ``(text, encoding, warnings)``. Raises ``ExtractionError`` "mojibake" for text
    garbled beyond repair at the source.
    """
    text, encoding, warnings = _decode(body, declared)
    text, repaired = repair_mojibake(text)
    return text, encoding, warnings + repaired


def _decode(body: bytes, declared: str | None) -> tuple[str, str, list[str]]:
    """BOM, then the declared charset, UTF-8, GB18030, then detection. A declared charset that
    fails to decode strictly is ignored (servers often lie), with a warning; so is a declared GB
    charset on a body that is valid UTF-8."""
    warnings: list[str] = []
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return body.decode(enc, errors="replace"), enc, warnings
    candidates = []
    if declared and normalise_encoding(declared) == "gb18030" and _is_utf8(body):
        warnings.append(f"declared charset {declared!r} ignored: the bytes are UTF-8")
        declared = None
    if declared:
        candidates.append(normalise_encoding(declared))
    candidates += ["utf-8", "gb18030"]
    for enc in dict.fromkeys(candidates):
        try:
            text = body.decode(enc)
        except (UnicodeDecodeError, LookupError):
            if declared and enc == normalise_encoding(declared):
                warnings.append(f"declared charset {declared!r} does not decode; ignored")
            if enc == "utf-8":
                # A UTF-8 file with a stray bad byte (a cut multi-byte character) is still UTF-8;
                # GB18030 would decode it "strictly" into mojibake.
                text = body.decode("utf-8", errors="replace")
                if text.count("\ufffd") <= max(1, len(text) // 1000):
                    warnings.append("invalid UTF-8 bytes replaced")
                    return text, "utf-8", warnings
            continue
        return text, enc, warnings
    best = from_bytes(body).best()
    if best is not None and best.encoding:
        enc = normalise_encoding(best.encoding)
        warnings.append(f"charset guessed {enc}")
        return body.decode(enc, errors="replace"), enc, warnings
    warnings.append("charset unknown; decoded as gb18030 with replacements")
    return body.decode("gb18030", errors="replace"), "gb18030", warnings


def _is_utf8(body: bytes) -> bool:
    if sum(1 for b in body[:65536] if b > 0x7F) < _UTF8_EVIDENCE:
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def text_to_blocks(text: str) -> list[Block]:
    """One paragraph block per non-empty line, stripped."""
    return [Block("paragraph", line.strip()) for line in text.splitlines() if line.strip()]


def extract_text(body: bytes, declared: str | None = None) -> Document:
    """A plain-text file as a :class:`Document`."""
    text, _, warnings = decode_text(body, declared)
    blocks = text_to_blocks(text)
    return Document(blocks=blocks, title=leading_title(blocks), source_format="txt", warnings=warnings)
