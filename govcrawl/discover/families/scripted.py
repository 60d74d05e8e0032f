"""Lists built only by JavaScript (fetch/XHR after load): the one case that needs a browser.

A list page is sent to Chromium only when its raw HTML shows no list items but does show script
that fetches them; everything else is plain HTTP.
"""

from __future__ import annotations

import re

_FETCHING_SCRIPT = re.compile(
    r"\bfetch\s*\(|XMLHttpRequest|\$\.(ajax|get|getJSON|post)\s*\(|axios\.|\.load\s*\(", re.IGNORECASE
)


def builds_list_by_script(page_html: str) -> bool:
    """True when the page's own scripts fetch content after load."""
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page_html, re.IGNORECASE | re.DOTALL)
    return any(_FETCHING_SCRIPT.search(s) for s in scripts)
