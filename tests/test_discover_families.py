"""Discovery across CMS families, as pure functions: sub-columns, shells, script-written files,
soft 404s, JSON list APIs, Hanweb's annual-report module, failure classes."""

from __future__ import annotations

import json

from govcrawl.discover.families import ListRequest, list_requests, read_payload, report_title
from govcrawl.discover.links import (
    Link,
    disclosure_score,
    file_urls,
    is_soft_404,
    redirect_target,
    sub_column,
)

BASE = "http://www.a.gov.cn/zwgk/zfxxgknb/index.html"


def test_year_sub_columns_carry_their_year() -> None:
    assert sub_column(Link("http://www.a.gov.cn/zwgk/zfxxgknb/2022n/", "2022年")) == ("year", 2022)
    assert sub_column(Link("http://www.a.gov.cn/zwgk/zfxxgknb/2020_123/", "2020年度")) == ("year", 2020)


def test_unit_sub_columns_are_recognised() -> None:
    for text in ("本级年报", "部门年报", "乡镇（街道）年报", "街道"):
        assert sub_column(Link("http://www.a.gov.cn/x/", text)) == ("unit", None), text


def test_report_titles_are_not_sub_columns() -> None:
    assert sub_column(Link("http://www.a.gov.cn/x.html", "2022年政府信息公开工作年度报告")) is None
    assert sub_column(Link("http://www.a.gov.cn/x.html", "下一页")) is None


def test_topic_section_is_a_weaker_way_in() -> None:
    topics = disclosure_score(Link("http://www.a.gov.cn/ztzl/index.html", "专题专栏"))
    assert 0 < topics < disclosure_score(Link("http://www.a.gov.cn/zwgk/index.html", "政府信息公开"))


def test_shell_homepage_redirect_is_read() -> None:
    shell = '<html><head><script>window.location.replace("/portal/index.shtml");</script></head></html>'
    assert redirect_target(shell, "http://www.a.gov.cn/") == "http://www.a.gov.cn/portal/index.shtml"
    refresh = '<meta http-equiv="refresh" content="0;url=http://www.a.gov.cn/main.htm">'
    assert redirect_target(refresh, "http://www.a.gov.cn/") == "http://www.a.gov.cn/main.htm"
    assert redirect_target("<html><body>plain</body></html>", "http://www.a.gov.cn/") is None


def test_script_written_attachments_are_found() -> None:
    page = """<p>附件：<script>document.write('<a href="./202301/P020230126.pdf">年报.pdf</a>');</script></p>
    <script>var file = "/up/2023/report.docx";</script>"""
    assert file_urls(page, BASE) == [
        "http://www.a.gov.cn/zwgk/zfxxgknb/202301/P020230126.pdf",
        "http://www.a.gov.cn/up/2023/report.docx",
    ]


def test_soft_404_told_from_a_real_page() -> None:
    assert is_soft_404("<html><head><title>404-页面不存在</title></head><body>返回首页</body></html>")
    assert is_soft_404("<html><body><h2>抱歉，您访问的页面不存在或已被删除！</h2></body></html>")
    long_page = "<html><head><title>政府信息公开年报</title></head><body>" + "年报" * 400 + "页面不存在</body></html>"
    assert not is_soft_404(long_page)


def test_gkmlpt_api_read_from_the_page_and_paged() -> None:
    page = '<script>window.GKMLPT_CONFIG = {"sid": "757", "api": "/gkmlpt/api/all/annualreport", "pageSize": 3};</script>'
    (first,) = list_requests(page, "http://www.q.gov.cn/gkmlpt/annualreport")
    assert first.url == "http://www.q.gov.cn/gkmlpt/api/all/annualreport?sid=757&page=1"
    answer = {"total": 7, "articles": [{"title": "清城区2023年政府信息公开工作年度报告", "url": "http://www.q.gov.cn/content/post_1.html"}] * 3}
    links, more = read_payload(first, json.dumps(answer, ensure_ascii=False), first.url)
    assert links[0] == Link("http://www.q.gov.cn/content/post_1.html", "清城区2023年政府信息公开工作年度报告")
    assert [r.url.rsplit("=", 1)[1] for r in more] == ["2", "3"]
    assert read_payload(more[0], json.dumps(answer), more[0].url)[1] == []  # only page 1 plans the rest


def test_fujian_search_api_keeps_its_parameters() -> None:
    page = '<script>var searchParams = {"url": "/fjdzapp/search", "channelid": "200210", "chnlid": "1813", "pageSize": 5, "staticCount": 5};</script>'
    (first,) = list_requests(page, "http://www.p.gov.cn/zwgk/zfxxgk/zfxxgknb/index.htm")
    assert first.url == "http://www.p.gov.cn/fjdzapp/search?channelid=200210&chnlid=1813&page=1&pageSize=5"
    assert first.payload == "fujian_json"


def test_broken_api_answers_yield_nothing() -> None:
    spec = ListRequest("http://x.gov.cn/api", payload="gkmlpt_json", context={"name": "GKMLPT_CONFIG", "page": "1", "config": "{}", "page_url": "http://x.gov.cn/"})
    assert read_payload(spec, "<html>error</html>", spec.url) == ([], [])
    assert read_payload(spec, '{"total": 3, "articles": "none"}', spec.url) == ([], [])


def test_hanweb_annual_report_module_urls_are_reports() -> None:
    link = Link("http://www.z.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=11370883&fbtime=2022", "2022年度")
    assert report_title(link) == "2022年政府信息公开工作年度报告"
    assert report_title(Link("http://www.z.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=1", "年报")) is None
    assert report_title(Link("http://www.z.gov.cn/col/col1/index.html", "2022年度")) is None


def test_download_endpoint_named_by_its_text_is_an_attachment() -> None:
    url = "http://www.b.gov.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl&wbfileid=1"
    assert Link(url, "临潼区2023年政府信息公开工作年度报告.pdf").is_attachment
    assert not Link(url, "下载").is_attachment


def test_page_links_named_like_files_are_not_attachments() -> None:
    # Aggregators title ordinary pages after the documents they show.
    assert not Link("http://www.docwenku.net/p-8790233.html", "期末测试卷.docx").is_attachment
    assert not Link("http://www.docwenku.net/search?q=a.docx", "年报.docx").is_attachment
