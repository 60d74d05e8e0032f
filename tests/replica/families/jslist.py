"""Portals whose column list is built only by JavaScript.

The column page holds an empty ``<ul id="list">``; a script waits (``setTimeout``) and then
``fetch``es a JSON list whose URL it assembles from pieces, so no literal link to the list
exists in the HTML and only a real browser sees the items.
"""

from __future__ import annotations

import json

from replica import chrome
from replica.families import column_page, homepage, listed_title, portal_site, publish, stub_columns
from replica.model import CONTENT_TYPES, Item, Portal, PortalTruth, Site


def _article_path(column: str, item: Item) -> str:
    return f"{column}{item.date[:7].replace('-', '')}/content_{item.id}.html"


def _list_script(api_root: str, channel: str, delay_ms: int) -> str:
    # The URL is built from parts on purpose: crawlers reading the HTML find no link to follow.
    return f"""<script type="text/javascript">
(function () {{
  var root = "{api_root}", parts = ["list", "{channel}"];
  setTimeout(function () {{
    fetch(root + "/" + parts.join("/") + ".json?t=" + new Date().getTime())
      .then(function (r) {{ return r.json(); }})
      .then(function (d) {{
        var ul = document.getElementById("list");
        d.data.items.forEach(function (it) {{
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = it.url; a.title = it.title; a.target = "_blank"; a.textContent = it.title;
          var s = document.createElement("span"); s.textContent = it.date;
          li.appendChild(a); li.appendChild(s); ul.appendChild(li);
        }});
      }});
  }}, {delay_ms});
}})();
</script>"""


def build(portal: Portal) -> tuple[Site, PortalTruth]:
    """The JS-list portal: homepage → 信息公开 → column filled by fetch() → articles (+ attachments)."""
    opt = portal.options
    site = portal_site(portal)
    gk_path = opt.get("disclosure_path", "/xxgk/")
    channel = opt.get("channel", "zfxxgknb")
    column = f"{gk_path}{channel}/"
    api_root = f"{gk_path}api"
    truth = PortalTruth(portal, site.url(f"{column}index.html"), needs_browser=True)
    crumbs = [
        ("首页", "/"),
        ("信息公开", f"{gk_path}index.html"),
        (portal.column_title, f"{column}index.html"),
    ]

    items = []
    for item in portal.items:
        path = _article_path(column, item)
        attach = (
            f"/uploadfiles/{item.date[:7].replace('-', '')}/{item.date.replace('-', '')}{item.id}.{item.fmt}"
        )
        publish(portal, site, truth, item, path, attach, crumbs, '<div class="view TRS_UEDITOR">', meta=False)
        items.append({"title": listed_title(item), "url": path, "date": item.date})

    payload = {"code": 0, "msg": "success", "data": {"total": len(items), "items": items}}
    site.add(
        f"{api_root}/list/{channel}.json", json.dumps(payload, ensure_ascii=False), CONTENT_TYPES["json"]
    )
    script = _list_script(api_root, channel, opt.get("delay_ms", 300))
    listing = '<ul id="list" class="list"></ul><div id="pager"></div>'
    site.add(f"{column}index.html", column_page(portal, portal.column_title, crumbs, listing, script))

    columns = [(t, f"{gk_path}{slug}/index.html") for t, slug in opt.get("columns", ())]
    columns.append((portal.column_title, f"{column}index.html"))
    links = "".join(f'<li><a href="{p}">{chrome.esc(t)}</a></li>' for t, p in columns)
    site.add(
        f"{gk_path}index.html",
        column_page(portal, "信息公开", crumbs[:2], f'<ul class="gk-columns">{links}</ul>'),
    )
    stub_columns(portal, site, columns, crumbs[:2])
    homepage(
        portal, site, [(i.title, _article_path(column, i), i.date) for i in portal.items if not i.is_report]
    )
    return site, truth
