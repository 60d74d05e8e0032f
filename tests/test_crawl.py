"""End to end: ``scrapy crawl county`` on the replica web through its proxy, into SQLite and PostgreSQL.

The crawl runs as a real subprocess (Scrapy, scrapy-playwright with Debian's Chromium, the pipelines,
Alembic, the database); the assertions compare the archive with the replica's ground truth and with
the hand-written expected values of the seed reports.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from conftest import BACKENDS, _fresh_postgres
from replica.harness import archived_reports, crawl_env, run_crawl, write_seeds
from replica.scorecard import Scorecard, score
from replica.server import ReplicaServer

pytestmark = [pytest.mark.crawl, pytest.mark.browser]

EXPECTED = Path(__file__).parent / "fixtures" / "expected"


@dataclass
class Crawl:
    exit_code: int
    log: str
    truth: dict[str, Any]
    reports: list[dict[str, Any]]
    requests: list[dict[str, Any]]
    url: str

    @property
    def card(self) -> Scorecard:
        return score(self.truth, self.reports)

    def rows(self, sql: str) -> list[Any]:
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(sql)))
        finally:
            engine.dispose()

    def report_with(self, url: str) -> dict[str, Any]:
        (report,) = [r for r in self.reports if url in r["source_urls"]]
        return report


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer() as server:
        yield server


@pytest.fixture(scope="module", params=BACKENDS)
def crawl(request, replica: ReplicaServer, tmp_path_factory) -> Iterator[Crawl]:
    tmp = tmp_path_factory.mktemp(f"crawl-{request.param}")
    if request.param == "sqlite":
        yield _run(replica, tmp, f"sqlite:///{tmp / 'archive.sqlite3'}")
    else:
        with _fresh_postgres() as url:
            yield _run(replica, tmp, url)


def _run(replica: ReplicaServer, tmp: Path, url: str) -> Crawl:
    first = len(replica.log)
    seeds = write_seeds(replica, tmp / "seeds.csv")
    code, _, _ = run_crawl(seeds, crawl_env(replica.proxy_url, url), tmp / "crawl.log")
    reports = archived_reports(url)
    log = (tmp / "crawl.log").read_text(encoding="utf-8")
    return Crawl(code, log, replica.truth(), reports, replica.log[first:], url)


def _truth_reports(crawl: Crawl) -> list[dict[str, Any]]:
    return [r for p in crawl.truth["portals"] for r in p["reports"]]


def _expected(seed: str) -> dict[str, Any]:
    return json.loads((EXPECTED / f"seed_{seed}.json").read_text(encoding="utf-8"))


def test_crawl_exits_cleanly(crawl: Crawl) -> None:
    assert crawl.exit_code == 0
    assert "Traceback" not in crawl.log


def test_every_report_of_the_ground_truth_is_archived(crawl: Crawl) -> None:
    assert crawl.card.missing == set()
    assert crawl.card.recall == 1.0


def test_no_non_report_is_archived(crawl: Crawl) -> None:
    assert crawl.card.extra == set()


def test_republished_report_is_one_report_with_two_sources(crawl: Crawl) -> None:
    # 晋宁区's report published twice on its portal, and 任城区's DOC文库 copy beside its original.
    dups = [r for r in _truth_reports(crawl) if r["duplicate_of"]]
    assert len(dups) == 2
    for dup in dups:
        report = crawl.report_with(dup["url"])
        assert set(report["source_urls"]) == {dup["url"], dup["duplicate_of"]}, dup["url"]
    assert len(crawl.reports) == crawl.truth["distinct_reports"]


def test_aggregator_copy_is_a_source_of_the_report_read_from_its_original(crawl: Crawl) -> None:
    # 任城区 (370811) publishes seed 001 as a DOCX attachment and links its DOC文库 copy: whichever the
    # crawl archived first, the report is read from the original, the copy one more source of it.
    (portal,) = [p for p in crawl.truth["portals"] if p["division_code"] == "370811"]
    (original,) = [r for r in portal["reports"] if not r["duplicate_of"]]
    (copy,) = [r for r in portal["reports"] if r["duplicate_of"]]
    assert (_host(copy["url"]), copy["duplicate_of"]) == ("www.docwenku.net", original["url"])
    report = crawl.report_with(original["url"])
    assert report["source_urls"] == [original["url"], copy["url"]]  # the original is the primary source
    by_url = {s["url"]: s for s in report["sources"]}
    # The current version is the original's text, with its parse (the DOCX's tables, not the flattened copy).
    assert (by_url[original["url"]]["version"], by_url[original["url"]]["match"]) == (report["version"], "exact")
    ((aggregator_copy, source_format),) = crawl.rows(
        "select v.aggregator_copy, v.source_format from report_versions v"
        f" where v.report_id = {report['report_id']} and v.is_current"
    )
    assert (bool(aggregator_copy), source_format) == (False, "docx")
    ((copy_capture,),) = crawl.rows(f"select capture_id from sources where url = '{copy['url']}'")
    assert copy_capture is not None  # the copy's capture stays, whatever the order
    assert (report["division_code"], report["year"], report["format"]) == ("370811", 2021, "gov2021")


@pytest.mark.parametrize("field", ["division_code", "year"])
def test_identity_of_every_report(crawl: Crawl, field: str) -> None:
    for truth in _truth_reports(crawl):
        assert crawl.report_with(truth["url"])[field] == _expected(truth["seed"])["identity"][field], truth["url"]


def test_table_three_totals(crawl: Crawl) -> None:
    checked = set()
    for truth in _truth_reports(crawl):
        expected = _expected(truth["seed"])
        if "apply" not in expected:
            continue
        values = crawl.report_with(truth["url"])["values"]
        for row in ("new", "carried_over", "carry_next"):
            assert values[f"apply.{row}.total"] == expected["apply"][row][6], (truth["url"], row)
        assert values["apply.result.total.total"] == expected["apply"]["result.total"][6], truth["url"]
        checked.add(truth["seed"])
    assert checked == {"001", "002", "003"}


def test_legacy_table_read(crawl: Crawl) -> None:
    (truth,) = [r for r in _truth_reports(crawl) if r["seed"] == "000" and not r["duplicate_of"]]
    values = crawl.report_with(truth["url"])["values"]
    assert values["legacy.apply.received"] == _expected("000")["legacy"]["legacy.apply.received"]


def test_narrative_report_has_no_invented_zeros(crawl: Crawl) -> None:
    (truth,) = [r for r in _truth_reports(crawl) if r["seed"] == "004"]
    report = crawl.report_with(truth["url"])
    assert report["format"] == "narrative"
    assert report["values"].get("apply.new.total") == 233
    assert "review.total" not in report["values"]
    assert "apply.carry_next.total" not in report["values"]


def _host(url: str) -> str | None:
    return urllib.parse.urlsplit(url).hostname


def test_only_the_script_built_list_went_through_chromium(crawl: Crawl) -> None:
    portal_hosts = {p["host"] for p in crawl.truth["portals"]}
    # Chromium, unlike Scrapy, sends Proxy-Connection to an HTTP proxy.
    browser = [r for r in crawl.requests if "Proxy-Connection" in r["headers"] and _host(r["url"]) in portal_hosts]
    needs = [p for p in crawl.truth["portals"] if p["needs_browser"]]
    assert {p["column_url"] for p in needs} <= {r["url"] for r in browser}
    assert {_host(r["url"]) for r in browser} == {p["host"] for p in needs}


def test_nothing_but_the_crawl_s_own_urls_reach_the_proxy(crawl: Crawl) -> None:
    # Chromium's own background requests (update checks, sign-in probes) never reach the crawl's proxy:
    # only the pages of its browser context use it.
    hosts = {p["host"] for p in crawl.truth["portals"]} | {"www.docwenku.net"}
    hosts |= {_host(d["homepage"]) for d in crawl.truth["dead_portals"]}
    assert [r["url"] for r in crawl.requests if _host(r["url"]) not in hosts or r["method"] == "CONNECT"] == []
    assert any("Proxy-Connection" in r["headers"] for r in crawl.requests)  # Chromium did browse


def test_every_seed_portal_is_recorded(crawl: Crawl) -> None:
    rows = {tuple(r) for r in crawl.rows("select division_code, name, portal_url from portals")}
    # One row per division: where a division has a dead portal and a working one, the working one.
    portals = {(p["division_code"], p["name"], p["homepage"]) for p in crawl.truth["portals"]}
    dead = {(d["division_code"], d["name"], d["homepage"]) for d in crawl.truth["dead_portals"]}
    assert {p[0] for p in dead} <= {p[0] for p in portals}  # the bundled web's dead portal shares a division
    assert rows == portals


def test_dead_portal_recorded_and_crawl_went_on(crawl: Crawl) -> None:
    (dead,) = crawl.truth["dead_portals"]
    rows = crawl.rows("select stage, kind, http_status, url from fetch_errors")
    assert ("fetch", "http_502", 502, dead["homepage"]) in [tuple(r) for r in rows]


def test_raw_bytes_kept_exactly(crawl: Crawl, replica: ReplicaServer) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": replica.proxy_url}))
    rows = crawl.rows("select s.url, b.sha256, b.size from sources s join blobs b on b.sha256 = s.blob_sha256")
    assert len(rows) == len(_truth_reports(crawl))
    for url, sha, size in rows:
        served = opener.open(url).read()
        assert (hashlib.sha256(served).hexdigest(), len(served)) == (sha, size), url


def test_provenance_of_every_source(crawl: Crawl) -> None:
    rows = crawl.rows("select url, final_url, http_status, content_type, fetched_at, portal_code from sources")
    for url, final_url, status, content_type, fetched_at, portal_code in rows:
        assert final_url == url and status == 200 and content_type and fetched_at and len(portal_code) == 6


def test_run_recorded_with_its_stats(crawl: Crawl) -> None:
    ((finished, stats),) = crawl.rows("select finished_at, stats from crawl_runs")
    stats = json.loads(stats) if isinstance(stats, str) else stats
    assert finished is not None
    assert stats["govcrawl/reports_new"] == crawl.truth["distinct_reports"]


def test_aggregator_copy_fetched_without_its_download_links(crawl: Crawl) -> None:
    aggregator = {"www.docwenku.net"}
    fetched = [r["url"] for r in crawl.requests if _host(r["url"]) in aggregator and not r["url"].endswith("/robots.txt")]
    assert fetched == [r["url"] for r in _truth_reports(crawl) if _host(r["url"]) in aggregator]
