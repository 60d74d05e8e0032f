"""CMS families that differ only in URL shapes: static lists paged by a 下一页 link.

Each family is data (:class:`Shape`): where the disclosure page, the 年报 list, its further pages
and its articles live. Covered: the Anhui openness platform (``showList/<col>/0/page_N.html``,
``OpennessAnnualReport/show/<id>.html``), Jiangxi/Hunan (``/<site>/c<col>/<yyyymm>/<uuid32>.shtml``),
博达 (``/info/<col>/<id>.htm``), ASP.NET (``/Category_<n>/Index.aspx``) and the Beijing-style
disclosure platform on a separate host (``zfxxgk.…/<unit>/zfxxgknb/list.shtml``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from replica import chrome
from replica.chrome import Skin
from replica.families import column_page, homepage, listed_title, portal_site, publish, stub_columns
from replica.model import Item, Portal, PortalTruth, Site


@dataclass(frozen=True)
class Shape:
    """Paths of one family; ``c`` is the portal's column id, ``s`` its site slug."""

    gk_path: Callable[[str, str], str]  # (c, s) → disclosure page
    list_path: Callable[[str, str, int], str]  # (c, s, page number from 1) → list page
    article: Callable[[str, str, Item], str]  # (c, s, item) → article page
    attachment: Callable[[str, str, Item], str]  # (c, s, item) → the report file
    container: str
    other_columns: Callable[[str, str, int], str]  # (c, s, n) → another column of the disclosure page


def _uuid32(item: Item) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{item.id}-{item.date}").hex


def _ym(item: Item) -> str:
    return item.date[:7].replace("-", "")


SHAPES: dict[str, Shape] = {
    "openness": Shape(
        gk_path=lambda c, s: "/openness/index.html",
        list_path=lambda c, s, n: f"/openness/OpennessContent/showList/{c}/0/page_{n}.html",
        article=lambda c, s, i: f"/openness/OpennessAnnualReport/show/{i.id}.html",
        attachment=lambda c, s, i: f"/group1/M00/{_ym(i)}/{_uuid32(i)[:16]}.{i.fmt}",
        container='<div class="wzcon j-fontContent">',
        other_columns=lambda c, s, n: f"/openness/OpennessContent/showList/{int(c) + n}/0/page_1.html",
    ),
    "jiangxi": Shape(
        gk_path=lambda c, s: f"/{s}/zfxxgk/index.shtml",
        list_path=lambda c, s, n: f"/{s}/c{c}/list{'' if n == 1 else '_' + str(n)}.shtml",
        article=lambda c, s, i: f"/{s}/c{c}/{_ym(i)}/{_uuid32(i)}.shtml",
        attachment=lambda c, s, i: f"/{s}/c{c}/{_ym(i)}/{_uuid32(i)}/files/{_uuid32(i)[:12]}.{i.fmt}",
        container='<div class="article-con" id="zoom">',
        other_columns=lambda c, s, n: f"/{s}/c{int(c) + n}/list.shtml",
    ),
    "boda": Shape(
        gk_path=lambda c, s: "/xxgk.htm",
        list_path=lambda c, s, n: "/xxgk/zfxxgknb.htm" if n == 1 else f"/xxgk/zfxxgknb/{n}.htm",
        article=lambda c, s, i: f"/info/{c}/{i.id}.htm",
        attachment=lambda c, s, i: f"/system/_content/download.jsp?urltype=news.DownloadAttachUrl&wbfileid={i.id}&f=.{i.fmt}",
        container='<div class="v_news_content">',
        other_columns=lambda c, s, n: f"/xxgk/col{n}.htm",
    ),
    "aspnet": Shape(
        gk_path=lambda c, s: "/Category_1/Index.aspx",
        list_path=lambda c, s, n: f"/Category_{c}/Index{'' if n == 1 else '_' + str(n)}.aspx",
        article=lambda c, s, i: f"/Item/{i.id}.aspx",
        attachment=lambda c, s, i: f"/UploadFiles/{_ym(i)}/{i.id}.{i.fmt}",
        container='<div id="fontzoom">',
        other_columns=lambda c, s, n: f"/Category_{int(c) + n}/Index.aspx",
    ),
    "zfxxgk": Shape(
        gk_path=lambda c, s: f"/{c}/index.shtml",
        list_path=lambda c, s, n: f"/{c}/zfxxgknb/list{'' if n == 1 else '_' + str(n)}.shtml",
        article=lambda c, s, i: f"/{c}/zfxxgknb/{_ym(i)}/t{i.date.replace('-', '')}_{i.id}.html",
        attachment=lambda c, s, i: f"/{c}/zfxxgknb/{_ym(i)}/P0{i.date.replace('-', '')}{i.id}.{i.fmt}",
        container='<div class="view TRS_UEDITOR">',
        other_columns=lambda c, s, n: f"/{c}/{('zfxxgkzn', 'zcwj', 'gzdt')[n % 3]}/list.shtml",
    ),
}


def _pager(paths: list[str], n: int) -> str:
    links = [f'<a href="{paths[0]}">首页</a>']
    if n > 0:
        links.append(f'<a href="{paths[n - 1]}">上一页</a>')
    if n < len(paths) - 1:
        links.append(f'<a href="{paths[n + 1]}">下一页</a>')
    links.append(f'<a href="{paths[-1]}">尾页</a>')
    return f'<div class="pagination">{" ".join(links)} <span>共{len(paths)}页</span></div>'


def build(portal: Portal) -> tuple[list[Site], PortalTruth]:
    """A portal of the family ``portal.family`` (one of :data:`SHAPES`).

    Options: ``column_id``, ``site_slug``, ``per_page``, ``gk_host`` (the disclosure platform's host:
    the homepage links there, the column lives there).
    """
    shape = SHAPES[portal.family]
    opt = portal.options
    c, s = str(opt.get("column_id", 1302)), opt.get("site_slug", "site")
    gk_path = shape.gk_path(c, s)
    gk_href = f"http://{opt['gk_host']}{gk_path}" if opt.get("gk_host") else gk_path
    # The nav's second entry is the disclosure section, wherever this family keeps it.
    portal = replace(portal, skin=replace(portal.skin, nav=(portal.skin.nav[0], (portal.skin.nav[1][0], gk_href), *portal.skin.nav[2:])))
    site = portal_site(portal)
    gk = Site.for_skin(opt["gk_host"], _platform_skin(portal.skin), site.conditions) if opt.get("gk_host") else site
    first = shape.list_path(c, s, 1)
    truth = PortalTruth(portal, gk.url(first), needs_browser=bool(site.conditions.challenge))
    crumbs = [("首页", "/"), ("政府信息公开", gk_path), (portal.column_title, first)]

    listed = []
    for item in portal.items:
        art = shape.article(c, s, item)
        publish(portal, gk, truth, item, art, shape.attachment(c, s, item), crumbs, shape.container)
        listed.append((listed_title(item), art, item.date))
    per_page = opt.get("per_page", 10)
    chunks = [listed[i : i + per_page] for i in range(0, len(listed), per_page)] or [[]]
    paths = [shape.list_path(c, s, n + 1) for n in range(len(chunks))]
    for n, chunk in enumerate(chunks):
        pager = _pager(paths, n) if len(chunks) > 1 else ""
        gk.add(paths[n], column_page(portal, portal.column_title, crumbs, chrome.link_list(chunk) + pager))

    names = ("政府信息公开指南", "政府信息公开制度", "法定主动公开内容")
    columns = [(t, shape.other_columns(c, s, n + 1)) for n, t in enumerate(names)]
    columns.append((portal.column_title, first))
    links = "".join(f'<li><a href="{p}">{chrome.esc(t)}</a></li>' for t, p in columns)
    gk.add(gk_path, column_page(portal, "政府信息公开", crumbs[:2], f'<ul class="gk-columns">{links}</ul>'))
    stub_columns(portal, gk, columns, crumbs[:2])
    news = [(i.title, gk.url(shape.article(c, s, i)), i.date) for i in portal.items if not i.is_report]
    homepage(portal, site, news)
    return ([site] if gk is site else [site, gk]), truth


def _platform_skin(skin: Skin) -> Skin:
    """The disclosure platform's own look: its name and nav, the unit's registration numbers."""
    return Skin(
        site_name=f"{skin.site_name}政府信息公开",
        site_code=skin.site_code,
        icp=skin.icp,
        police=skin.police,
        nav=(("首页", "/"),),
        css_prefix="zfxxgk",
    )
