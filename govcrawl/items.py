"""What the spider hands to the pipelines: a fetched document, or a failure worth recording.

The processing pipeline turns a :class:`FetchedDocument` into a :class:`govcrawl.process.Processed`.
"""

from __future__ import annotations

from dataclasses import dataclass

from govcrawl.records import Capture
from govcrawl.seeds import Portal


@dataclass
class FetchedDocument:
    """A fetched page or file that may be a report (article page, attachment, aggregator copy)."""

    capture: Capture
    portal: Portal
    #: "article" (an HTML report page), "attachment" (a linked file), "aggregator" (a copy on a document site).
    kind: str
    #: Title of the page that linked an attachment: an attachment's own text may lack a title line.
    parent_title: str | None = None


@dataclass
class CrawlError:
    """A failure worth recording: the crawl goes on, the archive keeps the evidence."""

    url: str
    portal: Portal | None
    stage: str  # discover | fetch | extract | identify | parse | store
    kind: str
    message: str
    http_status: int | None = None
