"""Nightly-run benchmarks: what the second run of an incremental crawl costs against the first.

:func:`second_run` crawls the generated replica web (fixed seed) into a fresh SQLite archive, then
serves the same portals grown by 5% new reports (:func:`replica.generate.grow_portals`:
half of them in a year the portal never had) and crawls again into the same archive. It counts
every request the replica proxy received in each run (robots.txt included) and checks the second
run against the ground truth: every new report archived, no unchanged report downloaded again.
Target: second-run requests ≤ 15% of the first run's.

``make bench-nightly`` also runs :mod:`bench.workers`: the same generated web crawled by one
and by two distributed workers (Redis queue, PostgreSQL archive), with the replica answering after
``--latency`` seconds (default 0.3 s, where the network rather than this 2-core machine's CPU sets
the pace), and prints their throughput and the peak memory of the full replica crawls.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench.workers import crawl_with_workers, print_throughput
from replica.generate import generated_web
from replica.harness import archived_reports, crawl_env, run_crawl, write_seeds
from replica.server import ReplicaServer

#: Share of new reports between the two runs.
GROWTH = 0.05
#: Target of second-run requests over first-run requests.
TARGET_RATIO = 0.15


def report_urls(truth: dict) -> set[str]:
    """Every report document URL of a replica's ground truth."""
    return {r["url"] for p in truth["portals"] for r in p["reports"]}


def second_run(portals: int, grow: float = GROWTH) -> dict:
    """Two crawls of the first ``portals`` generated portals, the second after ``grow`` new reports.

    Returns ``first_requests`` / ``second_requests`` (every request the proxy received),
    ``ratio`` (second / first), ``first_wall`` / ``second_wall`` (seconds), ``new_reports`` (new
    report URLs in the grown web), ``found_new`` (how many of them the archive holds after the
    second run), ``refetched`` (report URLs of the first web downloaded again with 200 in the
    second run), ``not_modified`` (304 answers in the second run), ``robots`` (robots.txt requests
    of the second run: one per host, every run), ``columns`` (the portals' column URLs: the least a
    second run reads besides robots.txt), ``exit_codes`` and ``peak_mib`` (the larger of the two
    crawls' peak memory).
    """
    sample = range(portals) if portals < 300 else None
    with tempfile.TemporaryDirectory(prefix="govcrawl-nightly-") as tmp:
        work = Path(tmp)
        database = f"sqlite:///{work / 'nightly.sqlite3'}"
        runs = []
        for n, web in enumerate((generated_web(sample=sample), generated_web(sample=sample, grow=grow)), 1):
            with ReplicaServer(web=web) as server:
                seeds = write_seeds(server, work / "seeds.csv")
                env = crawl_env(server.proxy_url, database) | {"GOVCRAWL_WARC_DIR": str(work / "warc")}
                code, wall, peak = run_crawl(seeds, env, work / f"crawl{n}.log")
                runs.append((code, wall, peak, server.log, server.truth()))
        archived = {u for r in archived_reports(database) for u in r["source_urls"]}
    (code1, wall1, peak1, log1, truth1), (code2, wall2, peak2, log2, truth2) = runs
    old, new = report_urls(truth1), report_urls(truth2) - report_urls(truth1)
    return {
        "portals": len(truth2["portals"]),
        "first_requests": len(log1),
        "second_requests": len(log2),
        "ratio": len(log2) / len(log1),
        "first_wall": wall1,
        "second_wall": wall2,
        "new_reports": len(new),
        "found_new": len(new & archived),
        "refetched": len({r["url"] for r in log2 if r["url"] in old and r["status"] == 200}),
        "not_modified": sum(1 for r in log2 if r["status"] == 304),
        "robots": sum(1 for r in log2 if r["url"].endswith("/robots.txt")),
        "columns": len({p["column_url"] for p in truth2["portals"]}),
        "exit_codes": (code1, code2),
        "peak_mib": max(peak1, peak2),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the second-run and worker figures; 0 when every new report was found, none re-downloaded,
    and both distributed crawls archived every report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=300, help="generated portals (default 300)")
    parser.add_argument("--latency", type=float, default=0.3, help="replica answer delay of the worker runs (s)")
    args = parser.parse_args(argv)
    r = second_run(args.portals)
    print(f"incremental second run over {r['portals']} portals with {GROWTH:.0%} new reports ({r['new_reports']}):")
    print(f"  first run:  {r['first_requests']} requests, wall {r['first_wall']:.1f} s")
    print(f"  second run: {r['second_requests']} requests, wall {r['second_wall']:.1f} s, "
          f"{r['not_modified']} answered 304")
    print(f"  requests second / first: {r['ratio']:.1%} (target ≤ {TARGET_RATIO:.0%}); "
          f"wall second / first: {r['second_wall'] / r['first_wall']:.1%}")
    floor = r["robots"] + r["columns"]
    print(f"  of the second run: {r['robots']} robots.txt, {r['columns']} column pages (together "
          f"{floor / r['first_requests']:.1%} of the first run), {r['second_requests'] - floor} other requests")
    print(f"  new reports found: {r['found_new']}/{r['new_reports']}; unchanged reports downloaded again: "
          f"{r['refetched']}; exit codes {r['exit_codes']}; peak memory {r['peak_mib']:.0f} MiB")
    ok = r["exit_codes"] == (0, 0) and r["found_new"] == r["new_reports"] and not r["refetched"]
    web = generated_web(sample=range(args.portals) if args.portals < 300 else None)
    print(f"distributed throughput over {args.portals} portals, replica latency {args.latency:g} s:")
    one, two = (crawl_with_workers(web, n, args.latency) for n in (1, 2))
    print_throughput(one, two)
    ok = ok and all(t.recall == 1.0 and not any(t.exit_codes) for t in (one, two))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
