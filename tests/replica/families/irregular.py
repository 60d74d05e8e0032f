"""Irregular portals: navigation built the way real county portals build it, not the way discovery
rules expect. The option ``shape`` picks one of :data:`SHAPES`:

``deep``
    Neither the homepage nor the disclosure index links the 年报 column; inner pages do: the
    政府信息公开指南 (a 相关栏目 line under its text) and the 政府信息公开目录 (its side tree). The
    column is three links from the homepage (homepage → disclosure index → 指南 or 目录 → column).
``scripted_nav``
    The homepage nav is script: ``href="javascript:void(0)" onclick="location.href='…'"``,
    ``onclick="window.open('…')"``, ``href="javascript:openUrl('…')"``; the disclosure index is
    also an image link without text (``<img alt="政务公开">``). On the disclosure index the column
    is linked (option ``column_link``) by an image whose alt is 年度报告 (``image``), by an anchor
    whose href is ``javascript:void(0)`` and whose onclick sets ``location.href`` (``onclick``), or by
    a ``<li onclick="window.open('…')">`` tile with the column's name (``tile``).
``crowded``
    The homepage and the disclosure index each carry ``crowd`` (≥300) column links (领导之窗,
    招标公告, 人事信息, 财政预决算公开, 统计公报, 审计报告, 法治政府建设年度报告 …, per unit); the 年报
    column is one of them, not in the nav. Two look-alike columns hold a look-alike article each.
``sitemap_only``
    Only the 网站地图 page (the footer's 网站地图 link, ``/bzzx/wzdt/``) and ``/sitemap.xml`` name
    the column; nav, disclosure index and inner pages do not.
``search_only``
    Nothing links the column. The homepage has ``<form action="/search" method="get">`` with
    ``<input name="q">``; ``/search?q=…`` (also ``/search/``) lists matching titles, 10 a page
    (``&page=N``, 下一页 links), 年报 and 年度报告 matching each other; a result links the article,
    whose breadcrumb links the column.
``department_platform``
    The disclosure index links the government's own column and 部门信息公开 (``/bmxxgk/``): a
    platform listing departments (``departments``) and townships/街道 (``towns``), each unit with
    its own disclosure page (``/bmxxgk/<slug>/``) and its own 年报 column (``/bmxxgk/<slug>/ndbg/``).
    A report goes to the column of the unit its ``source`` names (else the government's), except
    where ``misfiled`` ({item id: slug}) files it elsewhere; ``named_files`` ({item id: name}) keeps
    an attachment under its uploaded name (``/bmxxgk/jyj/ndbg/2023年度报告.pdf``), answered both
    percent-encoded and as raw UTF-8.

Every shape: articles and column lists are the standard page furniture (:func:`replica.families.publish`,
:func:`replica.families.column_page`), so what differs is only how the column is reached; a column
is paged ``index.html``, ``index_1.html`` … by plain 下一页 links. Shapes other than ``search_only``
have the search box of a script-driven search service (``/ssp/main/index.html?keyWord=``) whose page
lists nothing without script; shapes other than ``sitemap_only`` answer 404 for ``/sitemap.xml`` and
their 网站地图 lists only the top-level sections. An item with ``duplicate_of`` and no body of its
own republishes that item's report. The truth entry adds ``shape``, ``found_by`` (how discovery is
expected to reach the column: ``explore``, ``sitemap`` or ``search``) and ``columns`` (every 年报
column's first page, units' included).

Modelled on saved pages and templates of real portals (structure only; no markup copied):

* topie/topiecms ``src/main/webapp/template/jh-zwgk.ftl`` (金湖县, 江苏): the 政务公开 page, its
  政府信息公开专栏 (指南, 制度, 年报, 依申请公开) and a 政府信息公开目录 split into 县政府 / 县级部门 /
  镇 信息公开目录; ``javascript:void(0)`` tab heads; an image-only link (``<a href><img></a>``).
  ``jh-head.ftl``: image-only header links, ``javascript:zh_tran('s')``. ``jh-footer.ftl``: footer
  在线投稿 | 联系我们 | 网站地图, the map a page of its own; ``jh-wzdt-content.ftl``: the 网站地图 lists
  every channel with its sub-channels. ``jh-search.ftl``: a GET search form, results as links with
  title / snippet / date, 共N条记录 and 首页 / 上一页 / 下一页 / 尾页.
* mhxqwer/sykfjax.gov.cn ``index.html`` (安溪县, 福建, TRS): header links ``javascript:void(0)`` and
  ``onclick="zh_tran('s')"``; a nav plus a mega-menu of dozens of columns (领导之窗, 统计信息, 政策文件库,
  便民动态信息 …); a GET search form ``/ssp/main/index.html`` (``keyWord``) whose results script
  renders; breadcrumb 当前位置; footer 联系我们 | 网站地图 (``/bzzx/wzdt/``), 网站标识码, 公网安备, ICP.
* zlcliuna/spider_www.bjhd.gov.cn-zfxxgk- ``app/libs/department.py`` (海淀区): the disclosure
  platform lists units (``.zdlyList li a`` → ``./<unit>/``), each unit its own catalogue of columns,
  lists paged ``index_N``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from replica import chrome
from replica.chrome import Link, esc
from replica.families import column_page, listed_title, portal_site, publish, stub_columns
from replica.model import HTML, Item, Portal, PortalTruth, Request, Response, Site, day

SHAPES = ("deep", "scripted_nav", "crowded", "sitemap_only", "search_only", "department_platform")
#: How discovery is expected to reach each shape's columns (``portal_health.found_by``): ``nav`` when
#: the homepage or a disclosure page it links holds the column (behind a script or image link, or
#: among hundreds of others, it is still one hop in), ``explore`` deeper; the platform's government
#: column is one hop in, its units' columns deeper.
FOUND_BY = {
    "deep": "explore",
    "scripted_nav": "nav",
    "crowded": "nav",
    "department_platform": "nav,explore",
    "sitemap_only": "sitemap",
    "search_only": "search",
}
#: How ``scripted_nav`` links the column from the disclosure index.
COLUMN_LINKS = ("image", "onclick", "tile")
MAP_PATH = "/bzzx/wzdt/"
SEARCH_PATH = "/search"
SEARCH_PAGE_SIZE = 10
PLATFORM_PATH = "/bmxxgk/"
UNIT_COLUMN = "ndbg"
#: The disclosure index's own columns: (title, slug under the disclosure path).
GK_COLUMNS = (
    ("政府信息公开指南", "zn"),
    ("政府信息公开制度", "zd"),
    ("法定主动公开内容", "fdzdgknr"),
    ("政府信息公开目录", "ml"),
    ("依申请公开", "ysqgk"),
)
#: The 目录 tree of ``deep`` (slugs under ``<gk>ml/``); the 年报 column comes last.
CATALOGUE = (("机构职能", "jgzn"), ("政策文件", "zcwj"), ("规划计划", "ghjh"), ("财政信息", "czxx"),
             ("统计信息", "tjxx"), ("人事信息", "rsxx"), ("行政执法", "xzzf"), ("应急管理", "yjgl"))
#: Column topics of ``crowded`` portals, many naming 公开 or 报告 without being the 年报.
CROWD_TOPICS = (
    "领导之窗", "机构职能", "政策文件", "规划计划", "工作动态", "通知公告", "招标公告", "中标公示", "人事信息",
    "招录公告", "财政预决算公开", "部门预算公开", "部门决算公开", "三公经费公开", "统计公报", "统计数据",
    "审计报告", "审计整改公开", "政府工作报告", "法治政府建设年度报告", "重大项目公开", "政府采购", "行政许可",
    "行政处罚", "双随机一公开", "权责清单", "建议提案办理", "政策解读", "回应关切", "新闻发布会", "乡村振兴",
    "生态环境", "安全生产", "食品药品安全", "教育信息公开", "医疗卫生", "社会救助", "就业创业", "住房保障",
    "征地信息公开", "公共资源配置", "重大行政决策公开",
)
CROWD_UNITS = ("", "教育局", "财政局", "民政局", "卫生健康局", "自然资源局", "住房和城乡建设局", "市场监督管理局",
               "审计局", "统计局")
NEWS_TITLES = ("{n}召开政府常务会议", "{n}部署安全生产工作", "{n}开展优化营商环境专项行动", "{n}召开乡村振兴工作推进会",
               "{n}举行重点项目集中开工仪式")
_OPEN_URL = '<script type="text/javascript">function openUrl(u){ window.location.href = u; }</script>'


@dataclass
class IrregularTruth(PortalTruth):
    """A portal's truth with its shape, how its column is to be found, and every 年报 column."""

    shape: str = ""
    columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        entry = super().as_dict()
        entry.update(shape=self.shape, found_by=FOUND_BY[self.shape], columns=list(self.columns))
        return entry


@dataclass
class _Ctx:
    portal: Portal
    site: Site
    truth: IrregularTruth
    gk: str  # the disclosure section's path, e.g. /xxgk/
    gk_title: str
    column: str  # the government's 年报 column, e.g. /xxgk/ndbg/

    @property
    def shape(self) -> str:
        return self.portal.options["shape"]

    @property
    def gk_index(self) -> str:
        return f"{self.gk}index.html"

    @property
    def column_index(self) -> str:
        return f"{self.column}index.html"

    def gk_columns(self) -> list[Link]:
        return [(t, f"{self.gk}{slug}/index.html") for t, slug in GK_COLUMNS]


def build(portal: Portal) -> tuple[Site, IrregularTruth]:
    """The irregular portal of shape ``portal.options["shape"]``.

    Options besides the shape's own: ``disclosure_path`` (``/xxgk/``), ``disclosure_title``
    (信息公开), ``column_path`` (``<disclosure_path>ndbg/``), ``per_page`` (3), ``conditions``,
    ``script_attachments``.
    """
    opt = portal.options
    shape = opt["shape"]
    if shape not in SHAPES:
        raise ValueError(f"{portal.host}: unknown irregular shape {shape!r}")
    gk = opt.get("disclosure_path", "/xxgk/")
    gk_title = opt.get("disclosure_title", "信息公开")
    column = opt.get("column_path", f"{gk}{UNIT_COLUMN}/")
    nav = (("首页", "/"), (gk_title, f"{gk}index.html"), ("政务服务", "/zwfw/index.html"), ("互动交流", "/hdjl/index.html"))
    portal = replace(portal, items=_resolved(portal.items), skin=replace(portal.skin, nav=nav, sidebar=()))
    site = portal_site(portal)
    truth = IrregularTruth(portal, site.url(f"{column}index.html"), needs_browser=False, shape=shape)
    ctx = _Ctx(portal, site, truth, gk, gk_title, column)
    stub_columns(portal, site, nav[2:], [("首页", "/")])
    contact = (f'<div class="article"><h1>联系我们</h1><p>主办：{esc(portal.skin.site_name)}办公室</p>'
               f"<p>网站标识码：{esc(portal.skin.site_code)}</p></div>")
    site.add("/bzzx/lxwm/index.html", _page(ctx, "联系我们", [("首页", "/"), ("联系我们", "/bzzx/lxwm/")], contact))
    news = _news(ctx)
    _BUILDERS[shape](ctx, news)
    if shape != "sitemap_only":
        _site_map(ctx, [(t, h) for t, h in nav[1:]])
    if shape != "search_only":
        _script_search(ctx)
    return site, truth


def _resolved(items: Sequence[Item]) -> tuple[Item, ...]:
    """``items`` with each bodiless ``duplicate_of`` item given the report it republishes."""
    by_id = {i.id: i for i in items}
    out = []
    for item in items:
        if item.duplicate_of is not None and not item.is_report:
            orig = by_id[item.duplicate_of]
            item = replace(item, seed=orig.seed, blocks=orig.blocks, year=orig.year)
        out.append(item)
    return tuple(out)


# -- page furniture --------------------------------------------------------------------------------


def _nav_plain(ctx: _Ctx) -> str:
    return "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for t, h in ctx.portal.skin.nav)


def _search_box(ctx: _Ctx) -> str:
    if ctx.shape == "search_only":
        return (
            f'<form class="search" action="{SEARCH_PATH}" method="get"><input type="text" name="q" '
            'placeholder="请输入关键字"><button type="submit">搜索</button></form>'
        )
    return (
        '<form class="search" method="get" action="/ssp/main/index.html" target="_blank">'
        f'<input type="hidden" name="siteId" value="{esc(ctx.portal.skin.site_code)}">'
        '<input type="text" name="keyWord" placeholder="请输入您要搜索的内容"><button type="submit">搜索</button></form>'
    )


def _page(
    ctx: _Ctx,
    title: str,
    crumbs: Sequence[Link],
    main: str,
    *,
    nav: str | None = None,
    scripts: str = "",
    meta: dict[str, str] | None = None,
) -> str:
    """A page of the portal's own template (header, nav, breadcrumb, footer with 网站地图)."""
    skin = ctx.portal.skin
    trail = "".join(f'<li><a href="{esc(h)}" title="{esc(t)}">{esc(t)}</a></li>' for t, h in crumbs)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{esc(title)}</title>
<meta name="SiteName" content="{esc(skin.site_name)}">
<meta name="SiteDomain" content="{esc(ctx.portal.host)}">
<meta name="SiteIDCode" content="{esc(skin.site_code)}">
{chrome.meta_tags(meta or {})}
<link rel="stylesheet" href="/images/{skin.css_prefix}_style.css">
{scripts}
</head>
<body>
<div class="wrap">
<div class="header"><div class="row">
<div class="logo"><a href="/"><img src="/images/logo.png" alt="{esc(skin.site_name)}"></a></div>
<div class="header_link"><a href="javascript:void(0)" id="Elderly">长者模式</a> <a href="javascript:void(0)" id="barrierFreeBtn">无障碍浏览</a>
<a href="javascript:zh_tran('t');">繁体版</a></div>
{_search_box(ctx)}
</div>
<div class="menu_base" role="navigation"><ul class="clearflx">{_nav_plain(ctx) if nav is None else nav}</ul></div>
</div>
<div class="main">
<div class="breadcrumb"><span>当前位置：</span><ul>{trail}</ul></div>
{main}
</div>
<div class="footer"><div class="website_info">
<p><a href="/bzzx/lxwm/">联系我们</a><em>|</em><a href="{MAP_PATH}">网站地图</a></p>
<p><span>网站标识码：{esc(skin.site_code)}</span> <span>{esc(skin.police)}</span> <span><a href="https://beian.miit.gov.cn/" target="_blank">{esc(skin.icp)}</a></span></p>
<p><span>版权所有：{esc(skin.site_name)}</span> <span>主办：{esc(skin.site_name)}办公室</span></p>
</div></div>
</div>
</body>
</html>
"""


def _links(links: Sequence[Link], cls: str = "list") -> str:
    return f'<ul class="{cls}">' + "".join(f'<li><a href="{esc(h)}" target="_blank">{esc(t)}</a></li>' for t, h in links) + "</ul>"


def _home(ctx: _Ctx, news: list[tuple[str, str, str]], blocks: str, nav: str | None = None, scripts: str = "") -> None:
    """The homepage (``/`` and ``/index.html``): news, ``blocks`` (trusted HTML), the footer."""
    main = (
        '<div class="home-news"><div class="tit"><a href="/xwzx/zwyw/index.html">政务要闻</a></div>'
        + chrome.link_list(news)
        + f"</div>{blocks}"
    )
    html = _page(ctx, ctx.portal.skin.site_name, [("首页", "/")], main, nav=nav, scripts=scripts)
    ctx.site.add("/", html)
    ctx.site.add("/index.html", html)


def _gk_page(ctx: _Ctx, body: str, scripts: str = "") -> None:
    """The disclosure index: ``body`` (trusted HTML) under the section's title."""
    main = f'<div class="gk-index"><div class="column-tit">{esc(ctx.gk_title)}</div>{body}</div>'
    crumbs = [("首页", "/"), (ctx.gk_title, ctx.gk_index)]
    ctx.site.add(ctx.gk_index, _page(ctx, f"{ctx.gk_title}-{ctx.portal.skin.site_name}", crumbs, main, scripts=scripts,
                                     meta={"ColumnName": ctx.gk_title}))


def _stubs(ctx: _Ctx, columns: Sequence[Link], crumbs: Sequence[Link] | None = None) -> None:
    stub_columns(ctx.portal, ctx.site, columns, crumbs or [("首页", "/"), (ctx.gk_title, ctx.gk_index)])


def _news(ctx: _Ctx) -> list[tuple[str, str, str]]:
    """The homepage's 政务要闻: news articles outside every column (dates fixed, not the items')."""
    name = ctx.portal.name
    crumbs = [("首页", "/"), ("政务要闻", "/xwzx/zwyw/index.html")]
    news = []
    for n, pattern in enumerate(NEWS_TITLES):
        title, date = pattern.format(n=name), f"2024-0{n + 3}-1{n + 2}"
        path = f"/xwzx/zwyw/{date[:7].replace('-', '')}/t{date.replace('-', '')}_{n + 1}.html"
        body = (f'<p style="text-indent:2em">{esc(date[:4])}年{int(date[5:7])}月，{esc(title)}。</p>'
                f'<p style="text-indent:2em">会议强调，要坚持稳中求进，抓好各项工作落实。</p>')
        main = chrome.article(title, date, ctx.portal.skin.site_name, '<div class="TRS_Editor">', body)
        ctx.site.add(path, chrome.page(ctx.portal.skin, title, crumbs, main), modified=day(date))
        news.append((title, path, date))
    ctx.site.add("/xwzx/zwyw/index.html", column_page(ctx.portal, "政务要闻", crumbs, chrome.link_list(news)))
    return news


def _site_map(ctx: _Ctx, groups: Sequence[tuple[str, str]], children: dict[str, Sequence[Link]] | None = None) -> None:
    """The 网站地图 page: each top-level section, with its sub-columns where ``children`` names them."""
    def anchor(title: str, href: str) -> str:
        return f'<a href="{esc(href)}" target="_blank" title="{esc(title)}">{esc(title)}</a>'

    rows = [
        f'<div class="map-row"><ul><li class="mapTitle">{anchor(title, href)}</li>'
        f'<li class="mapContent">{"".join(anchor(t, h) for t, h in (children or {}).get(href, ()))}</li></ul></div>'
        for title, href in [("首页", "/"), *groups]
    ]
    main = '<div class="site-map"><div class="column-tit">网站地图</div>' + "".join(rows) + "</div>"
    ctx.site.add(f"{MAP_PATH}index.html", _page(ctx, f"网站地图-{ctx.portal.skin.site_name}", [("首页", "/"), ("网站地图", MAP_PATH)], main))


def _script_search(ctx: _Ctx) -> None:
    """The search service of the other shapes: a shell whose results only script would render."""
    main = (
        '<div class="search_result" ms-controller="searchResult"><div class="result_count">共找到 <b>{{total}}</b> 条结果</div>'
        '<ul class="result_list"><li ms-repeat="rows"><a ms-attr-href="el.url">{{el.title|html}}</a></li></ul></div>'
    )
    scripts = '<script type="text/javascript" src="/ssp/js/search.min.js"></script>'
    ctx.site.add("/ssp/main/index.html", _page(ctx, "站内搜索", [("首页", "/"), ("站内搜索", "/ssp/main/index.html")], main, scripts=scripts))


# -- columns -----------------------------------------------------------------------------------------


def _raw_alias(site: Site, path: str) -> None:
    """Answer ``path`` also when a client sends its UTF-8 bytes unencoded (the proxy reads the request
    line as Latin-1), as a web server serving the file under its name does."""
    if not path.isascii():
        site.pages[path.encode("utf-8").decode("latin-1")] = site.pages[path]


def _column(
    ctx: _Ctx,
    title: str,
    column: str,
    items: Sequence[Item],
    crumbs: Sequence[Link],
    named: dict[int, str] | None = None,
) -> list[tuple[str, str, str]]:
    """Publish ``items`` in the column at ``column`` (paged list, articles, attachments); (title, path, date) each."""
    portal, site = ctx.portal, ctx.site
    container = '<div class="article_content" id="zoom">' if ctx.shape == "deep" else '<div class="TRS_Editor">'
    listed = []
    for item in sorted(items, key=lambda i: i.date, reverse=True):  # newest first, as columns list
        ym, ymd = item.date[:7].replace("-", ""), item.date.replace("-", "")
        art = f"{column}{ym}/t{ymd}_{item.id}.html"
        name = (named or {}).get(item.id)
        attach = f"{column}{name}.{item.fmt}" if name else f"{column}{ym}/P0{ymd}{item.id}.{item.fmt}"
        publish(portal, site, ctx.truth, item, art, attach, crumbs, container)
        if item.is_report and item.fmt != "html":
            _raw_alias(site, attach)
        listed.append((listed_title(item), art, item.date))
    per_page = portal.options.get("per_page", 3)
    pages = [listed[i : i + per_page] for i in range(0, len(listed), per_page)] or [[]]
    names = ["index.html" if n == 0 else f"index_{n}.html" for n in range(len(pages))]
    for n, chunk in enumerate(pages):
        listing = chrome.link_list(chunk) if chunk else '<ul class="list"></ul><div class="no-data">暂无信息</div>'
        if len(pages) > 1:
            links = [f'<a href="{names[0]}">首页</a>']
            if n > 0:
                links.append(f'<a href="{names[n - 1]}">上一页</a>')
            if n < len(pages) - 1:
                links.append(f'<a href="{names[n + 1]}">下一页</a>')
            links.append(f'<a href="{names[-1]}">尾页</a>')
            listing += f'<div class="page">{" ".join(links)} <span>共{len(pages)}页</span></div>'
        site.add(f"{column}{names[n]}", column_page(portal, title, crumbs, listing))
    ctx.truth.columns.append(site.url(f"{column}index.html"))
    return listed


def _own_column(ctx: _Ctx, items: Sequence[Item] | None = None) -> list[tuple[str, str, str]]:
    """The government's 年报 column under the disclosure section."""
    crumbs = [("首页", "/"), (ctx.gk_title, ctx.gk_index), (ctx.portal.column_title, ctx.column_index)]
    return _column(ctx, ctx.portal.column_title, ctx.column, ctx.portal.items if items is None else items, crumbs)


def _lookalike(ctx: _Ctx, title: str, column: str, column_title: str, n: int, text: str) -> tuple[str, str, str]:
    """A look-alike article (not a report) in another column; listed in the truth's non-reports."""
    item = Item(900000 + n, title, f"2024-0{n % 6 + 3}-2{n % 8}", text=text)
    ym, ymd = item.date[:7].replace("-", ""), item.date.replace("-", "")
    path = f"{column}{ym}/t{ymd}_{item.id}.html"
    crumbs = [("首页", "/"), (ctx.gk_title, ctx.gk_index), (column_title, f"{column}index.html")]
    publish(ctx.portal, ctx.site, ctx.truth, item, path, None, crumbs, '<div class="TRS_Editor">', meta=False)
    ctx.site.add(f"{column}index.html", column_page(ctx.portal, column_title, crumbs, chrome.link_list([(title, path, item.date)])))
    return title, path, item.date


def _law_report(ctx: _Ctx, column: str, column_title: str = "法治政府建设") -> tuple[str, str, str]:
    name = ctx.portal.name
    return _lookalike(ctx, f"{name}2023年法治政府建设年度报告", column, column_title, 1,
                      f"2023年，{name}深入推进依法行政，加快建设法治政府。\n现将2023年度法治政府建设情况报告如下。")


# -- the shapes --------------------------------------------------------------------------------------


def _plain_home(ctx: _Ctx, news: list[tuple[str, str, str]], extra: str = "") -> None:
    entries = [("领导之窗", "/ldzc/index.html"), ("政务服务", "/zwfw/index.html"), ("互动交流", "/hdjl/index.html")]
    _stubs(ctx, entries[:1], [("首页", "/")])
    _home(ctx, news, '<div class="home-links"><div class="tit">快捷入口</div>' + _links(entries) + "</div>" + extra)


def _deep(ctx: _Ctx, news: list[tuple[str, str, str]]) -> None:
    portal, site = ctx.portal, ctx.site
    _plain_home(ctx, news)
    _gk_page(ctx, _links(ctx.gk_columns(), "gk-columns"))
    _own_column(ctx)
    column_link = f'<a href="{esc(ctx.column_index)}" target="_blank">{esc(portal.column_title)}</a>'
    # 指南: the guide's text, its 相关栏目 line under it linking the column.
    guide = f"{ctx.gk}zn/index.html"
    name = portal.skin.site_name
    text = (
        f"<h1>{esc(name)}政府信息公开指南</h1>"
        f'<p style="text-indent:2em">为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。</p>'
        f'<p style="text-indent:2em">一、主动公开。本机关主动公开的政府信息，通过门户网站{esc(ctx.gk_title)}专栏发布。</p>'
        f'<p style="text-indent:2em">二、依申请公开。公民、法人或者其他组织可以向本机关申请获取政府信息。</p>'
        f'<p style="text-indent:2em">三、工作报告。本机关于每年1月31日前公布上一年度工作情况。</p>'
        f'<p style="text-indent:2em">四、监督方式。公民、法人或者其他组织认为本机关未依法履行政府信息公开义务的，可以向上一级行政机关投诉、举报。</p>'
        f'<div class="related"><span>相关栏目：</span>{column_link} <a href="{esc(ctx.gk)}ysqgk/index.html">依申请公开</a></div>'
    )
    crumbs = [("首页", "/"), (ctx.gk_title, ctx.gk_index), ("政府信息公开指南", guide)]
    site.add(guide, _page(ctx, f"政府信息公开指南-{name}", crumbs, f'<div class="article">{text}</div>'))
    # 目录: a side tree of categories, the column last.
    tree = [(t, f"{ctx.gk}ml/{slug}/index.html") for t, slug in CATALOGUE]
    catalogue = f"{ctx.gk}ml/index.html"
    crumbs = [("首页", "/"), (ctx.gk_title, ctx.gk_index), ("政府信息公开目录", catalogue)]
    side = ('<div class="ml-tree"><div class="side-tit">公开目录</div><ul>'
            + "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for t, h in tree)
            + f"<li>{column_link}</li></ul></div>")
    body = '<div class="ml-content"><div class="no-data">请在左侧选择目录分类</div></div>'
    site.add(catalogue, _page(ctx, f"政府信息公开目录-{name}", crumbs, side + body))
    _stubs(ctx, tree, crumbs)
    _stubs(ctx, [c for c in ctx.gk_columns() if c[1] not in (guide, catalogue)])


def _scripted_nav(ctx: _Ctx, news: list[tuple[str, str, str]]) -> None:
    portal = ctx.portal
    nav = (
        '<li><a href="javascript:void(0)" onclick="location.href=\'/\'">首页</a></li>'
        f'<li><a href="javascript:void(0)" onclick="location.href=\'{esc(ctx.gk)}\'">{esc(ctx.gk_title)}</a></li>'
        '<li><a href="javascript:void(0)" onclick="window.open(\'/zwfw/index.html\')">政务服务</a></li>'
        '<li><a href="javascript:openUrl(\'/hdjl/index.html\')">互动交流</a></li>'
    )
    entries = (
        '<div class="home-rk">'
        f'<a href="{esc(ctx.gk_index)}" target="_blank"><img src="/images/rk_zwgk.png" alt="政务公开"></a>'
        '<a href="/zwfw/index.html" target="_blank"><img src="/images/rk_zwfw.png" alt="政务服务"></a>'
        '<a href="/hdjl/index.html" target="_blank"><img src="/images/rk_hdjl.png"></a></div>'
    )
    _home(ctx, news, entries, nav=nav, scripts=_OPEN_URL)
    tiles = "".join(
        f'<li class="gk-tile"><a href="javascript:void(0)" onclick="location.href=\'{esc(h)}\'">{esc(t)}</a></li>'
        for t, h in ctx.gk_columns()
    )
    how = portal.options.get("column_link", "image")
    if how == "image":
        link = f'<li class="gk-pic"><a href="{esc(ctx.column_index)}" target="_blank"><img src="/images/gk_ndbg.png" alt="年度报告"></a></li>'
    elif how == "onclick":
        link = f'<li class="gk-tile"><a href="javascript:void(0)" onclick="location.href=\'{esc(ctx.column_index)}\'">{esc(portal.column_title)}</a></li>'
    elif how == "tile":
        link = f'<li class="gk-tile" onclick="window.open(\'{esc(ctx.column_index)}\')"><i class="icon"></i><span>{esc(portal.column_title)}</span></li>'
    else:
        raise ValueError(f"{portal.host}: unknown column_link {how!r}")
    _gk_page(ctx, f'<ul class="gk-tiles">{tiles}{link}</ul>')
    _stubs(ctx, ctx.gk_columns())
    _own_column(ctx)


def _crowd(ctx: _Ctx) -> list[Link]:
    """``crowd`` column links (≥300) in a fixed order per host, the 年报 column among them."""
    level = ctx.portal.name[-1] if ctx.portal.name[-1] in "县区市旗" else "县"
    titles = [f"{level + u if u else ''}{t}" for u in CROWD_UNITS for t in CROWD_TOPICS]
    rng = random.Random(ctx.portal.host)
    count = max(300, ctx.portal.options.get("crowd", 320))
    titles = titles[:count] if count <= len(titles) else titles + [f"{level}专题{n}" for n in range(count - len(titles))]
    links = [(t, f"/col/col{1000 + n}/index.html") for n, t in enumerate(titles)]
    rng.shuffle(links)
    links.insert(rng.randrange(len(links) // 3, len(links)), (ctx.portal.column_title, ctx.column_index))
    return links


def _crowded(ctx: _Ctx, news: list[tuple[str, str, str]]) -> None:
    crowd = _crowd(ctx)
    others = [link for link in crowd if link[1] != ctx.column_index]
    block = f'<div class="home-lm"><div class="tit">栏目导航</div>{_links(crowd, "lm-list")}</div>'
    _plain_home(ctx, news, block)
    _gk_page(ctx, _links(ctx.gk_columns(), "gk-columns") + f'<div class="gk-ml"><div class="tit">主动公开目录</div>{_links(crowd, "lm-list")}</div>')
    by_title = {t: h for t, h in others}
    law = by_title["法治政府建设年度报告"]
    _law_report(ctx, law.removesuffix("index.html"), "法治政府建设年度报告")
    stats = by_title["统计公报"]
    name = ctx.portal.name
    _lookalike(ctx, f"{name}2023年国民经济和社会发展统计公报", stats.removesuffix("index.html"), "统计公报", 2,
               f"2023年，{name}地区生产总值稳步增长。\n全年城乡居民人均可支配收入继续提高。")
    _stubs(ctx, others)
    _stubs(ctx, ctx.gk_columns())
    _own_column(ctx)


def _sitemap_only(ctx: _Ctx, news: list[tuple[str, str, str]]) -> None:
    portal, site = ctx.portal, ctx.site
    _plain_home(ctx, news)
    _gk_page(ctx, _links(ctx.gk_columns(), "gk-columns"))
    _stubs(ctx, ctx.gk_columns())
    _own_column(ctx)
    gk_children = [*ctx.gk_columns(), (portal.column_title, ctx.column_index)]
    groups = [(ctx.gk_title, ctx.gk_index), ("政务要闻", "/xwzx/zwyw/index.html"), ("政务服务", "/zwfw/index.html"),
              ("互动交流", "/hdjl/index.html"), ("领导之窗", "/ldzc/index.html")]
    _site_map(ctx, groups, {ctx.gk_index: gk_children})
    newest = max((i.date for i in portal.items), default="2024-01-01")
    urls = ["/", *(h for _, h in groups), *(h for _, h in gk_children)]
    entries = "".join(
        f"<url><loc>{esc(site.url(u))}</loc><lastmod>{newest}</lastmod><changefreq>daily</changefreq></url>\n" for u in urls
    )
    xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n'
    site.add("/sitemap.xml", xml.encode("utf-8"), "text/xml; charset=utf-8")


def _matches(term: str, title: str) -> bool:
    """A search term found in a title; 年报 and 年度报告 stand for each other, as the engine's synonyms."""
    if term in title:
        return True
    return (term == "年报" and "年度报告" in title) or (term == "年度报告" and "年报" in title)


def _highlight(title: str, terms: Sequence[str]) -> str:
    for term in terms:
        if term in title:
            before, _, after = title.partition(term)
            return f"{esc(before)}<em>{esc(term)}</em>{esc(after)}"
    return esc(title)


def _search_only(ctx: _Ctx, news: list[tuple[str, str, str]]) -> None:
    site = ctx.site
    _plain_home(ctx, news)
    law_column = f"{ctx.gk}fzzfjs/"
    columns = [*ctx.gk_columns(), ("法治政府建设", f"{law_column}index.html")]
    _gk_page(ctx, _links(columns, "gk-columns"))
    docs = [*_own_column(ctx), _law_report(ctx, law_column), *news]
    _stubs(ctx, ctx.gk_columns())
    handler = _search_handler(ctx, docs)
    site.handlers[SEARCH_PATH] = handler
    site.handlers[f"{SEARCH_PATH}/"] = handler


def _search_handler(ctx: _Ctx, docs: Sequence[tuple[str, str, str]]) -> Callable[[Request], Response]:
    """GET /search?q=…&page=N: the titles matching every term, newest first, 10 a page."""
    ordered = sorted(docs, key=lambda d: d[2], reverse=True)

    def handle(req: Request) -> Response:
        q = (req.query.get("q") or req.form.get("q") or "").strip()
        terms = q.split()
        try:
            page = max(1, int(req.query.get("page") or 1))
        except ValueError:
            page = 1
        hits = [d for d in ordered if terms and all(_matches(t, d[0]) for t in terms)]
        pages = max(1, -(-len(hits) // SEARCH_PAGE_SIZE))
        chunk = hits[(page - 1) * SEARCH_PAGE_SIZE : page * SEARCH_PAGE_SIZE]
        rows = "".join(
            f'<li><a href="{esc(path)}" target="_blank"><p class="tit">{_highlight(title, terms)}</p></a>'
            f'<p class="summary">{esc(title)}……<span>【详细】</span></p><p class="meta"><span>{esc(date)}</span> '
            f"<span>{esc(ctx.site.url(path))}</span></p></li>"
            for title, path, date in chunk
        )

        def href(n: int) -> str:
            return f"{SEARCH_PATH}?{urlencode({'q': q, 'page': n})}"

        pager = ""
        if len(hits) > SEARCH_PAGE_SIZE:
            links = [f'<a href="{esc(href(1))}">首页</a>']
            if page > 1:
                links.append(f'<a href="{esc(href(page - 1))}">上一页</a>')
            if page < pages:
                links.append(f'<a href="{esc(href(page + 1))}">下一页</a>')
            links.append(f'<a href="{esc(href(pages))}">尾页</a>')
            pager = f'<div class="new-page"><span>{page}/{pages}页</span> <span>共{len(hits)}条记录</span> {" ".join(links)}</div>'
        summary = f'<div class="result-count">共找到 <b>{len(hits)}</b> 条与“{esc(q)}”相关的结果</div>' if q else ""
        main = f'<div class="search-result">{summary}<ul class="result-list">{rows}</ul>{pager}</div>'
        html = _page(ctx, f"搜索结果-{ctx.portal.skin.site_name}", [("首页", "/"), ("站内搜索", SEARCH_PATH)], main)
        body, ctype = ctx.site._encode(html, HTML)
        return Response(body, ctype)

    return handle


def _unit_name(portal: Portal, full: str) -> str:
    """How the platform lists a unit: 县教育局, 永乐江镇 (its full name without the county's)."""
    rest = full.removeprefix(portal.prefecture).removeprefix(portal.name).removesuffix("人民政府")
    if rest == full or not rest:
        return full
    if rest.endswith(("镇", "乡", "街道")):
        return rest
    return (portal.name[-1] if portal.name[-1] in "县区市旗" else "县") + rest


def _department_platform(ctx: _Ctx, news: list[tuple[str, str, str]]) -> None:
    portal, site = ctx.portal, ctx.site
    opt = portal.options
    departments = [(full, slug) for full, slug in opt.get("departments", ())]
    towns = [(full, slug) for full, slug in opt.get("towns", ())]
    units = {full: slug for full, slug in [*departments, *towns]}
    misfiled = dict(opt.get("misfiled") or {})
    named = dict(opt.get("named_files") or {})
    _plain_home(ctx, news)
    platform = f"{PLATFORM_PATH}index.html"
    gk_links = [*ctx.gk_columns(), (portal.column_title, ctx.column_index), ("部门信息公开", platform)]
    _gk_page(ctx, _links(gk_links, "gk-columns"))
    _stubs(ctx, ctx.gk_columns())
    slugs = set(units.values())
    filed: dict[str, list[Item]] = {}
    for item in portal.items:
        slug = misfiled.get(item.id) or units.get(item.source or "")
        if slug is not None and slug not in slugs:
            raise ValueError(f"{portal.host}: item {item.id} filed to unknown unit {slug!r}")
        filed.setdefault(slug or "", []).append(item)
    _own_column(ctx, filed.get("", []))
    crumbs = [("首页", "/"), ("部门信息公开", platform)]

    def block(title: str, group: list[tuple[str, str]]) -> str:
        lis = "".join(f'<li><a href="./{esc(slug)}/" target="_blank">{esc(_unit_name(portal, full))}</a></li>' for full, slug in group)
        return f'<div class="bm-block"><div class="tit">{esc(title)}</div><ul class="zdlyList">{lis}</ul></div>'

    level = portal.name[-1] if portal.name[-1] in "县区市旗" else "县"
    main = ('<div class="bmxxgk"><div class="column-tit">部门信息公开</div>'
            + block(f"{level}直部门", departments) + block("乡镇（街道）", towns) + "</div>")
    site.add(platform, _page(ctx, f"部门信息公开-{portal.skin.site_name}", crumbs, main, meta={"ColumnName": "部门信息公开"}))
    for full, slug in [*departments, *towns]:
        short = _unit_name(portal, full)
        home = f"{PLATFORM_PATH}{slug}/"
        column = f"{home}{UNIT_COLUMN}/"
        unit_crumbs = [*crumbs, (short, f"{home}index.html")]
        columns = [("信息公开指南", f"{home}xxgkzn/index.html"), ("机构职能", f"{home}jgzn/index.html"),
                   ("政策文件", f"{home}zcwj/index.html"), (portal.column_title, f"{column}index.html"),
                   ("工作动态", f"{home}gzdt/index.html")]
        body = f'<div class="unit-gk"><div class="column-tit">{esc(short)}信息公开</div><div class="mlList">{_links(columns)}</div></div>'
        site.add(f"{home}index.html", _page(ctx, f"{short}信息公开-{portal.skin.site_name}", unit_crumbs, body,
                                            meta={"ColumnName": f"{short}信息公开"}))
        _stubs(ctx, [c for c in columns if not c[1].startswith(column)], unit_crumbs)
        _column(ctx, portal.column_title, column, filed.get(slug, []), [*unit_crumbs, (portal.column_title, f"{column}index.html")],
                {i: n for i, n in named.items() if i in {x.id for x in filed.get(slug, [])}})


_BUILDERS: dict[str, Callable[[_Ctx, list[tuple[str, str, str]]], None]] = {
    "deep": _deep,
    "scripted_nav": _scripted_nav,
    "crowded": _crowded,
    "sitemap_only": _sitemap_only,
    "search_only": _search_only,
    "department_platform": _department_platform,
}
