"""WARC files: every HTTP response of a crawl, raw, as written and read back.

``WarcWriter`` appends a response (or, for bytes already archived, a revisit) record and its
request record to the run's ``.warc.gz`` files and returns what the capture index
(``govcrawl.store.captures``) stores: file, offset, length, payload digest. ``read_record`` reads
one record back. The Scrapy side, which hands every response over, is
``govcrawl.fetch.capture``.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from govcrawl.config import data_dir
from govcrawl.store.models import Capture

#: A run's WARC file is closed and the next one started beyond this size (bytes).
DEFAULT_MAX_FILE_BYTES = 1 << 30
#: Hop-by-hop framing Scrapy has already undone: the recorded body is the de-chunked one.
_FRAMING_HEADERS = {"transfer-encoding", "content-length"}


def warc_root() -> Path:
    """The default WARC directory (setting ``GOVCRAWL_WARC_DIR`` unset): ``<data dir>/warc``."""
    return data_dir() / "warc"


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest of ``body`` (base32 SHA-1, as warcio writes it)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


@dataclass(frozen=True)
class CaptureRecord:
    """One HTTP response written to a WARC file: what the capture index stores of it."""

    url: str
    http_status: int
    payload_sha256: str
    size: int
    fetched_at: datetime
    warc_file: str
    warc_offset: int
    warc_length: int
    warc_record_id: str
    record_type: str = "response"
    refers_to_id: int | None = None
    method: str = "GET"
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    rendered: bool = False


class WarcWriter:
    """Appends captures of one crawl run to ``<root>/<run id>/*.warc.gz``, one gzip member per record."""

    def __init__(self, root: Path, run_id: int | None, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES):
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.directory = Path(root) / (str(run_id) if run_id is not None else f"norun-{stamp}")
        self.prefix = f"govcrawl-{run_id if run_id is not None else 'norun'}-{stamp}-{os.getpid()}"
        self.max_file_bytes = max_file_bytes
        self._sequence = 0
        self._file: Any = None
        self._writer: WARCWriter | None = None
        self.path: Path | None = None

    def _open(self) -> WARCWriter:
        if self._writer is not None and self._file.tell() < self.max_file_bytes:
            return self._writer
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._sequence += 1
        self.path = self.directory / f"{self.prefix}-{self._sequence:05d}.warc.gz"
        self._file = self.path.open("ab")
        self._writer = WARCWriter(self._file, gzip=True)
        info = self._writer.create_warcinfo_record(
            self.path.name, {"software": "govcrawl", "format": "WARC File Format 1.1"}
        )
        self._writer.write_record(info)
        return self._writer

    def write(
        self,
        *,
        url: str,
        status: int,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        method: str = "GET",
        request_headers: Iterable[tuple[str, str]] = (),
        request_body: bytes = b"",
        fetched_at: datetime | None = None,
        rendered: bool = False,
        refers_to: Capture | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> CaptureRecord:
        """Write one exchange; a revisit record (no body) when ``refers_to`` holds the same bytes.

        ``extra_headers`` are WARC headers of the response record (``WARC-Govcrawl-…``).
        """
        writer = self._open()
        fetched_at = fetched_at or datetime.now(UTC)
        date = _warc_date(fetched_at)
        response_headers = [(k, v) for k, v in headers if k.lower() not in _FRAMING_HEADERS]
        if rendered:  # Chromium hands over the decoded DOM, whatever the server's encoding was
            response_headers = [(k, v) for k, v in response_headers if k.lower() != "content-encoding"]
        http = StatusAndHeaders(
            f"{status} {_reason(status)}",
            response_headers + [("Content-Length", str(len(body)))],
            protocol="HTTP/1.1",
        )
        extra = {"WARC-Date": date, **(extra_headers or {})}
        if rendered:
            extra["WARC-Govcrawl-Rendered"] = "chromium"
        if refers_to is not None:
            record = writer.create_revisit_record(
                url,
                payload_digest(body),
                refers_to.url,
                _warc_date(refers_to.fetched_at),
                http_headers=http,
                warc_headers_dict=extra,
            )
        else:
            record = writer.create_warc_record(
                url, "response", payload=BytesIO(body), http_headers=http, warc_headers_dict=extra
            )
        offset = self._file.tell()
        writer.write_record(record)
        length = self._file.tell() - offset
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        writer.write_record(self._request_record(url, method, request_headers, request_body, date, record_id))
        self._file.flush()
        lowered = {k.lower(): v for k, v in response_headers}
        return CaptureRecord(
            url=url,
            http_status=status,
            payload_sha256=hashlib.sha256(body).hexdigest(),
            size=len(body),
            fetched_at=fetched_at,
            warc_file=str(self.path),
            warc_offset=offset,
            warc_length=length,
            warc_record_id=record_id,
            record_type="revisit" if refers_to is not None else "response",
            refers_to_id=refers_to.id if refers_to is not None else None,
            method=method,
            content_type=lowered.get("content-type"),
            etag=lowered.get("etag"),
            last_modified=lowered.get("last-modified"),
            rendered=rendered,
        )

    def _request_record(
        self, url: str, method: str, headers: Iterable[tuple[str, str]], body: bytes, date: str, concurrent: str
    ) -> Any:
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        header_list = list(headers)
        if not any(k.lower() == "host" for k, _ in header_list):
            header_list.insert(0, ("Host", parts.netloc))
        http = StatusAndHeaders(f"{method} {target} HTTP/1.1", header_list, is_http_request=True)
        return self._writer.create_warc_record(
            url,
            "request",
            payload=BytesIO(body),
            http_headers=http,
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": concurrent},
        )

    def close(self) -> None:
        """Close the current file (the next write opens a new one)."""
        if self._file is not None:
            self._file.close()
        self._file = None
        self._writer = None


def read_record(warc_file: str, offset: int) -> tuple[str, int | None, bytes]:
    """The WARC record at ``offset``: its type, HTTP status and decoded payload (empty for a revisit)."""
    with open(warc_file, "rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
        status = int(record.http_headers.get_statuscode()) if record.http_headers else None
        return record.rec_type, status, record.content_stream().read()


def _warc_date(moment: datetime) -> str:
    """A WARC-Date; a naive datetime (SQLite hands them back) is UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
