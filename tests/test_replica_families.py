"""The family web through its proxy: every CMS family's URL shapes and every misbehaving host,
fetched over real HTTP on 127.0.0.1; the generator's determinism and distinct reports."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from replica.fixtures import FAMILY_DEAD, FAMILY_PORTALS, family_web
from replica.generate import generate_portals
from replica.server import ReplicaServer


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer(web=family_web()) as server:
        yield server


@pytest.fixture(scope="module")
def opener(replica):
    return urllib.request.build_opener(urllib.request.ProxyHandler({"http": replica.proxy_url}))


@pytest.fixture(scope="module")
def truth(replica):
    return {p["host"]: p for p in replica.truth()["portals"]}


def fetch(opener, url: str, headers: dict | None = None):
    """(status, headers, body) through the proxy; HTTP errors are answers too."""
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def raw(replica, url: str, headers: dict | None = None) -> http.client.HTTPResponse:
    """One request without following redirects."""
    conn = http.client.HTTPConnection("127.0.0.1", replica.port, timeout=10)
    conn.request("GET", url, headers=headers or {})
    return conn.getresponse()


def test_every_fixture_portal_has_ground_truth(truth) -> None:
    assert set(truth) == {p.host for p in FAMILY_PORTALS}
    working = [p for p in truth.values() if p["failure"] is None]
    assert all(p["reports"] for p in working)
    assert {p["failure"] for p in truth.values()} == {None, "robots", "soft404", "no_column", "empty_column"}


@pytest.mark.parametrize(
    ("host", "shape"),
    [
        ("www.fxtrs.gov.cn", r"/zwgk/zfxxgknb/2023n/202301/t20230125_9101.html"),
        ("www.fxtongguan.gov.cn", "/openness/OpennessAnnualReport/show/9701.html"),
        ("www.fxqingyuan.gov.cn", "/content/post_9601.html"),
        ("www.fxboda.gov.cn", "/info/1093/10101.htm"),
        ("www.fxjian.gov.cn", "/Item/10201.aspx"),
        ("www.fxzoucheng.gov.cn", "/module/xxgk/xxgkAnnualReport.jsp?area="),
    ],
)
def test_family_url_shapes(truth, host: str, shape: str) -> None:
    assert any(shape in r["url"] for r in truth[host]["reports"]), [r["url"] for r in truth[host]["reports"]]


def test_jiangxi_articles_have_uuid_paths(truth) -> None:
    (path,) = {urllib.parse.urlsplit(r["page_url"]).path.split("/")[-1] for r in truth["www.fxyichun.gov.cn"]["reports"] if r["format"] == "html"}
    assert path.endswith(".shtml") and len(path.removesuffix(".shtml")) == 32


def test_beijing_style_column_lives_on_another_domain(opener, truth) -> None:
    column = truth["www.fxchaoyang.gov.cn"]["column_url"]
    assert column == "http://zfxxgk.fxbeijing.gov.cn/110105/zfxxgknb/list.shtml"
    status, _, body = fetch(opener, "http://www.fxchaoyang.gov.cn/")
    assert status == 200 and b"http://zfxxgk.fxbeijing.gov.cn/110105/index.shtml" in body
    assert fetch(opener, column)[0] == 200


def test_gbk_page_with_charset_header(opener) -> None:
    status, headers, body = fetch(opener, "http://www.fxtrs.gov.cn/zwgk/index.html")
    assert headers["Content-Type"] == "text/html; charset=gbk"
    assert "政府信息公开" in body.decode("gbk") and b'<meta charset="gbk">' in body


def test_gb2312_page_declared_only_in_meta(opener) -> None:
    status, headers, body = fetch(opener, "http://www.fxunits.gov.cn/ztzl/index.html")
    assert status == 200 and headers["Content-Type"] == "text/html"
    assert b'<meta charset="gb2312">' in body and "专题专栏" in body.decode("gb2312")


def test_challenge_answers_412_without_the_cookie_and_the_page_with_it(replica) -> None:
    first = raw(replica, "http://www.fxshield.gov.cn/")
    page = first.read().decode()
    assert first.status == 412 and "document.cookie" in page and "location.reload()" in page
    token = page.split("rs_token=")[1].split(";")[0]
    again = raw(replica, "http://www.fxshield.gov.cn/", {"Cookie": f"rs_token={token}"})
    assert again.status == 200 and "昆山市人民政府" in again.read().decode()


def test_soft_404_is_a_200(opener) -> None:
    status, _, body = fetch(opener, "http://www.fxsoft404.gov.cn/old/index.htm")
    assert status == 200 and "页面不存在" in body.decode()


def test_robots_disallows_the_column(opener) -> None:
    status, _, body = fetch(opener, "http://www.fxrobots.gov.cn/robots.txt")
    assert status == 200 and "Disallow: /zwgk/zfxxgknb/" in body.decode()


@pytest.mark.parametrize(
    ("host", "status", "squid"),
    [
        ("www.fxdns.gov.cn", 502, None),  # no such host: the proxy's plain 502
        ("www.fxrefused.gov.cn", 502, "ERR_CONNECT_FAIL 111"),
        ("www.fxtimeout.gov.cn", 504, "ERR_READ_TIMEOUT 0"),
    ],
)
def test_unreachable_hosts_answer_as_a_proxy_does(replica, host: str, status: int, squid: str) -> None:
    resp = raw(replica, f"http://{host}/")
    assert resp.status == status
    assert resp.getheader("X-Squid-Error") == squid


def test_redirect_loop(replica) -> None:
    first = raw(replica, "http://www.fxloop.gov.cn/")
    assert first.status == 302 and first.getheader("Location") == "http://www.fxloop.gov.cn/index.html"
    second = raw(replica, "http://www.fxloop.gov.cn/index.html")
    assert second.getheader("Location") == "http://www.fxloop.gov.cn/"


def test_slow_host_takes_its_time(opener) -> None:
    start = time.perf_counter()
    assert fetch(opener, "http://www.fxslow.gov.cn/")[0] == 200
    assert time.perf_counter() - start >= 1.0


def test_shell_homepage_only_redirects(opener) -> None:
    _, _, body = fetch(opener, "http://www.fxhanweb.gov.cn/")
    assert b"location.replace" in body and b"<a " not in body


def test_fujian_api_serves_the_rest_of_the_list(opener, truth) -> None:
    status, _, body = fetch(opener, "http://www.fxpingtan.gov.cn/fjdzapp/search?channelid=200210&chnlid=1813&page=2&pageSize=5")
    data = json.loads(body)
    assert status == 200 and data["total"] == 8 and len(data["docs"]) == 3
    _, _, column = fetch(opener, truth["www.fxpingtan.gov.cn"]["column_url"])
    assert data["docs"][0]["url"].encode() not in column  # only the API lists it


def test_script_written_attachment_has_no_anchor(opener, truth) -> None:
    (pdf,) = [r for r in truth["www.fxsub.gov.cn"]["reports"] if r["format"] == "pdf"]
    _, _, page = fetch(opener, pdf["page_url"])
    path = urllib.parse.urlsplit(pdf["url"]).path
    assert f"document.write('<a href=\"{path}\"".encode() in page


def test_dead_portals_in_truth_and_seeds(replica) -> None:
    dead = replica.truth()["dead_portals"]
    assert [d["failure"] for d in dead] == [d.cause for d in FAMILY_DEAD]
    seeds = {r["portal_url"] for r in replica.web.seed_rows()}
    assert "http://www.fxsoft404.gov.cn/old/index.htm" in seeds


def test_generator_is_deterministic_and_its_reports_distinct() -> None:
    a, b = generate_portals(40), generate_portals(40)
    assert [(p.host, p.family, p.options.get("per_page")) for p in a] == [(p.host, p.family, p.options.get("per_page")) for p in b]
    reports = [i for p in a for i in p.items if i.is_report]
    assert len({(i.title, repr(i.blocks)) for i in reports}) == len(reports)
    assert len({p.family for p in a}) >= 8
    years = [i.year for i in reports]
    assert min(years) >= 2008 and max(years) <= 2025
