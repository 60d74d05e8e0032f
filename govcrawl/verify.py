"""``govcrawl verify``: every report has its raw capture, every capture its WARC record, every record its index row.

Three checks over the archive and its WARC files, each with its repair (``--repair``):

- **A source without a capture** (its capture was never indexed: a crash between the WARC write
  and the index row, or an archive older than the capture index). Repaired by pointing it at an
  indexed capture of the same URL with the same bytes when there is one, else by writing a WARC
  record rebuilt from the source's stored bytes and headers (marked
  ``WARC-Govcrawl-Reconstructed``) and indexing it.
- **A capture whose record cannot be read** (its WARC file missing, moved or damaged). A source
  pointing at it is re-pointed at a record rebuilt from its stored bytes; the capture row stays as
  history. Without a source it is only reported.
- **An orphan record**: a response or revisit record in the run's WARC files that the capture index
  does not know (the index write was lost). Repaired by indexing it.

Nothing archived is changed except a missing or broken capture reference being filled in, and
new capture rows. Exit 0 when the archive is consistent (after the repairs), 12 when problems remain.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update
from warcio.archiveiterator import ArchiveIterator

from govcrawl.store import Archive
from govcrawl.store.models import Blob, Capture, Source
from govcrawl.store.warc import CaptureRecord, WarcWriter

logger = logging.getLogger(__name__)

#: The directory under the WARC root where rebuilt records go.
REPAIRED = "repaired"


@dataclass
class Findings:
    """What verify found, and what it repaired."""

    sources_without_capture: list[int] = field(default_factory=list)
    unreadable_captures: list[int] = field(default_factory=list)
    orphan_records: list[tuple[str, int]] = field(default_factory=list)
    repaired: dict[str, int] = field(default_factory=dict)

    @property
    def problems(self) -> int:
        """Problems found (before any repair)."""
        return len(self.sources_without_capture) + len(self.unreadable_captures) + len(self.orphan_records)

    @property
    def remaining(self) -> int:
        """Problems left after the repairs."""
        return self.problems - sum(self.repaired.values())


def verify(archive: Archive, warc_root: Path, *, repair: bool = False, scan_warcs: bool = True) -> Findings:
    """Check (and with ``repair``, mend) the archive against the WARC files under ``warc_root``."""
    found = Findings()
    writer: WarcWriter | None = None

    def rebuilt(source: Source) -> int:
        nonlocal writer
        if writer is None:
            writer = WarcWriter(warc_root / REPAIRED, None)
        return _rebuild(archive, writer, source)

    try:
        found.orphan_records = list(_orphans(archive, warc_root)) if scan_warcs else []
        if repair:
            for path, offset in found.orphan_records:
                _index_orphan(archive, path, offset)
                found.repaired["orphan_records"] = found.repaired.get("orphan_records", 0) + 1
        with archive.db.sessions() as session:
            missing = list(session.scalars(select(Source).where(Source.capture_id.is_(None)).order_by(Source.id)))
            captures = list(session.scalars(select(Capture).order_by(Capture.id)))
            users = {}
            for source in session.scalars(select(Source).where(Source.capture_id.is_not(None))):
                users.setdefault(source.capture_id, []).append(source)
        found.sources_without_capture = [s.id for s in missing]
        for source in missing if repair else ():
            try:
                capture_id = _same_bytes_capture(archive, source) or rebuilt(source)
            except LookupError as exc:  # no stored bytes either: left for a crawl to fetch again
                logger.warning("source %d (%s) cannot be given a capture: %s", source.id, source.url, exc)
                continue
            _point(archive, source.id, capture_id)
            found.repaired["sources_without_capture"] = found.repaired.get("sources_without_capture", 0) + 1
        for capture in captures:
            try:
                archive.captures.read(capture.id)
            except (OSError, LookupError, ValueError) as exc:
                logger.warning("capture %d (%s) cannot be read: %s", capture.id, capture.url, exc)
                found.unreadable_captures.append(capture.id)
                if repair and users.get(capture.id):
                    try:
                        for source in users[capture.id]:
                            _point(archive, source.id, rebuilt(source))
                    except LookupError as exc:
                        logger.warning("capture %d cannot be rebuilt: %s", capture.id, exc)
                        continue
                    found.repaired["unreadable_captures"] = found.repaired.get("unreadable_captures", 0) + 1
    finally:
        if writer is not None:
            writer.close()
    return found


def warc_files(root: Path) -> Iterator[Path]:
    """The crawl's WARC files under ``root``, in name order."""
    yield from sorted(p for p in root.rglob("*.warc.gz") if p.is_file())


def _orphans(archive: Archive, root: Path) -> Iterator[tuple[str, int]]:
    """(file, offset) of every response or revisit record the capture index does not know."""
    with archive.db.sessions() as session:
        known = set(session.scalars(select(Capture.warc_record_id)))
    for path in warc_files(root):
        try:
            with open(path, "rb") as fh:
                records = ArchiveIterator(fh)
                for record in records:
                    unknown = record.rec_headers.get_header("WARC-Record-ID") not in known
                    if record.rec_type in ("response", "revisit") and unknown:
                        yield str(path), records.get_record_offset()
        except Exception as exc:  # a damaged or truncated file: what was read is checked, the rest reported
            logger.warning("WARC file %s is damaged: %s", path, exc)


def _index_orphan(archive: Archive, path: str, offset: int) -> int:
    """Index the record at ``offset`` of ``path``; returns its capture id."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        records = ArchiveIterator(fh)
        record = next(iter(records))
        body = record.content_stream().read() if record.rec_type == "response" else b""
        records.read_to_end()
        length = records.get_record_length()
    headers = record.http_headers
    url = record.rec_headers.get_header("WARC-Target-URI")
    fetched_at = datetime.strptime(record.rec_headers.get_header("WARC-Date"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    refers_to = None
    digest = hashlib.sha256(body).hexdigest()
    if record.rec_type == "revisit":
        target = record.rec_headers.get_header("WARC-Refers-To-Target-URI")
        with archive.db.sessions() as session:
            original = session.scalar(
                select(Capture).where(Capture.url == target, Capture.record_type == "response").order_by(Capture.id.desc())
            )
        if original is not None:
            refers_to, digest = original.id, original.payload_sha256
    run = Path(path).parent.name
    capture = CaptureRecord(
        url=url,
        http_status=int(headers.get_statuscode()) if headers else 0,
        payload_sha256=digest,
        size=len(body),
        fetched_at=fetched_at,
        warc_file=path,
        warc_offset=offset,
        warc_length=length,
        warc_record_id=record.rec_headers.get_header("WARC-Record-ID"),
        record_type=record.rec_type,
        refers_to_id=refers_to,
        content_type=headers.get_header("Content-Type") if headers else None,
        etag=headers.get_header("ETag") if headers else None,
        last_modified=headers.get_header("Last-Modified") if headers else None,
        rendered=record.rec_headers.get_header("WARC-Govcrawl-Rendered") is not None,
    )
    return archive.captures.record(capture, int(run) if run.isdigit() else None)


def _same_bytes_capture(archive: Archive, source: Source) -> int | None:
    """An indexed, readable capture of the source's URL holding exactly its stored bytes."""
    with archive.db.sessions() as session:
        candidates = session.scalars(
            select(Capture.id)
            .where(Capture.url.in_({source.url, source.final_url}), Capture.payload_sha256 == source.blob_sha256)
            .order_by(Capture.id.desc())
        ).all()
    for capture_id in candidates:
        try:
            if hashlib.sha256(archive.captures.read(capture_id)).hexdigest() == source.blob_sha256:
                return capture_id
        except (OSError, LookupError, ValueError):
            continue
    return None


def _rebuild(archive: Archive, writer: WarcWriter, source: Source) -> int:
    """A WARC record rebuilt from a source's stored bytes and headers, indexed; its capture id."""
    with archive.db.sessions() as session:
        body = session.scalar(select(Blob.data).where(Blob.sha256 == source.blob_sha256))
    if body is None:
        raise LookupError(f"source {source.id} has no stored bytes to rebuild its capture from")
    capture = writer.write(
        url=source.final_url,
        status=source.http_status,
        headers=list((source.headers or {}).items()),
        body=body,
        fetched_at=source.fetched_at,
        rendered=source.rendered,
        extra_headers={"WARC-Govcrawl-Reconstructed": f"from the archived body and headers of source {source.id}"},
    )
    return archive.captures.record(capture, source.crawl_run_id)


def _point(archive: Archive, source_id: int, capture_id: int) -> None:
    with archive.db.sessions.begin() as session:
        session.execute(update(Source).where(Source.id == source_id).values(capture_id=capture_id))
