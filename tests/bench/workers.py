"""Distributed throughput: the generated replica web crawled by one and by two workers (part of ``make bench-nightly``).

Each measurement is a full crawl of the generated web (fixed seed) into a fresh PostgreSQL database,
with the shared queue in Redis (``govcrawl.distributed``), every worker a ``scrapy crawl county``
process. Figures: wall time, pages fetched, reports archived, pages/s and reports/s, peak memory summed
over the workers' process trees, and the two-worker speed-up. The replica answers after ``latency``
seconds, so that the network, not the CPU of this 2-core machine (which also runs the replica and
PostgreSQL), sets the pace as it does on the real web; both regimes can be asked for.
"""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from govcrawl.config import PROJECT_ROOT
from govcrawl.distributed import clear_job
from replica.harness import archived_reports, crawl_command, crawl_env, write_seeds
from replica.procstats import PeakMemory
from replica.scorecard import score
from replica.server import ReplicaServer
from replica.web import VirtualWeb

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass
class Throughput:
    """One distributed crawl of the replica web."""

    workers: int
    wall: float
    pages: int
    reports: int
    recall: float
    peak_mib: float
    exit_codes: list[int]

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall

    @property
    def reports_per_s(self) -> float:
        return self.reports / self.wall


@contextlib.contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database for the block (dropped after it): its SQLAlchemy URL."""
    name = f"govcrawl_bench_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def crawl_with_workers(web: VirtualWeb, workers: int, latency: float) -> Throughput:
    """Crawl ``web`` with ``workers`` distributed processes; the figures of the run."""
    job = f"bench-{secrets.token_hex(4)}"
    with (
        tempfile.TemporaryDirectory(prefix="govcrawl-bench-workers-") as tmp,
        ReplicaServer(web=web, latency=latency) as server,
        fresh_postgres() as db,
    ):
        seeds = write_seeds(server, Path(tmp) / "seeds.csv")
        env = crawl_env(server.proxy_url, db)
        env.update(GOVCRAWL_REDIS_URL=REDIS_URL, GOVCRAWL_JOB=job)
        command = crawl_command(seeds)
        with contextlib.ExitStack() as stack:
            start = time.perf_counter()
            procs, meters = [], []
            for i in range(workers):
                log = stack.enter_context(open(Path(tmp) / f"worker{i}.log", "w", encoding="utf-8"))
                proc = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
                stack.callback(_kill, proc)
                procs.append(proc)
                meters.append(stack.enter_context(PeakMemory(proc.pid)))
            codes = [proc.wait() for proc in procs]
            wall = time.perf_counter() - start
        clear_job(REDIS_URL, job)
        card = score(server.truth(), archived_reports(db))
        pages = [r for r in server.log if not r["url"].endswith("/robots.txt") and ".gov.cn" in r["url"]]
    return Throughput(workers, wall, len(pages), card.archived_reports, card.recall, sum(m.peak_mib for m in meters), codes)


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def print_throughput(one: Throughput, two: Throughput) -> None:
    """The figures of a one-worker and a two-worker run, and the speed-up."""
    for t in (one, two):
        print(f"{t.workers} worker{'s' if t.workers > 1 else ''}: exit {t.exit_codes}, wall {t.wall:.1f} s, "
              f"{t.pages} pages ({t.pages_per_s:.1f}/s), {t.reports} reports ({t.reports_per_s:.2f}/s), "
              f"recall {t.recall:.1%}, peak memory {t.peak_mib:.0f} MiB (PSS, sum of the workers' peaks)")
    print(f"two workers / one worker throughput (pages/s): {two.pages_per_s / one.pages_per_s:.2f}")
