"""Portal health per run and the capture lookup of incremental crawls, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from govcrawl.store.models import PortalHealth
from govcrawl.store.warc import CaptureRecord


def _health(archive, run_id, code="370811", *, column_url="http://127.0.0.1/nb/", found=3, failure=None):
    archive.runs.record_health(
        run_id, code, column_url=column_url, reports_found=found, pages_fetched=7, failure_class=failure
    )


def test_health_row_is_recorded(archive):
    run = archive.runs.start({})
    _health(archive, run)
    with Session(archive.engine) as session:
        row = session.scalars(select(PortalHealth)).one()
    assert (row.crawl_run_id, row.division_code, row.column_url, row.reports_found, row.pages_fetched) == (
        run,
        "370811",
        "http://127.0.0.1/nb/",
        3,
        7,
    )
    assert row.failure_class is None and row.checked_at is not None


def test_health_recorded_twice_in_a_run_is_one_row(archive):
    run = archive.runs.start({})
    _health(archive, run, found=0, column_url=None, failure="no_column")
    _health(archive, run, found=2)
    with Session(archive.engine) as session:
        rows = session.execute(select(PortalHealth.reports_found, PortalHealth.failure_class)).all()
    assert rows == [(2, None)]


def test_health_rejects_unknown_failure_class(archive):
    run = archive.runs.start({})
    with pytest.raises(ValueError, match="unknown failure class"):
        _health(archive, run, failure="gone")


def test_database_rejects_unknown_failure_class(archive):
    run = archive.runs.start({})
    with Session(archive.engine) as session, pytest.raises(IntegrityError):
        session.add(
            PortalHealth(
                crawl_run_id=run, division_code="1", reports_found=0, pages_fetched=0,
                failure_class="gone", checked_at=datetime.now(UTC),
            )
        )
        session.commit()


def test_last_good_column_is_the_newest_with_reports(archive):
    first, second, third = (archive.runs.start({}) for _ in range(3))
    _health(archive, first, column_url="http://127.0.0.1/old/")
    _health(archive, second, column_url="http://127.0.0.1/new/")
    _health(archive, third, column_url="http://127.0.0.1/broken/", found=0, failure="empty_column")
    _health(archive, third, code="440300", column_url="http://127.0.0.1/gd/")
    assert archive.runs.column_hints(["370811", "440300", "110101"]) == {
        "370811": ["http://127.0.0.1/new/"], "440300": ["http://127.0.0.1/gd/"],
    }


def test_a_walk_cut_short_gives_no_hints(archive):
    """An interrupted run reached some of a platform's unit columns: the next run must look for all of them."""
    first, second = archive.runs.start({}), archive.runs.start({})
    _health(archive, first, column_url="http://127.0.0.1/complete/")
    archive.runs.record_health(
        second, "370811", column_url="http://127.0.0.1/nb/", reports_found=4, pages_fetched=9, failure_class=None,
        complete=False, columns=["http://127.0.0.1/nb/", "http://127.0.0.1/bm/jyj/ndbg/"],
    )
    archive.runs.record_health(
        second, "440300", column_url="http://127.0.0.1/gd/", reports_found=4, pages_fetched=9, failure_class=None,
        complete=False,
    )
    # The last complete walk's columns, or none at all (the homepage, a full discovery).
    assert archive.runs.column_hints(["370811", "440300"]) == {"370811": ["http://127.0.0.1/complete/"]}


def test_every_column_that_gave_reports_is_a_hint_with_how_it_was_found(archive):
    """A portal with a 部门信息公开平台 has one column per unit: the next run starts from all of them."""
    run = archive.runs.start({})
    columns = ["http://127.0.0.1/nb/", "http://127.0.0.1/bm/jyj/ndbg/", "http://127.0.0.1/bm/czj/ndbg/"]
    archive.runs.record_health(
        run, "370811", column_url=columns[0], reports_found=9, pages_fetched=30, failure_class=None,
        found_by="nav,explore", discovery_pages=14, columns=columns,
    )
    assert archive.runs.column_hints(["370811"]) == {"370811": columns}
    with Session(archive.engine) as session:
        row = session.scalars(select(PortalHealth)).one()
    assert (row.found_by, row.discovery_pages, row.columns) == ("nav,explore", 14, columns)


def test_last_good_column_of_unknown_or_failing_portal_is_none(archive):
    run = archive.runs.start({})
    _health(archive, run, column_url=None, found=0, failure="dns")
    assert archive.runs.column_hints(["370811", "999999"]) == {}


def _capture(url: str, digest: str, *, etag: str | None = None, when: int = 1) -> CaptureRecord:
    return CaptureRecord(
        url=url, http_status=200, payload_sha256=digest, size=10,
        fetched_at=datetime(2026, 11, 23, when, tzinfo=UTC), warc_file="/tmp/x.warc.gz",
        warc_offset=0, warc_length=100, warc_record_id=f"<urn:uuid:{when}>", etag=etag,
        last_modified="Mon, 23 Nov 2026 00:00:00 GMT",
    )


def test_capture_with_payload_skips_revisits(archive):
    first = archive.captures.record(_capture("http://127.0.0.1/a.pdf", "1" * 64))
    revisit = _capture("http://127.0.0.1/b.pdf", "1" * 64, when=2)
    archive.captures.record(CaptureRecord(**{**revisit.__dict__, "record_type": "revisit", "refers_to_id": first}))
    assert archive.captures.with_payload("1" * 64).id == first
    assert archive.captures.with_payload("2" * 64) is None
