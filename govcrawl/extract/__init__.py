"""Fetched bytes → :class:`govcrawl.document.Document`.

:func:`extract` sniffs the real type from the bytes (servers mislabel attachments, and many
``.doc`` links are HTML or RTF in disguise), dispatches to the format's extractor and unwraps
aggregator copies. Bad input raises :class:`ExtractionError` and nothing else; a fault of ours
(a missing module or program, a bug, no memory) raises :class:`InternalError`, which no caller
files as a bad document (the rule between the two: :mod:`govcrawl.extract.errors`).

Every extraction runs in a killable worker process (:mod:`govcrawl.extract.worker`) under a
per-document time limit, so a file that makes a parser hang costs the crawl that limit and no
more. The size cap and the time limit default to ``GOVCRAWL_MAX_DOCUMENT_BYTES`` and
``GOVCRAWL_EXTRACT_TIMEOUT`` from the environment.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from os import PathLike
from pathlib import Path
from typing import Literal

from govcrawl.document import Document
from govcrawl.extract.aggregator import unwrap_aggregator
from govcrawl.extract.errors import ExtractionError, InternalError, classify

__all__ = ["ExtractionError", "InternalError", "extract", "extract_file", "extract_local", "sniff_format"]

#: Size cap for one file when ``GOVCRAWL_MAX_DOCUMENT_BYTES`` is unset: Scrapy's DOWNLOAD_MAXSIZE.
MAX_BYTES = 50 * 1024 * 1024
#: Seconds one document may take when ``GOVCRAWL_EXTRACT_TIMEOUT`` is unset.
TIMEOUT = 120.0
#: Part of the time limit left to LibreOffice, so that it is stopped before its worker is killed.
_CONVERT_SHARE = 0.8

Format = Literal["pdf", "docx", "doc", "rtf", "html", "txt", "image"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Images: a scan published as the report (no text until OCR).
_IMAGES = {
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"BM": "BMP image",
    b"II*\x00": "TIFF image",
    b"MM\x00*": "TIFF image",
}
_OTHER_BINARY = {
    b"Rar!": "RAR archive",
    b"7z\xbc\xaf": "7z archive",
    b"\x1f\x8b": "gzip data",
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


#: How far into a file markup is looked for (pages may open with long comments or blank lines).
_MARKUP_WINDOW = 64 * 1024


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
    if any(head.startswith(magic) for magic in _IMAGES):
        return "image"
    for magic, what in _OTHER_BINARY.items():
        if head.startswith(magic):
            raise ExtractionError("unsupported", what)
    if _HTML_MARKUP.search(body[:_MARKUP_WINDOW].lower()):
        return "html"
    ctype = (content_type or "").lower()
    if _is_binary(head) and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractionError("unsupported", f"binary data of unknown type ({ctype or hint or 'no type'})")
    if "html" in ctype or "xml" in ctype or _EXT_HINT.get(hint.lower()) == "html":
        return "html"
    return "txt"


def _dispatch(
    fmt: Format, body: bytes, url: str, content_type: str | None, hint: str, convert_timeout: float
) -> Document:
    # Imported here so that importing the package does not load every parser.
    if fmt == "pdf":
        from govcrawl.extract.pdf import extract_pdf

        return extract_pdf(body)
    if fmt == "docx":
        from govcrawl.extract.docx import extract_docx

        return extract_docx(body)
    if fmt in ("doc", "rtf"):
        from govcrawl.extract.doc import extract_doc

        suffix = ".wps" if fmt == "doc" and hint.lower() == ".wps" else f".{fmt}"
        return extract_doc(body, suffix=suffix, timeout=convert_timeout)
    if fmt == "image":
        what = next(name for magic, name in _IMAGES.items() if body.startswith(magic))
        return Document(source_format="image", needs_ocr=True, warnings=[f"{what}: a scan without text"])
    if fmt == "html":
        from govcrawl.extract.html import extract_html

        return extract_html(body, url=url, content_type=content_type)
    from govcrawl.extract.html import sniff_charset
    from govcrawl.extract.text import extract_text

    declared = sniff_charset(b"", content_type)
    return unwrap_aggregator(extract_text(body, declared))


def default_max_bytes() -> int:
    """The size cap: ``GOVCRAWL_MAX_DOCUMENT_BYTES``, else :data:`MAX_BYTES`."""
    return int(os.environ.get("GOVCRAWL_MAX_DOCUMENT_BYTES") or MAX_BYTES)


def default_timeout() -> float:
    """The per-document time limit in seconds: ``GOVCRAWL_EXTRACT_TIMEOUT``, else :data:`TIMEOUT`."""
    return float(os.environ.get("GOVCRAWL_EXTRACT_TIMEOUT") or TIMEOUT)


def _check_size(body: bytes, max_bytes: int) -> None:
    if len(body) > max_bytes:
        raise ExtractionError("too_large", f"{len(body)} bytes exceeds the {max_bytes}-byte cap")
    if not body.strip():
        raise ExtractionError("empty", "no content" if body else "zero-byte file")


def _hint(url: str, hint: str) -> str:
    if hint or not url:
        return hint
    return Path(url.split("?", 1)[0].split("#", 1)[0]).suffix


def extract_local(
    body: bytes,
    *,
    url: str = "",
    content_type: str | None = None,
    max_bytes: int | None = None,
    hint: str = "",
    convert_timeout: float | None = None,
) -> Document:
    """:func:`extract` in this process, without a time limit (LibreOffice aside: ``convert_timeout``).

    Raises :class:`ExtractionError` for the document's faults, :class:`InternalError` for ours.
    """
    _check_size(body, default_max_bytes() if max_bytes is None else max_bytes)
    hint = _hint(url, hint)
    if convert_timeout is None:
        convert_timeout = default_timeout() * _CONVERT_SHARE
    fmt = "unknown"
    try:
        fmt = sniff_format(body, content_type, hint)
        doc = _dispatch(fmt, body, url, content_type, hint, convert_timeout)
    except (ExtractionError, InternalError):
        raise
    except Exception as exc:  # a parser tripping over hostile bytes, or our own fault: classify tells which
        raise classify(exc, f"{fmt} extraction failed") from exc
    if not doc.blocks and not doc.title and not doc.attachments and not doc.needs_ocr:
        raise ExtractionError("empty", f"{fmt} file holds no text")
    return doc


def extract(
    body: bytes,
    *,
    url: str = "",
    content_type: str | None = None,
    max_bytes: int | None = None,
    hint: str = "",
    timeout: float | None = None,
) -> Document:
    """Extract a fetched file into a :class:`Document`, its ``source_format`` set from the bytes.

    Runs in an extraction worker process (see :mod:`govcrawl.extract.worker`), killed after ``timeout`` seconds. Raises
    :class:`ExtractionError` (kind "empty", "unsupported", "corrupt", "truncated", "encrypted",
    "too_large", "zip_bomb", "timeout", "converter", "mojibake" or "crashed") for input that yields
    no document; never anything else for bad bytes. A scan comes back with ``needs_ocr`` set.
    Raises :class:`InternalError`, the worker's original exception type, message and innermost frames
    kept, when extraction failed through a fault of ours rather than the document's.
    """
    from govcrawl.extract.worker import default_pool

    max_bytes = default_max_bytes() if max_bytes is None else max_bytes
    timeout = default_timeout() if timeout is None else timeout
    _check_size(body, max_bytes)  # before the bytes are copied to the worker
    request = dict(
        body=body,
        url=url,
        content_type=content_type,
        max_bytes=max_bytes,
        hint=hint,
        convert_timeout=timeout * _CONVERT_SHARE,
    )
    return default_pool().extract(request, timeout)


def extract_file(
    path: str | PathLike[str], *, max_bytes: int | None = None, timeout: float | None = None
) -> Document:
    """Extract a file on disk; the type comes from its bytes, the extension is only a hint."""
    p = Path(path)
    max_bytes = default_max_bytes() if max_bytes is None else max_bytes
    size = p.stat().st_size
    if size > max_bytes:
        raise ExtractionError("too_large", f"{size} bytes exceeds the {max_bytes}-byte cap")
    return extract(p.read_bytes(), max_bytes=max_bytes, hint=p.suffix, timeout=timeout)
