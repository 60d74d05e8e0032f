"""The spider's callbacks and the HTTP cache on saved pages, without a crawl (``file_response`` style).

The saved pages (``tests/fixtures/pages``) are a 年报 list and a report page whose links carry
Chinese characters and spaces, as real portals' attachment links do. Scrapy percent-encodes such a
URL when it makes the request, and the archive stores that form: an incremental run must find it
there, or it downloads the report again every night and its list never settles.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.settings import Settings
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from govcrawl.discover.families import ListRequest
from govcrawl.discover.links import canonical_url
from govcrawl.fetch.cache import ArchivePolicy, ArchiveStorage
from govcrawl.incremental import LINKED_FILE, IncrementalState, KnownURL, PortalWalk
from govcrawl.items import CrawlError, FetchedDocument
from govcrawl.seeds import Portal
from govcrawl.spiders.county import CountySpider
from govcrawl.store.warc import WarcWriter

PAGES = Path(__file__).parent / "fixtures" / "pages"
PORTAL = Portal("530115", "云南省", "昆明市", "晋宁区", "county", "http://www.kmjn.gov.cn/")
COLUMN = "http://www.kmjn.gov.cn/zwgk/zfxxgknb/index.html"
ARTICLE = "http://www.kmjn.gov.cn/zwgk/zfxxgknb/202401/t20240125_381.html"
RAW_PDF = "http://www.kmjn.gov.cn/uploads/2023年 县教育体育局 政府信息公开工作年度报告.pdf"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def file_response(name: str, url: str, meta: dict[str, Any], flags: list[str] | None = None) -> HtmlResponse:
    """A saved page as Scrapy hands it to a callback."""
    body = (PAGES / name).read_bytes()
    request = Request(url, meta={"portal": PORTAL, **meta})
    return HtmlResponse(url, body=body, headers={"Content-Type": "text/html; charset=utf-8"}, request=request,
                        flags=flags)


def _spider(seeds: Path) -> CountySpider:
    seeds.write_text(
        "division_code,province,prefecture,name,level,portal_url\n530115,云南省,昆明市,晋宁区,county,http://www.kmjn.gov.cn/\n",
        encoding="utf-8",
    )
    return CountySpider.from_crawler(get_crawler(CountySpider), seeds=str(seeds))


def _list_meta() -> dict[str, Any]:
    return {"column": COLUMN, "list_request": ListRequest(COLUMN), "hint": False, "year": None, "sub_depth": 0}


def _known(url: str, *, checked: datetime, first: datetime, links_files: bool = False, **kw: Any) -> KnownURL:
    return KnownURL(url, archived=not links_files, links_files=links_files, first_fetched=first, checked_at=checked,
                    portal_code=PORTAL.division_code, **kw)


def test_report_links_are_requested_as_the_archive_stores_them(tmp_path) -> None:
    spider = _spider(tmp_path / "seeds.csv")
    requests = [r for r in spider.parse_list(file_response("list_nonascii.html", COLUMN, _list_meta()))
                if isinstance(r, Request)]
    pdf = canonical_url(RAW_PDF)
    assert "%E5%B9%B4%20" in pdf and " " not in pdf
    assert pdf in {r.url for r in requests}
    assert all(Request(r.url).url == r.url for r in requests)  # Scrapy's own encoding changes nothing
    (pdf_request,) = [r for r in requests if r.url == pdf]
    assert pdf_request.meta[LINKED_FILE] and "dont_cache" not in pdf_request.meta  # a report: the cache may answer
    lists = [r for r in requests if r.callback == spider.parse_list]
    assert lists and all(r.meta["dont_cache"] for r in lists)  # lists are read every run


def test_a_list_of_known_non_ascii_reports_stops_paging(tmp_path) -> None:
    spider = _spider(tmp_path / "seeds.csv")
    walked = NOW - timedelta(days=2)
    reports = [r.url for r in spider.parse_list(file_response("list_nonascii.html", COLUMN, _list_meta()))
               if isinstance(r, Request) and r.callback != spider.parse_list]
    assert len(reports) == 3
    spider.incremental = IncrementalState(
        {u: _known(u, checked=walked, first=walked - timedelta(days=30)) for u in reports},
        {PORTAL.division_code: PortalWalk(1, walked)}, timedelta(days=30), NOW,
    )
    spider.crawler.stats.open_spider()
    out = [r for r in spider.parse_list(file_response("list_nonascii.html", COLUMN, _list_meta()))
           if isinstance(r, Request)]
    assert not [r for r in out if r.callback == spider.parse_list]  # no next page: the rest is older
    assert spider.crawler.stats.get_value("govcrawl/incremental/list_stops") == 1
    # A report new since the walk keeps the list open.
    newest = reports[0]
    spider.incremental.urls[newest] = _known(newest, checked=NOW, first=NOW - timedelta(hours=1))
    out = [r for r in spider.parse_list(file_response("list_nonascii.html", COLUMN, _list_meta()))
           if isinstance(r, Request)]
    assert [r for r in out if r.callback == spider.parse_list]


def test_a_page_served_from_the_archive_yields_no_document_but_follows_its_files(tmp_path) -> None:
    spider = _spider(tmp_path / "seeds.csv")
    meta = {"link_text": "某某县2023年政府信息公开工作年度报告", "parent_title": "某某县2023年政府信息公开工作年度报告"}
    fresh = list(spider.parse_report(file_response("article_files.html", ARTICLE, meta)))
    cached = list(spider.parse_report(file_response("article_files.html", ARTICLE, meta, flags=["cached"])))
    # Fetched, the page goes to processing (which tells a wrapper from a report); from the archive, not.
    assert [type(x) for x in fresh if not isinstance(x, Request)] == [FetchedDocument]
    assert [x for x in cached if not isinstance(x, Request)] == []
    files = [r for r in cached if isinstance(r, Request)]
    assert [r.url for r in files] == [canonical_url("http://www.kmjn.gov.cn/uploads/2023年 政府信息公开工作年度报告.pdf")]
    assert files[0].meta[LINKED_FILE] and files[0].headers["Referer"] == ARTICLE.encode()
    pdf = Response(files[0].url, body=b"%PDF-1.4", request=files[0], flags=["cached"])
    assert list(spider.parse_attachment(pdf)) == []
    new = list(spider.parse_attachment(Response(files[0].url, body=b"%PDF-1.4", request=files[0])))
    assert [type(x) for x in new] == [FetchedDocument] and new[0].capture.url == files[0].url


def _cache(state: IncrementalState) -> tuple[ArchiveStorage, ArchivePolicy]:
    storage, policy = ArchiveStorage(Settings()), ArchivePolicy(Settings())
    storage.open(state)
    policy.open(state)
    return storage, policy


def test_the_cache_finds_a_non_ascii_url_and_skips_the_bytes_of_a_fresh_file(tmp_path) -> None:
    writer = WarcWriter(tmp_path, run_id=1)
    body = b"%PDF-1.4 the archived report"
    record = writer.write(url=canonical_url(RAW_PDF), status=200, headers=[("Content-Type", "application/pdf")], body=body)
    writer.close()
    known = _known(canonical_url(RAW_PDF), checked=NOW - timedelta(days=1), first=NOW - timedelta(days=40),
                   capture_id=1, warc_file=record.warc_file, warc_offset=record.warc_offset,
                   payload_sha256=record.payload_sha256, content_type="application/pdf", etag='"v1"')
    state = IncrementalState({known.url: known}, {PORTAL.division_code: PortalWalk(1, NOW - timedelta(days=1))},
                             timedelta(days=30), NOW)
    storage, policy = _cache(state)
    request = Request(RAW_PDF, meta={"portal": PORTAL, LINKED_FILE: True})  # the raw link, as a page has it
    assert policy.should_cache_request(request)
    cached = storage.retrieve_response(None, request)
    assert cached is not None and cached.body == b""  # fresh, and nothing needs a file's bytes
    assert policy.is_cached_response_fresh(cached, request) and "If-None-Match" not in request.headers
    # Due for revalidation: the bytes are read back, and the request asks "changed since?".
    stale = IncrementalState(state.urls, state.walks, timedelta(hours=1), NOW)
    storage, policy = _cache(stale)
    request = Request(RAW_PDF, meta={"portal": PORTAL, LINKED_FILE: True})
    cached = storage.retrieve_response(None, request)
    assert cached.body == body and not policy.is_cached_response_fresh(cached, request)
    assert request.headers["If-None-Match"] == b'"v1"'
    assert policy.is_cached_response_valid(cached, Response(request.url, status=304), request)
    assert policy.is_cached_response_valid(cached, Response(request.url, body=body), request)
    assert not policy.is_cached_response_valid(cached, Response(request.url, body=b"%PDF new"), request)


def test_lists_and_unknown_urls_are_not_the_cache_s(tmp_path) -> None:
    known = _known(COLUMN, checked=NOW, first=NOW, links_files=True, capture_id=1, warc_file="x", warc_offset=0)
    storage, policy = _cache(IncrementalState({COLUMN: known}, {}, timedelta(days=30), NOW))
    assert not policy.should_cache_request(Request(ARTICLE))
    assert not policy.should_cache_request(Request(COLUMN, method="POST"))
    assert storage.retrieve_response(None, Request(ARTICLE)) is None
    off, off_policy = _cache(None)  # incremental runs off
    assert off.retrieve_response(None, Request(COLUMN)) is None and not off_policy.should_cache_request(Request(COLUMN))


@pytest.mark.parametrize(("status", "kind"), [(404, "http_404"), (502, "http_502")])
def test_a_failed_report_is_recorded_and_the_crawl_goes_on(tmp_path, status: int, kind: str) -> None:
    spider = _spider(tmp_path / "seeds.csv")
    spider.crawler.stats.open_spider()
    request = Request(ARTICLE, meta={"portal": PORTAL})
    failure = Failure(HttpError(Response(ARTICLE, status=status, request=request)))
    failure.request = request
    (error,) = list(spider.on_error(failure))
    assert isinstance(error, CrawlError) and (error.kind, error.stage, error.http_status) == (kind, "fetch", status)


def test_a_script_challenge_is_retried_in_chromium(tmp_path) -> None:
    spider = _spider(tmp_path / "seeds.csv")
    spider.crawler.stats.open_spider()
    request = Request(COLUMN, meta={"portal": PORTAL, **_list_meta(), "dont_cache": True})
    failure = Failure(HttpError(Response(COLUMN, status=412, request=request)))
    failure.request = request
    (retry,) = list(spider.on_error(failure))
    assert isinstance(retry, Request) and retry.meta["playwright"] and retry.dont_filter
    assert retry.meta["dont_cache"] and retry.meta["list_request"] == ListRequest(COLUMN)
