"""End to end on the irregular web: one portal per irregular shape (a column deep in the disclosure
section, behind script and image links, among hundreds of columns, only on the site map, only in the
site search, split over a 部门信息公开 platform), crawled by the real ``scrapy crawl county`` subprocess
through the replica proxy into a SQLite archive, as tests/test_crawl_families.py crawls the family web.

Recall must be total on every portal and nothing but reports archived; each portal's health record
must say how its columns were found (``portal_health.found_by``, as the ground truth names it:
``replica.families.irregular.FOUND_BY``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from replica.fixtures import irregular_web
from replica.harness import crawl_web
from replica.scorecard import Scorecard, score

pytestmark = [pytest.mark.crawl, pytest.mark.browser]


@dataclass
class Crawl:
    exit_code: int
    log: str
    truth: dict[str, Any]
    card: Scorecard
    reports: list[dict[str, Any]]
    #: Every portal_health row by division code, as column name → value (whatever columns the schema has).
    health: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> Iterator[Crawl]:
    done = crawl_web(irregular_web(), tmp_path_factory.mktemp("crawl-irregular"))
    reports = done.reports()
    engine = create_engine(done.database_url)
    with engine.connect() as conn:
        health = {row["division_code"]: dict(row) for row in conn.execute(text("select * from portal_health")).mappings()}
    engine.dispose()
    yield Crawl(done.exit_code, done.log, done.truth, score(done.truth, reports), reports, health)


def test_crawl_exits_cleanly(crawl: Crawl) -> None:
    assert crawl.exit_code == 0
    assert "Traceback" not in crawl.log


def test_every_report_of_every_portal_is_archived(crawl: Crawl) -> None:
    archived = {u for rep in crawl.reports for u in rep["source_urls"]}
    missing = {
        f"{p['shape']} {p['host']}": sorted(r["url"] for r in p["reports"] if r["url"] not in archived)
        for p in crawl.truth["portals"]
    }
    assert {shape: urls for shape, urls in missing.items() if urls} == {}
    assert crawl.card.archived_reports == crawl.card.expected_reports  # republished reports archived once


def test_no_non_report_is_archived(crawl: Crawl) -> None:
    assert crawl.card.extra == set()


def test_every_portal_is_healthy_with_its_column(crawl: Crawl) -> None:
    for portal in crawl.truth["portals"]:
        row = crawl.health.get(portal["division_code"])
        assert row is not None, portal["host"]
        assert row["failure_class"] is None and row["column_url"], portal["host"]
        assert row["reports_found"] >= len(portal["reports"]), portal["host"]


def test_every_portal_records_how_its_column_was_found(crawl: Crawl) -> None:
    columns = set().union(*(row.keys() for row in crawl.health.values()))
    assert "found_by" in columns, f"portal_health has no found_by column: {sorted(columns)}"
    expected = {f"{p['shape']} {p['host']}": p["found_by"] for p in crawl.truth["portals"]}
    found = {f"{p['shape']} {p['host']}": crawl.health.get(p["division_code"], {}).get("found_by") for p in crawl.truth["portals"]}
    assert found == expected


def test_unit_reports_keep_their_own_publisher(crawl: Crawl) -> None:
    """A 部门信息公开平台's reports are the departments' and townships', never only the county's, even the
    one filed in another department's column (its own title names its publisher)."""
    platform = next(p for p in crawl.truth["portals"] if p["shape"] == "department_platform")
    by_url = {u: rep for rep in crawl.reports for u in rep["source_urls"]}
    checked = 0
    for truth in platform["reports"]:
        unit = truth["title"].split(f"{truth['year']}年")[0]
        if unit.endswith("人民政府") and platform["name"] in unit and "镇" not in unit and "乡" not in unit:
            continue  # the county government's own report
        report = by_url[truth["url"]]
        assert report["publisher"] and report["publisher"] != platform["name"], (truth["title"], report["publisher"])
        assert report["publisher"] in unit or unit.endswith(report["publisher"]), (truth["title"], report["publisher"])
        checked += 1
    assert checked >= 8
