"""Where a crawl may go: the portal's own government hosts and known aggregator hosts, nothing else.

A page may link anywhere (intranet addresses, file: URLs, unrelated sites); the crawl follows only
http(s) links to hosts of the unit's registrable domain (``www.kmjn.gov.cn`` → ``*.kmjn.gov.cn``)
or of a known aggregator, and never to an IP literal in a private, loopback or link-local range.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import tldextract

#: Document aggregators that republish reports (their copies are kept, marked as copies).
AGGREGATOR_HOSTS = frozenset({"www.docwenku.net", "www.taodocs.com", "max.book118.com", "www.doc88.com"})

# The bundled suffix list only: the crawl never downloads one.
_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registrable_domain(host: str) -> str:
    """``www.kmjn.gov.cn`` → ``kmjn.gov.cn``; an IP literal or bare name is returned as is."""
    parts = _extract(host)
    return f"{parts.domain}.{parts.suffix}" if parts.domain and parts.suffix else host


def _unsafe_ip(host: str) -> bool:
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not ip.is_global


def in_scope(url: str, portal_host: str, extra_hosts: frozenset[str] = AGGREGATOR_HOSTS) -> bool:
    """True when the crawl of the portal at ``portal_host`` may fetch ``url``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or _unsafe_ip(host):
        return False
    if host in extra_hosts:
        return True
    return registrable_domain(host) == registrable_domain(portal_host.lower())


def is_aggregator(url: str) -> bool:
    """True when ``url`` is on a known aggregator host."""
    return (urlsplit(url).hostname or "").lower() in AGGREGATOR_HOSTS
