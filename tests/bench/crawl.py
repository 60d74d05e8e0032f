"""``make bench-crawl``: the full crawl of the ~300 generated portals, against a plain fetch of its answers.

Builds the generated replica web (fixed seed), crawls it with ``scrapy crawl county`` into a fresh
SQLite archive through the replica proxy, then runs the baseline (:mod:`bench.baseline`), a
plain Scrapy spider fetching exactly the ground-truth report URLs through the same proxy with the
same concurrency. Prints, in one run: wall time, pages/s, peak memory, share of pages rendered in
Chromium, pages fetched per report found against the minimal pages per report, and the wall-time
ratio of the crawl to the baseline. Targets: ≤ 1.5× the minimal pages per report, ratio ≤ 1.2.

Two more runs show where the time goes: the crawl without its item pipelines (discovery and fetching
only, nothing extracted or stored), and the *oracle*, the same plain spider fetching the minimal page
set (every page any crawler starting from the seeds must fetch, see below): its ratio to the baseline
is the floor no discovering crawler can go under.

Everything is measured twice: with the replica answering at once (the crawl is then bound by the
CPU of this machine, which also runs the replica) and with ``--latency`` seconds before every answer
(default 0.3 s, a distant government server's round trip), where the network and the politeness
limits set the pace, as on the real web.

Discovery: the pages each portal spent finding its columns (``portal_health.discovery_pages``), and
recall per way its columns were found (``found_by``: nav, explore, sitemap, search).

Minimal pages per report: what any crawler starting from the seed list must fetch, i.e. per portal
its homepage and each of its columns' first list page, and per report its document (and the article page
that links it, when the report is an attachment), divided by the reports.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from govcrawl.config import PROJECT_ROOT
from govcrawl.store.archive import Archive
from govcrawl.store.models import PortalHealth
from replica.generate import generated_web
from replica.harness import crawl_env, run_crawl, write_seeds
from replica.procstats import PeakMemory
from replica.scorecard import score
from replica.server import ReplicaServer
from replica.web import VirtualWeb

TARGET_PAGES_RATIO = 1.5
TARGET_WALL_RATIO = 1.2
DEFAULT_LATENCY = 0.3


def minimal_urls(truth: dict) -> list[str]:
    """The pages any crawler must fetch to reach every report of ``truth`` (see the module docstring)."""
    urls: list[str] = []
    for portal in truth["portals"]:
        if not portal["reports"]:
            continue
        # Every column's first page: a portal of a 部门信息公开平台 has one per unit (truth "columns").
        urls += [portal["homepage"], portal["column_url"], *portal.get("columns", [])]
        urls += sorted({u for r in portal["reports"] for u in (r["url"], r["page_url"])})
    return list(dict.fromkeys(urls))


def run_fetch(urls: list[str], proxy_url: str, workdir: Path, name: str) -> tuple[int, float, float]:
    """The plain fetch spider on ``urls``: exit code, wall seconds, peak MiB."""
    url_file = workdir / f"{name}-urls.txt"
    url_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
    env = crawl_env(proxy_url, f"sqlite:///{workdir / 'unused.sqlite3'}")
    start = time.perf_counter()
    with open(workdir / f"{name}.log", "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.baseline", str(url_file)],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        with PeakMemory(proc.pid) as memory:
            code = proc.wait()
    return code, time.perf_counter() - start, memory.peak_mib


@dataclass
class Regime:
    """One measurement: the crawl, the baseline, the oracle and discovery alone, at one latency."""

    latency: float
    code: int
    wall: float
    peak: float
    pages: list[dict]
    reports: list[dict]
    truth: dict
    baseline: tuple[int, float, float, int]  # exit code, wall, peak MiB, pages
    oracle_wall: float
    discovery_wall: float
    health: dict[str, tuple[str | None, int | None]]  # division code → (found_by, discovery pages)


def measure(web: VirtualWeb, latency: float) -> Regime:
    """Crawl ``web`` served with ``latency``, then the baseline, the oracle and the discovery-only crawl."""
    with tempfile.TemporaryDirectory(prefix="govcrawl-bench-") as tmp, ReplicaServer(web=web, latency=latency) as server:
        work = Path(tmp)
        db = f"sqlite:///{work / 'bench.sqlite3'}"
        seeds = write_seeds(server, work / "seeds.csv")
        code, wall, peak = run_crawl(seeds, crawl_env(server.proxy_url, db), work / "crawl.log")
        crawl_log = server.log
        truth = server.truth()
        archive = Archive(db)
        reports = list(archive.queries.export())
        with archive.engine.connect() as connection:
            rows = connection.execute(select(PortalHealth.division_code, PortalHealth.found_by,
                                             PortalHealth.discovery_pages))
            health = {code: (found_by, pages) for code, found_by, pages in rows}
        archive.close()
        expected = sorted({r["url"] for p in truth["portals"] for r in p["reports"]})
        mark = len(server.log)
        b_code, b_wall, b_peak = run_fetch(expected, server.proxy_url, work, "baseline")
        b_pages = [r for r in server.log[mark:] if not r["url"].endswith("/robots.txt")]
        _, o_wall, _ = run_fetch(minimal_urls(truth), server.proxy_url, work, "oracle")
        # The same crawl with no item pipelines: discovery and fetching alone.
        d_env = crawl_env(server.proxy_url, f"sqlite:///{work / 'discovery.sqlite3'}")
        _, d_wall, _ = run_crawl(seeds, d_env, work / "discovery.log", "-s", "ITEM_PIPELINES={}")
    pages = [r for r in crawl_log if not r["url"].endswith("/robots.txt") and ".gov.cn" in r["url"]]
    return Regime(
        latency, code, wall, peak, pages, reports, truth, (b_code, b_wall, b_peak, len(b_pages)), o_wall, d_wall, health
    )


def discovery_lines(truth: dict, reports: list[dict], health: dict[str, tuple[str | None, int | None]]) -> list[str]:
    """Discovery pages per portal, and recall per way the portals' columns were found (``found_by``)."""
    spent = sorted(pages for _, pages in health.values() if pages is not None)
    lines = []
    if spent:
        lines.append(f"discovery pages per portal: mean {sum(spent) / len(spent):.2f}, median {spent[len(spent) // 2]}, "
                     f"max {spent[-1]} ({len(spent)} portals)")
    archived = {u for r in reports for u in r.get("source_urls") or []}
    per_way: dict[str, list[int]] = {}
    for portal in truth["portals"]:
        if not portal["reports"]:
            continue
        way = health.get(portal["division_code"], (None, None))[0] or "not found"
        counts = per_way.setdefault(way, [0, 0, 0])
        counts[0] += 1
        counts[1] += len(portal["reports"])
        counts[2] += sum(1 for r in portal["reports"] if r["url"] in archived)
    for way, (portals, expected, found) in sorted(per_way.items(), key=lambda kv: -kv[1][0]):
        lines.append(f"  found by {way}: {portals} portals, recall {found}/{expected} ({found / max(1, expected):.1%})")
    return lines


def report(m: Regime) -> bool:
    """Print one regime's figures; True when recall is total and nothing else was archived."""
    card = score(m.truth, m.reports)
    rendered = [r for r in m.pages if "Proxy-Connection" in r["headers"]]
    found = len(card.found)
    minimal = len(minimal_urls(m.truth))
    per_report = len(m.pages) / found if found else float("inf")
    minimal_per_report = minimal / len(card.expected_urls) if card.expected_urls else float("nan")
    b_code, b_wall, b_peak, b_pages = m.baseline
    print(f"-- replica latency {m.latency:g} s per answer")
    print(f"crawl:    exit {m.code}, wall {m.wall:.1f} s, {len(m.pages)} pages, {len(m.pages) / m.wall:.1f} pages/s, "
          f"peak memory {m.peak:.0f} MiB (PSS, crawl + extraction worker + browser)")
    print(f"recall {card.recall:.1%} ({found}/{len(card.expected_urls)}), non-reports archived {len(card.extra)}, "
          f"reports archived {card.archived_reports}/{card.expected_reports}")
    print(f"rendered in Chromium: {len(rendered)} of {len(m.pages)} pages ({len(rendered) / max(1, len(m.pages)):.1%})")
    print(f"pages per report found: {per_report:.2f}; minimal {minimal_per_report:.2f} "
          f"→ ratio {per_report / minimal_per_report:.2f} (target ≤ {TARGET_PAGES_RATIO})")
    for line in discovery_lines(m.truth, m.reports, m.health):
        print(line)
    print(f"baseline: exit {b_code}, wall {b_wall:.1f} s, {b_pages} pages, {b_pages / b_wall:.1f} pages/s, "
          f"peak memory {b_peak:.0f} MiB")
    print(f"wall-time ratio crawl / baseline: {m.wall / b_wall:.2f} (target ≤ {TARGET_WALL_RATIO})")
    print(f"oracle (plain fetch of the {minimal} minimal pages): wall {m.oracle_wall:.1f} s, "
          f"ratio to baseline {m.oracle_wall / b_wall:.2f}; crawl / oracle {m.wall / m.oracle_wall:.2f}")
    print(f"crawl without item pipelines (discovery + fetch only): wall {m.discovery_wall:.1f} s, "
          f"ratio to baseline {m.discovery_wall / b_wall:.2f}")
    return m.code == 0 and not card.missing and not card.extra


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when recall is total and nothing else was archived, in both regimes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=300, help="generated portals (default 300)")
    parser.add_argument("--latency", type=float, default=DEFAULT_LATENCY,
                        help=f"seconds before every answer in the second regime (default {DEFAULT_LATENCY})")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    web = generated_web(sample=range(args.portals) if args.portals < 300 else None)
    truth = web.truth()
    expected = {r["url"] for p in truth["portals"] for r in p["reports"]}
    print(f"generated web: {len(truth['portals'])} portals, {len(expected)} report URLs, "
          f"{truth['distinct_reports']} distinct reports (built in {time.perf_counter() - t0:.1f} s)")
    ok = True
    for latency in dict.fromkeys((0.0, args.latency)):
        ok = report(measure(web, latency)) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
