"""Column lists served by a JSON API: Guangdong gkmlpt and Fujian "动静结合" lists.

gkmlpt (政府信息公开目录平台): ``/gkmlpt/annualreport`` is an empty shell whose script asks
``/gkmlpt/api/all/annualreport?sid=…&page=N`` for ``{"total", "articles": [{title, url, date}]}``;
articles live at ``/content/post_<id>.html``. Fujian: the column page lists its first items as
static HTML and its script asks ``/fjdzapp/search?channelid=…&chnlid=…&page=N&pageSize=K`` for the
rest (``{"total", "docs": [{title, url, time}]}``). The script's parameters are in the page.
"""

from __future__ import annotations

import json
from dataclasses import replace

from replica import chrome
from replica.families import column_page, homepage, listed_title, portal_site, publish, stub_columns
from replica.model import CONTENT_TYPES, Item, Portal, PortalTruth, Request, Response, Site

GKMLPT_API = "/gkmlpt/api/all/annualreport"
FUJIAN_API = "/fjdzapp/search"


def _json(data: object) -> Response:
    return Response(json.dumps(data, ensure_ascii=False).encode("utf-8"), CONTENT_TYPES["json"])


def _paged(entries: list[dict], key: str, default_size: int, params: dict[str, str]):
    """A handler answering page ``page`` (from 1) of ``entries`` when the query carries ``params``."""

    def handle(req: Request) -> Response:
        if any(req.query.get(k) != v for k, v in params.items()):
            return _json({"total": 0, key: []})
        try:
            page = max(1, int(req.query.get("page", "1")))
            size = max(1, min(100, int(req.query.get("pageSize", str(default_size)))))
        except ValueError:
            return _json({"total": 0, key: []})
        return _json({"total": len(entries), key: entries[(page - 1) * size : page * size]})

    return handle


def _gkmlpt_script(sid: str, size: int) -> str:
    return f"""<script type="text/javascript">
window.GKMLPT_CONFIG = {{"sid": "{sid}", "api": "{GKMLPT_API}", "pageSize": {size}}};
(function () {{
  var cfg = window.GKMLPT_CONFIG, box = document.getElementById("report-list");
  function load(page) {{
    fetch(cfg.api + "?sid=" + cfg.sid + "&page=" + page).then(function (r) {{ return r.json(); }}).then(function (d) {{
      d.articles.forEach(function (a) {{
        var li = document.createElement("li"), link = document.createElement("a");
        link.href = a.url; link.textContent = a.title; link.title = a.title; li.appendChild(link); box.appendChild(li);
      }});
      if (page * cfg.pageSize < d.total) {{ load(page + 1); }}
    }});
  }}
  load(1);
}})();
</script>"""


def build_gkmlpt(portal: Portal) -> tuple[list[Site], PortalTruth]:
    """A Guangdong portal: homepage → ``/gkmlpt/index`` → ``/gkmlpt/annualreport`` (JSON API) → posts."""
    opt = portal.options
    sid, size = str(opt.get("sid", 757)), opt.get("per_page", 15)
    portal = replace(portal, skin=replace(portal.skin, nav=(portal.skin.nav[0], (portal.skin.nav[1][0], "/gkmlpt/index"), *portal.skin.nav[2:])))
    site = portal_site(portal)
    truth = PortalTruth(portal, site.url("/gkmlpt/annualreport"), needs_browser=bool(site.conditions.challenge))
    crumbs = [("首页", "/"), ("政府信息公开", "/gkmlpt/index"), (portal.column_title, "/gkmlpt/annualreport")]
    entries = []
    for item in portal.items:
        path = f"/content/post_{item.id}.html"
        attach = f"/attachment/0/{item.id % 997}/{item.id}.{item.fmt}"
        publish(portal, site, truth, item, path, attach, crumbs, '<div class="article-content">')
        entries.append({"title": listed_title(item), "url": site.url(path), "date": item.date})
    site.handlers[GKMLPT_API] = _paged(entries, "articles", size, {"sid": sid})
    listing = '<ul id="report-list" class="list"></ul>'
    site.add("/gkmlpt/annualreport", column_page(portal, portal.column_title, crumbs, listing, _gkmlpt_script(sid, size)))
    columns = [("政府信息公开指南", "/gkmlpt/guide"), ("政府信息公开制度", "/gkmlpt/policy"), (portal.column_title, "/gkmlpt/annualreport")]
    links = "".join(f'<li><a href="{p}">{chrome.esc(t)}</a></li>' for t, p in columns)
    site.add("/gkmlpt/index", column_page(portal, "政府信息公开", crumbs[:2], f'<ul class="gk-columns">{links}</ul>'))
    stub_columns(portal, site, columns, crumbs[:2])
    homepage(portal, site, [(i.title, f"/content/post_{i.id}.html", i.date) for i in portal.items if not i.is_report])
    return [site], truth


def _fujian_script(channel: str, chnl: str, size: int, static: int) -> str:
    return f"""<script type="text/javascript">
var searchParams = {{"url": "{FUJIAN_API}", "channelid": "{channel}", "chnlid": "{chnl}", "pageSize": {size}, "staticCount": {static}}};
function loadPage(page) {{
  var p = searchParams;
  fetch(p.url + "?channelid=" + p.channelid + "&chnlid=" + p.chnlid + "&page=" + page + "&pageSize=" + p.pageSize)
    .then(function (r) {{ return r.json(); }})
    .then(function (d) {{
      var ul = document.getElementById("dyn-list"); ul.innerHTML = "";
      d.docs.forEach(function (x) {{ ul.insertAdjacentHTML("beforeend", '<li><a href="' + x.url + '">' + x.title + '</a><span>' + x.time + '</span></li>'); }});
    }});
}}
</script>"""


def _fujian_article(column: str, item: Item) -> str:
    ymd = item.date.replace("-", "")
    return f"{column}{ymd[:6]}/t{ymd}_{item.id}.htm"


def build_fujian(portal: Portal) -> tuple[list[Site], PortalTruth]:
    """A Fujian portal: the column shows its first ``static`` items; page 2 on come from the search API."""
    opt = portal.options
    channel, chnl = str(opt.get("channelid", 200210)), str(opt.get("chnlid", 1813))
    size, static = opt.get("per_page", 10), opt.get("static", 10)
    portal = replace(portal, skin=replace(portal.skin, nav=(portal.skin.nav[0], (portal.skin.nav[1][0], "/zwgk/zfxxgk/index.htm"), *portal.skin.nav[2:])))
    site = portal_site(portal)
    column = "/zwgk/zfxxgk/zfxxgknb/"
    truth = PortalTruth(portal, site.url(f"{column}index.htm"), needs_browser=bool(site.conditions.challenge))
    crumbs = [("首页", "/"), ("政府信息公开", "/zwgk/zfxxgk/index.htm"), (portal.column_title, f"{column}index.htm")]
    listed, entries = [], []
    for item in portal.items:
        path = _fujian_article(column, item)
        attach = f"{column}{item.date[:7].replace('-', '')}/P0{item.date.replace('-', '')}{item.id}.{item.fmt}"
        publish(portal, site, truth, item, path, attach, crumbs, '<div class="TRS_Editor">')
        listed.append((listed_title(item), path, item.date))
        entries.append({"title": listed_title(item), "url": site.url(path), "time": item.date})
    site.handlers[FUJIAN_API] = _paged(entries, "docs", size, {"channelid": channel, "chnlid": chnl})
    pages = -(-len(entries) // size)
    pager = "".join(f'<a href="javascript:loadPage({n})">{n}</a> ' for n in range(1, pages + 1)) if pages > 1 else ""
    listing = chrome.link_list(listed[:static]) + f'<ul id="dyn-list" class="list"></ul><div class="pager">{pager}</div>'
    site.add(f"{column}index.htm", column_page(portal, portal.column_title, crumbs, listing, _fujian_script(channel, chnl, size, static)))
    columns = [("政府信息公开指南", "/zwgk/zfxxgk/xxgkzn/index.htm"), (portal.column_title, f"{column}index.htm")]
    text = portal.column_title[:4] + "<br>" + portal.column_title[4:]
    links = "".join(f'<li><a href="{p}">{text if p.startswith(column) else chrome.esc(t)}</a></li>' for t, p in columns)
    site.add("/zwgk/zfxxgk/index.htm", column_page(portal, "政府信息公开", crumbs[:2], f'<ul class="gk-columns">{links}</ul>'))
    stub_columns(portal, site, columns, crumbs[:2])
    homepage(portal, site, [(i.title, _fujian_article(column, i), i.date) for i in portal.items if not i.is_report])
    return [site], truth
