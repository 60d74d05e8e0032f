"""The last good column URL: tried first on the next run, rediscovered from the homepage when it is gone.

Three real crawls of one portal into one SQLite archive: the first discovers the column; the
second goes straight to it; before the third the portal moves its column (a redesign), so the old URL
answers 404 and the crawl finds the new one from the homepage.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from replica.fixtures import FAMILY_PORTALS
from replica.harness import archived_reports, crawl_env, run_crawl, write_seeds
from replica.scorecard import score
from replica.server import ReplicaServer
from replica.web import build_web

pytestmark = [pytest.mark.crawl]

(PORTAL,) = [p for p in FAMILY_PORTALS if p.host == "www.fxsub.gov.cn"]
MOVED = dataclasses.replace(PORTAL, options={**PORTAL.options, "column_path": "/zwgk/xxgknb_5784164/"})


def _crawl(portal, url: str, tmp: Path, name: str) -> tuple[list[str], dict, int]:
    """One crawl of ``portal``: the URLs it requested (in order), the truth, and its exit code."""
    with ReplicaServer(web=build_web((portal,), aggregators=(), dead=())) as replica:
        seeds = write_seeds(replica, tmp / f"{name}.csv")
        code, _, _ = run_crawl(seeds, crawl_env(replica.proxy_url, url), tmp / f"{name}.log")
        return [r["url"] for r in replica.log if not r["url"].endswith("/robots.txt")], replica.truth(), code


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Iterator[tuple[list, str]]:
    tmp = tmp_path_factory.mktemp("hints")
    url = f"sqlite:///{tmp / 'archive.sqlite3'}"
    yield [_crawl(p, url, tmp, n) for p, n in ((PORTAL, "first"), (PORTAL, "second"), (MOVED, "moved"))], url


def _health(url: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = list(conn.execute(text("select crawl_run_id, column_url, reports_found, failure_class from portal_health order by crawl_run_id")))
    engine.dispose()
    return [tuple(r) for r in rows]


def test_every_run_exits_cleanly(runs) -> None:
    assert [code for _, _, code in runs[0]] == [0, 0, 0]


def test_first_run_records_the_column_it_found(runs) -> None:
    (first, truth, _), _, _ = runs[0]
    column = truth["portals"][0]["column_url"]
    assert first[0] == PORTAL.homepage
    assert _health(runs[1])[0][1:] == (column, 2, None)


def test_second_run_goes_straight_to_the_last_good_column(runs) -> None:
    _, (second, truth, _), _ = runs[0]
    assert second[0] == truth["portals"][0]["column_url"]
    assert PORTAL.homepage not in second


def test_moved_column_is_rediscovered_from_the_homepage(runs) -> None:
    (_, first_truth, _), _, (moved, truth, _) = runs[0]
    old, new = first_truth["portals"][0]["column_url"], truth["portals"][0]["column_url"]
    assert moved[0] == old and PORTAL.homepage in moved and new in moved
    assert _health(runs[1])[-1][1:] == (new, 2, None)
    card = score(truth, archived_reports(runs[1]))
    assert card.missing == set()  # the old URLs stay archived as earlier sources of the same reports
    assert card.archived_reports == card.expected_reports
