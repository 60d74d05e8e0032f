"""Distributed mode: workers sharing a Redis queue and a PostgreSQL archive, on the replica web.

The fault tests run their own Redis (no persistence, as in production), which they kill and start
again on the same port: a restart loses every key of the job.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import redis

from conftest import _fresh_postgres, query
from govcrawl.config import PROJECT_ROOT
from govcrawl.distributed import clear_job, job_prefix
from govcrawl.store import upgrade
from replica.generate import generated_web
from replica.harness import archived_reports, crawl_command, crawl_env, write_seeds
from replica.scorecard import score
from replica.server import ReplicaServer

pytestmark = [pytest.mark.crawl, pytest.mark.postgres]

REDIS_URL = "redis://127.0.0.1:6379/0"
#: The log lines of a rebuild, of an outage waited out, and of a stop (``govcrawl.distributed``).
REBUILT = re.compile(r"Redis lost job \S+'s queue \(restarted\?\): rebuilt it")
WAITED = re.compile(r"Redis is back after")
STOPPED = re.compile(r"CRITICAL: stopping the crawl: Redis unreachable for")


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


class PrivateRedis:
    """A ``redis-server`` of the test's own on a free port of 127.0.0.1, without persistence: a
    restart (:meth:`kill`, then :meth:`start`) comes back empty."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the server and wait until it answers."""
        with (self.directory / "redis.log").open("a") as log:
            self.proc = subprocess.Popen(
                ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
                 "--dir", str(self.directory), "--daemonize", "no"],
                stdout=log, stderr=subprocess.STDOUT,
            )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        """Kill the server as a crash would (SIGKILL): every key is gone."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.kill()


def _worker(
    replica: ReplicaServer, seeds: Path, db: str, job: str, log: Path, *extra: str,
    redis_url: str = REDIS_URL, env: dict[str, str] | None = None,
) -> subprocess.Popen:
    environment = crawl_env(replica.proxy_url, db)
    environment.update(GOVCRAWL_REDIS_URL=redis_url, GOVCRAWL_JOB=job, GOVCRAWL_LEASE_TTL="3", **(env or {}))
    command = crawl_command(seeds, *extra)
    return subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def _health(db: str) -> list[tuple]:
    return query(db, "select division_code, failure_class, reports_found, pages_fetched from portal_health")


def _runs(db: str) -> list[dict]:
    return [json.loads(s) if isinstance(s, str) else s for (s,) in query(db, "select stats from crawl_runs")]


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


def test_the_archive_extension_does_not_bring_the_coordinator_along() -> None:
    # The coordinator imports the archive extension, which imports pooled_health: no import circle.
    code = "import sys, govcrawl.extensions.archive; print('govcrawl.extensions.coordinator' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# -- Redis faults: a restart mid-job, an outage past the bound ------------------------------------------

#: Every tenth portal of the generated web (30 portals), served slowly enough that a job lasts a while.
SLOW_SAMPLE = range(0, 300, 10)
SLOW_LATENCY = 0.2
#: Seconds Redis stays down in the restart test: shorter than the bound (default 60 s).
OUTAGE_SECONDS = 2.0


def _job_row(db: str, job: str) -> dict:
    ((rebuilds, finished_at),) = query(db, "select rebuilds, finished_at from crawl_jobs where name = :job", job=job)
    return {"rebuilds": rebuilds, "finished_at": finished_at}


def _wait_for_reports(db: str, count: int, workers: list[subprocess.Popen], timeout: float = 240) -> int:
    """Wait until the archive holds ``count`` reports (while the workers run); how many it holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        held = query(db, "select count(*) from reports")[0][0]
        if held >= count:
            return held
        assert all(w.poll() is None for w in workers), "a worker ended before the fault"
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} reports after {timeout} s")


def _stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def _seconds_between(log: Path, first: str, then: str) -> float:
    """Seconds from the first log line with ``first`` to the first with ``then``."""
    times: dict[str, datetime] = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        for mark in (first, then):
            if mark in line:
                times.setdefault(mark, datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S"))
    return (times[then] - times[first]).total_seconds()


def _lines(logs: list[Path], pattern: re.Pattern) -> list[int]:
    return [len(pattern.findall(log.read_text(encoding="utf-8", errors="replace"))) for log in logs]


@dataclass
class FaultJob:
    """Two workers of one job on the slow sample, a PostgreSQL archive and the test's own Redis."""

    name: str
    replica: ReplicaServer
    db: str
    seeds: Path
    truth: dict
    logs: list[Path]
    workers: list[subprocess.Popen]
    start: float

    @property
    def expected(self) -> int:
        return self.truth["distinct_reports"]


@contextmanager
def _fault_job(redis_server: PrivateRedis, tmp_path: Path, env: dict[str, str] | None = None) -> Iterator[FaultJob]:
    """Start the two workers; on the way out, kill those still running (a fault test that failed)."""
    with ReplicaServer(web=generated_web(sample=SLOW_SAMPLE), latency=SLOW_LATENCY) as replica, _fresh_postgres() as db:
        seeds = write_seeds(replica, tmp_path / "seeds.csv")
        upgrade(db)  # the workers would: migrated first, the archive can be counted from the start
        name, logs = f"test-{secrets.token_hex(4)}", [tmp_path / f"w{i}.log" for i in range(2)]
        start = time.monotonic()
        workers = [_worker(replica, seeds, db, name, log, redis_url=redis_server.url, env=env) for log in logs]
        try:
            yield FaultJob(name, replica, db, seeds, replica.truth(), logs, workers, start)
        finally:
            _stop(workers)


def test_a_redis_restart_mid_job_rebuilds_the_queue_and_loses_no_report(private_redis, tmp_path) -> None:
    with _fault_job(private_redis, tmp_path) as job:
        # Restart Redis when a third or more of the reports are in, after an outage of a few
        # seconds that the workers wait out.
        before = _wait_for_reports(job.db, job.expected // 3, job.workers)
        private_redis.kill()
        time.sleep(OUTAGE_SECONDS)
        private_redis.start()
        restarted_at = time.monotonic() - job.start
        codes = [w.wait(timeout=180) for w in job.workers]
        wall = time.monotonic() - job.start
        card = score(job.truth, archived_reports(job.db))
        row = _job_row(job.db, job.name)
    print(f"\nrestart: {before}/{job.expected} reports archived at {restarted_at:.1f} s; after: {card.archived_reports} "
          f"(recall {card.recall:.1%}); exit {codes}; rebuilds {row['rebuilds']}; wall {wall:.1f} s")
    assert codes == [0, 0]
    assert card.perfect, (card.missing, card.extra, card.split_duplicates)
    assert row["rebuilds"] >= 1 and row["finished_at"] is not None
    # One worker rebuilt the queue each time, with one line; the other kept going.
    assert sum(_lines(job.logs, REBUILT)) == row["rebuilds"]
    assert sum(_lines(job.logs, WAITED)) >= 1  # the outage was waited out, not taken for the end of the job


def test_redis_gone_past_the_bound_stops_the_workers_and_the_job_run_again_completes(private_redis, tmp_path) -> None:
    bound = 5
    with _fault_job(private_redis, tmp_path, env={"GOVCRAWL_REDIS_RETRY_SECONDS": str(bound)}) as job:
        before = _wait_for_reports(job.db, job.expected // 3, job.workers)
        private_redis.kill()
        gone = time.monotonic()
        codes = [w.wait(timeout=bound + 60) for w in job.workers]
        stopped_in = time.monotonic() - gone
        after = query(job.db, "select count(*) from reports")[0][0]
        assert _job_row(job.db, job.name)["finished_at"] is None
        # Redis back (empty): the same job run again (govcrawl crawl --workers 2) completes the archive.
        private_redis.start()
        rerun_start = time.monotonic()
        rerun = subprocess.run(
            [sys.executable, "-m", "govcrawl", "crawl", "--workers", "2", "--redis", private_redis.url, "--job", job.name,
             "--seeds", str(job.seeds), "-s", "GOVCRAWL_LEASE_TTL=3"],
            cwd=PROJECT_ROOT, env=crawl_env(job.replica.proxy_url, job.db), capture_output=True, text=True, timeout=400,
        )
        rerun_wall = time.monotonic() - rerun_start
        card = score(job.truth, archived_reports(job.db))
        row = _job_row(job.db, job.name)
        statuses = [status for (status,) in query(job.db, "select status from crawl_runs order by status")]
        health = _health(job.db)
    print(f"\nRedis gone at {before}/{job.expected} reports ({gone - job.start:.1f} s in); workers exit {codes} "
          f"{stopped_in:.1f} s later with {after} reports; re-run: exit {rerun.returncode}, {card.archived_reports} reports "
          f"(recall {card.recall:.1%}) in {rerun_wall:.1f} s")
    assert codes == [11, 11]
    assert _lines(job.logs, STOPPED) == [1, 1]  # one clear line each
    # Each worker stops at the bound (log times are to the second), then finishes and stores what it
    # has in hand (a few seconds on this machine), then exits.
    for log in job.logs:
        waited = _seconds_between(log, "Redis is unreachable", "stopping the crawl")
        assert bound - 1 <= waited <= bound + 2, (log.name, waited)
    assert stopped_in <= bound + 30
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert card.perfect, (card.missing, card.extra, card.split_duplicates)
    # The run again seeded the queue from its start: no rebuild needed, the job finished.
    assert row["rebuilds"] == 0 and row["finished_at"] is not None
    # The stopped runs failed and recorded no portal health (no walk to count); the job run again did, once.
    assert statuses == ["failed", "failed", "finished", "finished"]
    assert len(health) == len({p["division_code"] for p in job.truth["portals"]})
