"""``make bench-crawl``: the full crawl of the ~300 generated portals, against a plain fetch of its answers.

Builds the generated replica web (fixed seed), crawls it with ``scrapy crawl county`` into a fresh
SQLite archive through the replica proxy, then runs the baseline (:mod:`govcrawl.bench.baseline`), a
plain Scrapy spider fetching exactly the ground-truth report URLs through the same proxy with the
same concurrency. Prints, in one run: wall time, pages/s, peak memory, share of pages rendered in
Chromium, pages fetched per report found against the minimal pages per report, and the wall-time
ratio of the crawl to the baseline. Targets: ≤ 1.5× the minimal pages per report, ratio ≤ 1.2.
To show where the time goes, the crawl is also run without its item pipelines (discovery and
fetching only, nothing extracted or stored) and that ratio printed too.

Minimal pages per report: what any crawler starting from the seed list must fetch, i.e. per portal
its homepage and its column's first list page, and per report its document (and the article page
that links it, when the report is an attachment), divided by the reports.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from govcrawl.config import PROJECT_ROOT
from govcrawl.demo import crawl_env, run_crawl, write_seeds
from govcrawl.procstats import PeakMemory
from govcrawl.replica.generate import generated_web
from govcrawl.replica.scorecard import score
from govcrawl.replica.server import ReplicaServer
from govcrawl.store.archive import Archive

TARGET_PAGES_RATIO = 1.5
TARGET_WALL_RATIO = 1.2


def minimal_pages(truth: dict) -> int:
    """The pages any crawler must fetch to reach every report of ``truth`` (see the module docstring)."""
    pages = 0
    for portal in truth["portals"]:
        if not portal["reports"]:
            continue
        pages += 2  # homepage, first list page of the column
        pages += len({u for r in portal["reports"] for u in (r["url"], r["page_url"])})
    return pages


def run_discovery_only(seeds: Path, proxy_url: str, workdir: Path) -> float:
    """Wall seconds of the same crawl with no item pipelines: discovery and fetching alone."""
    env = crawl_env(proxy_url, f"sqlite:///{workdir / 'discovery.sqlite3'}")
    command = [sys.executable, "-m", "scrapy", "crawl", "county", "-a", f"seeds={seeds}", "-s", "ITEM_PIPELINES={}"]
    start = time.perf_counter()
    with open(workdir / "discovery.log", "w", encoding="utf-8") as log:
        subprocess.run(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    return time.perf_counter() - start


def run_baseline(urls: list[str], proxy_url: str, workdir: Path) -> tuple[int, float, float]:
    """The baseline spider on ``urls``: exit code, wall seconds, peak MiB."""
    url_file = workdir / "urls.txt"
    url_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
    env = crawl_env(proxy_url, f"sqlite:///{workdir / 'unused.sqlite3'}")
    start = time.perf_counter()
    with open(workdir / "baseline.log", "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "govcrawl.bench.baseline", str(url_file)],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        with PeakMemory(proc.pid) as memory:
            code = proc.wait()
    return code, time.perf_counter() - start, memory.peak_mib


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when recall is total and nothing else was archived."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=300, help="generated portals (default 300)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    web = generated_web(sample=range(args.portals) if args.portals < 300 else None)
    build = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="govcrawl-bench-") as tmp, ReplicaServer(web=web) as server:
        work = Path(tmp)
        db = f"sqlite:///{work / 'bench.sqlite3'}"
        seeds = write_seeds(server, work / "seeds.csv")
        code, wall, peak = run_crawl(seeds, crawl_env(server.proxy_url, db), work / "crawl.log")
        crawl_log = server.log
        truth = server.truth()
        archive = Archive(db)
        reports = list(archive.iter_export())
        archive.close()
        card = score(truth, reports)
        mark = len(server.log)
        b_code, b_wall, b_peak = run_baseline(sorted(card.expected_urls), server.proxy_url, work)
        baseline_log = server.log[mark:]
        d_wall = run_discovery_only(seeds, server.proxy_url, work)

    pages = [r for r in crawl_log if not r["url"].endswith("/robots.txt") and ".gov.cn" in r["url"]]
    rendered = [r for r in pages if "Proxy-Connection" in r["headers"]]
    found = len(card.found)
    minimal = minimal_pages(truth)
    per_report = len(pages) / found if found else float("inf")
    minimal_per_report = minimal / len(card.expected_urls) if card.expected_urls else float("nan")
    b_pages = [r for r in baseline_log if not r["url"].endswith("/robots.txt")]
    print(f"generated web: {len(truth['portals'])} portals, {len(card.expected_urls)} report URLs, "
          f"{truth['distinct_reports']} distinct reports (built in {build:.1f} s)")
    print(f"crawl:    exit {code}, wall {wall:.1f} s, {len(pages)} pages, {len(pages) / wall:.1f} pages/s, "
          f"peak memory {peak:.0f} MiB (PSS, crawl + browser)")
    print(f"recall {card.recall:.1%} ({found}/{len(card.expected_urls)}), non-reports archived {len(card.extra)}, "
          f"reports archived {card.archived_reports}/{card.expected_reports}")
    print(f"rendered in Chromium: {len(rendered)} of {len(pages)} pages ({len(rendered) / max(1, len(pages)):.1%})")
    print(f"pages per report found: {per_report:.2f}; minimal {minimal_per_report:.2f} "
          f"→ ratio {per_report / minimal_per_report:.2f} (target ≤ {TARGET_PAGES_RATIO})")
    print(f"baseline: exit {b_code}, wall {b_wall:.1f} s, {len(b_pages)} pages, {len(b_pages) / b_wall:.1f} pages/s, "
          f"peak memory {b_peak:.0f} MiB")
    print(f"wall-time ratio crawl / baseline: {wall / b_wall:.2f} (target ≤ {TARGET_WALL_RATIO})")
    print(f"same crawl without item pipelines (discovery + fetch only): wall {d_wall:.1f} s, "
          f"ratio to baseline {d_wall / b_wall:.2f}")
    return 0 if code == 0 and not card.missing and not card.extra else 1


if __name__ == "__main__":
    sys.exit(main())
