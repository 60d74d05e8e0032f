"""The archive's side of incremental crawls: reading, once per run, what the crawl already holds.

The rules that use it live in ``govcrawl.incremental``; this module only queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from govcrawl.incremental import IncrementalState, KnownURL, PortalWalk
from govcrawl.store.database import Database, aware, now
from govcrawl.store.models import Capture, CrawlRun, FetchError, PortalHealth, Source


def read_state(
    db: Database,
    division_codes: Iterable[str] | None = None,
    revalidate_after: timedelta = timedelta(days=30),
    at: datetime | None = None,
) -> IncrementalState:
    """What an incremental crawl of the portals ``division_codes`` (None: all) starts from.

    Per URL archived as a report's source, or linking to one (a Referer of a source): its first
    and newest successful fetch and its newest 200 capture's validators, digest and WARC location
    (``KnownURL``). Per portal: its last complete walk and the URLs that failed since
    (``PortalWalk``). Freshness is judged from ``at`` (default now).
    """
    codes = set(division_codes) if division_codes is not None else None
    with db.sessions() as session:
        urls = _known_urls(session, codes)
        walks = _walks(session, codes, {u for u, k in urls.items() if k.archived})
    return IncrementalState(urls, walks, revalidate_after, at or now())


def _portal_filter(column: InstrumentedAttribute[str | None], codes: set[str] | None) -> ColumnElement[bool]:
    """Rows of the portals ``codes`` (None: of every portal)."""
    return column.in_(codes) if codes is not None else true()


def _known_urls(session: Session, codes: set[str] | None) -> dict[str, KnownURL]:
    archived: dict[str, datetime] = {}
    linking: dict[str, datetime] = {}
    portal: dict[str, str | None] = {}
    sources = select(Source.url, Source.final_url, Source.referer, Source.fetched_at, Source.portal_code).where(
        _portal_filter(Source.portal_code, codes)
    )
    for url, final_url, referer, fetched_at, code in session.execute(sources):
        when = aware(fetched_at)
        for known in {url, final_url}:
            archived[known] = min(when, archived.get(known, when))
            portal[known] = code
        if referer:
            linking[referer] = min(when, linking.get(referer, when))
            portal.setdefault(referer, code)
    if not archived and not linking:
        return {}
    # Per URL, aggregated in the database (a list page is captured every run): its first 200, its
    # newest 200 or 304, and the newest 200 capture's row, with the record holding its bytes.
    mine = _portal_filter(Source.portal_code, codes)
    relevant = (
        select(Source.url).where(mine)
        .union(select(Source.final_url).where(mine), select(Source.referer).where(mine))
        .scalar_subquery()
    )
    ok = Capture.http_status == 200
    per_url = (
        select(
            Capture.url,
            func.min(case((ok, Capture.fetched_at))).label("first"),
            func.max(Capture.fetched_at).label("checked"),
            func.max(case((ok, Capture.id))).label("newest"),
        )
        .where(Capture.http_status.in_((200, 304)), Capture.url.in_(relevant))
        .group_by(Capture.url)
        .subquery()
    )
    original = aliased(Capture)
    rows = {
        row.url: row
        for row in session.execute(
            select(
                per_url.c.url, per_url.c.first, per_url.c.checked, Capture.id, Capture.etag,
                Capture.last_modified, Capture.payload_sha256, Capture.content_type,
                func.coalesce(original.warc_file, Capture.warc_file).label("warc_file"),
                func.coalesce(original.warc_offset, Capture.warc_offset).label("warc_offset"),
            )
            .outerjoin(Capture, Capture.id == per_url.c.newest)
            .outerjoin(original, original.id == Capture.refers_to_id)
        )
    }
    urls = {}
    for url in set(archived) | set(linking):
        fetched = min(t for t in (archived.get(url), linking.get(url)) if t is not None)
        row = rows.get(url)
        first = aware(row.first) if row is not None and row.first is not None else fetched
        checked = aware(row.checked) if row is not None else fetched
        if row is not None and row.id is None:  # revalidated only: no 200 capture to take validators from
            row = None
        urls[url] = KnownURL(
            url=url,
            archived=url in archived,
            links_files=url in linking,
            first_fetched=min(first, fetched),
            checked_at=max(checked, fetched),
            portal_code=portal[url],
            etag=row.etag if row else None,
            last_modified=row.last_modified if row else None,
            payload_sha256=row.payload_sha256 if row else None,
            content_type=row.content_type if row else None,
            capture_id=row.id if row else None,
            warc_file=row.warc_file if row else None,
            warc_offset=row.warc_offset if row else None,
        )
    return urls


def _walks(session: Session, codes: set[str] | None, archived: set[str]) -> dict[str, PortalWalk]:
    walked: dict[str, tuple[int, datetime]] = {}
    for code, run_id, checked_at in session.execute(
        select(PortalHealth.division_code, PortalHealth.crawl_run_id, PortalHealth.checked_at)
        .join(CrawlRun, CrawlRun.id == PortalHealth.crawl_run_id)
        .where(
            PortalHealth.failure_class.is_(None),
            PortalHealth.reports_found > 0,
            PortalHealth.complete,
            CrawlRun.finished_at.is_not(None),
            CrawlRun.status.in_(("finished", "degraded")),
            _portal_filter(PortalHealth.division_code, codes),
        )
        .order_by(PortalHealth.checked_at)
    ):
        walked[code] = (run_id, aware(checked_at))
    pending: dict[str, set[str]] = {}
    if not walked:
        return {}
    for code, url, run_id in session.execute(
        select(FetchError.portal_code, FetchError.url, FetchError.crawl_run_id).where(
            FetchError.stage.in_(("fetch", "extract", "store")),
            FetchError.kind != "robots",
            FetchError.portal_code.in_(walked),
        )
    ):
        if code in walked and run_id is not None and run_id >= walked[code][0] and url not in archived:
            pending.setdefault(code, set()).add(url)
    return {code: PortalWalk(run_id, at, frozenset(pending.get(code, ()))) for code, (run_id, at) in walked.items()}
