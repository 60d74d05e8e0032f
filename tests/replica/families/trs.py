"""TRS WCM portals: ``index.html`` / ``index_1.html`` pagination written by ``createPageHTML``.

Column lists are static HTML with relative article links ``./YYYYMM/tYYYYMMDD_ID.html``; the
pager exists only as script (``var countPage = N`` + ``createPageHTML(N, cur, "index", "html")``),
attachments are named ``P0YYYYMMDD…``. Article bodies sit in ``<div class="TRS_Editor">``.
"""

from __future__ import annotations

from replica import chrome
from replica.families import column_page, homepage, listed_title, portal_site, publish, stub_columns
from replica.model import Item, Portal, PortalTruth, Site

# TRS ships this helper in every list template; it writes the pager with document.write.
_PAGER_JS = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount <= 1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  function href(i){ return i == 0 ? _sPageName + "." + _sPageExt : _sPageName + "_" + i + "." + _sPageExt; }
  document.write("<a href=\\"" + href(0) + "\\">首页</a> ");
  if(nCurrIndex > 0){ document.write("<a href=\\"" + href(nCurrIndex - 1) + "\\">上一页</a> "); }
  if(nCurrIndex < _nPageCount - 1){ document.write("<a href=\\"" + href(nCurrIndex + 1) + "\\">下一页</a> "); }
  document.write("<a href=\\"" + href(_nPageCount - 1) + "\\">尾页</a>");
}
</script>"""


def _article_path(column: str, item: Item) -> str:
    ymd = item.date.replace("-", "")
    return f"{column}{ymd[:6]}/t{ymd}_{item.id}.html"


#: Per-unit sub-columns as real portals name them: (link text, slug).
UNIT_COLUMNS = (("本级年报", "bj"), ("部门年报", "bm"), ("乡镇（街道）年报", "jd"))


def _sub_columns(portal: Portal, column: str) -> list[tuple[str, str, list[Item]]]:
    """(link text, path, items) of each sub-column; [] when the column is one flat list.

    ``split="year"``: one sub-column per report year (``2022n/`` or ``2022_<id>/``), whose list
    titles may leave the year out; ``split="unit"``: 本级 / 部门 / 乡镇街道, items dealt round-robin
    by id. Paths and assignments hang on nothing a newer item changes (the oldest item's id, each
    item's own), so a portal that publishes more keeps its earlier URLs.
    """
    split = portal.options.get("split")
    if split == "year":
        style = portal.options.get("year_slug", "{y}n")
        years = sorted({i.date[:4] for i in portal.items}, reverse=True)
        return [
            (
                f"{y}年",
                f"{column}{style.format(y=y, id=(portal.items[-1].id + int(y)) % 1000)}/",
                [i for i in portal.items if i.date[:4] == y],
            )
            for y in years
        ]
    if split == "unit":
        return [
            (text, f"{column}{slug}/", [i for i in portal.items if i.id % len(UNIT_COLUMNS) == n])
            for n, (text, slug) in enumerate(UNIT_COLUMNS)
        ]
    return []


def _list_pages(
    portal: Portal, site: Site, title: str, crumbs: list, column: str, listed: list, extra: str = ""
) -> None:
    """The TRS list of ``column``: ``index.html``, ``index_1.html`` … with the script pager."""
    per_page = portal.options.get("per_page", 3)
    pages = [listed[i : i + per_page] for i in range(0, len(listed), per_page)] or [[]]
    for n, chunk in enumerate(pages):
        pager = (
            f'<div class="page"><script type="text/javascript">\nvar currentPage = {n};\n'
            f"var countPage = {len(pages)};\n"
            f'createPageHTML({len(pages)}, {n}, "index", "html");\n</script></div>'
        )
        html = column_page(portal, title, crumbs, extra + chrome.link_list(chunk) + pager)
        html = html.replace("</head>", _PAGER_JS + "\n</head>", 1)
        site.add(f"{column}index{'_' + str(n) if n else ''}.html", html)


def build(portal: Portal) -> tuple[list[Site], PortalTruth]:
    """The TRS portal: homepage → disclosure page → paginated 年报 column (or its sub-columns) → articles.

    Options: ``disclosure_path``/``disclosure_title``/``column_path``; ``split`` (see
    :func:`_sub_columns`); ``ztzl`` (the column hangs under 专题专栏, not the disclosure page);
    ``split_text`` (the column's link text broken by ``<br>``); ``gk_host`` (the disclosure
    sub-site is another host of the unit's domain).
    """
    skin = portal.skin
    opt = portal.options
    site = portal_site(portal)
    gk_site = Site.for_skin(opt["gk_host"], skin, site.conditions) if opt.get("gk_host") else site
    gk_path = opt.get("disclosure_path", "/zwgk/")
    ztzl = opt.get("ztzl", False)
    column = opt.get("column_path", f"{'/ztzl/' if ztzl else gk_path}zfxxgknb/")
    gk_title = opt.get("disclosure_title", "政府信息公开")
    truth = PortalTruth(portal, gk_site.url(f"{column}index.html"), needs_browser=bool(site.conditions.challenge))

    parent = ("专题专栏", "/ztzl/index.html") if ztzl else (gk_title, f"{gk_path}index.html")
    crumbs = [("首页", "/"), parent, (portal.column_title, f"{column}index.html")]
    subs = _sub_columns(portal, column)
    news = []
    for title, path, items in subs or [(portal.column_title, column, list(portal.items))]:
        listed = []
        for item in items:
            art = _article_path(path, item)
            attach = f"{path}{item.date[:7].replace('-', '')}/P0{item.date.replace('-', '')}{item.id}.{item.fmt}"
            publish(portal, gk_site, truth, item, art, attach, crumbs, '<div class="TRS_Editor">')
            listed.append((listed_title(item), "./" + art.removeprefix(path), item.date))
            if not item.is_report:
                news.append((item.title, gk_site.url(art) if gk_site is not site else art, item.date))
        sub_crumbs = crumbs if path == column else [*crumbs, (title, f"{path}index.html")]
        _list_pages(portal, gk_site, title, sub_crumbs, path, listed)
    if subs:
        tabs = "".join(f'<li><a href="./{p.removeprefix(column)}index.html">{chrome.esc(t)}</a></li>' for t, p, _ in subs)
        _list_pages(portal, gk_site, portal.column_title, crumbs, column, [], f'<ul class="sub-columns">{tabs}</ul>')

    columns = [(t, f"{gk_path}{slug}/index.html") for t, slug in opt.get("columns", ())]
    if not ztzl:
        columns.append((portal.column_title, f"{column}index.html"))

    def anchor(t: str, p: str) -> str:
        text = chrome.esc(t)
        if t == portal.column_title and opt.get("split_text"):
            text = text[: len(text) // 2] + "<br>" + text[len(text) // 2 :]
        return f'<li><a href="./{p.removeprefix(gk_path)}">{text}</a></li>'

    links = "".join(anchor(t, p) for t, p in columns)
    gk_html = column_page(portal, gk_title, crumbs[:2] if not ztzl else [crumbs[0], (gk_title, f"{gk_path}index.html")], f'<ul class="gk-columns">{links}</ul>')
    gk_site.add(f"{gk_path}index.html", gk_html)
    stub_columns(portal, gk_site, columns, crumbs[:2])
    if ztzl:
        topics = [("优化营商环境", "/ztzl/yhyshj/index.html"), (portal.column_title, f"{column}index.html")]
        lis = "".join(f'<li><a href="{p}">{chrome.esc(t)}</a></li>' for t, p in topics)
        site.add("/ztzl/index.html", column_page(portal, "专题专栏", [crumbs[0], crumbs[1]], f'<ul class="gk-columns">{lis}</ul>'))
        stub_columns(portal, site, topics[:1], [crumbs[0], crumbs[1]])
    homepage(portal, site, news)
    return [site] if gk_site is site else [site, gk_site], truth
