"""``make demo``: crawl the bundled replica web into a fresh SQLite archive and show what it holds.

Starts the replica web on 127.0.0.1, runs ``scrapy crawl county`` on its seed list through
``http_proxy`` (the same code path as a real crawl), then prints the archived reports, the recall
against the replica's ground truth, the crawl's wall time and its peak memory (summed PSS of the
crawl process, the Playwright driver and Chromium). Exits non-zero when the archive does not match
the ground truth.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

from govcrawl.config import PROJECT_ROOT, data_dir
from govcrawl.procstats import PeakMemory
from govcrawl.replica.scorecard import score
from govcrawl.replica.server import ReplicaServer
from govcrawl.store.archive import Archive

SHOWN_KEYS = ("apply.new.total", "apply.carried_over.total", "apply.result.total", "apply.carry_next.total")


def crawl_env(proxy_url: str, database_url: str) -> dict[str, str]:
    """The environment of a crawl that reaches the web only through ``proxy_url``."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "https_proxy", "all_proxy")}
    env.update(
        http_proxy=proxy_url,
        HTTP_PROXY=proxy_url,
        GOVCRAWL_DATABASE_URL=database_url,
        TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="",
        # The replica's hosts resolve nowhere: the scope guard asks no DNS server (govcrawl.discover.guard).
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
        return list(archive.iter_export())
    finally:
        archive.close()


def main() -> int:
    """Run the demo; 0 when the archive matches the replica's ground truth."""
    out = data_dir()
    db_path = out / "demo.sqlite3"
    for stale in out.glob("demo.sqlite3*"):
        stale.unlink()
    database_url = f"sqlite:///{db_path}"
    with ReplicaServer() as server:
        seeds = write_seeds(server, out / "replica-seeds.csv")
        print(f"replica web on {server.proxy_url}: {len(server.web.seed_rows())} seed portals")
        code, wall, peak = run_crawl(seeds, crawl_env(server.proxy_url, database_url), out / "demo-crawl.log")
        truth = server.truth()
        requests = len(server.log)
    reports = archived_reports(database_url)
    print_reports(reports)
    card = score(truth, reports)
    print(
        f"\nrecall {card.recall:.0%} ({len(card.found)}/{len(card.expected_urls)} report URLs); "
        f"{card.archived_reports} reports archived, {card.expected_reports} expected; "
        f"non-reports archived: {len(card.extra)}; republished reports split: {len(card.split_duplicates)}"
    )
    for url in sorted(card.missing):
        print(f"  missing: {url}")
    for url in sorted(card.extra):
        print(f"  not a report of the ground truth: {url}")
    print(f"crawl: exit {code}, {wall:.1f} s wall, peak memory {peak:.0f} MiB (PSS, crawl + browser), {requests} requests")
    print(f"archive: {db_path}; crawl log: {out / 'demo-crawl.log'}")
    return 0 if code == 0 and card.perfect else 1


def print_reports(reports: list[dict]) -> None:
    """A table of the archived reports with the table-三 totals."""
    header = ("division", "region", "year", "format", "sources", "new", "carried", "handled", "carry_next", "title")
    rows = [
        (
            r["division_code"] or "",
            r["region"] or "",
            str(r["year"] or ""),
            r["format"] or "-",
            str(len(r["source_urls"])),
            *(_cell(r["values"].get(k)) for k in SHOWN_KEYS),
            (r["title"] or "")[:40],
        )
        for r in reports
    ]
    widths = [max(_width(x) for x in col) for col in zip(header, *rows, strict=False)]
    for row in (header, *rows):
        print("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=False)))


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def _width(text: str) -> int:
    # CJK characters take two terminal columns.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


if __name__ == "__main__":
    sys.exit(main())
