"""The replica web: portals as data, built by their CMS family into virtual hosts.

``PORTALS`` lists the government portals (after real ones, see shared/data/README.md),
``AGGREGATORS`` the document sites that republish reports, ``DEAD_PORTALS`` listed portal
URLs nobody answers. :func:`build_web` turns them into a :class:`VirtualWeb` that the
server dispatches to by host, with the ground truth of what a crawler should find.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from replica.chrome import Skin
from replica.families import aggregator, apilist, hanweb, hostile, jslist, shapes, static, trs
from replica.families.aggregator import Aggregator, AggregatorDoc
from replica.model import HTML, Builder, Item, Portal, Request, Response, Site, render_documents
from replica.render import render_many

FAMILIES: dict[str, Builder] = {
    "trs": trs.build,
    "hanweb": hanweb.build,
    "hanweb_annual": hanweb.build_annual,
    "jslist": jslist.build,
    "static": static.build,
    "gkmlpt": apilist.build_gkmlpt,
    "hostile": hostile.build,
    "fujian": apilist.build_fujian,
    **{name: shapes.build for name in shapes.SHAPES},
}

SEED_COLUMNS = ("division_code", "province", "prefecture", "name", "level", "portal_url")


@dataclass(frozen=True)
class DeadPortal:
    """A listed portal URL that yields nothing: its host never answers, or answers in a loop.

    ``cause``: ``dns`` (no such host: the proxy answers 502), ``refused`` (502, connection refused),
    ``timeout`` (504) or ``redirect_loop`` (/ and /index.html redirect to each other).
    """

    host: str
    division_code: str
    province: str
    prefecture: str
    name: str
    level: str = "county"
    cause: str = "dns"


def _nav(gk_title: str, gk_href: str, service: str, interact: str) -> tuple[tuple[str, str], ...]:
    return (("首页", "/"), (gk_title, gk_href), ("政务服务", service), ("互动交流", interact))


PORTALS: tuple[Portal, ...] = (
    Portal(
        host="www.kmjn.gov.cn",
        division_code="530115",
        province="云南省",
        prefecture="昆明市",
        name="晋宁区",
        level="county",
        family="trs",
        column_title="政府信息公开年报",
        skin=Skin(
            site_name="昆明市晋宁区人民政府",
            site_code="5301150001",
            icp="滇ICP备05004237号-1",
            police="滇公网安备 53011502000321号",
            nav=_nav("政府信息公开", "/zwgk/index.html", "/zwfw/index.html", "/hdjl/index.html"),
            sidebar=(
                ("政府信息公开指南", "/zwgk/xxgkzn/index.html"),
                ("政府信息公开年报", "/zwgk/zfxxgknb/index.html"),
            ),
            css_prefix="trs",
        ),
        options={
            "per_page": 3,
            "columns": (
                ("政府信息公开指南", "xxgkzn"),
                ("政府信息公开制度", "xxgkzd"),
                ("法定主动公开内容", "fdzdgknr"),
            ),
        },
        items=(
            Item(
                3817265,
                "昆明市晋宁区2018年政府信息公开工作年度报告",
                "2019-05-10",
                seed="000",
                duplicate_of=3794102,
                source="昆明市晋宁区人民政府办公室",
            ),
            Item(
                3806611,
                "晋宁区举办2019年政务公开业务培训班",
                "2019-04-18",
                text="4月17日，晋宁区举办2019年政务公开业务培训班，全区各部门、各街道政务公开工作分管领导及信息员共120余人参加培训。\n"
                "培训围绕新修订的《中华人民共和国政府信息公开条例》、政府网站信息发布规范和依申请公开办理流程进行了讲解。",
            ),
            Item(
                3801937,
                "晋宁区2019年政务公开工作要点",
                "2019-04-02",
                text="为深入贯彻落实国家、省、市关于全面推进政务公开工作的部署，结合我区实际，制定本要点。\n"
                "一、围绕重点领域推进信息公开。二、加强政策解读与回应关切。三、提升政务公开平台建设水平。",
            ),
            Item(
                3797320,
                "晋宁区2018年国民经济和社会发展统计公报",
                "2019-03-28",
                text="2018年，面对复杂多变的发展形势，全区上下坚持稳中求进工作总基调，经济运行总体平稳。\n"
                "全年实现地区生产总值225.6亿元，比上年增长8.9%。城镇常住居民人均可支配收入37812元。",
            ),
            Item(
                3794102,
                "昆明市晋宁区2018年政府信息公开工作年度报告",
                "2019-03-20",
                seed="000",
                source="昆明市晋宁区人民政府办公室",
            ),
        ),
    ),
    Portal(
        host="www.suifenhe.gov.cn",
        division_code="231081",
        province="黑龙江省",
        prefecture="牡丹江市",
        name="绥芬河市",
        level="county",
        family="hanweb",
        column_title="政府信息公开年报",
        skin=Skin(
            site_name="绥芬河市人民政府",
            site_code="2310810001",
            icp="黑ICP备05007916号",
            police="黑公网安备 23108102000108号",
            nav=_nav(
                "政务公开", "/col/col1043/index.html", "/col/col1060/index.html", "/col/col1070/index.html"
            ),
            sidebar=(
                ("政府信息公开指南", "/col/col1044/index.html"),
                ("政府信息公开年报", "/col/col1051/index.html"),
            ),
            css_prefix="hw",
        ),
        options={
            "columnid": 1051,
            "disclosure_col": 1043,
            "unitid": 5471,
            "per_page": 2,
            "columns": (("政府信息公开指南", 1044), ("政府信息公开制度", 1045), ("法定主动公开内容", 1046)),
        },
        items=(
            Item(
                38890,
                "绥芬河市2020年政务公开工作要点",
                "2020-03-05",
                text="2020年全市政务公开工作要坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻《中华人民共和国政府信息公开条例》。\n"
                "一、加强政策发布解读回应。二、推进重点领域信息公开。三、夯实政务公开工作基础。",
            ),
            Item(
                38214,
                "绥芬河市住房和城乡建设局2019年政府信息公开工作年度报告",
                "2020-01-20",
                seed="002",
                fmt="pdf",
                source="绥芬河市住房和城乡建设局",
            ),
            Item(
                37502,
                "关于做好2019年度政府信息公开工作年度报告编制发布工作的通知",
                "2019-12-30",
                text="各乡镇、市政府各部门：\n根据《中华人民共和国政府信息公开条例》规定，请各单位于2020年1月31日前在政府门户网站公布本单位2019年度政府信息公开工作年度报告。",
            ),
        ),
    ),
    Portal(
        host="www.xinping.gov.cn",
        division_code="530427",
        province="云南省",
        prefecture="玉溪市",
        name="新平彝族傣族自治县",
        level="county",
        family="jslist",
        column_title="政府信息公开年度报告",
        skin=Skin(
            site_name="新平彝族傣族自治县人民政府",
            site_code="5304270001",
            icp="滇ICP备09003468号",
            police="滇公网安备 53042702000017号",
            nav=_nav("信息公开", "/xxgk/index.html", "/zwfw/index.html", "/hdjl/index.html"),
            css_prefix="xp",
        ),
        options={
            "columns": (("政府信息公开指南", "xxgkzn"), ("法定主动公开内容", "fdzdgknr")),
            "delay_ms": 300,
        },
        items=(
            Item(
                8901,
                "新平县人民政府办公室关于印发新平县2020年政务公开工作要点的通知",
                "2020-04-08",
                text="各乡（镇）人民政府，县直各部门：\n现将《新平县2020年政务公开工作要点》印发给你们，请认真贯彻落实。",
            ),
            Item(
                8839,
                "新平县平掌乡2019年政府信息公开工作年度报告",
                "2020-03-12",
                seed="003",
                fmt="docx",
                source="新平县平掌乡人民政府",
            ),
        ),
    ),
    Portal(
        host="www.gangzha.gov.cn",
        division_code="320611",
        province="江苏省",
        prefecture="南通市",
        name="港闸区",
        level="county",
        family="static",
        column_title="政府信息公开年度报告",
        skin=Skin(
            site_name="南通市港闸区人民政府",
            site_code="3206110001",
            icp="苏ICP备05010312号",
            police="苏公网安备 32061102000105号",
            nav=_nav("政务公开", "/zwgk/index.html", "/zwfw/index.html", "/hdjl/index.html"),
            sidebar=(("政府信息公开指南", "/zwgk/xxgkzn/index.html"),),
            css_prefix="gz",
        ),
        options={"per_page": 3, "columns": (("政府信息公开指南", "xxgkzn"), ("政府信息公开制度", "xxgkzd"))},
        items=(
            Item(
                1019,
                "港闸区2019年政务公开工作要点",
                "2019-04-12",
                text="2019年，全区政务公开工作以推进政务公开标准化规范化为主线，进一步提升政务公开质量和实效。",
            ),
            Item(
                1006,
                "2018年港闸区政府信息公开工作年度报告",
                "2019-03-06",
                seed="004",
                source="港闸区人民政府",
            ),
            Item(
                1002,
                "关于开展2018年度政府信息公开工作考核的通知",
                "2019-01-15",
                text="各街道、区各部门：\n为做好2018年度政府信息公开工作考核，现将有关事项通知如下。",
            ),
            Item(
                994,
                "港闸区2017年法治政府建设工作情况报告",
                "2018-03-20",
                text="2017年，港闸区深入推进依法行政，加快建设法治政府，各项工作取得新成效。",
            ),
            Item(
                987,
                "港闸区政府信息公开申请办理流程",
                "2018-01-10",
                text="申请人可通过当面、信函、网络等方式提出政府信息公开申请。\n受理机关自收到申请之日起20个工作日内予以答复。",
            ),
        ),
    ),
    Portal(
        host="www.rencheng.gov.cn",
        division_code="370811",
        province="山东省",
        prefecture="济宁市",
        name="任城区",
        level="county",
        family="static",
        column_title="政府信息公开年度报告",
        skin=Skin(
            site_name="济宁市任城区人民政府",
            site_code="3708110001",
            icp="鲁ICP备05032568号",
            police="鲁公网安备 37081102000201号",
            nav=_nav("政务公开", "/zwgk/index.html", "/zwfw/index.html", "/hdjl/index.html"),
            css_prefix="rc",
        ),
        options={"column_slug": "ndbg", "per_page": 10, "columns": (("政府信息公开指南", "xxgkzn"),)},
        items=(
            Item(
                2215,
                "任城区2022年政务公开工作要点",
                "2022-03-15",
                text="2022年，任城区政务公开工作坚持以人民为中心，聚焦重点领域，持续提升政务公开质效。",
            ),
            Item(
                2207,
                "济宁市任城区人民政府2021年政府信息公开工作年度报告",
                "2022-01-28",
                seed="001",
                href="http://www.docwenku.net/p-8812034.html",
            ),
            Item(
                2188,
                "任城区2021年法治政府建设年度报告",
                "2022-01-10",
                text="2021年，任城区坚持以习近平法治思想为指导，法治政府建设各项任务扎实推进。",
            ),
        ),
    ),
)

AGGREGATORS: tuple[Aggregator, ...] = (
    Aggregator(
        host="www.docwenku.net",
        name="DOC文库",
        docs=(
            AggregatorDoc(
                8812034,
                "001",
                "2022-06-14",
                related=(
                    (8812035, "2021年乡镇政务公开工作总结范文"),
                    (8812101, "政府信息公开工作制度汇编.doc"),
                    (8790233, "小学三年级数学上册期末测试卷.docx"),
                ),
            ),
        ),
    ),
)

DEAD_PORTALS: tuple[DeadPortal, ...] = (
    DeadPortal("jirczwfw.sd.gov.cn", "370811", "山东省", "济宁市", "任城区"),
)


class VirtualWeb:
    """All virtual hosts, dispatched by host name, with the truth about their reports."""

    def __init__(
        self,
        sites: Mapping[str, Site],
        portals: Sequence[dict],
        seed_rows: Sequence[dict],
        dead: Sequence[dict],
        unreachable: Mapping[str, str] | None = None,
    ):
        self.sites = dict(sites)
        self._portals = list(portals)
        self._seed_rows = list(seed_rows)
        self._dead = list(dead)
        self.unreachable = dict(unreachable or {})

    def respond(self, host: str, req: Request) -> Response | str | None:
        """The response of ``host`` to ``req``; the cause when it is unreachable (``refused``,
        ``timeout``), None when no such host exists (the proxy's 502)."""
        name = host.lower().split(":", 1)[0]
        site = self.sites.get(name)
        return site.respond(req) if site else self.unreachable.get(name)

    def truth(self) -> dict:
        """Ground truth: per portal its column, reports and non-reports; distinct report count."""
        distinct = sum(1 for p in self._portals for r in p["reports"] if r["duplicate_of"] is None)
        return {"portals": self._portals, "dead_portals": self._dead, "distinct_reports": distinct}

    def seed_rows(self) -> list[dict]:
        """Rows of the seeds CSV (columns ``SEED_COLUMNS``), dead portals included."""
        return list(self._seed_rows)


def build_web(
    portals: Sequence[Portal] = PORTALS,
    aggregators: Sequence[Aggregator] = AGGREGATORS,
    dead: Sequence[DeadPortal] = DEAD_PORTALS,
) -> VirtualWeb:
    """Build every portal with its family (rendering all file reports first, in one batch)."""
    render_many(
        (i.seed, i.fmt) for p in portals for i in p.items if i.seed and i.fmt != "html" and not i.href
    )
    for fmt in ("docx", "pdf", "doc"):  # generated reports: one soffice run per format
        render_documents([i.blocks for p in portals for i in p.items if i.blocks and i.fmt == fmt], fmt)
    sites: dict[str, Site] = {}
    truths = []
    rows = []
    for portal in portals:
        built, truth = FAMILIES[portal.family](portal)
        truth.failure = portal.options.get("expect_failure")
        for site in [built] if isinstance(built, Site) else built:
            _merge(sites, site)
        entry = truth.as_dict()
        entry["hosts"] = sorted({built.host} if isinstance(built, Site) else {s.host for s in built})
        truths.append(entry)
        rows.append(
            dict(
                zip(
                    SEED_COLUMNS,
                    (
                        portal.division_code,
                        portal.province,
                        portal.prefecture,
                        portal.name,
                        portal.level,
                        portal.homepage,
                    ),
                    strict=True,
                )
            )
        )
    for agg in aggregators:
        sites[agg.host] = aggregator.build(agg)
    dead_rows = []
    unreachable = {}
    for d in dead:
        url = f"http://{d.host}/"
        if d.cause == "redirect_loop":
            sites[d.host] = _redirect_loop(d.host)
        elif d.cause != "dns":
            unreachable[d.host] = d.cause
        rows.append(
            dict(
                zip(
                    SEED_COLUMNS,
                    (d.division_code, d.province, d.prefecture, d.name, d.level, url),
                    strict=True,
                )
            )
        )
        dead_rows.append(
            {"host": d.host, "division_code": d.division_code, "name": d.name, "homepage": url, "failure": d.cause}
        )
    return VirtualWeb(sites, truths, rows, dead_rows, unreachable)


def _merge(sites: dict[str, Site], site: Site) -> None:
    """Add ``site``; a host several portals share (a province's disclosure platform) gets all their pages."""
    if site.host not in sites:
        sites[site.host] = site
        return
    shared = sites[site.host]
    for path, resp in site.pages.items():
        shared.pages.setdefault(path, resp)
    for path, handler in site.handlers.items():
        shared.handlers.setdefault(path, handler)


def _redirect_loop(host: str) -> Site:
    """A host whose / and /index.html redirect to each other."""
    site = Site(host, "<html><body>404</body></html>")

    def to(target: str):
        return lambda req: Response(b"", HTML, 302, headers={"Location": f"http://{host}{target}"})

    site.handlers["/"] = to("/index.html")
    site.handlers["/index.html"] = to("/")
    return site
