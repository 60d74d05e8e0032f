"""TRS WCM: ``var countPage = N`` and ``createPageHTML(N, cur, "index", "html")`` pagers.

The pager is written by script, but its arguments are in the raw HTML, so no browser is needed:
pages are ``index.html``, ``index_1.html`` … ``index_{N-1}.html`` beside the first one.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from govcrawl.discover.families import ListRequest

_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]"
)
_COUNT_PAGE = re.compile(r"\bvar\s+countPage\s*=\s*['\"]?(\d+)")
#: More pages than any real list has: a guard against a broken pager asking for millions.
MAX_PAGES = 500


def list_requests(page_html: str, url: str) -> list[ListRequest]:
    """The other pages of a TRS list page, or [] when the page has no TRS pager."""
    m = _CREATE_PAGE.search(page_html)
    if m:
        count, prefix, ext = int(m.group(1)), m.group(3), m.group(4)
    else:
        c = _COUNT_PAGE.search(page_html)
        if not c:
            return []
        count, prefix, ext = int(c.group(1)), "index", "html"
    return [ListRequest(urljoin(url, f"{prefix}_{i}.{ext}")) for i in range(1, min(count, MAX_PAGES))]
