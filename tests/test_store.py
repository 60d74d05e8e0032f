"""The Archive API on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from govcrawl.records import StatRecord
from govcrawl.seeds import Portal as SeedPortal
from govcrawl.store import Archive
from govcrawl.store.models import (
    Blob,
    CheckResult,
    CrawlRun,
    FetchError,
    Parse,
    Portal,
    Report,
    Source,
    StatValue,
)


def count(archive: Archive, model) -> int:
    with Session(archive.engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_new_report_is_stored_with_its_source(archive, make_record):
    outcome = archive.reports.store(make_record())
    assert (outcome.new_report, outcome.new_source) == (True, True)
    with Session(archive.engine) as session:
        report = session.get(Report, outcome.report_id)
        source = session.scalars(select(Source)).one()
    assert report.title == "任城区2021年政府信息公开工作年度报告"
    assert report.evidence == {"region": "title", "year": "title"}
    assert report.warnings == ["table 三 split across pages"]
    assert (source.report_id, source.url, source.portal_code) == (
        outcome.report_id,
        "http://127.0.0.1/report.html",
        "370800",
    )
    assert source.headers == {"Content-Type": "text/html; charset=utf-8"}


def test_same_hash_from_two_urls_is_one_report_with_two_sources(archive, make_record):
    first = archive.reports.store(make_record(url="http://127.0.0.1/a.html"))
    second = archive.reports.store(make_record(url="http://127.0.0.1/b.html"))
    assert second.report_id == first.report_id
    assert (second.new_report, second.new_source) == (False, True)
    assert count(archive, Report) == 1
    assert count(archive, Source) == 2


def test_same_url_twice_adds_nothing(archive, make_record):
    archive.reports.store(make_record())
    again = archive.reports.store(make_record())
    assert (again.new_report, again.new_source) == (False, False)
    assert count(archive, Source) == 1
    assert count(archive, StatValue) == 1


def test_known_report_is_never_overwritten(archive, make_record):
    first = archive.reports.store(make_record(stats=[StatRecord("apply.new.total", 14)]))
    archive.reports.store(
        make_record(
            url="http://127.0.0.1/other.html",
            title="另一个标题",
            year=2020,
            stats=[StatRecord("apply.new.total", 99), StatRecord("apply.carried.total", 1)],
        )
    )
    with Session(archive.engine) as session:
        report = session.get(Report, first.report_id)
        values = session.execute(select(StatValue.key, StatValue.value)).all()
    assert (report.title, report.year) == ("任城区2021年政府信息公开工作年度报告", 2021)
    assert values == [("apply.new.total", Decimal(14))]


COPY_URL = "http://www.docwenku.net/p-1.html"
ORIGINAL_URL = "http://www.rencheng.gov.cn/nb/2021.html"


def _copy_and_original(make_record):
    """One text as an aggregator's copy (read worse: one statistic) and as its original (two)."""
    copy = dataclasses.replace(
        make_record(url=COPY_URL, stats=[StatRecord("apply.new.total", 14)]),
        aggregator_copy=True,
        title="济宁市任城区人民政府2021年政府信息公开工作年度报告",
        evidence={"title": "title", "publisher": "title"},
    )
    original = dataclasses.replace(
        make_record(url=ORIGINAL_URL, stats=[StatRecord("apply.new.total", 14), StatRecord("review.total", 2)]),
        publisher="任城区人民政府",
        evidence={"publisher": "text:self_reference"},
    )
    return copy, original


def test_original_with_exactly_its_copy_s_text_takes_the_report_over(archive, make_record):
    copy, original = _copy_and_original(make_record)
    first = archive.reports.store(copy)
    second = archive.reports.store(original)
    # One text, one version: the original's parse becomes its current one, the copy's stays as history.
    assert (second.report_id, second.version_id, second.new_version, second.repointed) == (
        first.report_id, first.version_id, False, True,
    )
    (record,) = archive.queries.export()
    assert (record["parse_id"], record["versions"]) == (second.parse_id, 1)
    assert record["values"] == {"apply.new.total": 14, "review.total": 2}
    assert (record["title"], record["publisher"]) == (original.title, "任城区人民政府")
    assert record["source_urls"] == [ORIGINAL_URL, COPY_URL]
    with Session(archive.engine) as session:
        parses = session.execute(select(Parse.id, Parse.is_current).order_by(Parse.id)).all()
        first_values = session.execute(
            select(StatValue.key, StatValue.value).where(StatValue.parse_id == first.parse_id)
        ).all()
        report = session.get(Report, first.report_id)
    assert parses == [(first.parse_id, False), (second.parse_id, True)]
    assert first_values == [("apply.new.total", Decimal(14))]
    assert report.evidence == {
        "publisher": "text:self_reference",
        "repointed": "version 1, read from a copy, is the original's text",
        "copy:title": "济宁市任城区人民政府2021年政府信息公开工作年度报告",
        "copy:publisher": "济宁市任城区人民政府",
        "copy:evidence:title": "title",
        "copy:evidence:publisher": "title",
    }
    # Re-parsing reads the original's bytes, not the copy's.
    assert [s.url for s in archive.parses.reparse_sources()] == [ORIGINAL_URL]


def test_copy_with_exactly_its_original_s_text_is_only_a_source(archive, make_record):
    copy, original = _copy_and_original(make_record)
    first = archive.reports.store(original)
    second = archive.reports.store(copy)
    assert (second.report_id, second.version_id, second.new_source, second.parse_id, second.repointed) == (
        first.report_id, first.version_id, True, None, False,
    )
    (record,) = archive.queries.export()
    assert (record["parse_id"], record["publisher"]) == (first.parse_id, "任城区人民政府")
    assert record["values"] == {"apply.new.total": 14, "review.total": 2}
    assert record["source_urls"] == [ORIGINAL_URL, COPY_URL]
    assert count(archive, Parse) == 1


def test_identical_bytes_are_one_blob(archive, make_record):
    archive.reports.store(make_record(url="http://127.0.0.1/a.html"))
    archive.reports.store(make_record(url="http://127.0.0.1/b.html"))
    with Session(archive.engine) as session:
        blob = session.scalars(select(Blob)).one()
    assert (blob.data, blob.size) == (b"<html>report</html>", 19)


def test_statistics_keep_value_raw_and_flags(archive, make_record):
    stats = [
        StatRecord("apply.fee.total", Decimal("1.5"), raw="1.5", unit="万元", flags=["unit_converted"]),
        StatRecord("apply.new.research", None, raw=""),
        StatRecord("apply.new.total", 14, raw="14", source="text"),
    ]
    archive.reports.store(make_record(stats=stats))
    with Session(archive.engine) as session:
        rows = session.execute(
            select(
                StatValue.key,
                StatValue.value,
                StatValue.raw,
                StatValue.unit,
                StatValue.flags,
                StatValue.source,
            ).order_by(StatValue.id)
        ).all()
    assert rows == [
        ("apply.fee.total", Decimal("1.5"), "1.5", "万元", ["unit_converted"], "table"),
        ("apply.new.research", None, "", None, [], "table"),
        ("apply.new.total", Decimal(14), "14", None, [], "text"),
    ]


def test_repeated_key_keeps_its_first_value(archive, make_record):
    archive.reports.store(
        make_record(stats=[StatRecord("apply.new.total", 14), StatRecord("apply.new.total", 15)])
    )
    with Session(archive.engine) as session:
        assert session.execute(select(StatValue.key, StatValue.value)).all() == [
            ("apply.new.total", Decimal(14))
        ]


def test_checks_are_stored(archive, make_record):
    archive.reports.store(make_record())
    with Session(archive.engine) as session:
        check = session.scalars(select(CheckResult)).one()
    assert (check.rule, check.status, check.lhs, check.delta, check.keys) == (
        "R3.1",
        "pass",
        Decimal(14),
        Decimal(0),
        ["apply.new.total"],
    )


def test_record_error_writes_a_row(archive):
    run_id = archive.runs.start({})
    archive.runs.record_error(
        run_id=run_id,
        url="http://127.0.0.1/missing.pdf",
        portal_code="370800",
        stage="fetch",
        kind="http_404",
        message="Not Found",
        http_status=404,
    )
    with Session(archive.engine) as session:
        error = session.scalars(select(FetchError)).one()
    assert (error.crawl_run_id, error.url, error.stage, error.kind, error.http_status) == (
        run_id,
        "http://127.0.0.1/missing.pdf",
        "fetch",
        "http_404",
        404,
    )


def test_record_error_rejects_unknown_stage(archive):
    with pytest.raises(ValueError, match="unknown stage"):
        archive.runs.record_error(run_id=None, url="u", portal_code=None, stage="download", kind="k", message="m")


def test_database_rejects_unknown_stage(archive):
    with Session(archive.engine) as session, pytest.raises(IntegrityError):
        session.add(FetchError(url="u", stage="download", kind="k", message="m", at=datetime.now(UTC)))
        session.commit()


def test_finish_run_counts_what_the_run_added(archive, make_record):
    run_id = archive.runs.start({"seeds": "seeds/portals.csv", "depth": 3})
    archive.reports.store(make_record(url="http://127.0.0.1/a.html"), run_id=run_id)
    archive.reports.store(make_record(url="http://127.0.0.1/b.html"), run_id=run_id)
    archive.runs.record_error(run_id=run_id, url="x", portal_code=None, stage="parse", kind="k", message="m")
    archive.runs.finish(run_id, {"finish_time": datetime(2026, 11, 23, 2, 0), "item_scraped_count": 2})
    with Session(archive.engine) as session:
        run = session.get(CrawlRun, run_id)
    assert (run.reports_added, run.sources_added, run.errors) == (1, 2, 1)
    assert run.arguments == {"seeds": "seeds/portals.csv", "depth": 3}
    assert run.stats == {"finish_time": "2026-11-23T02:00:00", "item_scraped_count": 2}
    assert run.finished_at is not None


def test_record_portals_inserts_then_refreshes(archive):
    archive.runs.record_portals([SeedPortal("370811", "山东省", "济宁市", "任城区政府", "county", "http://127.0.0.1/")])
    archive.runs.record_portals([SeedPortal("370811", "", "济宁市", "任城区人民政府", "county", "http://127.0.0.1/new/")])
    with Session(archive.engine) as session:
        portal = session.scalars(select(Portal)).one()
    assert (portal.name, portal.portal_url, portal.province) == (
        "任城区人民政府",
        "http://127.0.0.1/new/",
        "山东省",
    )
    assert portal.last_seen >= portal.first_seen


def test_a_job_started_again_after_it_finished_starts_afresh(archive):
    runs = archive.runs
    runs.start_job("nightly", {"province": "云南"})
    runs.job_rebuilt("nightly")
    first = runs.job("nightly")
    # A worker joining the unfinished job changes nothing.
    runs.start_job("nightly", {"province": "贵州"})
    joined = runs.job("nightly")
    assert (joined.started_at, joined.arguments, joined.rebuilds) == (first.started_at, {"province": "云南"}, 1)
    runs.finish_job("nightly")
    assert runs.job("nightly").finished_at is not None
    # The next night's run of the finished job: a fresh row, not finished while it runs.
    runs.start_job("nightly", {"province": "贵州"})
    again = runs.job("nightly")
    assert again.finished_at is None and again.rebuilds == 0 and again.arguments == {"province": "贵州"}
    assert again.started_at >= first.started_at


def test_concurrent_stores_of_one_report_make_one_report(migrated_url, make_record):
    workers = 4
    archives = [Archive(migrated_url) for _ in range(workers)]
    barrier = threading.Barrier(workers)
    outcomes, failures = [], []

    def store(archive: Archive, index: int) -> None:
        for n in range(5):
            record = make_record(f"{n:064d}", url=f"http://127.0.0.1/{n}/{index}.html", body=b"same bytes")
            barrier.wait()
            try:
                outcomes.append(archive.reports.store(record))
            except Exception as exc:  # collected so the assertion shows it
                failures.append(exc)

    threads = [threading.Thread(target=store, args=(a, i)) for i, a in enumerate(archives)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for archive in archives:
        archive.close()
    check = Archive(migrated_url)
    try:
        assert failures == []
        assert sum(o.new_report for o in outcomes) == 5
        assert count(check, Report) == 5
        assert count(check, Source) == 20
        assert count(check, Blob) == 1
        assert count(check, StatValue) == 5
    finally:
        check.close()


def test_export_yields_one_dict_per_report(archive, make_record):
    first = archive.reports.store(make_record(url="http://127.0.0.1/a.html"))
    archive.reports.store(make_record(url="http://127.0.0.1/b.html"))
    (record,) = archive.queries.export()
    blob = hashlib.sha256(b"<html>report</html>").hexdigest()
    assert record == {
        "report_id": first.report_id,
        "division_code": "370811",
        "region": "任城区",
        "year": 2021,
        "title": "任城区2021年政府信息公开工作年度报告",
        "publisher": "济宁市任城区人民政府",
        "source_urls": ["http://127.0.0.1/a.html", "http://127.0.0.1/b.html"],
        "content_hash": "a" * 64,
        "format": "gov2021",
        "version": 1,
        "versions": 1,
        "parse_id": first.parse_id,
        "parser_version": "1",
        "values": {"apply.new.total": 14},
        "sources": [
            {"url": "http://127.0.0.1/a.html", "version": 1, "match": "exact", "blob": blob, "capture": None},
            {"url": "http://127.0.0.1/b.html", "version": 1, "match": "exact", "blob": blob, "capture": None},
        ],
    }


def test_export_keys_filter(archive, make_record):
    stats = [StatRecord("apply.new.total", 14), StatRecord("review.total", 2)]
    archive.reports.store(make_record(stats=stats))
    (record,) = archive.queries.export(keys=["review.total"])
    assert record["values"] == {"review.total": 2}


def test_export_format_filter(archive, make_record):
    archive.reports.store(make_record("1" * 64, "http://127.0.0.1/1"))
    archive.reports.store(make_record("2" * 64, "http://127.0.0.1/2", year=2020))
    assert [r["content_hash"][0] for r in archive.queries.export(stats_format="gov2021")] == ["2", "1"]
    assert list(archive.queries.export(stats_format="gov2019")) == []


def test_export_prefers_table_values_over_text(archive, make_record):
    stats = [
        StatRecord("apply.new.total", 15, source="text"),
        StatRecord("apply.new.total", 14, source="table"),
        StatRecord("apply.fee.total", Decimal("2.50")),
        StatRecord("apply.new.research", None),
    ]
    archive.reports.store(make_record(stats=stats))
    (record,) = archive.queries.export()
    assert record["values"] == {"apply.new.total": 14, "apply.fee.total": 2.5, "apply.new.research": None}


@pytest.fixture
def three_reports(archive, make_record) -> Archive:
    archive.reports.store(make_record("1" * 64, "http://127.0.0.1/1", division_code="370811", year=2020))
    archive.reports.store(make_record("2" * 64, "http://127.0.0.1/2", division_code="370811", year=2022))
    archive.reports.store(make_record("3" * 64, "http://127.0.0.1/3", division_code="440300", year=2021))
    return archive


@pytest.mark.parametrize(
    ("filters", "hashes"),
    [
        ({"province": "山东"}, ["1", "2"]),
        ({"province": "广东省"}, ["3"]),
        ({"province": "44"}, ["3"]),
        ({"division": "370811"}, ["1", "2"]),
        ({"year_from": 2021}, ["2", "3"]),
        ({"year_from": 2021, "year_to": 2021}, ["3"]),
    ],
)
def test_export_filters(three_reports, filters, hashes):
    found = [r["content_hash"][0] for r in three_reports.queries.export(**filters)]
    assert found == hashes


def test_export_rejects_unknown_province(archive):
    with pytest.raises(ValueError, match="unknown province"):
        list(archive.queries.export(province="火星"))
