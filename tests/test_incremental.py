"""Incremental nightly runs: lists re-read, archived reports not fetched again unless changed.

The archive's incremental state and the replica's validators are tested directly; then, on SQLite
and PostgreSQL, four real crawls of a 30-portal sample of the generated web into one archive:

1. the web as generated, with one report on the last page of a paged list answering 503;
2. the same web grown by 5% new reports (some in new years), the broken report repaired;
3. the grown web again, every archived report due for revalidation (``GOVCRAWL_REVALIDATE_DAYS=0``);
4. as 3, from hosts that ignore conditional requests and answer in full.

The replica proxy's log (every request with its headers) says what each run fetched.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, select

from conftest import BACKENDS, _fresh_postgres
from govcrawl.store.models import CrawlRun
from govcrawl.store.warc import CaptureRecord
from replica.fixtures import FAMILY_PORTALS
from replica.generate import generate_portals, generated_web, grow_portals
from replica.harness import archived_reports, crawl_env, run_crawl, write_seeds
from replica.model import Response
from replica.scorecard import score
from replica.server import ReplicaServer
from replica.web import build_web

#: Every 10th generated portal: 30 portals over all families (as tests/test_crawl_generated.py).
SAMPLE = range(0, 300, 10)
GROWTH = 0.05
#: Pages of the static and TRS pagers beyond the first.
LATER_PAGE = re.compile(r"/index_\d+\.html$")


# -- the archive's incremental state ---------------------------------------------------------------


def _capture(url: str, status: int, when: datetime, etag: str | None = None) -> CaptureRecord:
    return CaptureRecord(
        url=url, http_status=status, payload_sha256=hashlib.sha256(f"{status}{url}".encode()).hexdigest(), size=1,
        fetched_at=when, warc_file="/nonexistent.warc.gz", warc_offset=0, warc_length=1,
        warc_record_id=f"<urn:uuid:{url}{when}>", etag=etag, last_modified="Mon, 20 Jan 2020 01:00:00 GMT",
        content_type="application/pdf",
    )


def test_incremental_state_from_the_archive(archive, make_record) -> None:
    t1 = datetime(2026, 11, 23, 1, tzinfo=UTC)
    walked = archive.runs.start({})
    page, pdf = "http://127.0.0.1/nb/t1.html", "http://127.0.0.1/nb/t1.pdf"
    rec = make_record("b" * 64, pdf)
    rec = dataclasses.replace(rec, capture=dataclasses.replace(rec.capture, referer=page, fetched_at=t1))
    archive.captures.record(_capture(page, 200, t1 - timedelta(seconds=1), '"page"'), walked)
    first = archive.captures.record(_capture(pdf, 200, t1, '"v1"'), walked)
    archive.reports.store(rec, run_id=walked)
    failed = "http://127.0.0.1/nb/t2.html"
    archive.runs.record_error(run_id=walked, url=failed, portal_code="370800", stage="fetch", kind="http_503", message="")
    archive.runs.record_error(run_id=walked, url=pdf, portal_code="370800", stage="fetch", kind="timeout", message="")
    archive.runs.record_error(run_id=walked, url="http://127.0.0.1/x", portal_code="370800", stage="fetch",
                         kind="robots", message="")
    archive.runs.record_health(walked, "370800", column_url=page, reports_found=2, pages_fetched=4, failure_class=None)
    archive.runs.finish(walked, {})
    crashed = archive.runs.start({})  # killed: health written, never finished
    archive.runs.record_health(crashed, "370800", column_url=page, reports_found=2, pages_fetched=4, failure_class=None)
    later = archive.captures.record(_capture(pdf, 304, t1 + timedelta(days=3), '"v1"'), crashed)

    state = archive.incremental_state(["370800"])

    known = state.urls[pdf]
    assert (known.archived, known.links_files, known.portal_code) == (True, False, "370800")
    assert known.first_fetched == t1 and known.checked_at == t1 + timedelta(days=3)  # the 304 revalidated it
    assert (known.etag, known.capture_id, known.content_type) == ('"v1"', first, "application/pdf")
    assert known.capture_id != later  # the bytes to replay are the 200's
    wrapper = state.urls[page]
    assert (wrapper.archived, wrapper.links_files, wrapper.etag) == (False, True, '"page"')
    assert failed not in state.urls
    walk = state.walks["370800"]
    assert walk.run_id == walked  # the crashed run's health is no complete walk
    assert walk.pending == {failed}  # archived since, or forbidden by robots.txt: not pending
    assert archive.incremental_state(["110101"]).urls == {}


def test_incremental_state_of_an_empty_archive(archive) -> None:
    state = archive.incremental_state()
    assert (state.urls, state.walks) == ({}, {})


# -- the replica: validators and growth ------------------------------------------------------------


def test_grown_web_adds_new_reports_and_keeps_the_rest() -> None:
    portals = generate_portals()
    grown = grow_portals(portals, GROWTH)
    assert grown == grow_portals(portals, GROWTH)  # fixed seed
    before = {(p.host, i.id): i for p in portals for i in p.items}
    new = [(p, i) for p in grown for i in p.items if (p.host, i.id) not in before]
    reports = sum(1 for i in before.values() if i.is_report)
    assert len(new) == round(reports * GROWTH)
    assert all(i.is_report for _, i in new)
    assert all(before[p.host, i.id] == i for p in grown for i in p.items if (p.host, i.id) in before)
    newest = {p.host: max(i.report_year for i in p.items if i.is_report) for p in portals}
    new_years = [i for p, i in new if i.report_year > newest[p.host]]
    assert len(new_years) >= len(new) // 2
    for portal, item in new:  # heads the newest-first list
        assert portal.items[0].date >= item.date > max(x.date for x in portal.items if (portal.host, x.id) in before)


@pytest.fixture(scope="module")
def sample_replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(web=generated_web(sample=SAMPLE)) as server:
        yield server


def test_grown_web_keeps_every_earlier_url(sample_replica: ReplicaServer) -> None:
    before = sample_replica.truth()
    after = generated_web(sample=SAMPLE, grow=GROWTH).truth()
    assert _report_urls(before) < _report_urls(after) and _page_urls(before) < _page_urls(after)
    reports = sum(len(p["reports"]) for p in before["portals"])
    assert len(_report_urls(after) - _report_urls(before)) == round(reports * GROWTH)


def _get(server: ReplicaServer, url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": server.proxy_url}))
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as resp:
            return resp.status, resp.headers
    except urllib.error.HTTPError as err:
        return err.code, err.headers


def test_every_report_and_report_page_answers_conditional_requests(sample_replica: ReplicaServer) -> None:
    truth = sample_replica.truth()
    urls = {u for p in truth["portals"] for r in p["reports"] for u in (r["url"], r["page_url"])}
    assert any("xxgkAnnualReport.jsp" in u for u in urls)  # a page built per request carries them too
    for url in sorted(urls):
        status, headers = _get(sample_replica, url)
        assert status == 200 and headers["ETag"] and headers["Last-Modified"], url
        for validator in ({"If-None-Match": headers["ETag"]}, {"If-Modified-Since": headers["Last-Modified"]}):
            status, again = _get(sample_replica, url, validator)
            assert (status, again["ETag"], again["Last-Modified"]) == (304, headers["ETag"], headers["Last-Modified"])
        assert _get(sample_replica, url, {"If-None-Match": '"other"'})[0] == 200


def test_server_ignoring_validators_answers_in_full() -> None:
    with ReplicaServer(web=generated_web(sample=SAMPLE[:1]), conditional=False) as server:
        url = server.truth()["portals"][0]["reports"][0]["url"]
        _, headers = _get(server, url)
        assert _get(server, url, {"If-None-Match": headers["ETag"]})[0] == 200


# -- four crawls -----------------------------------------------------------------------------------


@dataclass
class Run:
    exit_code: int
    log: str
    requests: list[dict[str, Any]]
    truth: dict[str, Any]
    reports: list[dict[str, Any]]
    run: dict[str, Any]  # its crawl_runs row

    def fetched(self, status: int | None = None) -> set[str]:
        return {r["url"] for r in self.requests if status is None or r["status"] == status}


@dataclass
class Runs:
    url: str
    broken: str  # the report answering 503 in the first run
    runs: list[Run]


def _report_urls(truth: dict) -> set[str]:
    return {r["url"] for p in truth["portals"] for r in p["reports"]}


def _page_urls(truth: dict) -> set[str]:
    return {r["page_url"] for p in truth["portals"] for r in p["reports"]}


def _broken_report(truth: dict) -> str:
    """The oldest HTML report of a static portal whose list spans several pages: past where the
    next run stops reading when nothing of the portal failed."""
    generated = generate_portals()  # once: about 1.6 s a call
    portals = {p.host: p for p in (generated[i] for i in SAMPLE)}
    for entry in truth["portals"]:
        portal = portals[entry["host"]]
        if portal.family == "static" and len(portal.items) > 2 * portal.options["per_page"]:
            oldest = [i for i in portal.items if i.is_report and i.fmt == "html"][-1]
            (url,) = [r["url"] for r in entry["reports"] if r["title"] == oldest.title]
            return url
    raise AssertionError("the sample has no static portal with three list pages")


def _crawl(server: ReplicaServer, database: str, tmp: Path, n: int, env: dict[str, str] | None = None) -> Run:
    mark = len(server.log)
    seeds = write_seeds(server, tmp / "seeds.csv")
    environment = crawl_env(server.proxy_url, database) | {"GOVCRAWL_WARC_DIR": str(tmp / "warc")} | (env or {})
    code, _, _ = run_crawl(seeds, environment, tmp / f"crawl{n}.log")
    engine = create_engine(database)
    with engine.connect() as conn:
        runs = CrawlRun.__table__
        row = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(1)).mappings().one()
    engine.dispose()
    return Run(
        code, (tmp / f"crawl{n}.log").read_text(encoding="utf-8"), server.log[mark:], server.truth(),
        archived_reports(database), dict(row),
    )


def _four_runs(database: str, tmp: Path) -> Runs:
    runs = []
    with ReplicaServer(web=generated_web(sample=SAMPLE)) as server:
        broken = _broken_report(server.truth())
        host, path = urlsplit(broken).hostname, urlsplit(broken).path
        server.web.sites[host].pages[path] = Response(b"<html><body>busy</body></html>", status=503)
        runs.append(_crawl(server, database, tmp, 1))
    grown = generated_web(sample=SAMPLE, grow=GROWTH)
    due = {"GOVCRAWL_REVALIDATE_DAYS": "0"}
    with ReplicaServer(web=grown) as server:
        runs.append(_crawl(server, database, tmp, 2))
        runs.append(_crawl(server, database, tmp, 3, due))
    with ReplicaServer(web=grown, conditional=False) as server:
        runs.append(_crawl(server, database, tmp, 4, due))
    return Runs(database, broken, runs)


@pytest.fixture(scope="module", params=BACKENDS)
def runs(request, tmp_path_factory) -> Iterator[Runs]:
    tmp = tmp_path_factory.mktemp(f"incremental-{request.param}")
    if request.param == "sqlite":
        yield _four_runs(f"sqlite:///{tmp / 'archive.sqlite3'}", tmp)
    else:
        with _fresh_postgres() as url:
            yield _four_runs(url, tmp)


def test_every_run_exits_cleanly(runs: Runs) -> None:
    assert [r.exit_code for r in runs.runs] == [0, 0, 0, 0]
    assert all("Traceback" not in r.log for r in runs.runs)
    assert all(r.run["finished_at"] is not None for r in runs.runs)


def test_first_run_archives_all_but_the_broken_report(runs: Runs) -> None:
    first = runs.runs[0]
    card = score(first.truth, first.reports)
    assert card.missing == {runs.broken} and card.extra == set()


def test_second_run_reads_every_column_again(runs: Runs) -> None:
    second = runs.runs[1]
    columns = {p["column_url"] for p in second.truth["portals"]}
    assert columns <= second.fetched(200)


def test_second_run_downloads_no_archived_report(runs: Runs) -> None:
    first, second = runs.runs[:2]
    archived = {u for r in first.reports for u in r["source_urls"]}
    assert archived and not archived & second.fetched()
    # Nor the pages that linked archived files: they are replayed from the WARC files.
    wrappers = _page_urls(first.truth) - _report_urls(first.truth)
    assert wrappers and not wrappers & second.fetched()


def test_second_run_archives_new_reports_and_the_repaired_one(runs: Runs) -> None:
    first, second = runs.runs[:2]
    new = _report_urls(second.truth) - _report_urls(first.truth)
    assert len(new) >= 3
    assert new | {runs.broken} <= second.fetched(200)
    card = score(second.truth, second.reports)
    assert card.missing == set() and card.extra == set()
    assert card.archived_reports == card.expected_reports  # nothing stored twice
    assert second.run["reports_added"] == len(new) + 1


def test_new_years_are_found(runs: Runs) -> None:
    first, second = runs.runs[:2]
    years = {p["host"]: max((r["year"] for r in p["reports"]), default=0) for p in first.truth["portals"]}
    new_years = {
        r["url"] for p in second.truth["portals"] for r in p["reports"] if r["year"] > years[p["host"]]
    }
    archived = {u for r in second.reports for u in r["source_urls"]}
    assert new_years and new_years <= archived


def test_second_run_stops_paging_where_the_archive_is_complete(runs: Runs) -> None:
    first, second = runs.runs[:2]
    broken_host = urlsplit(runs.broken).hostname
    later = {u for u in first.fetched(200) if LATER_PAGE.search(u)}
    of_broken = {u for u in later if urlsplit(u).hostname == broken_host}
    assert of_broken and of_broken <= second.fetched(200)  # a failure since the last walk: read to the end
    assert later - of_broken - second.fetched()  # elsewhere, the rest of a settled list is not read
    assert second.run["stats"]["govcrawl/incremental/list_stops"] > 0
    assert len(second.requests) < len(first.requests) / 2


def test_revalidation_gets_304_and_stores_nothing(runs: Runs) -> None:
    second, third = runs.runs[1:3]
    reports = _report_urls(third.truth)
    conditional = [r for r in third.requests if r["url"] in reports]
    assert {r["url"] for r in conditional} == reports  # attachments too: their pages were replayed
    assert {r["status"] for r in conditional} == {304}
    assert all("If-None-Match" in r["headers"] and "If-Modified-Since" in r["headers"] for r in conditional)
    stats = third.run["stats"]
    assert stats["httpcache/revalidate"] >= len(reports)
    assert "govcrawl/reports_new" not in stats and "govcrawl/reports_known" not in stats  # no document item
    assert (third.run["reports_added"], third.run["sources_added"]) == (0, 0)
    assert third.reports == second.reports  # nothing lost


def test_unchanged_bytes_from_a_server_without_304_store_nothing(runs: Runs) -> None:
    third, fourth = runs.runs[2:]
    reports = _report_urls(fourth.truth)
    assert reports <= fourth.fetched(200)
    stats = fourth.run["stats"]
    assert stats["httpcache/revalidate"] >= len(reports)  # the cache's verdict: the archived copy stands
    assert "govcrawl/reports_new" not in stats and "govcrawl/reports_known" not in stats
    assert (fourth.run["reports_added"], fourth.run["sources_added"]) == (0, 0)
    assert fourth.reports == third.reports


# -- a report whose URL has Chinese characters and spaces ------------------------------------------


def test_a_report_url_with_chinese_characters_and_spaces_is_not_fetched_again(tmp_path: Path) -> None:
    (portal,) = [p for p in FAMILY_PORTALS if p.options.get("attachment_names") == "title"]
    database = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    with ReplicaServer(web=build_web((portal,), aggregators=(), dead=())) as server:
        first = _crawl(server, database, tmp_path, 1)
        second = _crawl(server, database, tmp_path, 2)
    files = {r["url"] for p in first.truth["portals"] for r in p["reports"] if r["url"] != r["page_url"]}
    assert len(files) == 2 and all("%20" in u and "%E5%B9%B4" in u for u in files)  # 年, a space: encoded
    assert score(first.truth, first.reports).perfect and files <= first.fetched(200)
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert not files & second.fetched()  # archived and fresh: not downloaded again
    assert second.reports == first.reports
