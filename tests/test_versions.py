"""Near-duplicates and versions at the Archive level, with records built from the real seed documents.

Records go through the crawl's own stages (extract, clean, identify, hash, parse) from the seed
renderings of the replica web and from its DOC文库 page; only identity fields are overridden, to
stage collisions that real identity would already keep apart.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from govcrawl.store.models import Parse, Report, ReportVersion, Source, StatValue
from replica.families.aggregator import _page_html
from replica.render import render_seed, seed_text
from replica.web import AGGREGATORS

TITLE = "济宁市任城区人民政府2021年政府信息公开工作年度报告"


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


def test_original_after_its_copy_joins_the_copy(archive, document_record, seed001):
    copy = archive.reports.store(
        document_record(seed001["copy"], "http://www.docwenku.net/p-8812034.html", "text/html")
    )
    original = archive.reports.store(document_record(seed001["original"], "http://127.0.0.1/nb/2021.docx"))
    assert (original.report_id, original.match) == (copy.report_id, "near")


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
