"""Fetched bytes → :class:`govcrawl.document.Document`.

:func:`extract` sniffs the real type from the bytes (servers mislabel attachments, and many
``.doc`` links are HTML or RTF in disguise), dispatches to the format's extractor and unwraps
aggregator copies. Bad input raises :class:`ExtractionError` and nothing else.
"""

from __future__ import annotations

import io
import re
import zipfile
from os import PathLike
from pathlib import Path
from typing import Literal

from govcrawl.document import Document
from govcrawl.extract.aggregator import unwrap_aggregator
from govcrawl.extract.errors import ExtractionError

__all__ = ["ExtractionError", "extract", "extract_file", "sniff_format"]

#: Default size cap for one file.
MAX_BYTES = 50 * 1024 * 1024

Format = Literal["pdf", "docx", "doc", "rtf", "html", "txt"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OTHER_BINARY = {
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"Rar!": "RAR archive",
    b"7z\xbc\xaf": "7z archive",
    b"\x1f\x8b": "gzip data",
    b"BM": "BMP image",
    b"II*\x00": "TIFF image",
    b"MM\x00*": "TIFF image",
    b"OFD": "OFD document",
}
_HTML_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|meta|title|div|p|table|span|br|h[1-6]|section|article|font|center)[\s>/]"
)
_EXT_HINT: dict[str, Format] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".doc": "doc",
    ".wps": "doc",
    ".rtf": "rtf",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".txt": "txt",
}


def _is_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) // 20


def sniff_format(body: bytes, content_type: str | None = None, hint: str = "") -> Format:
    """The real format of ``body``: magic numbers first, then markup, then the content type.

    ``hint`` is a file extension (``.doc``) used only where the bytes leave a choice.
    Raises ``ExtractionError`` "unsupported" for binaries that are no document, "corrupt" for a
    zip that cannot be read.
    """
    head = body[:2048]
    if b"%PDF-" in body[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(body)).namelist()
        except zipfile.BadZipFile as exc:
            raise ExtractionError("corrupt", f"broken zip container: {exc}") from exc
        if "word/document.xml" in names:
            return "docx"
        raise ExtractionError("unsupported", "zip archive that is not a Word document")
    if head.startswith(_OLE2):
        return "doc"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    for magic, what in _OTHER_BINARY.items():
        if head.startswith(magic):
            raise ExtractionError("unsupported", what)
    if _HTML_MARKUP.search(head.lower()):
        return "html"
    ctype = (content_type or "").lower()
    if _is_binary(head) and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractionError("unsupported", f"binary data of unknown type ({ctype or hint or 'no type'})")
    if "html" in ctype or "xml" in ctype or _EXT_HINT.get(hint.lower()) == "html":
        return "html"
    return "txt"


def _dispatch(fmt: Format, body: bytes, url: str, content_type: str | None) -> Document:
    # Imported here so that importing the package does not load every parser.
    if fmt == "pdf":
        from govcrawl.extract.pdf import extract_pdf

        return extract_pdf(body)
    if fmt == "docx":
        from govcrawl.extract.docx import extract_docx

        return extract_docx(body)
    if fmt in ("doc", "rtf"):
        from govcrawl.extract.doc import extract_doc

        return extract_doc(body, suffix=f".{fmt}")
    if fmt == "html":
        from govcrawl.extract.html import extract_html

        return extract_html(body, url=url, content_type=content_type)
    from govcrawl.extract.html import sniff_charset
    from govcrawl.extract.text import extract_text

    declared = sniff_charset(b"", content_type)
    return unwrap_aggregator(extract_text(body, declared))


def extract(
    body: bytes, *, url: str = "", content_type: str | None = None, max_bytes: int = MAX_BYTES, hint: str = ""
) -> Document:
    """Extract a fetched file into a :class:`Document`, its ``source_format`` set from the bytes.

    Raises :class:`ExtractionError` (kind "empty", "unsupported", "corrupt", "truncated",
    "encrypted", "too_large", "zip_bomb", "timeout" or "converter") for input that yields no
    document; never anything else for bad bytes.
    """
    if len(body) > max_bytes:
        raise ExtractionError("too_large", f"{len(body)} bytes exceeds the {max_bytes}-byte cap")
    if not body.strip():
        raise ExtractionError("empty", "no content")
    if not hint and url:
        hint = Path(url.split("?", 1)[0].split("#", 1)[0]).suffix
    fmt = "unknown"
    try:
        fmt = sniff_format(body, content_type, hint)
        doc = _dispatch(fmt, body, url, content_type)
    except ExtractionError:
        raise
    except Exception as exc:  # a parser tripping over hostile bytes must not escape as anything else
        raise ExtractionError("corrupt", f"{fmt} extraction failed: {exc!r}") from exc
    if not doc.blocks and not doc.title and not doc.attachments and not doc.needs_ocr:
        raise ExtractionError("empty", f"{fmt} file holds no text")
    return doc


def extract_file(path: str | PathLike[str], *, max_bytes: int = MAX_BYTES) -> Document:
    """Extract a file on disk; the type comes from its bytes, the extension is only a hint."""
    p = Path(path)
    size = p.stat().st_size
    if size > max_bytes:
        raise ExtractionError("too_large", f"{size} bytes exceeds the {max_bytes}-byte cap")
    return extract(p.read_bytes(), max_bytes=max_bytes, hint=p.suffix)
