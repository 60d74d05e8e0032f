"""TRS WCM portals: ``index.html`` / ``index_1.html`` pagination written by ``createPageHTML``.

Column lists are static HTML with relative article links ``./YYYYMM/tYYYYMMDD_ID.html``; the
pager exists only as script (``var countPage = N`` + ``createPageHTML(N, cur, "index", "html")``),
attachments are named ``P0YYYYMMDD…``. Article bodies sit in ``<div class="TRS_Editor">``.
"""

from __future__ import annotations

from govcrawl.replica import chrome
from govcrawl.replica.families import column_page, homepage, publish, stub_columns
from govcrawl.replica.model import Item, Portal, PortalTruth, Site

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


def build(portal: Portal) -> tuple[Site, PortalTruth]:
    """The TRS portal: homepage → disclosure page (``/zwgk/``) → paginated 年报 column → articles."""
    skin = portal.skin
    site = Site.for_skin(portal.host, skin)
    per_page = portal.options.get("per_page", 3)
    gk_path = portal.options.get("disclosure_path", "/zwgk/")
    column = portal.options.get("column_path", f"{gk_path}zfxxgknb/")
    gk_title = portal.options.get("disclosure_title", "政府信息公开")
    truth = PortalTruth(portal, site.url(f"{column}index.html"), needs_browser=False)

    crumbs = [("首页", "/"), (gk_title, f"{gk_path}index.html"), (portal.column_title, f"{column}index.html")]
    listed: list[tuple[str, str, str]] = []
    for item in portal.items:
        path = _article_path(column, item)
        attach = (
            f"{column}{item.date[:7].replace('-', '')}/P0{item.date.replace('-', '')}{item.id}.{item.fmt}"
        )
        publish(portal, site, truth, item, path, attach, crumbs, '<div class="TRS_Editor">')
        listed.append((item.title, "./" + path.removeprefix(column), item.date))

    pages = [listed[i : i + per_page] for i in range(0, len(listed), per_page)] or [[]]
    for n, chunk in enumerate(pages):
        pager = (
            f'<div class="page"><script type="text/javascript">\nvar currentPage = {n};\n'
            f"var countPage = {len(pages)};\n"
            f'createPageHTML({len(pages)}, {n}, "index", "html");\n</script></div>'
        )
        html = column_page(portal, portal.column_title, crumbs, chrome.link_list(chunk) + pager)
        html = html.replace("</head>", _PAGER_JS + "\n</head>", 1)
        site.add(f"{column}index{'_' + str(n) if n else ''}.html", html)

    columns = [(t, f"{gk_path}{slug}/index.html") for t, slug in portal.options.get("columns", ())]
    columns.append((portal.column_title, f"{column}index.html"))
    links = "".join(f'<li><a href="./{p.removeprefix(gk_path)}">{chrome.esc(t)}</a></li>' for t, p in columns)
    gk_html = column_page(portal, gk_title, crumbs[:2], f'<ul class="gk-columns">{links}</ul>')
    site.add(f"{gk_path}index.html", gk_html)
    stub_columns(portal, site, columns, crumbs[:2])
    homepage(
        portal, site, [(i.title, _article_path(column, i), i.date) for i in portal.items if not i.is_report]
    )
    return site, truth
