"""Resume: a crawl killed with SIGKILL mid-run and started again, on SQLite and PostgreSQL.

A real ``scrapy crawl county`` of a 30-portal sample of the generated web is killed (its whole
process group: Scrapy, the extraction workers, Chromium) once a third of the reports are in the
archive, then the same crawl is started again. The restart must finish the job: every report
archived once, nothing stored before the kill lost, and no report that was stored before the kill
fetched again (the replica proxy's log has every request of both runs).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from conftest import BACKENDS, _fresh_postgres
from govcrawl.config import PROJECT_ROOT
from govcrawl.store.models import CrawlRun, Report, Source
from replica.generate import generated_web
from replica.harness import archived_reports, crawl_command, crawl_env, run_crawl, write_seeds
from replica.scorecard import score
from replica.server import ReplicaServer

pytestmark = [pytest.mark.crawl, pytest.mark.browser]

#: Every 10th generated portal: 30 portals over all families.
SAMPLE = range(0, 300, 10)
#: The kill comes once this share of the expected reports is archived.
KILL_AT = 1 / 3


@dataclass
class Resume:
    truth: dict[str, Any]
    killed: list[dict[str, Any]]  # requests of the killed run
    resumed: list[dict[str, Any]]  # requests of the restarted run
    before: list[dict[str, Any]]  # the archive right after the kill
    after: list[dict[str, Any]]  # the archive after the restart
    exit_code: int
    log: str
    runs: list[Any]  # crawl_runs rows
    duplicate_sources: list[Any]  # source URLs stored more than once


def _count(database: str, query: Any) -> Any:
    engine = create_engine(database)
    try:
        with engine.connect() as conn:
            return conn.execute(query).all()
    finally:
        engine.dispose()


def _stored(database: str) -> int:
    try:
        return _count(database, select(func.count()).select_from(Report))[0][0]
    except SQLAlchemyError:  # not migrated yet
        return 0


def _kill_midway(seeds: Path, env: dict[str, str], log: Path, database: str, expected: int) -> None:
    """Start the crawl; SIGKILL its process group once ``KILL_AT`` of ``expected`` reports are stored."""
    command = crawl_command(seeds)
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 600
        while _stored(database) < expected * KILL_AT:
            assert proc.poll() is None, "the crawl ended before it could be killed"
            assert time.monotonic() < deadline, "the crawl stored too little to be killed midway"
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _resume(database: str, tmp: Path) -> Resume:
    with ReplicaServer(web=generated_web(sample=SAMPLE)) as server:
        truth = server.truth()
        seeds = write_seeds(server, tmp / "seeds.csv")
        env = crawl_env(server.proxy_url, database) | {"GOVCRAWL_WARC_DIR": str(tmp / "warc")}
        _kill_midway(seeds, env, tmp / "killed.log", database, truth["distinct_reports"])
        killed = server.log
        before = archived_reports(database)
        code, _, _ = run_crawl(seeds, env, tmp / "resumed.log")
        resumed = server.log[len(killed):]
    duplicates = select(Source.url).group_by(Source.url).having(func.count() > 1)
    return Resume(
        truth, killed, resumed, before, archived_reports(database), code,
        (tmp / "resumed.log").read_text(encoding="utf-8"),
        _count(database, select(CrawlRun.id, CrawlRun.finished_at).order_by(CrawlRun.id)),
        _count(database, duplicates),
    )


@pytest.fixture(scope="module", params=BACKENDS)
def resume(request, tmp_path_factory) -> Iterator[Resume]:
    tmp = tmp_path_factory.mktemp(f"resume-{request.param}")
    if request.param == "sqlite":
        yield _resume(f"sqlite:///{tmp / 'archive.sqlite3'}", tmp)
    else:
        with _fresh_postgres() as url:
            yield _resume(url, tmp)


def _report_urls(truth: dict) -> set[str]:
    return {r["url"] for p in truth["portals"] for r in p["reports"]}


def test_the_kill_came_midway(resume: Resume) -> None:
    assert 0 < len(resume.before) < resume.truth["distinct_reports"]
    (_, killed_end), (_, resumed_end) = resume.runs
    assert killed_end is None and resumed_end is not None  # the killed run never finished


def test_restart_finishes_cleanly(resume: Resume) -> None:
    assert resume.exit_code == 0
    assert "Traceback" not in resume.log


def test_restart_completes_the_archive_without_duplicates(resume: Resume) -> None:
    card = score(resume.truth, resume.after)
    assert card.missing == set() and card.extra == set()
    assert card.archived_reports == card.expected_reports
    assert resume.duplicate_sources == []


def test_nothing_stored_before_the_kill_is_lost(resume: Resume) -> None:
    after = {r["report_id"]: r for r in resume.after}
    for report in resume.before:
        kept = after[report["report_id"]]
        assert kept["content_hash"] == report["content_hash"]
        assert set(report["source_urls"]) <= set(kept["source_urls"])
        assert kept["values"] == report["values"]


def test_reports_stored_before_the_kill_are_not_fetched_again(resume: Resume) -> None:
    stored = {u for r in resume.before for u in r["source_urls"]}
    resumed = {r["url"] for r in resume.resumed}
    assert stored and not stored & resumed
    # A report fetched by both runs is one the kill caught between its download and its storing.
    twice = _report_urls(resume.truth) & {r["url"] for r in resume.killed if r["status"] == 200} & resumed
    assert not twice & stored
