"""``govcrawl status``: the coverage board, per-portal health and the last crawl runs, read from the archive.

Everything here only reads. The query functions take an ``Engine`` and return frozen dataclasses;
``govcrawl.output.status`` turns a :class:`Status` into what the command prints.

Definitions an operator relies on:

* The *examined run* is ``--run ID`` or, by default, the newest finished crawl run.
* A portal's *state* is its newest ``portal_health`` row from the examined run or an earlier one,
  so a night that crawled one province does not hide the others. A portal is *failing* when that
  check found no reports (the spider then records a failure class).
* Its *previous check* is the newest health row before that one; a portal *regressed* when it was
  checked in the examined run, found no reports, and its previous check found some.
* *Consecutive failures* count the portal's checks since its last check with reports (up to and
  including the examined run); *last success* is the time of that check.
* The board counts, per province and report year, the archived reports (current version and
  parse), those parsed into statistics, those whose parse fails a consistency check, those the
  examined run archived first, and the portals that supplied them, split by their state: ok or
  failing now. A province's ``all`` row counts every portal of the province that has a state.
* A run without ``finished_at`` is *running* while it wrote a capture within ``stale_after``
  (default one hour); otherwise it *crashed*.

The queries of the board, the portal states and the runs share these definitions, and are read
together: hence one module. Printing them is ``govcrawl.output.status``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, Subquery, and_, case, func, literal, select, true
from sqlalchemy.orm import Session, aliased

from govcrawl.store.database import aware as _aware
from govcrawl.store.models import (
    Capture,
    CheckResult,
    CrawlRun,
    Division,
    FetchError,
    Parse,
    Portal,
    PortalHealth,
    Report,
    Source,
)
from govcrawl.store.queries import current_reports, province_prefix, summary

#: An unfinished run that wrote no capture for this long is reported as crashed.
STALE_AFTER = timedelta(hours=1)
#: The province label of reports without a division code.
UNIDENTIFIED = "unidentified"


@dataclass(frozen=True)
class RunSummary:
    """One crawl run: when, with what arguments, and counts by outcome.

    ``state`` is how it ended (``finished``, ``degraded``, ``interrupted``, ``failed``: see
    ``crawl_runs.status``), or ``running`` or ``crashed`` while it has no end; ``problems`` counts
    what it could not do, with the ``exit_code`` it exited with; ``duration_s`` runs to the end, to now
    while running, or to the last capture of a crashed run. ``portals`` counts the run's health
    records by outcome (``ok`` or the failure class); ``errors`` the run's ``fetch_errors`` by
    stage. ``pages`` is Scrapy's response count (the capture count while unfinished) and
    ``reports_known`` the reports met again (None until finished).
    """

    id: int
    state: str
    started_at: datetime
    finished_at: datetime | None
    last_activity: datetime
    duration_s: float
    arguments: dict[str, Any]
    pages: int
    reports_new: int
    reports_known: int | None
    sources_new: int
    portals: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    problems: dict[str, Any] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        """The run ended as it should: finished, nothing lost or skipped."""
        return self.state == "finished"


@dataclass(frozen=True)
class PortalStatus:
    """One portal's health as of the examined run (see the module docstring for the terms)."""

    division_code: str
    name: str | None
    province_code: str
    province: str
    run_id: int
    checked_at: datetime
    reports_found: int
    pages_fetched: int
    failure_class: str | None
    column_url: str | None
    found_by: str | None  # how its columns were found (hint, nav, explore, sitemap, search)
    discovery_pages: int | None  # pages opened to find them (None: recorded before this was kept)
    previous_run_id: int | None
    previous_reports_found: int | None
    last_success_run_id: int | None
    last_success_at: datetime | None
    consecutive_failures: int
    regressed: bool

    @property
    def failing(self) -> bool:
        """The portal's newest check found no reports."""
        return self.reports_found == 0


@dataclass(frozen=True)
class Counts:
    """One cell group of the board: portals by state, reports archived, parsed, failing a check, new."""

    portals_ok: int = 0
    portals_failing: int = 0
    reports: int = 0
    parsed: int = 0
    failing_checks: int = 0
    new: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


@dataclass(frozen=True)
class ProvinceBoard:
    """The board of one province: totals, and one row per report year (None: year not identified)."""

    province_code: str | None
    province: str
    totals: Counts
    years: list[tuple[int | None, Counts]]


@dataclass(frozen=True)
class Status:
    """Everything ``govcrawl status`` shows."""

    run: RunSummary | None
    runs: list[RunSummary]
    runs_total: int
    board: list[ProvinceBoard]
    portals: list[PortalStatus]
    province_code: str | None = None
    #: The whole archive's totals and counts by province, year, format and check status
    #: (``govcrawl.store.queries.summary``).
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def regressions(self) -> list[PortalStatus]:
        """Portals that had reports at their previous check and none in the examined run."""
        return [p for p in self.portals if p.regressed]

    @property
    def empty(self) -> bool:
        """No crawl run and no report: nothing to show."""
        return self.runs_total == 0 and not self.board


def collect(
    engine: Engine,
    *,
    run_id: int | None = None,
    province: str | None = None,
    runs: int = 5,
    now: datetime | None = None,
    stale_after: timedelta = STALE_AFTER,
) -> Status:
    """The status of the archive behind ``engine`` as of run ``run_id`` (default: newest finished run).

    ``province`` (name or code) limits the board and the portals to one province; ``runs`` is how
    many recent runs to list. Raises ValueError for an unknown province or run.
    """
    prefix = province_prefix(province) if province is not None else None
    now = now or datetime.now(UTC)
    with Session(engine) as session:
        if run_id is None:
            run_id = session.scalar(select(func.max(CrawlRun.id)).where(CrawlRun.finished_at.is_not(None)))
        elif session.get(CrawlRun, run_id) is None:
            raise ValueError(f"no crawl run {run_id}")
        runs_total = session.scalar(select(func.count()).select_from(CrawlRun))
        recent = run_summaries(session, _recent_run_ids(session, runs), now, stale_after)
        examined = None
        if run_id is not None:
            examined = next((r for r in recent if r.id == run_id), None) or run_summaries(
                session, [run_id], now, stale_after
            )[0]
        states = portal_states(session, run_id, prefix)
        board = coverage_board(session, run_id, prefix, {p.division_code: p for p in states})
        totals = summary(session)
    return Status(examined, recent, runs_total, board, _failing_first(states), prefix, totals)


def _recent_run_ids(session: Session, limit: int) -> list[int]:
    return list(session.scalars(select(CrawlRun.id).order_by(CrawlRun.id.desc()).limit(limit)))


def run_summaries(session: Session, ids: Sequence[int], now: datetime, stale_after: timedelta) -> list[RunSummary]:
    """The runs ``ids`` (in that order) with their state and counts by outcome."""
    if not ids:
        return []
    runs = {r.id: r for r in session.scalars(select(CrawlRun).where(CrawlRun.id.in_(ids)))}
    outcome = case(
        (PortalHealth.reports_found > 0, literal("ok")), else_=func.coalesce(PortalHealth.failure_class, "failing")
    )
    portals: dict[int, dict[str, int]] = {}
    for run_id, name, n in session.execute(
        select(PortalHealth.crawl_run_id, outcome, func.count())
        .where(PortalHealth.crawl_run_id.in_(ids))
        .group_by(PortalHealth.crawl_run_id, outcome)
        .order_by(PortalHealth.crawl_run_id, outcome)
    ):
        portals.setdefault(run_id, {})[name] = n
    errors: dict[int, dict[str, int]] = {}
    for run_id, stage, n in session.execute(
        select(FetchError.crawl_run_id, FetchError.stage, func.count())
        .where(FetchError.crawl_run_id.in_(ids))
        .group_by(FetchError.crawl_run_id, FetchError.stage)
        .order_by(FetchError.crawl_run_id, FetchError.stage)
    ):
        errors.setdefault(run_id, {})[stage] = n
    out = []
    for run_id in ids:
        run = runs[run_id]
        started = _aware(run.started_at)
        if run.finished_at is not None:
            stats = run.stats or {}
            finished = _aware(run.finished_at)
            state, last, end = run.status or "finished", finished, finished
            # Responses the HTTP cache served from the archive pass Scrapy's downloader stats too: not pages fetched.
            pages = int(stats.get("downloader/response_count", 0)) - int(stats.get("httpcache/hit", 0))
            reports_new, sources_new = run.reports_added or 0, run.sources_added or 0
            reports_known = int(stats.get("govcrawl/reports_known", 0))
        else:  # no final counts yet: count what the run wrote so far
            finished, reports_known = None, None
            pages, reports_new, sources_new, last_capture = _live_counts(session, run_id)
            last = max(started, last_capture) if last_capture else started
            state = "running" if now - last <= stale_after else "crashed"
            end = now if state == "running" else last
        out.append(
            RunSummary(
                id=run.id,
                state=state,
                started_at=started,
                finished_at=finished,
                last_activity=last,
                duration_s=max((end - started).total_seconds(), 0.0),
                arguments={k: v for k, v in (run.arguments or {}).items() if v is not None},
                pages=pages,
                reports_new=reports_new,
                reports_known=reports_known,
                sources_new=sources_new,
                portals=portals.get(run_id, {}),
                errors=errors.get(run_id, {}),
                problems=dict(run.problems or {}),
            )
        )
    return out


def _live_counts(session: Session, run_id: int) -> tuple[int, int, int, datetime | None]:
    """(captures, reports, sources, time of the newest capture) written so far by an unfinished run."""
    pages, last = session.execute(
        select(func.count(), func.max(Capture.fetched_at)).where(Capture.crawl_run_id == run_id)
    ).one()
    reports = session.scalar(select(func.count()).select_from(Report).where(Report.crawl_run_id == run_id))
    sources = session.scalar(select(func.count()).select_from(Source).where(Source.crawl_run_id == run_id))
    return pages, reports, sources, _aware(last) if last else None


def portal_states(session: Session, run_id: int | None, prefix: str | None) -> list[PortalStatus]:
    """Every portal's state as of run ``run_id`` (None: every run), in division-code order."""
    bound = PortalHealth.crawl_run_id <= run_id if run_id is not None else true()
    scope = PortalHealth.division_code.startswith(prefix) if prefix else true()
    newest = _run_per_portal(bound, scope)
    success_run = _run_per_portal(bound, scope, PortalHealth.reports_found > 0)
    earlier = aliased(PortalHealth)
    previous_run = (
        select(earlier.division_code, func.max(earlier.crawl_run_id).label("run"))
        .join(newest, and_(earlier.division_code == newest.c.division_code, earlier.crawl_run_id < newest.c.run))
        .group_by(earlier.division_code)
        .subquery()
    )
    previous = {
        code: (run, found)
        for code, run, found in session.execute(
            select(PortalHealth.division_code, PortalHealth.crawl_run_id, PortalHealth.reports_found).join(
                previous_run, _health_row(previous_run)
            )
        )
    }
    success = {
        code: (run, _aware(at))
        for code, run, at in session.execute(
            select(PortalHealth.division_code, PortalHealth.crawl_run_id, PortalHealth.checked_at).join(
                success_run, _health_row(success_run)
            )
        )
    }
    # Every check after the last one with reports found none: count them.
    streaks = dict(
        session.execute(
            select(PortalHealth.division_code, func.count())
            .outerjoin(success_run, PortalHealth.division_code == success_run.c.division_code)
            .where(bound, scope, PortalHealth.crawl_run_id > func.coalesce(success_run.c.run, 0))
            .group_by(PortalHealth.division_code)
        ).all()
    )
    names = _division_names(session)
    provinces = _province_names(session)
    out = []
    for row in session.scalars(
        select(PortalHealth).join(newest, _health_row(newest)).order_by(PortalHealth.division_code)
    ):
        code = row.division_code
        previous_run_id, previous_found = previous.get(code, (None, None))
        success_run_id, success_at = success.get(code, (None, None))
        out.append(
            PortalStatus(
                division_code=code,
                name=names.get(code),
                province_code=code[:2],
                province=provinces.get(code[:2], UNIDENTIFIED),
                run_id=row.crawl_run_id,
                checked_at=_aware(row.checked_at),
                reports_found=row.reports_found,
                pages_fetched=row.pages_fetched,
                failure_class=row.failure_class,
                column_url=row.column_url,
                found_by=row.found_by,
                discovery_pages=row.discovery_pages,
                previous_run_id=previous_run_id,
                previous_reports_found=previous_found,
                last_success_run_id=success_run_id,
                last_success_at=success_at,
                consecutive_failures=streaks.get(code, 0),
                regressed=(
                    run_id is not None
                    and row.crawl_run_id == run_id
                    and row.reports_found == 0
                    and (previous_found or 0) > 0
                ),
            )
        )
    return out


def _run_per_portal(*conditions: ColumnElement[bool]) -> Subquery:
    """(division_code, run): each portal's newest run among its health rows meeting ``conditions``."""
    return (
        select(PortalHealth.division_code, func.max(PortalHealth.crawl_run_id).label("run"))
        .where(*conditions)
        .group_by(PortalHealth.division_code)
        .subquery()
    )


def _health_row(per_portal: Subquery) -> ColumnElement[bool]:
    """Joins ``portal_health`` to the row of each portal's run in ``per_portal``."""
    return and_(
        PortalHealth.division_code == per_portal.c.division_code, PortalHealth.crawl_run_id == per_portal.c.run
    )


def coverage_board(
    session: Session, run_id: int | None, prefix: str | None, states: dict[str, PortalStatus]
) -> list[ProvinceBoard]:
    """The board, province by province (unidentified last), years ascending (unknown last)."""
    current = current_reports(
        Report.id, Report.division_code, Report.year, Report.crawl_run_id, Parse.id.label("parse_id"), Parse.stats_format
    )
    if prefix:
        current = current.where(Report.division_code.startswith(prefix))
    current = current.subquery()
    failed = select(CheckResult.parse_id).where(CheckResult.status == "fail").distinct().subquery()
    province = func.substr(current.c.division_code, 1, 2)
    new = (
        func.sum(case((current.c.crawl_run_id == run_id, 1), else_=0)) if run_id is not None else literal(0)
    )
    cells: dict[tuple[str | None, int | None], Counts] = {}
    for code, year, reports, parsed, failing, n_new in session.execute(
        select(
            province,
            current.c.year,
            func.count(),
            func.sum(case((current.c.stats_format.is_not(None), 1), else_=0)),
            func.count(failed.c.parse_id),
            new,
        )
        .select_from(current)
        .outerjoin(failed, failed.c.parse_id == current.c.parse_id)
        .group_by(province, current.c.year)
    ):
        cells[(code, year)] = Counts(0, 0, reports, int(parsed), failing, int(n_new))
    # The portals that supplied each province's reports of a year, by their state now.
    for code, year, portal in session.execute(
        select(province, current.c.year, Source.portal_code)
        .join(Source, Source.report_id == current.c.id)
        .where(Source.portal_code.is_not(None))
        .distinct()
    ):
        state = states.get(portal)
        if state is not None:
            cell = cells[(code, year)]
            cells[(code, year)] = cell + Counts(
                portals_ok=int(not state.failing), portals_failing=int(state.failing)
            )
    names = _province_names(session)
    provinces = {code for code, _ in cells} | {s.province_code for s in states.values()}
    board = []
    for code in sorted(provinces, key=lambda c: (c is None, c or "")):
        years = sorted(
            ((y, c) for (p, y), c in cells.items() if p == code), key=lambda yc: (yc[0] is None, yc[0] or 0)
        )
        portals = [s for s in states.values() if s.province_code == code]
        # A province's portals are counted by their own code, not by the reports they supplied.
        totals = sum((replace(c, portals_ok=0, portals_failing=0) for _, c in years), Counts()) + Counts(
            portals_ok=sum(not s.failing for s in portals), portals_failing=sum(s.failing for s in portals)
        )
        label = names.get(code, UNIDENTIFIED) if code else UNIDENTIFIED
        board.append(ProvinceBoard(code, label, totals, years))
    return board


def _failing_first(states: Iterable[PortalStatus]) -> list[PortalStatus]:
    """Regressions first, then failing portals by consecutive failures (most first), then the rest."""
    return sorted(
        states, key=lambda s: (not s.regressed, not s.failing, -s.consecutive_failures, s.division_code)
    )


def _division_names(session: Session) -> dict[str, str]:
    """Portal name by division code: the portals table's, else the division's."""
    names = dict(session.execute(select(Division.code, Division.name)).all())
    names.update(session.execute(select(Portal.division_code, Portal.name)).all())
    return names


def _province_names(session: Session) -> dict[str, str]:
    """Province name by two-digit code prefix."""
    query = select(func.substr(Division.code, 1, 2), Division.name).where(Division.level == "province")
    return dict(session.execute(query).all())
