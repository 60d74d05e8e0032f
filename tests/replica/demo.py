"""``make demo``: crawl the bundled replica web into a fresh SQLite archive and show what it holds.

Starts the replica web on 127.0.0.1, runs ``scrapy crawl county`` on its seed list through
``http_proxy`` (the same code path as a real crawl), then prints the archived reports, the recall
against the replica's ground truth, the crawl's wall time and its peak memory (summed PSS of the
crawl process, the Playwright driver and Chromium). Reports archived from several URLs are listed
with their sources (a republished report, an aggregator's copy joined to its original). Exits
non-zero when the archive does not match the ground truth.
"""

from __future__ import annotations

import sys

from govcrawl.config import data_dir
from govcrawl.discover.scope import is_aggregator
from govcrawl.output.tables import table
from replica.harness import archived_reports, crawl_env, run_crawl, write_seeds
from replica.scorecard import score
from replica.server import ReplicaServer

SHOWN_KEYS = ("apply.new.total", "apply.carried_over.total", "apply.result.total", "apply.carry_next.total")


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
    print_sources(reports)
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
    print("\n".join(table(header, rows)))


def print_sources(reports: list[dict]) -> None:
    """The sources of each report archived from several URLs: the first is the one it is read from."""
    joined = [r for r in reports if len(r["sources"]) > 1]
    if not joined:
        return
    print("\nreports with several sources (the first is the primary one, which the report is read from):")
    for r in joined:
        print(f"  {r['division_code']} {r['region'] or ''} {r['year'] or ''} (current version {r['version']}):")
        for s in r["sources"]:
            copy = ", aggregator copy" if is_aggregator(s["url"]) else ""
            print(f"    {s['url']}  (version {s['version']}, {s['match']}{copy})")


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


if __name__ == "__main__":
    sys.exit(main())
