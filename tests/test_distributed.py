"""Distributed mode: workers sharing a Redis queue and a PostgreSQL archive, on the replica web."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text

from conftest import _fresh_postgres
from govcrawl.config import PROJECT_ROOT
from govcrawl.distributed import clear_job, job_prefix
from replica.harness import archived_reports, crawl_command, crawl_env, write_seeds
from replica.scorecard import score
from replica.server import ReplicaServer

pytestmark = [pytest.mark.crawl, pytest.mark.postgres]

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_job() -> Iterator[str]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is required under CI: {exc}")
        pytest.skip("no Redis server")
    job = f"test-{secrets.token_hex(4)}"
    yield job
    clear_job(REDIS_URL, job)


@pytest.fixture
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer() as server:
        yield server


def _worker(replica: ReplicaServer, seeds: Path, db: str, job: str, log: Path, *extra: str) -> subprocess.Popen:
    env = crawl_env(replica.proxy_url, db)
    env.update(GOVCRAWL_REDIS_URL=REDIS_URL, GOVCRAWL_JOB=job, GOVCRAWL_LEASE_TTL="3")
    command = crawl_command(seeds, *extra)
    return subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def _health(db: str) -> list[tuple]:
    engine = create_engine(db)
    with engine.connect() as conn:
        rows = list(conn.execute(text("select division_code, failure_class, reports_found, pages_fetched from portal_health")))
    engine.dispose()
    return [tuple(r) for r in rows]


def _runs(db: str) -> list[dict]:
    engine = create_engine(db)
    with engine.connect() as conn:
        rows = [json.loads(s) if isinstance(s, str) else s for (s,) in conn.execute(text("select stats from crawl_runs"))]
    engine.dispose()
    return rows


def test_two_workers_store_every_report_once_and_fetch_no_url_twice(replica, redis_job, tmp_path) -> None:
    seeds = write_seeds(replica, tmp_path / "seeds.csv")
    with _fresh_postgres() as db:
        workers = [_worker(replica, seeds, db, redis_job, tmp_path / f"w{i}.log") for i in range(2)]
        assert [w.wait(timeout=300) for w in workers] == [0, 0]
        card = score(replica.truth(), archived_reports(db))
        assert card.perfect, (card.missing, card.extra, card.split_duplicates)
        assert len(_runs(db)) == 2
        health = _health(db)
    # Health is pooled over the workers: one row per division for the job, with every report counted.
    truth = replica.truth()
    assert sorted(h[0] for h in health) == sorted({p["division_code"] for p in truth["portals"]})
    by_code = {h[0]: h for h in health}
    for portal in truth["portals"]:
        _, failure, found, pages = by_code[portal["division_code"]]
        assert failure is None and found >= len(portal["reports"]) and pages > found, portal["host"]
    # Successful fetches by Scrapy (Chromium's requests carry Proxy-Connection; a dead host's 502s are
    # retried by design; robots.txt is fetched by each process for itself).
    fetched = Counter(
        (r["method"], r["url"]) for r in replica.log
        if r["status"] == 200 and "Proxy-Connection" not in r["headers"] and not r["url"].endswith("/robots.txt")
    )
    assert [key for key, n in fetched.items() if n > 1] == []


def test_a_killed_worker_loses_none_of_its_requests(replica, redis_job, tmp_path) -> None:
    seeds = write_seeds(replica, tmp_path / "seeds.csv")
    with _fresh_postgres() as db:
        # A slow worker, killed while it holds leases and the queue is not empty.
        slow = _worker(replica, seeds, db, redis_job, tmp_path / "slow.log", "-s", "DOWNLOAD_DELAY=1")
        server = redis.Redis.from_url(REDIS_URL)
        inflight = f"{job_prefix(redis_job)}:county:requests:inflight"
        deadline = time.monotonic() + 60
        while not server.hlen(inflight) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)
        held = server.hlen(inflight)
        os.killpg(slow.pid, signal.SIGKILL)
        slow.wait()
        assert held > 0
        # A second worker takes over the job once the dead one's heartbeat expires.
        rescuer = _worker(replica, seeds, db, redis_job, tmp_path / "rescuer.log")
        assert rescuer.wait(timeout=300) == 0
        card = score(replica.truth(), archived_reports(db))
        assert card.perfect, (card.missing, card.extra, card.split_duplicates)
        (stats,) = [s for s in _runs(db) if s]  # the killed worker never finished its run
        assert stats.get("govcrawl/distributed/reclaimed", 0) >= 1
    assert server.hlen(inflight) == 0


def test_govcrawl_crawl_with_workers_runs_one_job(replica, redis_job, tmp_path) -> None:
    seeds = write_seeds(replica, tmp_path / "seeds.csv")
    with _fresh_postgres() as db:
        env = crawl_env(replica.proxy_url, db)
        done = subprocess.run(
            [sys.executable, "-m", "govcrawl", "crawl", "--workers", "2", "--redis", REDIS_URL, "--job", redis_job,
             "--seeds", str(seeds), "-s", "GOVCRAWL_LEASE_TTL=3"],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        card = score(replica.truth(), archived_reports(db))
        assert card.perfect, (card.missing, card.extra, card.split_duplicates)
        assert len(_runs(db)) == 2  # two workers, one run each
    assert list(redis.Redis.from_url(REDIS_URL).scan_iter(f"{job_prefix(redis_job)}:*")) == []  # the job cleaned up
