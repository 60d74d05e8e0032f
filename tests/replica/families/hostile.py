"""A portal whose pages point where a crawl must never go: the scope guard's proving ground.

The portal is a static CMS (``static.build``) whose 年报 column lists two real reports among links
titled like reports that lead to private, loopback and link-local addresses (``10.1.2.3``,
``127.0.0.1:8080``, ``[::1]``, ``169.254.169.254``, ``2130706433``), other schemes (``file:``,
``ftp:``, ``javascript:``), a ``*.localhost`` name, an unrelated commercial site, and hosts of its own
domain that :data:`PINNED` maps to private addresses (the test writes them to the guard's hosts
file). Report pages of its own host answer 302 to a private address, a hex-spelled loopback, a
``.localhost`` name, an off-site host and a ``file:`` URL. Its nav bar and sidebar link to intranet
addresses too. :data:`ADDRESS_SEEDS` are seed rows whose portal URL is itself an address.

:data:`HOSTILE_URLS` is every URL a crawl must never request; :data:`GUARD_REFUSALS` the ones the
spider does request (in scope by their text) that the guard must refuse, with the reason code.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from functools import cache

from replica.chrome import Skin
from replica.families import static
from replica.model import HTML, Handler, Item, Portal, PortalTruth, Response, Site
from replica.reports import report_blocks

HOST = "www.fxscope.gov.cn"

#: Names of the portal's domain as the guard's hosts file pins them (the portal's own host to a
#: global address, so pinned names pass when their addresses are global).
PINNED: Mapping[str, tuple[str, ...]] = {
    HOST: ("1.2.4.8",),
    "oa.fxscope.gov.cn": ("10.20.30.40",),
    "files.fxscope.gov.cn": ("fd00::7",),
    "cdn.fxscope.gov.cn": ("1.2.4.8", "192.168.3.4"),
}

#: Report-titled links of the column the spider's scope check drops (never a request).
_DROPPED = (
    "http://10.1.2.3/nb/2023.html",
    "http://127.0.0.1:8080/x",
    "http://[::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://2130706433/",
    "file:///etc/passwd",
    "ftp://ftp.fxscope.gov.cn/nb/2023.pdf",
    "javascript:openReport('2023')",
    "http://intranet.localhost/nb/2023.html",
    "http://www.shop-example.com/2023nb.html",
)
#: Report-titled links on hosts of the portal's own domain that resolve (per PINNED) to private addresses.
_PINNED_LINKS = {
    "http://oa.fxscope.gov.cn/nb/2022.html": "private_dns",
    "http://files.fxscope.gov.cn/nb/2021.pdf": "private_dns",
    "http://cdn.fxscope.gov.cn/nb/2020.html": "private_dns",
}
#: Report pages of the portal's host → where they redirect (302), and the guard's reason for the target.
_REDIRECTS = {
    "/zwgk/zfxxgknb/moved/1.html": ("http://10.0.0.1/nb/2019.html", "private_address"),
    "/zwgk/zfxxgknb/moved/2.html": ("http://0x7f.1/nb/2018.html", "private_address"),
    "/zwgk/zfxxgknb/moved/3.html": ("http://intranet.localhost/nb/2017.html", "local_name"),
    "/zwgk/zfxxgknb/moved/4.html": ("http://www.shop-example.com/nb/2016.html", "offsite"),
    "/zwgk/zfxxgknb/moved/5.pdf": ("file:///etc/passwd", None),  # Scrapy follows no file: redirect
}
#: Intranet links of the nav bar and sidebar (not report links: the spider never follows them).
_NAV = (("内网门户", "http://intranet.localhost/"), ("办公系统", "http://10.1.2.3/oa/"))
_SIDEBAR = (("元数据服务", "http://169.254.169.254/latest/meta-data/"),)

#: Seed rows (division code, name, portal URL) whose portal URL is itself an address.
ADDRESS_SEEDS = (
    ("530102", "五华区", "http://10.9.9.9/"),
    ("530103", "盘龙区", "http://2130706433/"),
    ("530111", "官渡区", "http://[::1]/"),
)

#: URL → the guard's refusal reason, for every request the crawl makes that the guard must refuse.
GUARD_REFUSALS: Mapping[str, str] = {
    **_PINNED_LINKS,
    **{target: reason for target, reason in _REDIRECTS.values() if reason},
    **{url: "private_address" for _, _, url in ADDRESS_SEEDS},
}
#: The portal's own report pages that answer 302 (fetched: the guard meets their targets).
REDIRECTING_PAGES = frozenset(f"http://{HOST}{path}" for path in _REDIRECTS)
#: Every URL no request may ever go to.
HOSTILE_URLS = frozenset(
    {*_DROPPED, *GUARD_REFUSALS, *(t for t, _ in _REDIRECTS.values()), *(h for _, h in (*_NAV, *_SIDEBAR))}
)

_UNITS = (
    "呈贡区教育体育局",
    "呈贡区卫生健康局",
    "呈贡区民政局",
    "呈贡区财政局",
    "呈贡区司法局",
    "呈贡区自然资源局",
)


def _items() -> tuple[Item, ...]:
    rng = random.Random(11)
    real = tuple(
        Item(
            9001 + n,
            f"昆明市呈贡区人民政府{year}年政府信息公开工作年度报告",
            f"{year + 1}-01-20",
            source="昆明市呈贡区人民政府",
            blocks=report_blocks("昆明市呈贡区人民政府", year, rng),
            year=year,
        )
        for n, year in enumerate((2023, 2022))
    )
    hrefs = [*_DROPPED, *_PINNED_LINKS, *sorted(REDIRECTING_PAGES)]
    lures = tuple(
        Item(
            9100 + n,
            f"{_UNITS[n % len(_UNITS)]}{2023 - n // len(_UNITS)}年政府信息公开工作年度报告",
            "2024-01-15",
            text="（链接）",
            href=href,
        )
        for n, href in enumerate(hrefs)
    )
    return real + lures


@cache
def portal() -> Portal:
    """The hostile portal (family ``hostile``)."""
    return Portal(
        host=HOST,
        division_code="530114",
        province="云南省",
        prefecture="昆明市",
        name="呈贡区",
        level="county",
        family="hostile",
        column_title="政府信息公开年报",
        skin=Skin(
            site_name="昆明市呈贡区人民政府",
            site_code="5301140001",
            icp="滇ICP备05000114号",
            police="滇公网安备 53011402000114号",
            nav=(
                ("首页", "/"),
                ("政府信息公开", "/zwgk/index.html"),
                ("政务服务", "/zwfw/index.html"),
                *_NAV,
            ),
            sidebar=(("政府信息公开年报", "/zwgk/zfxxgknb/index.html"), *_SIDEBAR),
            css_prefix="cg",
        ),
        items=_items(),
        options={"per_page": 50, "columns": (("政府信息公开指南", "xxgkzn"),), "redirects": _REDIRECTS},
    )


def hosts_file_text() -> str:
    """The guard's hosts file (``/etc/hosts`` format) for :data:`PINNED`."""
    lines = [f"{address} {name}" for name, addresses in PINNED.items() for address in addresses]
    return "# govcrawl replica: names the scope guard must see as resolved\n" + "\n".join(lines) + "\n"


def build(portal: Portal) -> tuple[Site, PortalTruth]:
    """The static portal, plus its report pages that redirect (``options["redirects"]``: path → (target, _))."""
    site, truth = static.build(portal)
    for path, (target, _) in portal.options.get("redirects", {}).items():
        site.handlers[path] = _redirect(target)
    return site, truth


def _redirect(target: str) -> Handler:
    return lambda req: Response(b"", HTML, 302, headers={"Location": target})
