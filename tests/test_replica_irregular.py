"""The irregular web through its proxy (no crawler): each shape's pages answer as the shape says,
over real HTTP on 127.0.0.1; the ground truth is exact; the generated web's irregular share."""

from __future__ import annotations

import socket
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, deque
from collections.abc import Callable, Iterator

import lxml.html
import pytest

from replica.families.irregular import FOUND_BY, MAP_PATH, SHAPES
from replica.fixtures import IRREGULAR_PORTALS, irregular_web
from replica.generate import IRREGULAR_SHARE, generate_portals, grow_portals
from replica.model import Request
from replica.server import ReplicaServer
from replica.web import build_web

REPORT_WORDS = ("年报", "年度报告")


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(web=irregular_web()) as server:
        yield server


@pytest.fixture(scope="module")
def opener(replica):
    return urllib.request.build_opener(urllib.request.ProxyHandler({"http": replica.proxy_url}))


@pytest.fixture(scope="module")
def truth(replica) -> dict[str, dict]:
    """Each fixture portal's truth entry by shape."""
    return {p["shape"]: p for p in replica.truth()["portals"]}


def fetch(opener, url: str) -> tuple[int, dict, bytes]:
    """(status, headers, body) through the proxy; HTTP errors are answers too."""
    try:
        with opener.open(url, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def page(opener, url: str) -> lxml.html.HtmlElement:
    status, _, body = fetch(opener, url)
    assert status == 200, url
    return lxml.html.fromstring(body.decode("utf-8"))


def _norm(url: str) -> str:
    url = url.split("#")[0]
    return url + "index.html" if urllib.parse.urlsplit(url).path.endswith("/") else url


def anchors(opener, url: str) -> list[tuple[str, str, str, str]]:
    """(text, absolute href, onclick, img alts) of every <a> on the page at ``url``."""
    out = []
    for a in page(opener, url).iter("a"):
        href = (a.get("href") or "").strip()
        absolute = href if href.startswith("javascript:") else _norm(urllib.parse.urljoin(url, href))
        alts = " ".join(img.get("alt") or "" for img in a.iter("img"))
        out.append((a.text_content().strip(), absolute, a.get("onclick") or "", alts))
    return out


def walk(opener, start: str, skip: Callable[[str], bool] = lambda url: False) -> dict[str, int]:
    """Link distance from ``start`` of every page of its host reachable by plain ``<a href>`` links."""
    host = urllib.parse.urlsplit(start).hostname
    dist = {_norm(start): 0}
    queue = deque(dist)
    while queue:
        url = queue.popleft()
        status, headers, body = fetch(opener, url)
        if status != 200 or not headers.get("Content-Type", "").startswith("text/html"):
            continue
        for a in lxml.html.fromstring(body.decode("utf-8")).iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")):
                continue
            target = _norm(urllib.parse.urljoin(url, href))
            if urllib.parse.urlsplit(target).hostname == host and target not in dist and not skip(target):
                dist[target] = dist[url] + 1
                queue.append(target)
    return dist


def column_articles(opener, column: str) -> set[str]:
    """The article links of a column, over every page of its 下一页 pager."""
    seen, found, url = set(), set(), column
    while url and url not in seen:
        seen.add(url)
        links = anchors(opener, url)
        found |= {h for t, h, _, _ in links if "/t2" in h or h.endswith((".pdf", ".docx"))}
        url = next((h for t, h, _, _ in links if t == "下一页"), None)
    return found


def has_report_word(text: str) -> bool:
    return any(w in text for w in REPORT_WORDS)


# -- every shape -------------------------------------------------------------------------------------


def test_one_portal_per_shape_each_a_real_county_of_its_own_province(truth) -> None:
    assert set(truth) == set(SHAPES) and len(IRREGULAR_PORTALS) == len(SHAPES)
    assert {s: p["found_by"] for s, p in truth.items()} == FOUND_BY
    assert len({p.province for p in IRREGULAR_PORTALS}) == len(SHAPES)
    assert len({p.division_code for p in IRREGULAR_PORTALS}) == len(SHAPES)
    assert all(p["failure"] is None and not p["needs_browser"] for p in truth.values())


def test_every_report_and_non_report_answers(opener, truth) -> None:
    for portal in truth.values():
        assert len(portal["non_reports"]) >= 2, portal["host"]
        for url in [u for r in portal["reports"] for u in (r["url"], r["page_url"])] + portal["non_reports"]:
            assert fetch(opener, url)[0] == 200, url


def test_columns_list_every_report_and_non_reports(opener, truth) -> None:
    for portal in truth.values():
        listed = set().union(*(column_articles(opener, c) for c in portal["columns"]))
        assert {r["page_url"] for r in portal["reports"]} <= listed, portal["host"]
        assert len(listed & set(portal["non_reports"])) >= 2, portal["host"]
        assert portal["column_url"] == portal["columns"][0]


# -- deep --------------------------------------------------------------------------------------------


def test_deep_column_only_from_inner_pages_three_links_in(opener, truth) -> None:
    portal = truth["deep"]
    home, column = portal["homepage"], portal["column_url"]
    gk = "http://www.irdeep.gov.cn/zfxxgk/index.html"
    for url in (home, gk):
        links = anchors(opener, url)
        assert not [a for a in links if has_report_word(a[0] + a[3])], url
        assert column not in {h for _, h, _, _ in links}
    for inner in ("http://www.irdeep.gov.cn/zfxxgk/zn/index.html", "http://www.irdeep.gov.cn/zfxxgk/ml/index.html"):
        assert (portal_column_title(portal), column) in {(t, h) for t, h, _, _ in anchors(opener, inner)}
    assert walk(opener, home)[column] == 3


def portal_column_title(portal: dict) -> str:
    return next(p.column_title for p in IRREGULAR_PORTALS if p.host == portal["host"])


# -- scripted_nav ------------------------------------------------------------------------------------


def test_scripted_nav_is_script_and_images(opener, truth) -> None:
    portal = truth["scripted_nav"]
    home = anchors(opener, portal["homepage"])
    nav = page(opener, portal["homepage"]).xpath('//div[@class="menu_base"]//a')
    assert [a.text for a in nav] == ["首页", "信息公开", "政务服务", "互动交流"]
    assert {a.get("href").split("(")[0] for a in nav} == {"javascript:void", "javascript:openUrl"}
    onclicks = " ".join(a.get("onclick") or "" for a in nav)
    assert "location.href='/xxgk/'" in onclicks and "window.open('/zwfw/index.html')" in onclicks
    assert ("", "http://www.irscript.gov.cn/xxgk/index.html", "", "政务公开") in home


def test_scripted_nav_column_linked_by_an_image_only(opener, truth) -> None:
    portal = truth["scripted_nav"]
    gk = anchors(opener, "http://www.irscript.gov.cn/xxgk/index.html")
    to_column = [a for a in gk if a[1] == portal["column_url"]]
    assert to_column == [("", portal["column_url"], "", "年度报告")]
    assert not [a for a in gk if has_report_word(a[0])]


# -- crowded -----------------------------------------------------------------------------------------


def test_crowded_column_among_hundreds_not_in_the_nav(opener, truth) -> None:
    portal = truth["crowded"]
    column = portal["column_url"]
    for url in (portal["homepage"], "http://www.ircrowd.gov.cn/xxgk/index.html"):
        links = anchors(opener, url)
        columns = {h for _, h, _, _ in links if "/col/col" in h}
        assert len(columns) >= 300 and column in {h for _, h, _, _ in links}
        texts = {t for t, _, _, _ in links}
        assert {"财政预决算公开", "统计公报", "审计报告", "法治政府建设年度报告", "县财政局审计报告"} <= texts
    nav = page(opener, portal["homepage"]).xpath('//div[@class="menu_base"]//a/@href')
    assert column not in {_norm(urllib.parse.urljoin(portal["homepage"], h)) for h in nav}
    lookalikes = [u for u in portal["non_reports"] if "/col/col" in u]
    assert len(lookalikes) == 2


# -- sitemap_only ------------------------------------------------------------------------------------


def test_sitemap_only_column_named_by_the_site_map_alone(opener, truth) -> None:
    portal = truth["sitemap_only"]
    home, column = portal["homepage"], portal["column_url"]
    site_map = f"http://www.irmap.gov.cn{MAP_PATH}index.html"
    assert ("网站地图", site_map, "", "") in anchors(opener, home)
    assert column in {h for _, h, _, _ in anchors(opener, site_map)}
    status, headers, body = fetch(opener, "http://www.irmap.gov.cn/sitemap.xml")
    assert status == 200 and headers["Content-Type"].startswith("text/xml")
    assert f"<loc>{column}</loc>".encode() in body
    assert column not in walk(opener, home, skip=lambda url: url.startswith(site_map))
    assert walk(opener, home)[column] == 2


def test_other_shapes_have_no_sitemap_xml_and_a_short_site_map(opener, truth) -> None:
    for shape in ("deep", "search_only"):
        host = urllib.parse.urlsplit(truth[shape]["homepage"]).hostname
        assert fetch(opener, f"http://{host}/sitemap.xml")[0] == 404
        links = {h for _, h, _, _ in anchors(opener, f"http://{host}{MAP_PATH}index.html")}
        assert truth[shape]["column_url"] not in links


# -- search_only -------------------------------------------------------------------------------------


def search(opener, q: str, path: str = "/search") -> list[list[tuple[str, str]]]:
    """Every result page of ``q``: (title, link) of its results, following 下一页."""
    url = f"http://www.irsearch.gov.cn{path}?{urllib.parse.urlencode({'q': q})}"
    pages = []
    while url:
        root = page(opener, url)
        results = [(a.text_content().strip(), _norm(urllib.parse.urljoin(url, a.get("href")))) for a in root.xpath('//ul[@class="result-list"]/li/a')]
        pages.append(results)
        nxt = root.xpath('//div[@class="new-page"]/a[text()="下一页"]/@href')
        url = urllib.parse.urljoin(url, nxt[0]) if nxt else None
    return pages


def test_search_only_column_linked_from_nowhere(opener, truth) -> None:
    portal = truth["search_only"]
    home = page(opener, portal["homepage"])
    (form,) = [f for f in home.iter("form") if f.get("action") == "/search"]
    assert form.get("method") == "get" and form.xpath('.//input[@name="q"]')
    assert portal["column_url"] not in walk(opener, portal["homepage"])


@pytest.mark.parametrize("q", ["年度报告", "年报"])
def test_search_lists_the_reports_ten_a_page(opener, truth, q: str) -> None:
    portal = truth["search_only"]
    pages = search(opener, q)
    assert [len(p) for p in pages] == [10, 1]
    found = {link for results in pages for _, link in results}
    assert {r["page_url"] for r in portal["reports"]} <= found
    assert len(found - {r["page_url"] for r in portal["reports"]}) == 2  # the 编制 notice and a 法治政府 report


def test_search_results_lead_to_the_column(opener, truth) -> None:
    portal = truth["search_only"]
    assert search(opener, "年度报告", "/search/") == search(opener, "年度报告")
    assert search(opener, "不存在的词") == [[]]
    report = portal["reports"][0]["page_url"]
    crumbs = {h for t, h, _, _ in anchors(opener, report)}
    assert portal["column_url"] in crumbs


# -- department_platform -----------------------------------------------------------------------------


def test_platform_lists_units_each_with_its_own_column(opener, truth) -> None:
    portal = truth["department_platform"]
    gk = anchors(opener, "http://www.irunits.gov.cn/xxgk/index.html")
    assert ("部门信息公开", "http://www.irunits.gov.cn/bmxxgk/index.html", "", "") in gk
    assert portal["column_url"] in {h for _, h, _, _ in gk}
    root = page(opener, "http://www.irunits.gov.cn/bmxxgk/index.html")
    depts, towns = (b.xpath(".//a") for b in root.xpath('//div[@class="bm-block"]'))
    assert len(depts) >= 8 and len(towns) >= 3
    assert "县教育局" in [a.text for a in depts] and "永乐江镇" in [a.text for a in towns]
    units = [_norm(urllib.parse.urljoin("http://www.irunits.gov.cn/bmxxgk/index.html", a.get("href"))) for a in depts + towns]
    columns = [u.replace("index.html", "ndbg/index.html") for u in units]
    for unit, column in zip(units, columns, strict=True):
        assert column in {h for _, h, _, _ in anchors(opener, unit)}, unit
    assert portal["columns"] == [portal["column_url"], *columns]


def test_platform_truth_has_every_units_reports(opener, truth) -> None:
    portal = truth["department_platform"]
    by_title: dict[str, list[dict]] = {}
    for r in portal["reports"]:
        by_title.setdefault(r["title"], []).append(r)
    assert len(portal["reports"]) == 12
    in_units = [r for r in portal["reports"] if "/bmxxgk/" in r["url"]]
    # 7 units' columns: the 财政局's one report is filed in the 民政局's column.
    assert len({urllib.parse.urlsplit(r["url"]).path.split("/")[2] for r in in_units}) == 7
    assert all("人民政府" in r["title"] for r in in_units if r["url"].split("/")[4] in ("yljz", "apz", "lhz"))
    (misfiled,) = by_title["安仁县财政局2023年政府信息公开工作年度报告"]
    assert "/bmxxgk/mzj/ndbg/" in misfiled["url"]
    original, republished = sorted(by_title["安仁县教育局2022年政府信息公开工作年度报告"], key=lambda r: r["duplicate_of"] or "")
    assert original["duplicate_of"] is None and republished["duplicate_of"] == original["url"]
    assert "/xxgk/ndbg/" in republished["url"] and "/bmxxgk/jyj/ndbg/" in original["url"]
    assert fetch(opener, original["url"])[2] != b"" and fetch(opener, republished["url"])[0] == 200


def test_chinese_path_served_percent_encoded_and_raw(replica, opener, truth) -> None:
    portal = truth["department_platform"]
    (named,) = [r for r in portal["reports"] if "%E5%B9%B4" in r["url"]]
    assert named["url"] == "http://www.irunits.gov.cn/bmxxgk/jyj/ndbg/2023%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.pdf"
    status, headers, body = fetch(opener, named["url"])
    assert status == 200 and headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")
    raw = "GET http://www.irunits.gov.cn/bmxxgk/jyj/ndbg/2023年度报告.pdf HTTP/1.1\r\nHost: www.irunits.gov.cn\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", replica.port), timeout=10) as sock:
        sock.sendall(raw.encode("utf-8"))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200") and answer.split(b"\r\n\r\n", 1)[1] == body
    article = page(opener, named["page_url"])
    assert "/bmxxgk/jyj/ndbg/2023年度报告.pdf" in article.xpath("//a/@href")


# -- the generated web -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated():
    return generate_portals()


def test_generated_irregular_share_spread_over_the_shapes(generated) -> None:
    irregular = [p for p in generated if p.family == "irregular"]
    assert len(irregular) == round(len(generated) * IRREGULAR_SHARE)
    shapes = Counter(p.options["shape"] for p in irregular)
    assert set(shapes) == set(SHAPES) and max(shapes.values()) - min(shapes.values()) <= 1
    assert [(p.host, p.family, p.options) for p in generate_portals()] == [(p.host, p.family, p.options) for p in generated]
    for portal in irregular:
        assert sum(1 for i in portal.items if not i.is_report) >= 2, portal.host
        if portal.options["shape"] == "department_platform":
            units = [u for u, _ in (*portal.options["departments"], *portal.options["towns"])]
            assert 3 <= len(units) <= 6, portal.host
            assert all(any(i.source == u for i in portal.items if i.is_report) for u in units), portal.host


def _variants(portal) -> set[str]:
    """What an irregular portal exercises: its shape, how it links the column, its special options."""
    opt = portal.options
    found = {opt["shape"], *(k for k in ("misfiled", "named_files", "conditions") if k in opt)}
    return found | ({f"column_link={opt['column_link']}"} if "column_link" in opt else set())


def test_generated_irregular_variants_answer(generated) -> None:
    irregular = [p for p in generated if p.family == "irregular"]
    variants = set().union(*(_variants(p) for p in irregular))
    assert variants >= {*SHAPES, "column_link=image", "column_link=onclick", "column_link=tile", "misfiled", "named_files"}
    sample = {}
    for variant in sorted(variants):  # one portal of each variant
        portal = next(p for p in irregular if variant in _variants(p))
        sample[portal.host] = portal
    web = build_web(list(sample.values()), aggregators=(), dead=())
    for portal in web.truth()["portals"]:
        assert portal["reports"] and len(portal["non_reports"]) >= 2, portal["host"]
        for url in [u for r in portal["reports"] for u in (r["url"], r["page_url"])] + portal["non_reports"] + portal["columns"]:
            parts = urllib.parse.urlsplit(url)
            request = Request("GET", urllib.parse.unquote(parts.path), {}, {})
            assert web.respond(parts.hostname, request).status == 200, url


def test_grown_irregular_portals_keep_their_urls(generated) -> None:
    sample = [next(p for p in generated if p.options.get("shape") == s) for s in SHAPES]
    before = build_web(sample, aggregators=(), dead=()).truth()
    grown = grow_portals(sample, 0.5)
    after = build_web(grown, aggregators=(), dead=()).truth()
    assert after["distinct_reports"] > before["distinct_reports"]
    for old, new in zip(before["portals"], after["portals"], strict=True):
        assert {r["url"] for r in old["reports"]} <= {r["url"] for r in new["reports"]}, old["host"]
        assert old["columns"] == new["columns"]
