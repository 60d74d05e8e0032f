"""CMS families: small adapters, each chosen by what a list page shows (markers, URL shapes).

An adapter turns one list page into the requests for the rest of the list (pagination, list APIs).
Reports are then the report-like links of every list page or list payload; that part is common to
all families and lives in the spider.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ListRequest:
    """A request for more of a list: another page, or a list API call."""

    url: str
    method: str = "GET"
    formdata: dict[str, str] = field(default_factory=dict)
    #: How to read the answer: "html" (a list page) or a family's payload format ("hanweb_xml").
    payload: str = "html"
    #: What the family needs to read the answer and ask for the rest (e.g. the list's form fields).
    context: dict[str, str] = field(default_factory=dict)


from govcrawl.discover.families import apilist, hanweb, scripted, trs  # noqa: E402
from govcrawl.discover.links import Link  # noqa: E402

#: Adapters tried in order on every list page; each returns [] when the page is not its family's.
ADAPTERS = (trs.list_requests, hanweb.list_requests, apilist.list_requests)
#: Readers of list payloads that are not HTML pages, by ListRequest.payload.
PAYLOAD_READERS = {
    "hanweb_xml": hanweb.read_payload,
    "gkmlpt_json": apilist.read_payload,
    "fujian_json": apilist.read_payload,
}
#: Family URL shapes that are a report whatever the link says: URL → the title to give it, or None.
REPORT_URLS = (hanweb.annual_report_title,)

__all__ = ["ADAPTERS", "PAYLOAD_READERS", "REPORT_URLS", "ListRequest", "read_payload", "report_title", "scripted"]


def report_title(link: Link) -> str | None:
    """A title for a link that a family's URL shape marks as a report (e.g. Hanweb's annual-report module)."""
    for shape in REPORT_URLS:
        title = shape(link)
        if title:
            return title
    return None


def list_requests(page_html: str, url: str) -> list[ListRequest]:
    """Every further list request the known families find on a list page."""
    out: list[ListRequest] = []
    for adapter in ADAPTERS:
        out.extend(adapter(page_html, url))
    return out


def read_payload(request: ListRequest, text: str, url: str) -> tuple[list[Link], list[ListRequest]]:
    """The item links of a list payload, and the requests for the rest of that list."""
    return PAYLOAD_READERS[request.payload](request, text, url)
