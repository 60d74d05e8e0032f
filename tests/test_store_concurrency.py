"""Two crawl processes storing the same reports at the same moment on PostgreSQL: one report each, no error."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import text

from govcrawl.store import Archive
from replica.render import seed_text

pytestmark = pytest.mark.postgres

def _store(url: str, worker: int, barrier, results) -> None:
    """One 'crawl process': stores seeds 000–004 from its own URLs, each the moment the other does."""
    from conftest import _document_record

    archive = Archive(url)
    try:
        for seed in ("000", "001", "002", "003", "004"):
            record = _document_record(seed_text(seed).encode(), f"http://127.0.0.1/w{worker}/{seed}.txt", "text/plain")
            barrier.wait(timeout=60)
            outcome = archive.reports.store(record)
            results.put((worker, seed, outcome.report_id, outcome.new_report))
    except Exception as exc:  # reported to the test, which fails on it
        results.put((worker, "error", repr(exc), None))
    finally:
        archive.close()


@pytest.mark.parametrize("migrated_url", ["postgres"], indirect=True)
def test_two_processes_store_each_report_once(migrated_url):
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    workers = [context.Process(target=_store, args=(migrated_url, n, barrier, results)) for n in (1, 2)]
    for process in workers:
        process.start()
    outcomes = [results.get(timeout=120) for _ in range(10)]
    for process in workers:
        process.join(timeout=60)
    assert [o for o in outcomes if o[1] == "error"] == []
    by_seed: dict[str, set[int]] = {}
    for _, seed, report_id, _ in outcomes:
        by_seed.setdefault(seed, set()).add(report_id)
    assert all(len(ids) == 1 for ids in by_seed.values())
    assert sum(new for *_, new in outcomes) == 5
    archive = Archive(migrated_url)
    try:
        with archive.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM reports")).scalar() == 5
            assert conn.execute(text("SELECT count(*) FROM sources")).scalar() == 10
    finally:
        archive.close()
