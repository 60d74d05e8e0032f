"""Where a crawl may go: the portal's own government hosts and known aggregator hosts, nothing else.

A page may link anywhere (intranet addresses, file: URLs, unrelated sites); the crawl follows only
http(s) links to hosts of the unit's registrable domain (``www.kmjn.gov.cn`` → ``*.kmjn.gov.cn``)
or of a known aggregator. Whatever the domain, a URL is refused when its host is an address that is
not globally routable (private, loopback, link-local, multicast, reserved…) in any spelling a
resolver or browser accepts (``10.1.2.3``, ``[::1]``, ``[::ffff:127.0.0.1]``, ``2130706433``,
``0x7f.1``, ``017700000001``), or a name that only ever means this machine or its network
(``localhost``, ``*.localhost``, ``*.local``, ``*.internal``…). :func:`url_refusal` says why;
the downloader middleware of :mod:`govcrawl.fetch.guard` applies the same rules to every request
and adds what the text of a URL cannot show (what its name resolves to).
"""

from __future__ import annotations

import ipaddress
import string
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import unquote, urlsplit

import tldextract

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Document aggregators that republish reports (their copies are kept, marked as copies).
AGGREGATOR_HOSTS = frozenset({"www.docwenku.net", "www.taodocs.com", "max.book118.com", "www.doc88.com"})
#: The suffix of government hosts: a unit's disclosure platform may live on another one.
GOVERNMENT_SUFFIX = ".gov.cn"
#: Names that never denote a public site (RFC 6761 localhost, RFC 6762 local, RFC 8375 home.arpa,
#: ICANN's private-use internal, the common localdomain).
LOCAL_NAMES = ("localhost", "localdomain", "local", "internal", "home.arpa")

#: Why a URL is refused, by reason code (the codes name the crawl stats ``govcrawl/refused/<code>``).
REASONS = {
    "scheme": "not an http(s) URL",
    "bad_host": "a host no resolver should be given",
    "private_address": "an address that is not globally routable",
    "local_name": "a name of the local machine or network",
    "offsite": "a host off the unit's government sites and the known aggregators",
    "private_dns": "a name that resolves to an address that is not globally routable",
}

# Characters a host keeps from percent-decoding that no hostname may contain.
_BAD_HOST_CHARS = frozenset(" \t\r\n/\\?#@%[]<>\"'`^{|}")
_DIGITS = {10: frozenset(string.digits), 8: frozenset("01234567"), 16: frozenset(string.hexdigits)}

# The bundled suffix list only: the crawl never downloads one.
_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=65536)  # every link of every page asks; hosts repeat
def registrable_domain(host: str) -> str:
    """``www.kmjn.gov.cn`` → ``kmjn.gov.cn``; an IP literal or bare name is returned as is."""
    parts = _extract(host)
    return f"{parts.domain}.{parts.suffix}" if parts.domain and parts.suffix else host


def normalize_host(host: str) -> str:
    """A URL's host as resolvers see it: percent-decoded, lower case, without brackets or a final dot."""
    host = unquote(host).strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host[:-1] if host.endswith(".") else host


def _ipv4_number(part: str) -> int | None:
    """One dotted part as inet_aton and the WHATWG URL parser read it: 0x… hex, 0… octal, else decimal."""
    if part[:2] in ("0x", "0X"):
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not digits:
        return 0 if base != 10 else None
    if not set(digits) <= _DIGITS[base]:
        return None
    return int(digits, base)


def _ends_in_number(host: str) -> bool:
    """True when the last label is a number: such a host is an IPv4 address or no host at all."""
    last = host.rsplit(".", 1)[-1]
    if last.startswith("0x"):
        return _ipv4_number(last) is not None
    return last.isascii() and last.isdigit()


def ipv4_literal(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a (normalized) host spells in any form resolvers accept, else None.

    One to four dotted parts, each decimal, octal or hex; the last part fills the remaining bytes:
    ``127.0.0.1``, ``2130706433``, ``0x7f.1``, ``017700000001`` and ``127.1`` are all 127.0.0.1.
    """
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        number = _ipv4_number(part)
        if number is None:
            return None
        numbers.append(number)
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        return None
    return ipaddress.IPv4Address(sum(n << (8 * (3 - i)) for i, n in enumerate(head)) + last)


def unsafe_address(ip: IPAddress) -> bool:
    """True for an address the crawl must never reach: anything but a global unicast address.

    An IPv6 address carrying an IPv4 one (mapped ``::ffff:a.b.c.d``, 6to4, Teredo) is judged by
    the IPv4 address as well.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        teredo_client = ip.teredo[1] if ip.teredo else None
        for embedded in (ip.ipv4_mapped, ip.sixtofour, teredo_client):
            if embedded is not None and unsafe_address(embedded):
                return True
        if ip.is_site_local:
            return True
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified


def ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` spells (IPv6, or IPv4 in any form :func:`ipv4_literal` reads), else None."""
    host = normalize_host(host)
    if ":" in host:  # only an IPv6 literal has colons in a URL's host
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    return ipv4_literal(host) if _ends_in_number(host) else None


def host_refusal(host: str) -> str | None:
    """Why the crawl may not go to ``host`` whatever it resolves to (a :data:`REASONS` code), or None."""
    host = normalize_host(host)
    literal = ip_literal(host)
    if literal is not None:
        return "private_address" if unsafe_address(literal) else None
    # A host that ends in a number but is no address (1.2.3.4.5, 256.1.1.1): browsers reject it,
    # resolvers guess. Likewise a colon outside a valid IPv6 literal, or characters no name has.
    if not host or ":" in host or _ends_in_number(host) or _BAD_HOST_CHARS & set(host):
        return "bad_host"
    if any(host == name or host.endswith("." + name) for name in LOCAL_NAMES):
        return "local_name"
    return None


def url_refusal(url: str) -> str | None:
    """Why the crawl may never fetch ``url`` (a :data:`REASONS` code: scheme or host), or None."""
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            return "scheme"
        if parts.port == 0:  # reading the port also rejects one that is no number or out of range
            return "bad_host"
    except ValueError:  # unbalanced IPv6 brackets, a bad port
        return "bad_host"
    return host_refusal(parts.hostname or "")


def first_unsafe_address(addresses: Iterable[str]) -> str | None:
    """The first of a name's resolved ``addresses`` the crawl must not reach (one that does not parse
    counts), or None when all are global."""
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return address
        if unsafe_address(ip):
            return address
    return None


def in_scope(url: str, portal_host: str, extra_hosts: frozenset[str] = AGGREGATOR_HOSTS) -> bool:
    """True when the crawl of the portal at ``portal_host`` may fetch ``url``."""
    if url_refusal(url):
        return False
    host = normalize_host(urlsplit(url).hostname or "")
    if host in extra_hosts:
        return True
    return registrable_domain(host) == registrable_domain(portal_host.lower())


def on_government_sites(url: str, portal_host: str) -> bool:
    """True when ``url`` is in the portal's scope or on any government host (``*.gov.cn``).

    The spider lets a portal's crawl onto the unit's other government hosts its navigation links
    to (a disclosure platform on another domain); this is the widest a portal's crawl may go.
    """
    host = normalize_host(urlsplit(url).hostname or "")
    return in_scope(url, portal_host) or (host.endswith(GOVERNMENT_SUFFIX) and url_refusal(url) is None)


def is_aggregator(url: str) -> bool:
    """True when ``url`` is on a known aggregator host."""
    return (urlsplit(url).hostname or "").lower() in AGGREGATOR_HOSTS
