"""The capture index: where each HTTP response of a crawl sits in the WARC files, and reading it back."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import Connection, select

from govcrawl.store.database import Database
from govcrawl.store.models import Capture
from govcrawl.store.warc import CaptureRecord, read_record


class Captures:
    """Writes and reads of the ``captures`` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, capture: CaptureRecord, run_id: int | None = None) -> int:
        """Index one WARC record of a response; returns the capture's id."""
        with self.db.sessions.begin() as session:
            return session.scalar(
                Capture.__table__.insert()
                .values(crawl_run_id=run_id, **asdict(capture))
                .returning(Capture.__table__.c.id)
            )

    def get(self, capture_id: int) -> Capture | None:
        """The capture index row ``capture_id``, or None."""
        with self.db.sessions() as session:
            return session.get(Capture, capture_id)

    def with_payload(self, payload_sha256: str) -> Capture | None:
        """The newest full (non-revisit) capture of these exact bytes at any URL, or None."""
        with self.db.sessions() as session:
            return session.scalar(
                select(Capture)
                .where(Capture.payload_sha256 == payload_sha256, Capture.record_type == "response")
                .order_by(Capture.id.desc())
                .limit(1)
            )

    def read(self, capture_id: int) -> bytes:
        """The bytes of a capture, read from its WARC file (a revisit is followed to the original record).

        Raises ``OSError`` when a file is missing or unreadable and ``LookupError`` for an unknown
        capture or a revisit whose original is not indexed.
        """
        seen = set()
        while capture_id not in seen:
            seen.add(capture_id)
            capture = self.get(capture_id)
            if capture is None:
                raise LookupError(f"capture {capture_id} is not in the archive")
            if capture.record_type == "response":
                return read_record(capture.warc_file, capture.warc_offset)[2]
            if capture.refers_to_id is None:
                raise LookupError(f"revisit capture {capture_id} refers to no indexed capture")
            capture_id = capture.refers_to_id
        raise LookupError(f"revisit loop at capture {capture_id}")


def newest_capture_id(conn: Connection, url: str, run_id: int | None) -> int | None:
    """The newest capture of ``url`` (of run ``run_id`` when given): the one a report's source points at."""
    query = select(Capture.id).where(Capture.url == url)
    if run_id is not None:
        query = query.where(Capture.crawl_run_id == run_id)
    return conn.scalar(query.order_by(Capture.id.desc()).limit(1))
