"""Hanweb (大汉) portals: ``/col/colN/index.html`` columns whose list comes from jpage.

The column page carries only the jpage script and its config (columnid, unitid, perpage…);
the items come from ``POST /module/web/jpage/dataproxy.jsp?startrecord=&endrecord=&perpage=``
with the config as form fields, answered as ``<datastore>`` XML with CDATA ``<record>`` items.
Articles live at ``/art/Y/M/D/art_COL_ID.html`` with bodies in ``<div id="zoom">``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from importlib.resources import files

from replica import chrome
from replica.families import column_page, homepage, listed_title, portal_site, publish, stub_columns
from replica.model import (
    CONTENT_TYPES,
    Item,
    Portal,
    PortalTruth,
    Request,
    Response,
    Site,
    day,
    report_html,
)

DATAPROXY = "/module/web/jpage/dataproxy.jsp"
JPAGE_JS = "/module/jslib/jpage/jpage.js"


def _article_path(col: int, item: Item) -> str:
    y, m, d = (int(x) for x in item.date.split("-"))
    return f"/art/{y}/{m}/{d}/art_{col}_{item.id}.html"


def datastore(records: list[str], total: int, per_page: int) -> bytes:
    """The XML dataproxy.jsp answers: totals and one CDATA ``<record>`` per list item."""
    pages = -(-total // per_page) if per_page else 0
    body = "".join(f"<record><![CDATA[{r}]]></record>" for r in records)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<datastore>'
        f"<totalrecord>{total}</totalrecord><totalpage>{pages}</totalpage>"
        f"<recordset>{body}</recordset></datastore>"
    )
    return xml.encode("utf-8")


def _dataproxy(form_fields: dict[str, str], records: list[str]):
    def handle(req: Request) -> Response:
        # Only the page's own POST (with its column and unit) gets the list, as on Hanweb.
        matches = all(req.form.get(k) == v for k, v in form_fields.items() if k in ("columnid", "unitid"))
        if req.method != "POST" or not matches:
            return Response(datastore([], 0, 0), CONTENT_TYPES["xml"])
        try:
            per_page = max(1, int(req.query.get("perpage", "15")))
            start = max(1, int(req.query.get("startrecord", "1")))
            end = int(req.query.get("endrecord", str(start + per_page - 1)))
        except ValueError:
            return Response(datastore([], 0, 0), CONTENT_TYPES["xml"])
        return Response(datastore(records[start - 1 : end], len(records), per_page), CONTENT_TYPES["xml"])

    return handle


def build(portal: Portal) -> tuple[Site, PortalTruth]:
    """The Hanweb portal: homepage → 政务公开 column → jpage 年报 column → articles (+ attachments)."""
    opt = portal.options
    skin = portal.skin
    site = portal_site(portal)
    col, gk_col = opt["columnid"], opt["disclosure_col"]
    per_page = opt.get("per_page", 2)
    column_url_path = f"/col/col{col}/index.html"
    truth = PortalTruth(portal, site.url(column_url_path), needs_browser=False)
    crumbs = [
        ("首页", "/"),
        ("政务公开", f"/col/col{gk_col}/index.html"),
        (portal.column_title, column_url_path),
    ]

    records = []
    for item in portal.items:
        path = _article_path(col, item)
        digest = hashlib.sha1(f"{portal.host}{item.id}".encode()).hexdigest()[:20]
        attach = f"/attach/0/{digest}.{item.fmt}"
        publish(portal, site, truth, item, path, attach, crumbs, '<div id="zoom">')
        records.append(
            f'<li><a href="{path}" title="{chrome.esc(listed_title(item))}" target="_blank">{chrome.esc(listed_title(item))}</a>'
            f"<span>{item.date}</span></li>"
        )

    form_fields = {
        "col": "1",
        "appid": "1",
        "webid": str(opt.get("webid", 1)),
        "path": "/",
        "columnid": str(col),
        "sourceContentType": "1",
        "unitid": str(opt["unitid"]),
        "webname": skin.site_name,
        "permissiontype": "0",
    }
    site.handlers[DATAPROXY] = _dataproxy(form_fields, records)
    site.add(JPAGE_JS, (files("replica") / "assets" / "jpage.js").read_bytes(), CONTENT_TYPES["js"])
    config = {"proxyUrl": DATAPROXY, "perPage": per_page, "ajaxParam": form_fields}
    scripts = (
        f'<script type="text/javascript" src="{JPAGE_JS}"></script>\n'
        '<script type="text/javascript">\n'
        f'jpage("{col}", {json.dumps(config, ensure_ascii=False)});\n</script>'
    )
    listing = f'<div id="{col}" class="list"></div>'
    site.add(column_url_path, column_page(portal, portal.column_title, crumbs, listing, scripts))

    columns = [(t, f"/col/col{c}/index.html") for t, c in opt.get("columns", ())]
    columns.append((portal.column_title, column_url_path))
    links = "".join(f'<li><a href="{p}">{chrome.esc(t)}</a></li>' for t, p in columns)
    site.add(
        crumbs[1][1], column_page(portal, "政务公开", crumbs[:2], f'<ul class="gk-columns">{links}</ul>')
    )
    stub_columns(portal, site, columns, crumbs[:2])
    homepage(
        portal, site, [(i.title, _article_path(col, i), i.date) for i in portal.items if not i.is_report]
    )
    return site, truth


ANNUAL_REPORT = "/module/xxgk/xxgkAnnualReport.jsp"


def _area(source: str) -> str:
    """A unit's 统一社会信用代码-like area code (stable per unit name)."""
    digest = hashlib.sha1(source.encode("utf-8")).hexdigest().upper()
    return f"11{digest[:16]}"


def build_annual(portal: Portal) -> tuple[Site, PortalTruth]:
    """A Hanweb portal with the xxgk module: one ``xxgkAnnualReport.jsp?area=…&fbtime=YYYY`` page per unit and year.

    The 年报 column (``/col/colN/index.html``) is a static table: a row per unit (its 来源), a link per
    year; the module answers any other area/year with a page saying there is no report.
    """
    opt = portal.options
    skin = portal.skin
    site = portal_site(portal)
    col, gk_col = opt["columnid"], opt["disclosure_col"]
    column_url_path = f"/col/col{col}/index.html"
    truth = PortalTruth(portal, site.url(column_url_path), needs_browser=False)
    crumbs = [("首页", "/"), ("政务公开", f"/col/col{gk_col}/index.html"), (portal.column_title, column_url_path)]
    pages: dict[tuple[str, str], tuple[str, datetime]] = {}
    rows: dict[str, list[tuple[int, str]]] = {}
    for item in portal.items:
        if not item.is_report:
            continue
        unit = item.source or skin.site_name
        area, year = _area(unit), str(item.report_year)
        url = site.url(f"{ANNUAL_REPORT}?area={area}&fbtime={year}")
        truth.record(item, url)
        main = chrome.article(item.title, item.date, unit, '<div id="zoom">', report_html(item))
        pages[area, year] = (chrome.page(skin, item.title, crumbs, main, meta={"ArticleTitle": item.title}), day(item.date))
        rows.setdefault(unit, []).append((int(year), url))

    def handle(req: Request) -> Response:
        found = pages.get((req.query.get("area", ""), req.query.get("fbtime", "")))
        if found is None:
            html = chrome.page(skin, "政府信息公开年度报告", crumbs, '<div class="no-data">该单位本年度暂无年度报告</div>')
            return Response(html.encode("utf-8"))
        html, modified = found
        return Response(html.encode("utf-8"), modified=modified)  # a report: with its validators

    site.handlers[ANNUAL_REPORT] = handle
    table = "".join(
        f"<tr><td>{chrome.esc(unit)}</td><td>"
        + " ".join(f'<a href="{u}" target="_blank">{y}年度</a>' for y, u in sorted(links, reverse=True))
        + "</td></tr>"
        for unit, links in rows.items()
    )
    listing = f'<table class="nb-table"><tr><th>单位</th><th>年度报告</th></tr>{table}</table>'
    site.add(column_url_path, column_page(portal, portal.column_title, crumbs, listing))
    columns = [(t, f"/col/col{c}/index.html") for t, c in opt.get("columns", ())]
    columns.append((portal.column_title, column_url_path))
    links = "".join(f'<li><a href="{p}">{chrome.esc(t)}</a></li>' for t, p in columns)
    site.add(crumbs[1][1], column_page(portal, "政务公开", crumbs[:2], f'<ul class="gk-columns">{links}</ul>'))
    stub_columns(portal, site, columns, crumbs[:2])
    homepage(portal, site, [])
    return site, truth
