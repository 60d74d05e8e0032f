"""A generated replica web: ~300 portals of every CMS family, varied, with ground truth.

Everything comes from one :class:`random.Random` with a fixed seed, so the web is the same on every
run. Units are real county-level divisions from ``seeds/`` (name, code, province); each portal gets
a family, list and page sizes, report years (2008–2025), slugs, link texts and nesting. Reports are
distinct documents (unit, year and statistics differ) with the official tables
(:func:`replica.reports.report_blocks`); non-reports are the look-alikes a column mixes in
(工作要点, 统计公报, notices, news).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from govcrawl.seeds import load_seeds
from replica.chrome import Skin
from replica.model import Conditions, Item, Portal
from replica.reports import report_blocks
from replica.web import PORTALS, VirtualWeb, build_web

SEED = 20260423
#: Families and how often each appears (real portals: TRS and Hanweb dominate; script-built lists are rare).
FAMILY_WEIGHTS = {
    "trs": 24,
    "hanweb": 12,
    "hanweb_annual": 5,
    "static": 10,
    "gkmlpt": 8,
    "fujian": 6,
    "openness": 6,
    "jiangxi": 8,
    "boda": 6,
    "aspnet": 5,
    "zfxxgk": 6,
    "jslist": 2,
}
COLUMN_TITLES = ("政府信息公开年报", "政府信息公开年度报告", "信息公开年报", "政务信息公开年报", "公开年报", "年度报告")
TRS_SLUGS = ("zfxxgknb", "xxgknb", "gknb", "ndbg", "xxgkndbg1", "zfxxyjxndbg", "gkndbg", "niandubaogao", "zfxxgknb_70772")
DISCLOSURE = (("/zwgk/", "政府信息公开"), ("/xxgk/", "信息公开"), ("/zfxxgk/", "政府信息公开"), ("/gk/", "政务公开"))
DEPARTMENTS = ("教育体育局", "财政局", "卫生健康局", "自然资源局", "住房和城乡建设局", "市场监督管理局", "民政局", "司法局")
TOWNS = ("城关镇", "新华街道", "东风乡", "河西镇", "永安街道")


def _non_reports(name: str, years: list[int], rng: random.Random, next_id) -> list[Item]:
    y = rng.choice(years)
    pool = [
        (f"{name}{y}年政务公开工作要点", f"为做好{y}年政务公开工作，结合实际，制定本要点。"),
        (f"{name}{y - 1}年国民经济和社会发展统计公报", f"{y - 1}年，全县地区生产总值{rng.randint(80, 400)}亿元。"),
        (f"关于做好{y}年度政府信息公开工作年度报告编制发布工作的通知", "各乡镇、各部门：请按时公布本单位年度报告。"),
        (f"{name}召开政务公开工作推进会", "会议总结了政务公开工作，部署了下一阶段任务。"),
        (f"{name}{y}年法治政府建设年度报告", f"{y}年，{name}深入推进依法行政。"),
    ]
    picked = rng.sample(pool, rng.randint(0, 3))
    return [Item(next_id(), t, f"{y}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}", text=x) for t, x in picked]


def _portal(row, family: str, n: int, rng: random.Random) -> Portal:
    host = (row.host or f"www.unit{n}.gov.cn").lower()
    name, prefecture = row.name, row.prefecture or row.province
    ids = iter(range(100000 + n * 1000, 100000 + n * 1000 + 999))
    years = sorted(rng.sample(range(2008, 2026), rng.randint(1, 4)), reverse=True)
    units = [f"{prefecture}{name}人民政府", *(f"{name}{d}" for d in rng.sample(DEPARTMENTS, 2)), f"{name}{rng.choice(TOWNS)}"]
    split = rng.choice((None, None, None, "year", "unit")) if family == "trs" else None
    items: list[Item] = []
    for year in years:
        for unit in rng.sample(units, rng.choice((1, 1, 1, 2))):
            title = f"{unit}{year}年政府信息公开工作年度报告"
            fmt = rng.choices(("html", "docx", "pdf"), (86, 9, 5))[0] if family not in ("hanweb_annual",) else "html"
            listed = None
            if split == "year" and rng.random() < 0.5:
                listed = f"{unit}政府信息公开工作年度报告"  # the sub-column names the year
            elif rng.random() < 0.15:
                listed = title[: rng.randint(len(unit) + 12, len(title) - 2)] + "..."  # cut inside the phrase
            date = f"{year + 1}-0{rng.randint(1, 3)}-{rng.randint(10, 28)}"
            items.append(
                Item(next(ids), title, date, fmt=fmt, source=unit, blocks=report_blocks(unit, year, rng), year=year, listed_title=listed)
            )
    if family != "hanweb_annual":
        items.extend(_non_reports(name, years, rng, lambda: next(ids)))
    items.sort(key=lambda i: i.date, reverse=True)
    gk_path, gk_title = rng.choice(DISCLOSURE)
    column_title = rng.choice(COLUMN_TITLES)
    options: dict = {"per_page": rng.choice((2, 3, 5, 10, 15, 20))}
    if family == "trs":
        options.update(
            disclosure_path=gk_path,
            disclosure_title=gk_title,
            column_path=f"{gk_path}{rng.choice(TRS_SLUGS)}/",
            columns=(("政府信息公开指南", "xxgkzn"), ("法定主动公开内容", "fdzdgknr")),
            split=split,
            year_slug=rng.choice(("{y}n", "{y}_{id}")),
            split_text=rng.random() < 0.2,
        )
        if rng.random() < 0.15:
            options.pop("column_path")
            options["ztzl"] = True
    elif family in ("hanweb", "hanweb_annual"):
        col = rng.randint(1000, 9000)
        options.update(columnid=col, disclosure_col=col - 7, unitid=rng.randint(1000, 9999), columns=(("政府信息公开指南", col - 6),))
        gk_path, gk_title = f"/col/col{col - 7}/", "政务公开"
    elif family == "static":
        options.update(disclosure_path=gk_path, column_slug=rng.choice(TRS_SLUGS), columns=(("政府信息公开指南", "xxgkzn"),))
    elif family == "gkmlpt":
        options.update(sid=str(rng.randint(700, 800)))
    elif family == "fujian":
        options.update(static=rng.choice((5, 10)), per_page=10, channelid=str(rng.randint(200000, 200999)), chnlid=str(rng.randint(1000, 1999)))
    elif family in ("openness", "jiangxi", "boda", "aspnet", "zfxxgk"):
        options.update(column_id=rng.randint(100, 9000), site_slug=host.split(".")[1])
        if family == "zfxxgk":
            options.update(gk_host=f"zfxxgk.{host.split('.', 1)[1]}", column_id=row.division_code)
    elif family == "jslist":
        options.update(columns=(("政府信息公开指南", "xxgkzn"),), delay_ms=100, disclosure_path=gk_path)
    if rng.random() < 0.08:
        options["shell"] = True
    if rng.random() < 0.1:
        options["script_attachments"] = True
    if rng.random() < 0.1:
        options["conditions"] = Conditions(encoding=rng.choice(("gbk", "gb2312")), charset_header=rng.random() < 0.5)
    skin = Skin(
        site_name=f"{prefecture}{name}人民政府" if row.level == "county" else f"{name}人民政府",
        site_code=f"{row.division_code}{n:04d}",
        icp=f"ICP备{rng.randint(10000000, 99999999)}号",
        police=f"公网安备 {row.division_code}02{rng.randint(100000, 999999)}号",
        nav=(("首页", "/"), (gk_title, f"{gk_path}index.html"), ("政务服务", "/zwfw/index.html"), ("互动交流", "/hdjl/index.html"))
        + ((("专题专栏", "/ztzl/index.html"),) if options.get("ztzl") else ()),
        css_prefix=family[:3],
    )
    return Portal(
        host=host,
        division_code=row.division_code,
        province=row.province,
        prefecture=row.prefecture,
        name=name,
        level=row.level,
        family=family,
        skin=skin,
        column_title=column_title,
        items=tuple(items),
        options=options,
    )


def generate_portals(count: int = 300, seed: int = SEED) -> list[Portal]:
    """``count`` portals on real county-level units' hosts (fixed ``seed``: the same web every time)."""
    rng = random.Random(seed)
    taken = {p.host for p in PORTALS}
    rows, _ = load_seeds()
    candidates = sorted(
        (r for r in rows if r.level == "county" and r.host.startswith("www.") and r.host.count(".") == 3 and r.host.endswith(".gov.cn") and r.host not in taken),
        key=lambda r: r.division_code,
    )
    chosen = rng.sample(candidates, count)
    hosts: set[str] = set()
    portals = []
    families = list(FAMILY_WEIGHTS)
    for n, row in enumerate(chosen):
        if row.host in hosts:
            continue
        hosts.add(row.host)
        family = rng.choices(families, [FAMILY_WEIGHTS[f] for f in families])[0]
        portals.append(_portal(row, family, n, rng))
    return portals


def grow_portals(portals: Sequence[Portal], fraction: float, seed: int = SEED) -> list[Portal]:
    """The same portals some time later: about ``fraction`` of their report count published anew.

    Every earlier item stays byte for byte where it was (its article and file are unchanged; only
    the lists show more). Half the new reports are of a year the portal never reported on (the
    year after its newest: a new year sub-column where the portal splits by year), half are a unit's
    report for the portal's newest year that the portal lacked. Each is dated after everything
    the portal had published, so it heads the newest-first lists. Fixed ``seed``: the same growth
    every time.
    """
    rng = random.Random(f"{seed}:grow:{fraction}")
    grown = list(portals)
    with_reports = [n for n, p in enumerate(grown) if any(i.is_report for i in p.items)]
    total = sum(1 for p in grown for i in p.items if i.is_report)
    for k in range(max(1, round(total * fraction)) if with_reports and fraction > 0 else 0):
        n = rng.choice(with_reports)
        portal = grown[n]
        reports = [i for i in portal.items if i.is_report]
        newest = max(i.report_year for i in reports)
        units = sorted({i.source for i in reports})
        if k % 2 == 0:
            year, unit = newest + 1, rng.choice(units)
        else:
            taken = {i.source for i in reports if i.report_year == newest}
            others = [u for u in [*units, *(f"{portal.name}{d}" for d in DEPARTMENTS)] if u not in taken]
            year, unit = newest, rng.choice(others)
        last = max(datetime.strptime(i.date, "%Y-%m-%d") for i in portal.items)
        # Published after everything else, and not before the year it reports on has ended.
        date = max(last + timedelta(days=rng.randint(1, 20)), datetime(year + 1, 1, rng.randint(10, 28))).strftime("%Y-%m-%d")
        fmt = rng.choices(("html", "docx", "pdf"), (86, 9, 5))[0] if portal.family != "hanweb_annual" else "html"
        item = Item(
            max(i.id for i in portal.items) + 1,
            f"{unit}{year}年政府信息公开工作年度报告",
            date,
            fmt=fmt,
            source=unit,
            blocks=report_blocks(unit, year, rng),
            year=year,
        )
        # Stable sort: the earlier items keep their order below the new one.
        items = sorted((item, *portal.items), key=lambda i: i.date, reverse=True)
        grown[n] = replace(portal, items=tuple(items))
    return grown


def generated_web(
    count: int = 300, seed: int = SEED, sample: Sequence[int] | None = None, grow: float = 0.0
) -> VirtualWeb:
    """The replica web of :func:`generate_portals` (``sample``: only the portals at these indexes).

    ``grow``: the same web a run later, with about that fraction of new reports on the served
    portals (:func:`grow_portals`); 0 is the web as generated.
    """
    portals = generate_portals(count, seed)
    if sample is not None:
        portals = [portals[i] for i in sample]
    if grow:
        portals = grow_portals(portals, grow, seed)
    return build_web(portals, aggregators=(), dead=())



