"""What the spider hands to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from govcrawl.document import Document
from govcrawl.records import Capture
from govcrawl.seeds import Portal

if TYPE_CHECKING:
    from govcrawl.identify import Identity
    from govcrawl.stats import ParseResult


@dataclass
class FetchedDocument:
    """A fetched page or file that may be a report (article page, attachment, aggregator copy)."""

    capture: Capture
    portal: Portal
    #: "article" (an HTML report page), "attachment" (a linked file), "aggregator" (a copy on a document site).
    kind: str
    #: Title of the page that linked an attachment: an attachment's own text may lack a title line.
    parent_title: str | None = None
    # Filled by the pipelines, stage by stage.
    document: Document | None = None
    identity: Identity | None = None
    content_hash: str = ""
    parse: ParseResult | None = None
    parse_error: str | None = None


@dataclass
class CrawlError:
    """A failure worth recording: the crawl goes on, the archive keeps the evidence."""

    url: str
    portal: Portal | None
    stage: str  # discover | fetch | extract | identify | parse | store
    kind: str
    message: str
    http_status: int | None = None
