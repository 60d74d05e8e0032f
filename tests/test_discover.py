"""Discovery as pure functions: link scoring, CMS pagers and list APIs, scope."""

from __future__ import annotations

from govcrawl.discover.families import ListRequest, hanweb, list_requests, read_payload, scripted, trs
from govcrawl.discover.links import Link, column_score, disclosure_score, extract_links, next_page_links
from govcrawl.discover.scope import in_scope, registrable_domain

BASE = "http://www.kmjn.gov.cn/zwgk/index.html"


def _link(text: str, url: str = "http://www.kmjn.gov.cn/x/", title: str = "") -> Link:
    return Link(url, text, title)


def test_links_made_absolute_and_squashed() -> None:
    page = '<a href="zfxxgknb/index.html">政府信息<br>公开年报</a><a href="javascript:;">x</a><a href="mailto:a@b">m</a>'
    assert extract_links(page, BASE) == [Link("http://www.kmjn.gov.cn/zwgk/zfxxgknb/index.html", "政府信息公开年报")]


def test_base_href_respected() -> None:
    page = '<html><head><base href="http://xxgk.kmjn.gov.cn/a/"></head><body><a href="b.html">b</a></body></html>'
    assert extract_links(page, BASE)[0].url == "http://xxgk.kmjn.gov.cn/a/b.html"


def test_non_http_links_dropped() -> None:
    assert extract_links('<a href="file:///etc/passwd">f</a><a href="ftp://x/y">y</a>', BASE) == []


def test_column_text_scores_high() -> None:
    assert column_score(_link("政府信息公开年报")) >= 10
    assert column_score(_link("政府信息公开年度报告")) >= 10
    assert column_score(_link("年度报告")) >= 10


def test_column_slug_alone_scores_lower() -> None:
    slug_only = column_score(_link("更多", "http://www.a.gov.cn/zwgk/zfxxgknb/"))
    assert 0 < slug_only < column_score(_link("信息公开年报"))


def test_an_article_under_the_column_is_not_the_column() -> None:
    assert column_score(_link("港闸区政府信息公开申请办理流程", "http://www.gangzha.gov.cn/zwgk/zfxxgknb/20180110/987.html")) == 0
    assert column_score(_link("更多", "http://www.gangzha.gov.cn/zwgk/zfxxgknb/index.html")) > 0
    assert column_score(_link("更多", "http://www.a.gov.cn/xxgk/zfxxgknb_70772/")) > 0


def test_a_single_report_is_not_the_column() -> None:
    assert column_score(_link("晋宁区2018年政府信息公开工作年度报告")) == 0


def test_news_is_not_the_column() -> None:
    assert column_score(_link("政务公开工作要点")) == 0


def test_title_attribute_beats_cut_text() -> None:
    assert _link("政府信息…", title="政府信息公开年报").label == "政府信息公开年报"


def test_disclosure_links() -> None:
    assert disclosure_score(_link("政府信息公开", "http://a.gov.cn/zwgk/")) > disclosure_score(_link("更多", "http://a.gov.cn/zwgk/"))
    assert disclosure_score(_link("政务服务", "http://a.gov.cn/zwfw/")) == 0


def test_next_page_links() -> None:
    links = [_link("下一页", "http://a/index_2.html"), _link("首页", "http://a/")]
    assert [x.url for x in next_page_links(links)] == ["http://a/index_2.html"]


def test_trs_pager_gives_every_page() -> None:
    page = '<script>var countPage = 3;createPageHTML(3, 0, "index", "html");</script>'
    assert [r.url for r in trs.list_requests(page, "http://a.gov.cn/zwgk/zfxxgknb/index.html")] == [
        "http://a.gov.cn/zwgk/zfxxgknb/index_1.html",
        "http://a.gov.cn/zwgk/zfxxgknb/index_2.html",
    ]


def test_trs_count_page_alone() -> None:
    assert len(trs.list_requests("<script>var countPage = 2//共多少页</script>", "http://a/l/index.html")) == 1


def test_trs_pager_bounded() -> None:
    assert len(trs.list_requests('createPageHTML(99999999, 0, "index", "html")', "http://a/")) == trs.MAX_PAGES - 1


def test_no_pager_no_requests() -> None:
    assert list_requests("<html><a href='x'>x</a></html>", "http://a/") == []


HANWEB_PAGE = """<div id="4872"><script type="text/javascript">
$(document).ready(function(){ $('#4872').jpage({ proxyUrl:'/module/web/jpage/dataproxy.jsp', perPage:2,
 ajaxParam:{ col:1, appid:1, webid:12, path:'/', columnid:1051, sourceContentType:1, unitid:5487,
 webname:'绥芬河市人民政府', permissiontype:0 } }); });</script></div>"""


def test_hanweb_first_call() -> None:
    (req,) = hanweb.list_requests(HANWEB_PAGE, "http://www.suifenhe.gov.cn/col/col1051/index.html")
    assert req.method == "POST" and req.payload == "hanweb_xml"
    assert req.url == "http://www.suifenhe.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=6&perpage=2"
    assert req.formdata["columnid"] == "1051" and req.formdata["unitid"] == "5487" and req.formdata["webid"] == "12"


def test_hanweb_json_style_config() -> None:
    page = (
        '<script>jpage("1051", {"proxyUrl": "/module/web/jpage/dataproxy.jsp", "perPage": 2, "ajaxParam": '
        '{"col": "1", "webid": "3", "columnid": "1051", "unitid": "5471", "webname": "绥芬河市人民政府"}});</script>'
    )
    (req,) = hanweb.list_requests(page, "http://www.suifenhe.gov.cn/col/col1051/index.html")
    assert req.formdata["columnid"] == "1051" and req.formdata["unitid"] == "5471" and req.formdata["webid"] == "3"
    assert req.url.endswith("startrecord=1&endrecord=6&perpage=2")


def test_hanweb_records_and_the_rest_of_the_list() -> None:
    (first,) = hanweb.list_requests(HANWEB_PAGE, "http://www.suifenhe.gov.cn/col/col1051/index.html")
    xml = (
        "<datastore><totalrecord>8</totalrecord><recordset>"
        '<record><![CDATA[<li><a href="/art/2020/1/20/art_1051_1.html" title="某局2019年政府信息公开工作年度报告">某局…</a></li>]]></record>'
        '<record><![CDATA[<li><a href="/art/2020/1/21/art_1051_2.html">要点</a></li>]]></record>'
        "</recordset></datastore>"
    )
    links, more = read_payload(first, xml, first.url)
    assert [x.url for x in links] == [
        "http://www.suifenhe.gov.cn/art/2020/1/20/art_1051_1.html",
        "http://www.suifenhe.gov.cn/art/2020/1/21/art_1051_2.html",
    ]
    assert links[0].label == "某局2019年政府信息公开工作年度报告"
    assert [r.url.split("?")[1] for r in more] == ["startrecord=7&endrecord=12&perpage=2"]
    # A later call does not ask for the rest again.
    assert read_payload(more[0], xml, more[0].url)[1] == []


def test_hanweb_garbage_answer() -> None:
    req = ListRequest("http://a/", "POST", {}, "hanweb_xml", {"startrecord": "1", "perpage": "2"})
    assert read_payload(req, "<html>oops</html", "http://a/") == ([], [])


def test_script_built_list_detected() -> None:
    assert scripted.builds_list_by_script("<ul id=list></ul><script>setTimeout(()=>fetch(u).then(r=>r.json()),300)</script>")
    assert not scripted.builds_list_by_script("<script>var countPage = 2</script><a href='x'>x</a>")


def test_scope_stays_on_the_units_hosts() -> None:
    assert registrable_domain("www.kmjn.gov.cn") == "kmjn.gov.cn"
    assert in_scope("http://xxgk.kmjn.gov.cn/a", "www.kmjn.gov.cn")
    assert not in_scope("http://www.km.gov.cn/", "www.kmjn.gov.cn")
    assert not in_scope("http://www.baidu.com/", "www.kmjn.gov.cn")


def test_scope_allows_known_aggregators() -> None:
    assert in_scope("http://www.docwenku.net/p-1.html", "www.rencheng.gov.cn")


def test_scope_refuses_private_and_odd_addresses() -> None:
    for url in ("http://10.1.2.3/", "http://127.0.0.1:8080/", "http://[::1]/", "http://169.254.1.1/",
                "http://192.168.0.1/", "file:///etc/passwd", "gopher://a.gov.cn/"):
        assert not in_scope(url, "www.kmjn.gov.cn"), url
