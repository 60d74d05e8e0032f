"""A generated replica web: ~300 portals of every CMS family, varied, with ground truth.

Everything comes from one :class:`random.Random` with a fixed seed, so the web is the same on every
run. Units are real county-level divisions from ``seeds/`` (name, code, province); each portal gets
a family, list and page sizes, report years (2008–2025), slugs, link texts and nesting. Reports are
distinct documents (unit, year and statistics differ) with the official tables
(:func:`replica.reports.report_blocks`); non-reports are the look-alikes a column mixes in
(工作要点, 统计公报, notices, news).

A share of the portals (:data:`IRREGULAR_SHARE`) are of the irregular family
(:mod:`replica.families.irregular`), their shapes dealt in turn: the portal the CMS family would
have made, with its items, becomes irregular (a ``department_platform`` gets 3–6 units, each with a
report at least; every irregular portal keeps two non-reports at least). Which portals, and their
options, come from a random stream of their own, so the other portals are the same as without them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from govcrawl.seeds import load_seeds
from replica.chrome import Skin
from replica.families import irregular
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
#: The share of generated portals that are irregular (their shapes dealt in turn: irregular.SHAPES).
IRREGULAR_SHARE = 1 / 3
#: Path slugs of the units a department_platform portal lists (/bmxxgk/<slug>/).
UNIT_SLUGS = {
    "教育体育局": "jytyj", "财政局": "czj", "卫生健康局": "wsjkj", "自然资源局": "zrzyj", "住房和城乡建设局": "zjj",
    "市场监督管理局": "scjgj", "民政局": "mzj", "司法局": "sfj",
    "城关镇": "cgz", "新华街道": "xhjd", "东风乡": "dfx", "河西镇": "hxz", "永安街道": "yajd",
}


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
    # The irregular share: its own random stream, so the other portals stay as the stream above made them.
    irng = random.Random(f"{seed}:irregular")
    picked = sorted(irng.sample(range(len(portals)), round(len(portals) * IRREGULAR_SHARE)))
    for k, n in enumerate(picked):
        portals[n] = _irregular(portals[n], irregular.SHAPES[k % len(irregular.SHAPES)], irng)
    return portals


def _irregular(portal: Portal, shape: str, rng: random.Random) -> Portal:
    """``portal`` (as its CMS family made it) as an irregular portal of ``shape``, with its items."""
    gk_path, gk_title = rng.choice(DISCLOSURE)
    options: dict = {
        "shape": shape,
        "per_page": portal.options["per_page"],
        "disclosure_path": gk_path,
        "disclosure_title": gk_title,
        "column_path": f"{gk_path}{rng.choice(TRS_SLUGS)}/",
    }
    # A GBK search_only portal would need its search to read GBK queries; the replica's server decodes UTF-8.
    kept = ("script_attachments",) if shape == "search_only" else ("conditions", "script_attachments")
    options.update({k: portal.options[k] for k in kept if k in portal.options})
    # A title listed without its year was named by a per-year sub-column, which these shapes do not
    # have: their lists show the full title (a cut one is kept: it is cut inside the phrase).
    items = [replace(i, listed_title=None) if i.listed_title and not i.listed_title.endswith("...") else i
             for i in portal.items]
    ids = iter(range(max(i.id for i in items) + 1, 10**9))
    years = sorted({i.report_year for i in items if i.is_report})
    name = portal.name
    if shape == "scripted_nav":
        options["column_link"] = rng.choice(irregular.COLUMN_LINKS)
    elif shape == "crowded":
        options["crowd"] = rng.randint(300, 360)
    elif shape == "department_platform":
        prefix = f"{portal.prefecture}{name}人民政府"
        kinds = {f"{name}{u}": u for u in UNIT_SLUGS}
        units = sorted({i.source for i in items if i.is_report and i.source in kinds})
        spare = [u for u in kinds if u not in units]
        units += rng.sample(spare, max(0, rng.randint(3, 6) - len(units)))
        for unit in units:  # every unit's column has a report of its own
            if not any(i.source == unit for i in items if i.is_report):
                year = rng.choice(years)
                items.append(_report(next(ids), unit, year, f"{year + 1}-0{rng.randint(1, 3)}-{rng.randint(10, 28)}", rng))
        towns = tuple((u, UNIT_SLUGS[kinds[u]]) for u in units if kinds[u] in TOWNS)
        options.update(departments=tuple((u, UNIT_SLUGS[kinds[u]]) for u in units if kinds[u] not in TOWNS), towns=towns)
        unit_reports = [i for i in items if i.is_report and i.source in units and i.source != prefix]
        if len(units) > 1 and rng.random() < 0.3:  # a report filed in another unit's column
            item = rng.choice(unit_reports)
            options["misfiled"] = {item.id: rng.choice([UNIT_SLUGS[kinds[u]] for u in units if u != item.source])}
        if rng.random() < 0.4:  # a PDF kept under its uploaded name (Chinese in the path)
            item = rng.choice([i for i in unit_reports if i.id not in options.get("misfiled", {})])
            items[items.index(item)] = replace(item, fmt="pdf")
            options["named_files"] = {item.id: f"{item.report_year}年度报告"}
    titles = {i.title for i in items}
    y = years[-1] if years else 2023
    for title, text in (
        (f"{name}{y}年政务公开工作要点", f"为做好{y}年政务公开工作，结合实际，制定本要点。"),
        (f"关于做好{y}年度政府信息公开工作年度报告编制发布工作的通知", "各乡镇、各部门：请按时公布本单位年度报告。"),
    ):
        if sum(1 for i in items if not i.is_report) >= 2:
            break
        if title not in titles:
            items.append(Item(next(ids), title, f"{y}-0{rng.randint(2, 9)}-1{rng.randint(0, 9)}", text=text))
    items.sort(key=lambda i: i.date, reverse=True)
    nav = (("首页", "/"), (gk_title, f"{gk_path}index.html"), ("政务服务", "/zwfw/index.html"), ("互动交流", "/hdjl/index.html"))
    skin = replace(portal.skin, nav=nav, css_prefix="irr")
    return replace(portal, family="irregular", items=tuple(items), options=options, skin=skin)


def _report(item_id: int, unit: str, year: int, date: str, rng: random.Random) -> Item:
    return Item(
        item_id, f"{unit}{year}年政府信息公开工作年度报告", date, source=unit, blocks=report_blocks(unit, year, rng), year=year
    )


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



