"""Running the real crawler against the replica web: its environment, seed file, command line and archive.

The demo, the crawl tests and the benchmarks all start ``scrapy crawl county`` the same way: in a
subprocess whose only way out is the replica proxy (``http_proxy``), on the replica's seed rows,
into an archive database of their own.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govcrawl.config import PROJECT_ROOT
from govcrawl.store.archive import Archive
from replica.procstats import PeakMemory
from replica.server import ReplicaServer
from replica.web import VirtualWeb


def crawl_env(proxy_url: str, database_url: str) -> dict[str, str]:
    """The environment of a crawl that reaches the web only through ``proxy_url``."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "https_proxy", "all_proxy")}
    env.update(
        http_proxy=proxy_url,
        HTTP_PROXY=proxy_url,
        GOVCRAWL_DATABASE_URL=database_url,
        TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="",
        # The replica's hosts resolve nowhere: the scope guard asks no DNS server (govcrawl.fetch.guard).
        GOVCRAWL_SYSTEM_RESOLVER="0",
    )
    return env


def write_seeds(server: ReplicaServer, path: Path) -> Path:
    """The replica's seed rows as a seed file for ``-a seeds=``."""
    rows = server.web.seed_rows()
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def crawl_command(seeds: Path, *extra: str) -> list[str]:
    """The command line of ``scrapy crawl county -a seeds=…`` with ``extra`` arguments (``-s NAME=VALUE``…)."""
    return [sys.executable, "-m", "scrapy", "crawl", "county", "-a", f"seeds={seeds}", *extra]


def run_crawl(seeds: Path, env: dict[str, str], log_path: Path, *extra: str) -> tuple[int, float, float]:
    """``scrapy crawl county -a seeds=… *extra``: exit code, wall seconds, peak MiB of its process tree."""
    command = crawl_command(seeds, *extra)
    start = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        with PeakMemory(proc.pid) as memory:
            code = proc.wait()
    return code, time.perf_counter() - start, memory.peak_mib


def archived_reports(database_url: str) -> list[dict]:
    """Every report of the archive at ``database_url``, as export records."""
    archive = Archive(database_url)
    try:
        return list(archive.queries.export())
    finally:
        archive.close()


@dataclass
class WebCrawl:
    """One crawl of a replica web into a fresh SQLite archive: what it exited with and left behind."""

    exit_code: int
    database_url: str
    truth: dict[str, Any]
    requests: list[dict[str, Any]]  # the replica proxy's log
    log: str  # the crawl's own output

    def reports(self) -> list[dict]:
        """The archive's reports, as export records."""
        return archived_reports(self.database_url)


def crawl_web(web: VirtualWeb, workdir: Path) -> WebCrawl:
    """Serve ``web`` and crawl all its seed portals with ``scrapy crawl county`` into ``workdir``."""
    url = f"sqlite:///{workdir / 'archive.sqlite3'}"
    with ReplicaServer(web=web) as replica:
        seeds = write_seeds(replica, workdir / "seeds.csv")
        code, _, _ = run_crawl(seeds, crawl_env(replica.proxy_url, url), workdir / "crawl.log")
        truth, requests = replica.truth(), replica.log
    return WebCrawl(code, url, truth, requests, (workdir / "crawl.log").read_text(encoding="utf-8"))
