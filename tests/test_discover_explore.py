"""Best-first discovery as pure functions: link evidence, the frontier's order, sitemaps, site search."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from govcrawl.discover.explore import Frontier, page_kind, score_link, search_url, sitemap_locations
from govcrawl.discover.links import Link, extract_links

BASE = "http://www.example.gov.cn/index.html"


def _score(text: str, url: str = "http://www.example.gov.cn/a/", on: str = "other", depth: int = 1) -> float:
    scored = score_link(Link(url, text), on, depth)
    return scored.score if scored else 0.0


def test_evidence_is_graded_not_matched() -> None:
    """The section's name beats a page inside it, which beats the sitemap, which beats nothing."""
    section = _score("政府信息公开")
    inner = _score("政府信息公开指南")
    sitemap = _score("网站地图")
    assert section > inner > sitemap > 0
    assert _score("领导之窗") == 0 and _score("招标公告") == 0


def test_a_units_platform_is_the_best_lead_and_its_units_follow() -> None:
    assert _score("部门信息公开") > _score("政府信息公开")
    assert score_link(Link("http://www.example.gov.cn/bm/jyj/", "县教育局"), "platform", 2).kind == "unit"
    # The same name on an ordinary page is not a unit's disclosure page.
    assert score_link(Link("http://www.example.gov.cn/bm/jyj/", "县教育局"), "other", 2) is None


def test_the_page_a_link_sits_on_and_its_depth_count() -> None:
    assert _score("信息公开目录", on="area") > _score("信息公开目录", on="other")
    assert _score("信息公开目录", depth=1) > _score("信息公开目录", depth=3)
    # A disclosure slug alone is weak evidence that a page belongs to the area.
    slug = score_link(Link("http://www.example.gov.cn/xxgk/jgzn/", "机构职能"), "other", 1)
    assert slug is not None and slug.kind == "area" and slug.score < _score("信息公开目录")


def test_columns_reports_and_noise_are_not_explored() -> None:
    assert score_link(Link("http://www.example.gov.cn/nb/", "政府信息公开年报"), "area", 1) is None  # a column
    assert score_link(Link("http://www.example.gov.cn/x/1.html", "2023年政府信息公开工作年度报告"), "area", 1) is None
    assert score_link(Link("http://www.example.gov.cn/", "首页"), "area", 1) is None
    assert score_link(Link("http://www.example.gov.cn/a.pdf", "政务公开"), "area", 1) is None


def test_frontier_pops_best_first_and_keeps_what_it_refuses() -> None:
    frontier = Frontier()
    links = [Link("http://e.gov.cn/zn/", "政府信息公开指南"), Link("http://e.gov.cn/gk/", "政务公开"),
             Link("http://e.gov.cn/bm/", "部门信息公开"), Link("http://e.gov.cn/gk/", "政务公开")]
    frontier.add([s for s in (score_link(x, "other", 1) for x in links) if s], 1, "nav")
    assert len(frontier.entries) == 3  # one entry per URL
    only_units = frontier.pop(lambda s: s.kind in ("platform", "unit"))
    assert only_units is not None and only_units.scored.url == "http://e.gov.cn/bm/"
    assert frontier.pop(lambda s: s.kind in ("platform", "unit")) is None
    assert [frontier.pop().scored.url, frontier.pop().scored.url] == ["http://e.gov.cn/gk/", "http://e.gov.cn/zn/"]
    assert frontier.pop() is None


def test_page_kind_from_the_link_or_the_url() -> None:
    assert page_kind("platform", "http://e.gov.cn/x/") == "platform"
    assert page_kind(None, "http://e.gov.cn/zwgk/index.html") == "area"
    assert page_kind(None, "http://e.gov.cn/news/") == "other"


def test_script_and_image_navigation_is_read() -> None:
    page = """
    <a href="javascript:void(0)" onclick="location.href='/xxgk/'">信息公开</a>
    <li onclick="window.open('http://xxgk.example.gov.cn/bm.html')">部门信息公开</li>
    <a href="javascript:openUrl('/gk/zn.html')">公开指南</a>
    <a href="/ndbg/"><img src="nb.png" alt="年度报告"></a>
    <a href="javascript:;">无</a>
    """
    assert [(x.url, x.text) for x in extract_links(page, BASE)] == [
        ("http://www.example.gov.cn/xxgk/", "信息公开"),
        ("http://xxgk.example.gov.cn/bm.html", "部门信息公开"),
        ("http://www.example.gov.cn/gk/zn.html", "公开指南"),
        ("http://www.example.gov.cn/ndbg/", "年度报告"),
    ]


def test_sitemap_locations_namespaced_plain_and_garbage() -> None:
    xml = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>http://e.gov.cn/zwgk/ndbg/</loc></url><url><loc> http://e.gov.cn/a.html </loc></url></urlset>"
    )
    assert sitemap_locations(xml) == ["http://e.gov.cn/zwgk/ndbg/", "http://e.gov.cn/a.html"]
    assert sitemap_locations("<sitemapindex><sitemap><loc>http://e.gov.cn/s1.xml</loc></sitemap></sitemapindex>") == [
        "http://e.gov.cn/s1.xml"
    ]
    assert sitemap_locations(b"<html><body>404</body></html") == []


def test_site_search_is_a_plain_get_form_with_its_hidden_fields() -> None:
    page = """
    <form action="/login" method="post"><input name="user"></form>
    <form name="searchform" action="/jsearch/search.do" target="_blank">
      <input type="hidden" name="webid" value="12"><input type="text" name="q"><input type="submit" value="搜索">
    </form>
    """
    url = search_url(page, BASE)
    assert url is not None
    parts = urlsplit(url)
    assert parts.path == "/jsearch/search.do"
    assert parse_qs(parts.query) == {"webid": ["12"], "q": ["年度报告"]}


def test_no_site_search_without_a_get_search_form() -> None:
    assert search_url('<form action="/s" method="post"><input name="q">搜索</form>', BASE) is None
    assert search_url('<form action="/feedback"><input name="name"><input type="submit" value="提交"></form>', BASE) is None
    assert search_url("", BASE) is None
