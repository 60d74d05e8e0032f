"""Lists served by a JSON API whose parameters sit in the page's script: gkmlpt and Fujian lists.

Guangdong gkmlpt: ``GKMLPT_CONFIG = {"sid", "api", "pageSize"}`` → ``api?sid=…&page=N`` answering
``{"total", "articles": [{title, url}]}``. Fujian "动静结合": the first items are static HTML,
``searchParams = {"url", "channelid", "chnlid", "pageSize"}`` → ``url?channelid=…&chnlid=…&page=N&pageSize=K``
answering ``{"total", "docs": [{title, url}]}``. Reading the parameters needs no browser.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode, urljoin

from govcrawl.discover.families import ListRequest
from govcrawl.discover.links import Link, squash

#: More pages than any real list has: a guard against a broken total.
MAX_PAGES = 200
_CONFIG = re.compile(r"(GKMLPT_CONFIG|searchParams)\s*=\s*(\{[^;]*?\})\s*;", re.DOTALL)
#: Per API: the query fields taken from the config, and the key of the item list in the answer.
_APIS = {
    "GKMLPT_CONFIG": ("api", ("sid",), "articles", "gkmlpt_json"),
    "searchParams": ("url", ("channelid", "chnlid", "pageSize"), "docs", "fujian_json"),
}


def _request(page_url: str, config: dict, name: str, page: int) -> ListRequest:
    url_key, fields, _, payload = _APIS[name]
    query = {k: str(config[k]) for k in fields if k in config} | {"page": str(page)}
    if "pageSize" in query:  # keep the API's own parameter order (page before pageSize)
        query["pageSize"] = query.pop("pageSize")
    url = urljoin(page_url, str(config[url_key])) + "?" + urlencode(query)
    context = {"config": json.dumps(config), "name": name, "page": str(page), "page_url": page_url}
    return ListRequest(url, payload=payload, context=context)


def list_requests(page_html: str, url: str) -> list[ListRequest]:
    """The first API call of a page whose script configures a known list API, or []."""
    m = _CONFIG.search(page_html)
    if not m:
        return []
    try:
        config = json.loads(m.group(2))
    except json.JSONDecodeError:
        return []
    url_key = _APIS[m.group(1)][0]
    return [_request(url, config, m.group(1), 1)] if isinstance(config, dict) and url_key in config else []


def read_payload(request: ListRequest, text: str, url: str) -> tuple[list[Link], list[ListRequest]]:
    """The item links of an API answer; after the first page, the calls for the remaining pages."""
    name = request.context["name"]
    items_key = _APIS[name][2]
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return [], []
    items = data.get(items_key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return [], []
    links = [
        Link(urljoin(url, str(x["url"])), squash(str(x.get("title", ""))))
        for x in items
        if isinstance(x, dict) and x.get("url")
    ]
    if request.context["page"] != "1" or not items:
        return links, []
    total = data.get("total")
    pages = min(MAX_PAGES, -(-int(total) // len(items))) if isinstance(total, int) else 1
    config = json.loads(request.context["config"])
    page_url = request.context["page_url"]
    return links, [_request(page_url, config, name, n) for n in range(2, pages + 1)]
