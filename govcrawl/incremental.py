"""What an incremental crawl knows from the archive, and its rules: what is fresh, what is settled.

Every run reads the 年报 lists again; what the archive already holds is not fetched again unless it
may have changed. The archive (``govcrawl.store.incremental``) hands over an
:class:`IncrementalState` at the start of a run: the URLs archived as report sources or linking to
them (:class:`KnownURL`), and per portal its last complete walk of the column (:class:`PortalWalk`).
Two components use it:

- the HTTP cache (``govcrawl.fetch.cache``) answers for known URLs: a URL checked less than the
  revalidation period ago is *fresh* and served from its WARC capture, or not requested at all when
  nothing of it is needed (:func:`needs_replay`); an older one is asked "changed since?" with its
  validators, and a 304, or a 200 with the archived bytes, is the archived copy again;
- the spider stops paging a list whose page shows only reports known at the portal's last complete
  walk (:func:`settled`): lists are newest-first, the rest is older.

A portal's lists are read to the end while it has no complete walk in a finished run (its first
run; the restart of a killed one), while a URL of it that failed since is not archived, and while
one of its archived URLs is due for revalidation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

#: Request meta the spider sets on requests for linked files (PDF, DOC…): they link nothing, so a
#: fresh one is never read back from the archive.
LINKED_FILE = "linked_file"


@dataclass(frozen=True)
class KnownURL:
    """What the archive knows of a URL an incremental crawl may meet again.

    ``archived``: the URL is a source of an archived report. ``links_files``: it is the Referer
    of an archived source (a report page or wrapper that linked the file the report lives in), so
    its links matter even when its own bytes are not a report. ``first_fetched``: the first time
    it was fetched with success; ``checked_at``: the newest successful fetch or 304 revalidation.
    ``portal_code``: the portal it was reached from. The validators, digest, content type and
    capture are those of its newest 200 capture (None when WARC capture was off); ``warc_file``
    and ``warc_offset`` locate the record holding its bytes (a revisit's original).
    """

    url: str
    archived: bool
    links_files: bool
    first_fetched: datetime
    checked_at: datetime
    portal_code: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    payload_sha256: str | None = None
    content_type: str | None = None
    capture_id: int | None = None
    warc_file: str | None = None
    warc_offset: int | None = None

    def validators(self) -> dict[str, str]:
        """The conditional-request headers of its capture."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class PortalWalk:
    """A portal's last complete walk of its column, and what failed since.

    ``run_id`` and ``walked_at``: the newest run that ended (finished, or degraded elsewhere) whose
    health record says the portal worked and its walk was complete (reports found, no failure
    class, nothing of it unstored, uncaptured or unread), and when that record was written; every
    report linked from the column then was reached in that run or before. An interrupted run's
    walks are never complete. ``pending``: URLs of the
    portal that failed to fetch, extract or store in that run or later and are not archived.
    """

    run_id: int
    walked_at: datetime
    pending: frozenset[str] = frozenset()


@dataclass(frozen=True)
class IncrementalState:
    """What an incremental crawl starts from: known URLs, and per division code its last walk.

    ``revalidate_after``: how long a check of a known URL stays good (``GOVCRAWL_REVALIDATE_DAYS``);
    ``now``: the moment freshness is judged from (the run's start).
    """

    urls: dict[str, KnownURL] = field(default_factory=dict)
    walks: dict[str, PortalWalk] = field(default_factory=dict)
    revalidate_after: timedelta = timedelta(days=30)
    now: datetime | None = None

    def fresh(self, known: KnownURL) -> bool:
        """Whether ``known`` was checked recently enough to be trusted without asking its server."""
        assert self.now is not None
        return self.now - known.checked_at < self.revalidate_after

    def due(self) -> set[str | None]:
        """The portals with an archived URL due for revalidation: their lists are read to the end."""
        return {k.portal_code for k in self.urls.values() if not self.fresh(k)}


def needs_replay(known: KnownURL, walk: PortalWalk | None, is_file: bool) -> bool:
    """Whether a fresh known URL must still be read back (from its capture) for its links.

    A linked file never: its bytes are archived and it links nothing. A page when it linked
    archived files, when its portal's last walk did not end (killed: its files may not have been
    fetched) or when something of the portal failed since (it may be one of its files).
    """
    return not is_file and (known.links_files or walk is None or bool(walk.pending))


def settled(report_urls: Iterable[str], state: IncrementalState, portal_code: str, due: set[str | None]) -> bool:
    """Whether every report URL on a list page (one at least) was known at the portal's last
    complete walk, with nothing of the portal failed since or due for revalidation (``due``): the
    rest of that list is older and needs nothing this run."""
    walk = state.walks.get(portal_code)
    if walk is None or walk.pending or portal_code in due:
        return False
    urls = list(dict.fromkeys(report_urls))
    return bool(urls) and all(
        (known := state.urls.get(u)) is not None and known.first_fetched <= walk.walked_at for u in urls
    )
