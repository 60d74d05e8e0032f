"""Hanweb (大汉) jpage lists: the list is not in the page but comes from a POSTed ``dataproxy.jsp``.

The column page carries the list's parameters (columnid, unitid, webid, perpage...) in its jpage
script; the proxy answers XML whose ``<record>`` elements wrap list HTML in CDATA and whose
``<totalrecord>`` says how many items there are.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import etree

from govcrawl.discover.families import ListRequest
from govcrawl.discover.links import Link, extract_links

PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
#: Hanweb fetches three pages per call; so do we (fewer requests, same records).
PAGES_PER_CALL = 3
_FORM_FIELDS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")
_DEFAULTS = {"col": "1", "appid": "1", "webid": "1", "path": "/", "sourceContentType": "1", "permissiontype": "0"}


def _param(page_html: str, name: str) -> str | None:
    # Unquoted (columnid:1051), quoted JSON ("columnid": "1051") and query-string (columnid=1051) forms.
    m = re.search(rf"\b{name}['\"]?\s*[:=]\s*['\"]?([^'\"&,;}}\s<]+)", page_html, re.IGNORECASE)
    return m.group(1) if m else None


def list_params(page_html: str) -> dict[str, str] | None:
    """The jpage form fields and page size of a Hanweb list page, or None when it is not one."""
    if "dataproxy.jsp" not in page_html and "jpage" not in page_html.lower():
        return None
    form = {}
    for name in _FORM_FIELDS:
        value = _param(page_html, name)
        if value is not None:
            form[name] = value
        elif name in _DEFAULTS:
            form[name] = _DEFAULTS[name]
    if "columnid" not in form:
        return None
    form["perpage"] = _param(page_html, "perpage") or "15"
    return form


def proxy_request(page_url: str, form: dict[str, str], start: int) -> ListRequest:
    """The POST for records ``start`` … ``start + perpage*3 - 1``."""
    perpage = int(form["perpage"])
    end = start + perpage * PAGES_PER_CALL - 1
    query = f"?startrecord={start}&endrecord={end}&perpage={perpage}"
    fields = {k: v for k, v in form.items() if k != "perpage"}
    context = {**form, "startrecord": str(start)}
    return ListRequest(urljoin(page_url, PROXY_PATH + query), "POST", fields, "hanweb_xml", context)


def list_requests(page_html: str, url: str) -> list[ListRequest]:
    """The first dataproxy call of a Hanweb list page, or []."""
    form = list_params(page_html)
    return [proxy_request(url, form, 1)] if form else []


def parse_records(xml_text: str, base_url: str) -> tuple[list[Link], int | None]:
    """The links inside a dataproxy answer's records, and its total record count."""
    try:
        root = etree.fromstring(xml_text.encode("utf-8"), etree.XMLParser(recover=True, resolve_entities=False))
    except etree.XMLSyntaxError:
        return [], None
    if root is None:
        return [], None
    links: list[Link] = []
    for record in root.iter("record"):
        links.extend(extract_links(record.text or "", base_url))
    total_text = root.findtext(".//totalrecord")
    total = int(total_text) if total_text and total_text.strip().isdigit() else None
    return links, total


def read_payload(request: ListRequest, xml_text: str, url: str) -> tuple[list[Link], list[ListRequest]]:
    """A dataproxy answer's links; after the first call, the calls for the remaining records."""
    links, total = parse_records(xml_text, url)
    if request.context.get("startrecord") != "1" or not total:
        return links, []
    form = {k: v for k, v in request.context.items() if k != "startrecord"}
    step = int(form["perpage"]) * PAGES_PER_CALL
    return links, [proxy_request(url, form, start) for start in range(1 + step, total + 1, step)]


ANNUAL_REPORT_PATH = "/module/xxgk/xxgkAnnualReport.jsp"


def annual_report_title(link: Link) -> str | None:
    """``xxgkAnnualReport.jsp?area=…&fbtime=YYYY`` is one unit's report for YEAR: a title saying so."""
    parts = urlsplit(link.url)
    if not parts.path.endswith(ANNUAL_REPORT_PATH):
        return None
    year = parse_qs(parts.query).get("fbtime", [""])[0]
    return f"{year}年政府信息公开工作年度报告" if re.fullmatch(r"(19|20)\d{2}", year) else None
