"""End to end on the family web: one portal per CMS family and per situation, crawled by the real
``scrapy crawl county`` subprocess through the replica proxy into a SQLite archive.

Recall must be total and nothing but reports archived; every portal's health record must carry the
failure class its ground truth names; Chromium must be used only where a page needs it.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from replica.fixtures import DEAD_FAILURE, family_web
from replica.harness import crawl_web
from replica.scorecard import Scorecard, score

pytestmark = [pytest.mark.crawl, pytest.mark.browser]


@dataclass
class Crawl:
    exit_code: int
    log: str
    truth: dict[str, Any]
    card: Scorecard
    requests: list[dict[str, Any]]
    health: dict[str, tuple]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> Iterator[Crawl]:
    done = crawl_web(family_web(), tmp_path_factory.mktemp("crawl-families"))
    engine = create_engine(done.database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "select division_code, failure_class, column_url, reports_found, pages_fetched, found_by, discovery_pages"
                " from portal_health"
            )
        )
        health = {r[0]: tuple(r[1:]) for r in rows}
    engine.dispose()
    yield Crawl(done.exit_code, done.log, done.truth, score(done.truth, done.reports()), done.requests, health)


def test_crawl_exits_cleanly(crawl: Crawl) -> None:
    assert crawl.exit_code == 0
    assert "Traceback" not in crawl.log


def test_every_report_of_every_family_is_archived(crawl: Crawl) -> None:
    assert crawl.card.missing == set()
    assert crawl.card.archived_reports == crawl.card.expected_reports


def test_no_non_report_is_archived(crawl: Crawl) -> None:
    assert crawl.card.extra == set()


def test_every_portal_has_its_health_class(crawl: Crawl) -> None:
    expected = {p["division_code"]: p["failure"] for p in crawl.truth["portals"]}
    expected |= {d["division_code"]: DEAD_FAILURE[d["failure"]] for d in crawl.truth["dead_portals"]}
    assert {code: crawl.health[code][0] for code in expected} == expected


def test_working_portals_record_their_column_and_reports(crawl: Crawl) -> None:
    for portal in crawl.truth["portals"]:
        if portal["failure"] is None:
            failure, column, found, pages, found_by, discovery = crawl.health[portal["division_code"]]
            assert column is not None and urllib.parse.urlsplit(column).hostname in portal["hosts"], portal["host"]
            assert found >= len(portal["reports"]) and pages >= found, portal["host"]
            # A first run: every column was found from the portal itself, at a cost of at least its homepage.
            assert found_by and set(found_by.split(",")) <= {"nav", "explore", "sitemap", "search"}, portal["host"]
            assert 1 <= discovery <= pages, portal["host"]


def test_portals_whose_way_in_fails_record_what_discovery_spent(crawl: Crawl) -> None:
    for portal in crawl.truth["portals"]:
        if portal["failure"] in ("no_column", "empty_column"):
            _, _, found, pages, found_by, discovery = crawl.health[portal["division_code"]]
            assert (found, found_by) == (0, None) and 1 <= discovery <= pages, portal["host"]


def test_robots_excluded_column_never_fetched(crawl: Crawl) -> None:
    fetched = {r["url"] for r in crawl.requests}
    assert not any(u.startswith("http://www.fxrobots.gov.cn/zwgk/zfxxgknb/") for u in fetched)


def _host(url: str) -> str | None:
    return urllib.parse.urlsplit(url).hostname


def test_chromium_only_for_script_lists_and_the_challenge(crawl: Crawl) -> None:
    # Chromium, unlike Scrapy, sends Proxy-Connection to an HTTP proxy.
    hosts = {h for p in crawl.truth["portals"] for h in p["hosts"]}
    browser = {_host(r["url"]) for r in crawl.requests if "Proxy-Connection" in r["headers"] and _host(r["url"]) in hosts}
    assert browser == {p["host"] for p in crawl.truth["portals"] if p["needs_browser"]}
    assert browser == {"www.fxscript.gov.cn", "www.fxshield.gov.cn"}


def test_no_request_left_the_units_hosts(crawl: Crawl) -> None:
    allowed = {h for p in crawl.truth["portals"] for h in p["hosts"]} | {d["host"] for d in crawl.truth["dead_portals"]}
    strays = [r for r in crawl.requests if _host(r["url"].replace(":443", "")) not in allowed]
    assert all(r["status"] == 502 for r in strays), strays  # Chromium's own probes, refused by the proxy
