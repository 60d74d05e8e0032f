"""The spider's callbacks on a column that lives on another government host (Beijing-style platform).

In distributed mode the list page on the platform host may reach a worker that never saw the portal's
navigation admit that host; the list's report links must be followed all the same. The page is the
replica's own answer, fed to the callback as Scrapy would.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from govcrawl.discover.families import ListRequest
from govcrawl.seeds import Portal
from govcrawl.spiders.county import CountySpider
from replica.fixtures import FAMILY_PORTALS
from replica.model import Request as ReplicaRequest
from replica.web import build_web

HOST = "www.fxchaoyang.gov.cn"


def _setup():
    replica = next(p for p in FAMILY_PORTALS if p.host == HOST)
    web = build_web((replica,), aggregators=(), dead=())
    truth = web.truth()["portals"][0]
    seed = next(row for row in web.seed_rows() if row["division_code"] == replica.division_code)
    portal = Portal(**{k: seed[k] for k in Portal.__dataclass_fields__ if k in seed})
    spider = CountySpider.from_crawler(get_crawler(CountySpider))
    return web, truth, portal, spider


def _list_response(web, url: str, portal: Portal) -> HtmlResponse:
    parts = urlsplit(url)
    answer = web.respond(parts.netloc, ReplicaRequest("GET", parts.path, {}, {}, {}))
    meta = {"portal": portal, "column": url, "list_request": ListRequest(url), "hint": False, "year": None, "sub_depth": 0}
    return HtmlResponse(url, body=answer.body, headers={"Content-Type": answer.content_type}, request=Request(url, meta=meta))


def test_the_column_is_on_another_host() -> None:
    _, truth, portal, _ = _setup()
    assert urlsplit(truth["column_url"]).hostname != portal.host


def test_a_list_page_on_a_host_this_process_never_admitted_yields_its_reports() -> None:
    web, truth, portal, spider = _setup()
    requests = [r for r in spider.parse_list(_list_response(web, truth["column_url"], portal)) if isinstance(r, Request)]
    on_first_page = {r["page_url"] for r in truth["reports"]} & {r.url for r in requests}
    assert on_first_page, [r.url for r in requests]
    assert all(urlsplit(u).hostname == urlsplit(truth["column_url"]).hostname for u in on_first_page)
