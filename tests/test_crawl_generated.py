"""End to end on a fixed sample of the generated web: recall and precision across families and
their variations (list and page sizes, years, slugs, link texts, nesting, encodings).

All ~300 generated portals are crawled by ``make bench-crawl``; the suite crawls a fixed sample
to stay fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from replica.families.irregular import SHAPES
from replica.generate import generated_web
from replica.harness import archived_reports, crawl_env, run_crawl, write_seeds
from replica.scorecard import Scorecard, score
from replica.server import ReplicaServer

pytestmark = [pytest.mark.crawl, pytest.mark.browser]

#: Every 10th generated portal: 30 portals over all families.
SAMPLE = range(0, 300, 10)


@dataclass
class Crawl:
    exit_code: int
    log: str
    truth: dict[str, Any]
    card: Scorecard
    health: dict[str, tuple]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> Iterator[Crawl]:
    tmp = tmp_path_factory.mktemp("crawl-generated")
    url = f"sqlite:///{tmp / 'archive.sqlite3'}"
    with ReplicaServer(web=generated_web(sample=SAMPLE)) as replica:
        seeds = write_seeds(replica, tmp / "seeds.csv")
        code, _, _ = run_crawl(seeds, crawl_env(replica.proxy_url, url), tmp / "crawl.log")
        truth = replica.truth()
    reports = archived_reports(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("select division_code, failure_class, column_url, reports_found from portal_health"))
        health = {r[0]: tuple(r[1:]) for r in rows}
    engine.dispose()
    yield Crawl(code, (tmp / "crawl.log").read_text(encoding="utf-8"), truth, score(truth, reports), health)


def test_sample_covers_the_families_and_the_irregular_shapes(crawl: Crawl) -> None:
    portals = crawl.truth["portals"]
    assert len({p["family"] for p in portals if p["family"] != "irregular"}) >= 8
    assert {p["shape"] for p in portals if p["family"] == "irregular"} == set(SHAPES)


def test_crawl_exits_cleanly(crawl: Crawl) -> None:
    assert crawl.exit_code == 0
    assert "Traceback" not in crawl.log


def test_recall_is_total(crawl: Crawl) -> None:
    assert sorted(crawl.card.missing) == []


def test_nothing_but_reports_archived(crawl: Crawl) -> None:
    assert sorted(crawl.card.extra) == []
    assert crawl.card.archived_reports == crawl.card.expected_reports


def test_every_portal_healthy_with_its_column(crawl: Crawl) -> None:
    for portal in crawl.truth["portals"]:
        failure, column, found = crawl.health[portal["division_code"]]
        assert failure is None and column and found >= len(portal["reports"]), portal["host"]
