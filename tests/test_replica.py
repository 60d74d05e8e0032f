"""The replica web through its proxy: real HTTP on 127.0.0.1, fetched the way crawlers fetch."""

from __future__ import annotations

import csv
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from lxml import html as lxml_html

from replica.__main__ import main as replica_main
from replica.render import seed_text
from replica.server import ReplicaServer

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
HANWEB_FORM = {
    "col": "1",
    "appid": "1",
    "webid": "1",
    "path": "/",
    "columnid": "1051",
    "sourceContentType": "1",
    "unitid": "5471",
    "webname": "绥芬河市人民政府",
    "permissiontype": "0",
}
DATAPROXY = "http://www.suifenhe.gov.cn/module/web/jpage/dataproxy.jsp"


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer() as server:
        yield server


@pytest.fixture(scope="module")
def opener(replica):
    return urllib.request.build_opener(urllib.request.ProxyHandler({"http": replica.proxy_url}))


@pytest.fixture(scope="module")
def truth(replica):
    return replica.truth()


def fetch(opener, url: str, data: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) of a request through the proxy; HTTP errors are answers too."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def text_of(body: bytes) -> str:
    return lxml_html.fromstring(body.decode("utf-8")).text_content()


def hanweb_post(opener, start: int, end: int, form: dict = HANWEB_FORM) -> ET.Element:
    query = urllib.parse.urlencode({"startrecord": start, "endrecord": end, "perpage": 2})
    status, headers, body = fetch(opener, f"{DATAPROXY}?{query}", urllib.parse.urlencode(form).encode())
    assert status == 200 and headers["Content-Type"] == "text/xml; charset=utf-8"
    return ET.fromstring(body)


HOSTS = [
    "www.kmjn.gov.cn",
    "www.suifenhe.gov.cn",
    "www.xinping.gov.cn",
    "www.gangzha.gov.cn",
    "www.rencheng.gov.cn",
]


@pytest.mark.parametrize("host", [*HOSTS, "www.docwenku.net"])
def test_homepage_answers_html(opener, host):
    status, headers, body = fetch(opener, f"http://{host}/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body)


@pytest.mark.parametrize("host", HOSTS)
def test_robots_txt_allows_everything(opener, host):
    status, _, body = fetch(opener, f"http://{host}/robots.txt")
    assert status == 200 and b"Disallow:\n" in body


def test_portal_page_has_gov_chrome(opener):
    _, _, body = fetch(opener, "http://www.kmjn.gov.cn/")
    text = text_of(body)
    for word in ("政府信息公开", "政务服务", "互动交流", "网站标识码", "ICP备", "公网安备", "主办单位"):
        assert word in text


def test_trs_disclosure_page_links_the_nianbao_column(opener):
    _, _, body = fetch(opener, "http://www.kmjn.gov.cn/zwgk/index.html")
    links = lxml_html.fromstring(body.decode()).xpath("//a[text()='政府信息公开年报']/@href")
    assert "./zfxxgknb/index.html" in links


def test_trs_column_pager_is_script_only(opener):
    _, _, body = fetch(opener, "http://www.kmjn.gov.cn/zwgk/zfxxgknb/index.html")
    page = body.decode()
    assert "var countPage = 2" in page and 'createPageHTML(2, 0, "index", "html");' in page
    assert 'href="index_1.html"' not in page


def test_trs_second_page_lists_relative_articles(opener):
    status, _, body = fetch(opener, "http://www.kmjn.gov.cn/zwgk/zfxxgknb/index_1.html")
    assert status == 200
    hrefs = lxml_html.fromstring(body.decode()).xpath("//ul[@class='list']//a/@href")
    assert "./201903/t20190320_3794102.html" in hrefs


def test_trs_article_has_meta_and_trs_editor_table(opener):
    _, _, body = fetch(opener, "http://www.kmjn.gov.cn/zwgk/zfxxgknb/201903/t20190320_3794102.html")
    tree = lxml_html.fromstring(body.decode())
    assert tree.xpath("//meta[@name='ArticleTitle']/@content") == [
        "昆明市晋宁区2018年政府信息公开工作年度报告"
    ]
    assert tree.xpath("//meta[@name='ColumnName']/@content") == ["政府信息公开年报"]
    assert len(tree.xpath("//div[@class='TRS_Editor']//table//tr")) == 66


def test_republished_report_has_identical_body(opener, truth):
    kmjn = truth["portals"][0]
    dup = next(r for r in kmjn["reports"] if r["duplicate_of"])
    bodies = []
    for url in (dup["url"], dup["duplicate_of"]):
        tree = lxml_html.fromstring(fetch(opener, url)[2].decode())
        bodies.append(lxml_html.tostring(tree.xpath("//div[@class='TRS_Editor']")[0]))
    assert bodies[0] == bodies[1]


def test_hanweb_column_page_has_no_list(opener):
    _, _, body = fetch(opener, "http://www.suifenhe.gov.cn/col/col1051/index.html")
    page = body.decode()
    assert "art_1051_" not in page
    assert '"columnid": "1051"' in page and "dataproxy.jsp" in page


def test_hanweb_post_pages_through_the_list(opener):
    first = hanweb_post(opener, 1, 2)
    second = hanweb_post(opener, 3, 4)
    assert first.findtext("totalrecord") == "3" and first.findtext("totalpage") == "2"
    records = [r.text for r in first.iter("record")] + [r.text for r in second.iter("record")]
    assert len(records) == 3
    assert any('href="/art/2020/1/20/art_1051_38214.html"' in r for r in records)


def test_hanweb_post_for_another_column_is_empty(opener):
    assert not list(hanweb_post(opener, 1, 2, {**HANWEB_FORM, "columnid": "9999"}).iter("record"))


def test_hanweb_get_does_not_return_the_list(opener):
    status, _, body = fetch(opener, f"{DATAPROXY}?startrecord=1&endrecord=2&perpage=2")
    assert status == 200 and b"<record>" not in body


def test_hanweb_article_links_the_pdf(opener, truth):
    report = truth["portals"][1]["reports"][0]
    tree = lxml_html.fromstring(fetch(opener, report["page_url"])[2].decode())
    hrefs = tree.xpath("//div[@id='zoom']//a/@href")
    assert [urllib.parse.urljoin(report["page_url"], h) for h in hrefs] == [report["url"]]


def test_js_column_has_empty_list_and_no_literal_json_link(opener):
    _, _, body = fetch(opener, "http://www.xinping.gov.cn/xxgk/zfxxgknb/index.html")
    page = body.decode()
    assert '<ul id="list" class="list"></ul>' in page
    assert ".json" in page and "zfxxgknb.json" not in page and "setTimeout" in page


def test_js_column_json_lists_the_report(opener, truth):
    status, headers, body = fetch(opener, "http://www.xinping.gov.cn/xxgk/api/list/zfxxgknb.json?t=1")
    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
    urls = [i["url"] for i in json.loads(body)["data"]["items"]]
    report = truth["portals"][2]["reports"][0]
    assert urllib.parse.urlsplit(report["page_url"]).path in urls


def test_static_column_paginates_with_next_link(opener):
    _, _, body = fetch(opener, "http://www.gangzha.gov.cn/zwgk/zfxxgknb/index.html")
    assert lxml_html.fromstring(body.decode()).xpath("//a[text()='下一页']/@href") == ["index_2.html"]
    assert fetch(opener, "http://www.gangzha.gov.cn/zwgk/zfxxgknb/index_2.html")[0] == 200


def test_rencheng_column_links_the_aggregator_copy(opener):
    _, _, body = fetch(opener, "http://www.rencheng.gov.cn/zwgk/ndbg/index.html")
    assert "http://www.docwenku.net/p-8812034.html" in lxml_html.fromstring(body.decode()).xpath("//a/@href")


def test_aggregator_page_carries_every_seed_line(opener):
    _, _, body = fetch(opener, "http://www.docwenku.net/p-8812034.html")
    text = re.sub(r"\s+", "", text_of(body))
    for line in seed_text("001").splitlines():
        assert re.sub(r"\s+", "", line) in text


def test_every_report_url_answers_with_its_content_type(opener, truth):
    for portal in truth["portals"]:
        for report in portal["reports"]:
            status, headers, body = fetch(opener, report["url"])
            assert status == 200, report["url"]
            assert headers["Content-Type"] == CONTENT_TYPES[report["format"]], report["url"]
            assert body


def test_every_non_report_url_answers(opener, truth):
    for portal in truth["portals"]:
        for url in portal["non_reports"]:
            assert fetch(opener, url)[0] == 200, url


def test_truth_counts_distinct_reports(truth):
    assert truth["distinct_reports"] == 5
    assert sum(len(p["reports"]) for p in truth["portals"]) == 7  # 任城区 serves its original beside the DOC文库 copy
    assert [p["needs_browser"] for p in truth["portals"]] == [False, False, True, False, False]


def test_documents_carry_validators_and_answer_304(opener, truth):
    url = truth["portals"][1]["reports"][0]["url"]
    _, headers, _ = fetch(opener, url)
    assert headers["Last-Modified"] == "Mon, 20 Jan 2020 01:00:00 GMT"
    status, _, body = fetch(opener, url, headers={"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b""


def test_head_sends_headers_only(replica):
    conn = http.client.HTTPConnection("127.0.0.1", replica.port, timeout=10)
    conn.request("HEAD", "http://www.kmjn.gov.cn/")
    resp = conn.getresponse()
    assert resp.status == 200 and int(resp.getheader("Content-Length")) > 0 and resp.read() == b""
    conn.close()


def test_origin_form_with_host_header_is_accepted(replica):
    conn = http.client.HTTPConnection("127.0.0.1", replica.port, timeout=10)
    conn.request("GET", "/zwgk/zfxxgknb/index_1.html", headers={"Host": "www.kmjn.gov.cn"})
    resp = conn.getresponse()
    assert resp.status == 200 and "t20190320_3794102" in resp.read().decode()
    conn.close()


def test_unknown_path_is_a_realistic_404(opener):
    status, headers, body = fetch(opener, "http://www.kmjn.gov.cn/no/such/page.html")
    assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "页面不存在" in body.decode() and "网站标识码" in body.decode()


@pytest.mark.parametrize("host", ["jirczwfw.sd.gov.cn", "www.example.gov.cn"])
def test_unknown_and_dead_hosts_answer_502(opener, host):
    assert fetch(opener, f"http://{host}/")[0] == 502


def test_connect_answers_502(replica):
    conn = http.client.HTTPConnection("127.0.0.1", replica.port, timeout=10)
    conn.request("CONNECT", "www.kmjn.gov.cn:443")
    assert conn.getresponse().status == 502
    conn.close()


def test_log_records_each_request(opener, replica):
    fetch(opener, "http://www.gangzha.gov.cn/?log-probe", headers={"User-Agent": "govcrawl-test"})
    entry = next(e for e in reversed(replica.log) if e["url"].endswith("?log-probe"))
    assert entry["method"] == "GET" and entry["status"] == 200
    assert entry["user_agent"] == "govcrawl-test" and entry["bytes"] > 0 and entry["time"]


def test_seeds_cli_writes_every_portal_and_the_dead_one(tmp_path):
    out = tmp_path / "seeds.csv"
    assert replica_main(["seeds", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["division_code", "province", "prefecture", "name", "level", "portal_url"]
    assert rows[0] == {
        "division_code": "530115",
        "province": "云南省",
        "prefecture": "昆明市",
        "name": "晋宁区",
        "level": "county",
        "portal_url": "http://www.kmjn.gov.cn/",
    }
    assert "http://jirczwfw.sd.gov.cn/" in {r["portal_url"] for r in rows}


def test_truth_cli_writes_json(tmp_path, truth):
    out = tmp_path / "truth.json"
    assert replica_main(["truth", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == truth


def test_serve_cli_announces_serves_and_logs(tmp_path):
    log = tmp_path / "log.jsonl"
    # The replica is a development package under tests/, not installed: it is found on PYTHONPATH.
    dev_path = str(Path(replica_main.__code__.co_filename).parents[1])
    env = {**os.environ, "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "", "PYTHONPATH": dev_path}
    proc = subprocess.Popen(
        [sys.executable, "-m", "replica", "serve", "--port", "0", "--log", str(log)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        assert re.fullmatch(r"REPLICA http://127\.0\.0\.1:\d+\n", line)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": line.split()[1]}))
        assert fetch(opener, "http://www.xinping.gov.cn/")[0] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    entries = [json.loads(x) for x in Path(log).read_text(encoding="utf-8").splitlines()]
    assert [e["url"] for e in entries] == ["http://www.xinping.gov.cn/"]


@pytest.mark.browser
def test_chromium_sees_the_js_built_list(replica, truth):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            proxy={"server": replica.proxy_url},
            args=[
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page()
            page.goto("http://www.xinping.gov.cn/xxgk/zfxxgknb/index.html")
            page.wait_for_selector("#list li a", timeout=5000)
            hrefs = [a.get_attribute("href") for a in page.query_selector_all("#list li a")]
        finally:
            browser.close()
    assert urllib.parse.urlsplit(truth["portals"][2]["reports"][0]["page_url"]).path in hrefs
