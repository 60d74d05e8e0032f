"""The scope guard and the per-portal budgets (govcrawl/discover/guard.py).

First the pure decisions: every spelling of an address, local names, hosts files, budgets. Then
real crawls (``scrapy crawl county`` subprocesses through the replica proxy, which logs every
request it receives): the hostile portal of ``replica.families.hostile``, whose pages
link and redirect to private, loopback, link-local and local addresses, other schemes and
unrelated sites, crawled into SQLite and PostgreSQL; and portals with long lists under a small
page or time budget beside a short one.
"""

from __future__ import annotations

import csv
import ipaddress
import json
import random
import subprocess
import sys
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from conftest import BACKENDS, _fresh_postgres
from govcrawl.discover.scope import (
    first_unsafe_address,
    in_scope,
    ipv4_literal,
    on_government_sites,
    url_refusal,
)
from govcrawl.fetch.guard import budget_refusal, parse_hosts, system_addresses
from govcrawl.settings import _skip_heavy_resources
from replica.chrome import Skin
from replica.families import hostile
from replica.generate import report_blocks
from replica.harness import archived_reports, crawl_env, run_crawl, write_seeds
from replica.model import Conditions, Item, Portal
from replica.scorecard import score
from replica.server import ReplicaServer
from replica.web import build_web

# -- the pure decisions ------------------------------------------------------------------------------

REFUSED = {
    "http://10.1.2.3/": "private_address",
    "http://172.16.0.1/": "private_address",
    "http://192.168.1.1/": "private_address",
    "http://127.0.0.1:8080/x": "private_address",
    "http://169.254.169.254/latest/meta-data/": "private_address",
    "http://100.64.0.1/": "private_address",  # carrier-grade NAT
    "http://0.0.0.0/": "private_address",
    "http://0/": "private_address",
    "http://224.0.0.1/": "private_address",  # multicast
    "http://2130706433/": "private_address",  # decimal
    "http://0x7f.1/": "private_address",  # hex, two parts
    "http://0X7F000001/": "private_address",
    "http://017700000001/": "private_address",  # octal
    "http://0177.0.0.1/": "private_address",
    "http://127.1/": "private_address",
    "http://10.1.2.3./": "private_address",  # a final dot
    "http://%31%30.0.0.1/": "private_address",  # percent-encoded
    "http://[::1]/": "private_address",
    "http://[::]/": "private_address",
    "http://[fc00::1]/": "private_address",
    "http://[fd12:3456::1]/": "private_address",
    "http://[fe80::1%25eth0]/": "private_address",
    "http://[::ffff:127.0.0.1]/": "private_address",  # IPv4-mapped
    "http://[::ffff:a01:203]/": "private_address",  # IPv4-mapped 10.1.2.3, hex
    "http://[2002:a01:203::]/": "private_address",  # 6to4 of 10.1.2.3
    "http://[ff02::1]/": "private_address",
    "http://localhost/": "local_name",
    "http://LOCALHOST./": "local_name",
    "http://intranet.localhost/": "local_name",
    "http://printer.local/": "local_name",
    "http://git.corp.internal/": "local_name",
    "http://router.home.arpa/": "local_name",
    "file:///etc/passwd": "scheme",
    "ftp://ftp.kmjn.gov.cn/a.pdf": "scheme",
    "javascript:void(0)": "scheme",
    "gopher://www.kmjn.gov.cn/": "scheme",
    "data:text/html,x": "scheme",
    "http:///nohost": "bad_host",
    "http://1.2.3.4.5/": "bad_host",
    "http://256.1.1.1/": "bad_host",
    "http://4294967296/": "bad_host",
    "http://[::1/": "bad_host",
    "http://[fe80::zz]/": "bad_host",
    "http://www.kmjn.gov.cn:0/": "bad_host",
    "http://www.kmjn.gov.cn:99999/": "bad_host",
    "http://a%20b.gov.cn/": "bad_host",
}

ALLOWED = (
    "http://www.kmjn.gov.cn/zwgk/index.html",
    "https://www.kmjn.gov.cn:8443/a.pdf",
    "HTTP://WWW.KMJN.GOV.CN/",
    "http://1.2.4.8/",
    "http://[2400:3200::1]/",
    "http://www.1e100.net/",
    "http://政府.gov.cn/",
)


@pytest.mark.parametrize(("url", "reason"), REFUSED.items(), ids=list(REFUSED))
def test_url_refusal_names_the_reason(url: str, reason: str) -> None:
    assert url_refusal(url) == reason
    assert not in_scope(url, "www.kmjn.gov.cn")


@pytest.mark.parametrize("url", ALLOWED)
def test_public_urls_pass(url: str) -> None:
    assert url_refusal(url) is None


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("10.258", "10.0.1.2"),
        ("192.168.0x1.010", "192.168.1.8"),
        ("0xffffffff", "255.255.255.255"),
        ("1.2.4.8", "1.2.4.8"),
    ],
)
def test_ipv4_literal_reads_every_resolver_spelling(host: str, address: str) -> None:
    assert ipv4_literal(host) == ipaddress.IPv4Address(address)


@pytest.mark.parametrize("host", ["www.kmjn.gov.cn", "1.2.3.4.5", "256.0.0.1", "08", "0x1g", "1..2"])
def test_ipv4_literal_rejects_what_is_no_address(host: str) -> None:
    assert ipv4_literal(host) is None


def test_one_unsafe_address_of_a_name_is_enough() -> None:
    assert first_unsafe_address(["1.2.4.8", "192.168.3.4"]) == "192.168.3.4"
    assert first_unsafe_address(["1.2.4.8", "2400:3200::1"]) is None
    assert first_unsafe_address(["::ffff:10.0.0.1"]) == "::ffff:10.0.0.1"
    assert first_unsafe_address(["fe80::1%eth0"]) == "fe80::1%eth0"
    assert first_unsafe_address(["not-an-address"]) == "not-an-address"


def test_a_portals_crawl_stays_on_government_sites() -> None:
    portal = "www.kmjn.gov.cn"
    assert on_government_sites("http://xxgk.kmjn.gov.cn/a", portal)
    assert on_government_sites("http://zfxxgk.km.gov.cn/a", portal)  # a disclosure platform elsewhere
    assert on_government_sites("http://www.docwenku.net/p-1.html", portal)  # a known aggregator
    assert not on_government_sites("http://www.shop-example.com/", portal)
    assert not on_government_sites("http://gov.cn.evil.com/", portal)
    assert not on_government_sites("http://10.1.2.3/", portal)


def test_hosts_file_parses_like_etc_hosts() -> None:
    pinned = parse_hosts(
        "# comment\n"
        "10.20.30.40  oa.fxscope.gov.cn  OA   # trailing comment\n"
        "\n"
        "fd00::7\tfiles.fxscope.gov.cn\n"
        "1.2.4.8 cdn.fxscope.gov.cn\n"
        "192.168.3.4 cdn.fxscope.gov.cn.\n"
        "1.2.4.8 cdn.fxscope.gov.cn\n"
    )
    assert pinned == {
        "oa.fxscope.gov.cn": ("10.20.30.40",),
        "oa": ("10.20.30.40",),
        "files.fxscope.gov.cn": ("fd00::7",),
        "cdn.fxscope.gov.cn": ("1.2.4.8", "192.168.3.4"),
    }


def test_hosts_file_with_a_bad_line_is_an_error() -> None:
    with pytest.raises(ValueError, match="line 2"):
        parse_hosts("1.2.4.8 a.gov.cn\nwww.a.gov.cn 1.2.4.8\n")


def test_system_resolver_answers_localhost_with_loopback() -> None:
    # localhost is answered from the hosts database: no query leaves the machine.
    addresses = system_addresses("localhost")
    assert addresses and first_unsafe_address(addresses) is not None


# The guard's resolver on the crawl's reactor: concurrent lookups of a host share one system
# lookup, later ones come from the cache, pinned names never reach the system resolver.
_RESOLVER_RUN = """
import asyncio, json
from twisted.internet import asyncioreactor
asyncioreactor.install()
from twisted.internet import defer, reactor
from govcrawl.fetch.guard import Resolver

async def main():
    resolver = Resolver({"oa.fxscope.gov.cn": ("10.20.30.40",)}, system=True, timeout=5)
    first = await asyncio.gather(*(resolver.addresses("localhost") for _ in range(5)))
    again = await resolver.addresses("localhost")
    pinned = await resolver.addresses("oa.fxscope.gov.cn")
    offline = await Resolver({}, system=False, timeout=5).addresses("localhost")
    return {"first": first, "again": again, "pinned": pinned, "offline": offline, "lookups": resolver.lookups}

def run():
    done = defer.Deferred.fromFuture(asyncio.ensure_future(main()))
    done.addCallback(lambda result: print(json.dumps(result)))
    done.addBoth(lambda _: reactor.stop())

reactor.callWhenRunning(run)
reactor.run()
"""


def test_resolver_looks_each_host_up_once() -> None:
    done = subprocess.run([sys.executable, "-c", _RESOLVER_RUN], capture_output=True, text=True, timeout=60)
    result = json.loads(done.stdout)
    loopback = result["again"]
    assert loopback and "127.0.0.1" in loopback
    assert result["first"] == [loopback] * 5
    assert result["lookups"] == 1
    assert result["pinned"] == ["10.20.30.40"]
    assert result["offline"] is None


@pytest.mark.parametrize(
    ("requests", "elapsed", "max_pages", "max_seconds", "reason"),
    [
        (1999, 10.0, 2000, 1800.0, None),
        (2000, 10.0, 2000, 1800.0, "budget_pages"),
        (5, 1800.0, 2000, 1800.0, "budget_time"),
        (10**6, 10**6, 0, 0.0, None),  # 0: no limit
        (3, 1.0, 3, 0.5, "budget_pages"),
    ],
)
def test_budget_refusal(
    requests: int, elapsed: float, max_pages: int, max_seconds: float, reason: str | None
) -> None:
    assert budget_refusal(requests, elapsed, max_pages, max_seconds) == reason


@dataclass(frozen=True)
class _ChromiumRequest:
    url: str
    resource_type: str = "script"


def test_chromium_requests_follow_the_guards_url_rules() -> None:
    assert _skip_heavy_resources(_ChromiumRequest("http://10.1.2.3/app.js"))
    assert _skip_heavy_resources(_ChromiumRequest("http://2130706433/x"))
    assert _skip_heavy_resources(_ChromiumRequest("http://www.kmjn.gov.cn/logo.png", "image"))
    assert not _skip_heavy_resources(_ChromiumRequest("http://www.kmjn.gov.cn/jpage.js"))


# -- a real crawl of the hostile portal --------------------------------------------------------------


@dataclass
class Crawl:
    exit_code: int
    log: str
    truth: dict[str, Any]
    requests: list[dict[str, Any]]
    errors: list[tuple[str, str, str, str | None]]  # url, kind, message, portal code
    stats: dict[str, Any]
    reports: list[dict[str, Any]]

    def requested(self, host: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if _host(r["url"]) == host]


def _host(url: str) -> str | None:
    return urllib.parse.urlsplit(url).hostname


def _crawl(server: ReplicaServer, tmp: Path, url: str, extra_seeds=(), **env: str) -> Crawl:
    first = len(server.log)
    seeds = write_seeds(server, tmp / "seeds.csv")
    with open(seeds, "a", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        for code, name, portal_url in extra_seeds:  # the columns of SEED_COLUMNS
            writer.writerow((code, "云南省", "昆明市", name, "county", portal_url))
    code, _, _ = run_crawl(seeds, crawl_env(server.proxy_url, url) | env, tmp / "crawl.log")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            errors = [
                tuple(r)
                for r in conn.execute(text("select url, kind, message, portal_code from fetch_errors"))
            ]
            stats = conn.execute(text("select stats from crawl_runs order by id desc")).scalar()
    finally:
        engine.dispose()
    return Crawl(
        code,
        (tmp / "crawl.log").read_text(encoding="utf-8"),
        server.truth(),
        server.log[first:],
        errors,
        json.loads(stats) if isinstance(stats, str) else stats,
        archived_reports(url),
    )


@pytest.fixture(scope="module")
def hostile_replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(web=build_web([hostile.portal()], aggregators=(), dead=())) as server:
        yield server


@pytest.fixture(scope="module", params=BACKENDS)
def scope_crawl(request, hostile_replica: ReplicaServer, tmp_path_factory) -> Iterator[Crawl]:
    tmp = tmp_path_factory.mktemp(f"scope-{request.param}")
    hosts = tmp / "hosts"
    hosts.write_text(hostile.hosts_file_text(), encoding="utf-8")
    env = {"GOVCRAWL_HOSTS_FILE": str(hosts)}
    if request.param == "sqlite":
        yield _crawl(
            hostile_replica, tmp, f"sqlite:///{tmp / 'archive.sqlite3'}", hostile.ADDRESS_SEEDS, **env
        )
    else:
        with _fresh_postgres() as url:
            yield _crawl(hostile_replica, tmp, url, hostile.ADDRESS_SEEDS, **env)


@pytest.mark.crawl
def test_scope_crawl_exits_cleanly(scope_crawl: Crawl) -> None:
    assert scope_crawl.exit_code == 0
    assert "Traceback" not in scope_crawl.log


@pytest.mark.crawl
def test_no_hostile_url_was_ever_requested(scope_crawl: Crawl) -> None:
    requested = {r["url"] for r in scope_crawl.requests}
    assert requested, "the crawl reached the replica"
    assert not requested & hostile.HOSTILE_URLS
    # Only the portal's own host reached the proxy: no private name, address, or other site.
    assert {_host(u) for u in requested} == {hostile.HOST}
    # Nothing went out another way (file:, ftp: handlers) either: every download is in the proxy's log.
    assert scope_crawl.stats["downloader/request_count"] == len(scope_crawl.requests)


@pytest.mark.crawl
def test_report_pages_redirecting_to_forbidden_places_were_fetched(scope_crawl: Crawl) -> None:
    redirected = {r["url"] for r in scope_crawl.requests if r["status"] == 302}
    assert redirected == hostile.REDIRECTING_PAGES


@pytest.mark.crawl
def test_guard_refusals_are_recorded_with_their_kind(scope_crawl: Crawl) -> None:
    recorded = {url: (kind, message.split(":", 1)[0]) for url, kind, message, _ in scope_crawl.errors}
    assert {url: recorded.get(url) for url in hostile.GUARD_REFUSALS} == {
        url: ("OutOfScope", reason) for url, reason in hostile.GUARD_REFUSALS.items()
    }


@pytest.mark.crawl
def test_guard_refusals_are_counted_in_stats(scope_crawl: Crawl) -> None:
    counted = {
        k.rsplit("/", 1)[1]: v for k, v in scope_crawl.stats.items() if k.startswith("govcrawl/refused/")
    }
    assert counted == dict(Counter(hostile.GUARD_REFUSALS.values()))


@pytest.mark.crawl
def test_real_reports_beside_the_hostile_links_are_archived(scope_crawl: Crawl) -> None:
    card = score(scope_crawl.truth, scope_crawl.reports)
    assert card.expected_urls and card.missing == set()
    assert card.extra == set()


# -- budgets -----------------------------------------------------------------------------------------

_rng = random.Random(5)


def _static_portal(host: str, code: str, name: str, reports: int, **options: Any) -> Portal:
    skin = Skin(
        site_name=f"{name}人民政府", site_code=f"{code}0001", icp="ICP备05000000号", police=f"公网安备 {code}02000001号",
        nav=(("首页", "/"), ("政务公开", "/zwgk/index.html")), css_prefix="bg",
    )  # fmt: skip
    items = tuple(
        Item(
            n, f"{name}人民政府{2023 - n // 2}年政府信息公开工作年度报告（{n}）", f"{2024 - n // 2}-01-2{n % 8}",
            blocks=report_blocks(f"{name}人民政府", 2023 - n // 2, _rng), year=2023 - n // 2,
        )
        for n in range(1, reports + 1)
    )  # fmt: skip
    return Portal(host, code, "河南省", "郑州市", name, "county", "static", skin, "政府信息公开年度报告", items,
                  {"per_page": 2, **options})  # fmt: skip


LONG = _static_portal("www.fxlong.gov.cn", "410103", "二七区", 16)
SLOW = _static_portal("www.fxslowlist.gov.cn", "410104", "管城回族区", 12, conditions=Conditions(delay=1.5))
SHORT = _static_portal("www.fxshort.gov.cn", "410105", "金水区", 2)
#: The page budget: more than the short portal needs, far less than the long one's.
PAGE_BUDGET = 8
#: The time budget: the short portal is done well within it; the slow one (1.5 s an answer, six
#: list pages one after the other) needs more than twice as long.
TIME_BUDGET = 6


def _portal_truth(crawl: Crawl, portal: Portal) -> dict[str, Any]:
    (truth,) = [p for p in crawl.truth["portals"] if p["host"] == portal.host]
    return truth


def _archived(crawl: Crawl, portal: Portal) -> set[str]:
    return {u for r in crawl.reports for u in r["source_urls"] if _host(u) == portal.host}


def _budget_errors(crawl: Crawl, portal: Portal) -> list[str]:
    return [
        message
        for url, kind, message, _ in crawl.errors
        if kind == "BudgetExceeded" and _host(url) == portal.host
    ]


def _budget_crawl(portals: list[Portal], tmp: Path, **env: str) -> Crawl:
    with ReplicaServer(web=build_web(portals, aggregators=(), dead=())) as server:
        return _crawl(server, tmp, f"sqlite:///{tmp / 'archive.sqlite3'}", **env)


@pytest.fixture(scope="module")
def page_budget_crawl(tmp_path_factory) -> Crawl:
    tmp = tmp_path_factory.mktemp("page-budget")
    return _budget_crawl(
        [LONG, SHORT], tmp, GOVCRAWL_PORTAL_MAX_PAGES=str(PAGE_BUDGET), GOVCRAWL_PORTAL_MAX_SECONDS="0"
    )


@pytest.fixture(scope="module")
def time_budget_crawl(tmp_path_factory) -> Crawl:
    tmp = tmp_path_factory.mktemp("time-budget")
    return _budget_crawl(
        [SLOW, SHORT], tmp, GOVCRAWL_PORTAL_MAX_PAGES="0", GOVCRAWL_PORTAL_MAX_SECONDS=str(TIME_BUDGET)
    )


@pytest.mark.crawl
def test_page_budget_stops_the_long_portal_at_the_budget(page_budget_crawl: Crawl) -> None:
    crawl = page_budget_crawl
    assert crawl.exit_code == 0 and "Traceback" not in crawl.log
    pages = [r for r in crawl.requested(LONG.host) if not r["url"].endswith("/robots.txt")]
    assert len(pages) == PAGE_BUDGET
    refused = _budget_errors(crawl, LONG)
    assert refused and all(m.startswith("budget_pages:") for m in refused)
    assert crawl.stats["govcrawl/refused/budget_pages"] == len(refused)
    assert crawl.log.count(f"{LONG.homepage} has spent its budget of {PAGE_BUDGET} requests") == 1
    assert 0 < len(_archived(crawl, LONG)) < len(_portal_truth(crawl, LONG)["reports"])


@pytest.mark.crawl
def test_page_budget_leaves_other_portals_alone(page_budget_crawl: Crawl) -> None:
    crawl = page_budget_crawl
    expected = {r["url"] for r in _portal_truth(crawl, SHORT)["reports"]}
    assert _archived(crawl, SHORT) == expected
    assert not _budget_errors(crawl, SHORT)
    assert f"{SHORT.homepage} has spent its budget" not in crawl.log


@pytest.mark.crawl
def test_time_budget_stops_the_slow_portal(time_budget_crawl: Crawl) -> None:
    crawl = time_budget_crawl
    assert crawl.exit_code == 0 and "Traceback" not in crawl.log
    refused = _budget_errors(crawl, SLOW)
    assert refused and all(m.startswith("budget_time:") for m in refused)
    assert crawl.log.count(f"{SLOW.homepage} has spent its budget of {TIME_BUDGET} s") == 1
    assert len(_archived(crawl, SLOW)) < len(_portal_truth(crawl, SLOW)["reports"])


@pytest.mark.crawl
def test_time_budget_leaves_a_fast_portal_alone(time_budget_crawl: Crawl) -> None:
    crawl = time_budget_crawl
    assert _archived(crawl, SHORT) == {r["url"] for r in _portal_truth(crawl, SHORT)["reports"]}
    assert not _budget_errors(crawl, SHORT)
