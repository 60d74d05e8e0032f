"""Near-duplicates and versions at the Archive level, with records built from the real seed documents.

Records go through the crawl's own stages (extract, clean, identify, hash, parse) from the seed
renderings of the replica web and from its DOC文库 page; only identity fields are overridden, to
stage collisions that real identity would already keep apart, and ``aggregator_copy``, which the
crawl sets for a page of an aggregator's host.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from govcrawl.records import ReportRecord
from govcrawl.store.models import Parse, Report, ReportVersion, Source, StatValue
from govcrawl.store.warc import WarcWriter
from replica.families.aggregator import _page_html
from replica.render import render_seed, seed_text
from replica.web import AGGREGATORS

TITLE = "济宁市任城区人民政府2021年政府信息公开工作年度报告"
ORIGINAL_URL = "http://www.rencheng.gov.cn/zwgk/ndbg/20220128/2207_att.docx"
COPY_URL = "http://www.docwenku.net/p-8812034.html"


def _html(fragment: str, signature: str = "") -> bytes:
    return (
        f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head>"
        f"<body><h1>{TITLE}</h1>{fragment}{signature}</body></html>"
    ).encode()


@pytest.fixture(scope="module")
def seed001() -> dict[str, bytes]:
    """Seed 001 as published (DOCX), as DOC文库 shows it, re-published with a date, and corrected."""
    (doc,) = [d for d in AGGREGATORS[0].docs if d.seed == "001"]
    fragment = render_seed("001", "html").decode("utf-8")
    row = "一、本年新收政府信息公开申请数量"
    head, tail = fragment.split(row, 1)
    corrected = head + row + tail.replace("<p>83</p>", "<p>84</p>", 1).replace("<p>99</p>", "<p>100</p>", 1)
    return {
        "original": render_seed("001", "docx"),
        "copy": _page_html(AGGREGATORS[0], doc).encode("utf-8"),
        "dated": _html(fragment, "<p>济宁市任城区人民政府办公室</p><p>2022年6月1日重新发布</p>"),
        "corrected": _html(corrected),
    }


def _versions(archive) -> list[tuple[int, int, bool]]:
    with Session(archive.engine) as session:
        rows = session.execute(
            select(ReportVersion.report_id, ReportVersion.number, ReportVersion.is_current).order_by(ReportVersion.id)
        )
        return [tuple(r) for r in rows]


def _sources(archive) -> list[tuple[int, str, str]]:
    with Session(archive.engine) as session:
        rows = session.execute(select(Source.report_id, Source.url, Source.match).order_by(Source.id))
        return [tuple(r) for r in rows]


def test_doc_wenku_copy_attaches_to_the_original(archive, document_record, seed001):
    original = archive.reports.store(document_record(seed001["original"], "http://127.0.0.1/nb/2021.docx"))
    copy = archive.reports.store(
        document_record(seed001["copy"], "http://www.docwenku.net/p-8812034.html", "text/html")
    )
    assert (copy.report_id, copy.new_report, copy.new_version, copy.match) == (
        original.report_id,
        False,
        False,
        "near",
    )
    assert copy.similarity >= 0.7
    assert _sources(archive) == [
        (original.report_id, "http://127.0.0.1/nb/2021.docx", "exact"),
        (original.report_id, "http://www.docwenku.net/p-8812034.html", "near"),
    ]


def _values(rec: ReportRecord) -> dict[str, Decimal | None]:
    """A record's statistics as the export reads them (a table's value winning over the text's)."""
    values: dict[str, Decimal | None] = {}
    for s in rec.stats:
        if s.source == "table" or s.key not in values:
            values[s.key] = None if s.value is None else Decimal(s.value)
    return values


def _exported_values(record: dict) -> dict[str, Decimal | None]:
    return {k: None if v is None else Decimal(str(v)) for k, v in record["values"].items()}


@pytest.fixture
def original_and_copy(document_record, seed001) -> tuple[ReportRecord, ReportRecord]:
    """Seed 001 as 任城区 publishes it (the DOCX attachment) and as DOC文库 republished it."""
    original = document_record(seed001["original"], ORIGINAL_URL)
    copy = document_record(seed001["copy"], COPY_URL, "text/html")
    # What the two read differently: the copy parses worse, and names its publisher otherwise.
    assert copy.aggregator_copy and not original.aggregator_copy
    assert len(_values(copy)) < len(_values(original))
    assert copy.publisher != original.publisher
    return original, copy


def _captured(archive, tmp_path, rec: ReportRecord, run_id: int) -> int:
    """Write ``rec``'s bytes to a WARC file of run ``run_id`` as the crawl does, and index them."""
    writer = WarcWriter(tmp_path / "warc", run_id=run_id)
    capture = writer.write(
        url=rec.capture.url, status=200, headers=[("Content-Type", rec.capture.content_type or "")],
        body=rec.capture.body, fetched_at=datetime(2026, 11, 23, 1, tzinfo=UTC),
    )
    writer.close()
    return archive.captures.record(capture, run_id)


@pytest.mark.parametrize("order", ["copy_first", "original_first"])
def test_either_order_gives_one_report_read_from_the_original(archive, original_and_copy, order):
    original, copy = original_and_copy
    for rec in (copy, original) if order == "copy_first" else (original, copy):
        archive.reports.store(rec)
    (record,) = archive.queries.export()
    assert record["content_hash"] == original.content_hash
    assert _exported_values(record) == _values(original)
    assert record["format"] == original.stats_format
    assert (record["title"], record["region"], record["publisher"]) == (
        original.title, original.region, original.publisher,
    )
    # Both URLs are sources of the one report, the original first: it is the primary source.
    assert record["source_urls"] == [ORIGINAL_URL, COPY_URL]


def test_original_after_its_copy_repoints_the_report(archive, original_and_copy, tmp_path):
    original, copy = original_and_copy
    run_id = archive.runs.start({})
    capture_id = _captured(archive, tmp_path, copy, run_id)
    first = archive.reports.store(copy, run_id=run_id)
    second = archive.reports.store(original, run_id=run_id)
    assert (first.new_report, first.repointed) == (True, False)
    assert (second.report_id, second.new_report, second.new_version, second.repointed) == (
        first.report_id, False, True, True,
    )
    # The original's text is the current version; the copy's stays as version 1.
    assert _versions(archive) == [(first.report_id, 1, False), (first.report_id, 2, True)]
    (record,) = archive.queries.export()
    assert (record["version"], record["versions"], record["parse_id"]) == (2, 2, second.parse_id)
    assert [(s["url"], s["version"], s["match"]) for s in record["sources"]] == [
        (ORIGINAL_URL, 2, "exact"),
        (COPY_URL, 1, "exact"),
    ]
    with Session(archive.engine) as session:
        report = session.get(Report, first.report_id)
        copy_version = session.get(ReportVersion, first.version_id)
        copy_source = session.scalars(select(Source).where(Source.url == COPY_URL)).one()
        copy_parse = session.scalars(select(Parse).where(Parse.version_id == first.version_id)).one()
        copy_values: dict[str, Decimal | None] = {}
        for key, value, source in session.execute(
            select(StatValue.key, StatValue.value, StatValue.source)
            .where(StatValue.parse_id == copy_parse.id)
            .order_by(StatValue.id)
        ):
            if source == "table" or key not in copy_values:
                copy_values[key] = value
    # The report's identity is the original's; the copy's it replaced is kept in the evidence.
    assert (report.title, report.publisher, report.publisher_level) == (
        original.title, original.publisher, original.publisher_level,
    )
    assert report.evidence["copy:publisher"] == copy.publisher
    assert report.evidence["copy:title"] == copy.title
    assert {k: v for k, v in report.evidence.items() if k.startswith("copy:evidence:")} == {
        f"copy:evidence:{k}": v for k, v in copy.evidence.items()
    }
    assert "repointed" in report.evidence
    # A report re-pointed to its original is no corrected re-publication.
    assert _corrected(archive) == 0
    # Nothing the copy brought is lost: its text, its parse, its source row, capture and bytes.
    assert (copy_version.clean_text, copy_version.aggregator_copy) == (copy.clean_text, True)
    assert (copy_parse.id, copy_parse.origin, copy_parse.is_current) == (first.parse_id, "crawl", True)
    assert copy_values == _values(copy)
    assert (copy_source.version_id, copy_source.match, copy_source.aggregator_copy) == (first.version_id, "exact", True)
    assert copy_source.capture_id == capture_id
    assert archive.captures.read(capture_id) == copy.capture.body
    assert archive.reports.blob(copy_source.blob_sha256) == copy.capture.body


def test_copy_after_its_original_changes_nothing(archive, original_and_copy):
    original, copy = original_and_copy
    stored = archive.reports.store(original)
    (before,) = archive.queries.export()
    with Session(archive.engine) as session:
        report_before = session.get(Report, stored.report_id).evidence
    added = archive.reports.store(copy)
    assert (added.report_id, added.new_version, added.repointed, added.match) == (
        stored.report_id, False, False, "near",
    )
    assert added.new_source
    (after,) = archive.queries.export()
    unchanged = ("report_id", "title", "publisher", "region", "content_hash", "version", "versions", "parse_id",
                 "values", "format")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert after["source_urls"] == [ORIGINAL_URL, COPY_URL]
    assert len(_versions(archive)) == 1
    with Session(archive.engine) as session:
        assert session.get(Report, stored.report_id).evidence == report_before


def test_copy_reading_other_numbers_after_the_original_is_only_a_source(archive, document_record, seed001):
    # The original says 83; an aggregator's copy (of a corrected text, or a bad transcription) 84:
    # a copy never makes a version of a report the archive has from its original.
    original = archive.reports.store(document_record(seed001["dated"], "http://127.0.0.1/nb/2021.html", "text/html"))
    copy = archive.reports.store(
        document_record(seed001["corrected"], "http://www.docwenku.net/p-1.html", "text/html", aggregator_copy=True)
    )
    assert (copy.report_id, copy.new_version, copy.match) == (original.report_id, False, "near")
    (record,) = archive.queries.export()
    assert record["values"]["apply.new.natural_person"] == 83
    assert len(_versions(archive)) == 1


def test_corrected_copy_before_the_original_still_gives_way_to_it(archive, document_record, seed001):
    copy = archive.reports.store(
        document_record(seed001["corrected"], "http://www.docwenku.net/p-1.html", "text/html", aggregator_copy=True)
    )
    original = archive.reports.store(document_record(seed001["dated"], "http://127.0.0.1/nb/2021.html", "text/html"))
    assert (original.report_id, original.new_version, original.repointed) == (copy.report_id, True, True)
    (record,) = archive.queries.export()
    assert record["values"]["apply.new.natural_person"] == 83
    assert record["source_urls"] == ["http://127.0.0.1/nb/2021.html", "http://www.docwenku.net/p-1.html"]


def test_second_original_after_a_repointed_report_is_as_before(archive, original_and_copy, document_record, seed001):
    # Once a report reads from its original, the rules for originals are the usual ones: the same
    # report re-published with a new date is a near source of the original's version.
    original, copy = original_and_copy
    archive.reports.store(copy)
    repointed = archive.reports.store(original)
    dated = archive.reports.store(document_record(seed001["dated"], "http://127.0.0.1/zt/2022/nb.html", "text/html"))
    assert (dated.report_id, dated.version_id, dated.new_version, dated.repointed, dated.match) == (
        repointed.report_id, repointed.version_id, False, False, "near",
    )


def test_republished_with_a_new_date_is_another_source(archive, document_record, seed001):
    original = archive.reports.store(document_record(seed001["original"], "http://127.0.0.1/nb/2021.docx"))
    dated = archive.reports.store(document_record(seed001["dated"], "http://127.0.0.1/zt/2022/nb.html", "text/html"))
    assert (dated.report_id, dated.new_version, dated.match) == (original.report_id, False, "near")
    assert len(_versions(archive)) == 1


def test_corrected_republication_is_a_new_current_version(archive, document_record, seed001):
    first = archive.reports.store(document_record(seed001["dated"], "http://127.0.0.1/nb/2021.html", "text/html"))
    fixed = archive.reports.store(document_record(seed001["corrected"], "http://127.0.0.1/nb/2021.html", "text/html"))
    assert (fixed.report_id, fixed.new_report, fixed.new_version) == (first.report_id, False, True)
    assert _versions(archive) == [(first.report_id, 1, False), (first.report_id, 2, True)]
    # Both versions keep their own source row, although the URL is the same.
    assert [m for _, _, m in _sources(archive)] == ["exact", "exact"]
    assert _corrected(archive) == 1


def _corrected(archive) -> int:
    """``v_coverage``'s count of corrected reports, over the whole archive."""
    with archive.engine.connect() as connection:
        return connection.execute(text("select coalesce(sum(corrected), 0) from v_coverage")).scalar_one()


def test_export_gives_the_current_version_and_counts_the_others(archive, document_record, seed001):
    archive.reports.store(document_record(seed001["dated"], "http://127.0.0.1/nb/2021.html", "text/html"))
    archive.reports.store(document_record(seed001["corrected"], "http://127.0.0.1/nb/2022.html", "text/html"))
    (record,) = archive.queries.export()
    assert (record["version"], record["versions"]) == (2, 2)
    assert record["values"]["apply.new.natural_person"] == 84
    assert [(s["url"], s["version"]) for s in record["sources"]] == [
        ("http://127.0.0.1/nb/2021.html", 1),
        ("http://127.0.0.1/nb/2022.html", 2),
    ]


def test_first_version_keeps_its_statistics(archive, document_record, seed001):
    first = archive.reports.store(document_record(seed001["dated"], "http://127.0.0.1/nb/2021.html", "text/html"))
    archive.reports.store(document_record(seed001["corrected"], "http://127.0.0.1/nb/2022.html", "text/html"))
    with Session(archive.engine) as session:
        value = session.scalar(
            select(StatValue.value)
            .join(Parse, Parse.id == StatValue.parse_id)
            .where(Parse.version_id == first.version_id, StatValue.key == "apply.new.natural_person")
        )
    assert value == 83


def _seed_text(seed: str) -> bytes:
    return seed_text(seed).encode("utf-8")


def test_same_template_of_two_units_does_not_merge(archive, document_record):
    # Seeds 002 and 003: two units' gov2019 reports, mostly zeros; even under one identity they stay apart.
    a = archive.reports.store(
        document_record(_seed_text("002"), "http://127.0.0.1/002.txt", "text/plain", division_code="231081")
    )
    b = archive.reports.store(
        document_record(_seed_text("003"), "http://127.0.0.1/003.txt", "text/plain", division_code="231081", year=2019)
    )
    assert b.new_report and b.report_id != a.report_id


def test_same_text_for_another_year_is_another_report(archive, document_record, seed001):
    a = archive.reports.store(document_record(seed001["dated"], "http://127.0.0.1/2021.html", "text/html"))
    b = archive.reports.store(
        document_record(seed001["corrected"], "http://127.0.0.1/2022.html", "text/html", year=2022)
    )
    assert b.new_report and b.report_id != a.report_id


def test_another_publisher_of_the_same_division_is_another_report(archive, document_record, seed001):
    a = archive.reports.store(document_record(seed001["dated"], "http://127.0.0.1/gov.html", "text/html"))
    b = archive.reports.store(
        document_record(seed001["copy"], "http://127.0.0.1/edu.html", "text/html", publisher="任城区教育局")
    )
    assert b.new_report and b.report_id != a.report_id


def test_unidentified_division_is_matched_exactly_only(archive, document_record, seed001):
    archive.reports.store(document_record(seed001["dated"], "http://127.0.0.1/a.html", "text/html"))
    b = archive.reports.store(
        document_record(seed001["copy"], "http://127.0.0.1/b.html", "text/html", division_code=None)
    )
    assert b.new_report
    with Session(archive.engine) as session:
        assert len(session.scalars(select(Report)).all()) == 2
