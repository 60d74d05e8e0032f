"""Raw captures in WARC files: the writer, the capture index, and a real crawl through the replica."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from govcrawl.cli import main
from govcrawl.store import Archive, upgrade
from govcrawl.store.models import Blob, Capture, Source
from govcrawl.store.warc import WarcWriter, read_record
from replica.harness import crawl_env, run_crawl, write_seeds
from replica.server import ReplicaServer

BODY = "<html><body>任城区2021年政府信息公开工作年度报告</body></html>".encode()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("ETag", '"abc"'), ("Transfer-Encoding", "chunked")]


def _write(writer: WarcWriter, url: str = "http://127.0.0.1/nb/2021.html", **kw):
    return writer.write(
        url=url, status=200, headers=HEADERS, body=kw.pop("body", BODY),
        request_headers=[("User-Agent", "govcrawl")], fetched_at=datetime(2026, 11, 23, 1, tzinfo=UTC), **kw,
    )


def test_response_record_reads_back(tmp_path):
    writer = WarcWriter(tmp_path, run_id=7)
    capture = _write(writer)
    writer.close()
    assert read_record(capture.warc_file, capture.warc_offset) == ("response", 200, BODY)
    assert Path(capture.warc_file).parent == tmp_path / "7"
    assert (capture.etag, capture.content_type, capture.size, capture.record_type) == (
        '"abc"', "text/html; charset=utf-8", len(BODY), "response",
    )


def test_request_record_follows_its_response(tmp_path):
    writer = WarcWriter(tmp_path, run_id=1)
    capture = _write(writer)
    writer.close()
    with open(capture.warc_file, "rb") as fh:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Concurrent-To"), r.http_headers) for r in ArchiveIterator(fh)]
    assert [r[0] for r in records] == ["warcinfo", "response", "request"]
    assert records[2][1] == capture.warc_record_id
    assert records[2][2].protocol == "GET"
    assert records[2][2].get_header("Host") == "127.0.0.1"


def test_framing_headers_are_not_replayed(tmp_path):
    # The body is recorded de-chunked: a chunked header would make readers decode it again.
    writer = WarcWriter(tmp_path, run_id=1)
    capture = _write(writer)
    writer.close()
    with open(capture.warc_file, "rb") as fh:
        fh.seek(capture.warc_offset)
        headers = next(iter(ArchiveIterator(fh))).http_headers
    assert headers.get_header("Transfer-Encoding") is None
    assert headers.get_header("Content-Length") == str(len(BODY))


def test_files_roll_over_at_the_size_limit(tmp_path):
    writer = WarcWriter(tmp_path, run_id=1, max_file_bytes=1)
    first, second = _write(writer), _write(writer, url="http://127.0.0.1/b.html")
    writer.close()
    assert first.warc_file != second.warc_file
    assert read_record(second.warc_file, second.warc_offset)[2] == BODY


def test_revisit_is_followed_to_the_bytes(archive, tmp_path):
    writer = WarcWriter(tmp_path, run_id=None)
    original_id = archive.captures.record(_write(writer))
    revisit = _write(writer, url="http://127.0.0.1/copy.html", refers_to=archive.captures.get(original_id))
    writer.close()
    revisit_id = archive.captures.record(revisit)
    assert read_record(revisit.warc_file, revisit.warc_offset) == ("revisit", 200, b"")
    assert revisit.refers_to_id == original_id
    assert archive.captures.read(revisit_id) == BODY


def test_missing_warc_file_is_an_os_error(archive, tmp_path):
    writer = WarcWriter(tmp_path, run_id=None)
    capture = _write(writer)
    writer.close()
    capture_id = archive.captures.record(capture)
    Path(capture.warc_file).unlink()
    with pytest.raises(OSError):
        archive.captures.read(capture_id)


def test_unknown_capture_is_a_lookup_error(archive):
    with pytest.raises(LookupError):
        archive.captures.read(12345)


@dataclass
class TwoRuns:
    url: str
    warc: Path
    requests: list[dict]
    truth: dict

    def captures(self, run: int) -> list[Capture]:
        archive = Archive(self.url)
        try:
            with Session(archive.engine) as session:
                return list(session.scalars(select(Capture).where(Capture.crawl_run_id == run).order_by(Capture.id)))
        finally:
            archive.close()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> Iterator[TwoRuns]:
    """Two crawls of the unchanged replica web into one SQLite archive, WARCs in a temporary directory."""
    tmp = tmp_path_factory.mktemp("warc-crawl")
    url = f"sqlite:///{tmp / 'archive.sqlite3'}"
    upgrade(url)
    with ReplicaServer() as replica:
        seeds = write_seeds(replica, tmp / "seeds.csv")
        env = crawl_env(replica.proxy_url, url) | {"GOVCRAWL_WARC_DIR": str(tmp / "warc")}
        first = len(replica.log)
        for n in (1, 2):
            code, _, _ = run_crawl(seeds, env, tmp / f"crawl{n}.log")
            assert code == 0
            if n == 1:
                requests = replica.log[first:]
        yield TwoRuns(url, tmp / "warc", requests, replica.truth())


def test_every_plain_response_is_captured(two_runs):
    # Chromium's requests for a script-built list are not Scrapy responses; the page it renders is.
    plain = {r["url"] for r in two_runs.requests if "Proxy-Connection" not in r["headers"]}
    assert plain <= {c.url for c in two_runs.captures(1)}


def test_listing_pages_are_captured(two_runs):
    captured = {c.url for c in two_runs.captures(1)}
    columns = {p["column_url"] for p in two_runs.truth["portals"]}
    assert columns <= captured


def test_warc_files_live_under_the_run(two_runs):
    files = {Path(c.warc_file) for c in two_runs.captures(1)}
    assert files and all(f.parent == two_runs.warc / "1" and f.exists() for f in files)


def test_every_source_points_at_its_capture(two_runs):
    archive = Archive(two_runs.url)
    try:
        with Session(archive.engine) as session:
            rows = session.execute(select(Source.capture_id, Blob.data).join(Blob)).all()
        assert rows
        for capture_id, data in rows:
            assert capture_id is not None
            assert archive.captures.read(capture_id) == data
    finally:
        archive.close()


def test_second_run_of_unchanged_web_writes_revisits(two_runs):
    second = two_runs.captures(2)
    assert second and {c.record_type for c in second} == {"revisit"}
    assert all(c.refers_to_id is not None for c in second)


def test_reparse_reads_every_version_from_the_warcs(two_runs, capsys):
    assert main(["--database-url", two_runs.url, "reparse", "--warc-only"]) == 0
    out = capsys.readouterr().out
    archive = Archive(two_runs.url)
    try:
        versions = len(archive.parses.reparse_sources())
    finally:
        archive.close()
    assert versions > 0
    assert f"0 errors; raw bytes from WARC: {versions}, from blobs: 0" in out
