"""Records handed from the crawl pipelines to storage: plain data, no ORM, no Scrapy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal


@dataclass
class Capture:
    """One fetched response with its provenance."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    content_type: str | None
    fetched_at: datetime
    #: The portal (seed row) the crawl came from: division code and homepage.
    portal_code: str | None = None
    portal_url: str | None = None
    #: The page that linked here, and the link's anchor text or title.
    referer: str | None = None
    link_text: str | None = None
    #: True when the body came from Chromium (scrapy-playwright) rather than plain HTTP.
    rendered: bool = False
    #: False when its raw capture could not be written to the WARC files (a full disk).
    captured: bool = True

    @classmethod
    def of_bytes(cls, body: bytes, url: str = "", content_type: str | None = None) -> Capture:
        """A capture of bytes that were not fetched (a local file, an archived record), dated now."""
        return cls(url, url, 200, {}, body, content_type, datetime.now(UTC))


@dataclass
class StatRecord:
    """One statistics cell: canonical key, parsed value, the raw text and its flags."""

    key: str
    value: int | Decimal | None
    raw: str = ""
    unit: str | None = None
    flags: list[str] = field(default_factory=list)
    #: "table" or "text" (narrative sentence).
    source: str = "table"


@dataclass
class CheckRecord:
    """One consistency rule evaluated on a report."""

    rule: str
    status: str  # pass | fail | not_assessable
    lhs: Decimal | None = None
    rhs: Decimal | None = None
    delta: Decimal | None = None
    keys: list[str] = field(default_factory=list)


@dataclass
class ReportRecord:
    """A report ready to archive: identity, clean text, hash, statistics, and the capture it came from."""

    capture: Capture
    title: str | None
    division_code: str | None
    region: str | None
    year: int | None
    publisher: str | None
    publisher_level: str | None
    clean_text: str
    content_hash: str
    #: "html", "pdf", "docx", "doc", "txt".
    source_format: str
    aggregator_copy: bool = False
    #: The statistics format found: gov2021, gov2019, legacy2014, legacy_local, narrative, or None.
    stats_format: str | None = None
    parser_version: str | None = None
    stats: list[StatRecord] = field(default_factory=list)
    checks: list[CheckRecord] = field(default_factory=list)
    #: legacy_local cells outside the canonical keys (label, unit, column, value), as JSON objects.
    triples: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: How identity was decided: {"region": "title", "year": "text:统计期限", ...}.
    evidence: dict[str, str] = field(default_factory=dict)
    #: MinHash signature of the normalised text (``govcrawl.dedupe.signature``), None when too short.
    signature: bytes | None = None
