"""Crawl runs and what they leave besides reports: errors, per-portal health, the portals crawled,
and the distributed jobs they belong to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from govcrawl.seeds import Portal as SeedPortal
from govcrawl.store.database import Database, jsonable, now
from govcrawl.store.models import (
    ERROR_STAGES,
    FAILURE_CLASSES,
    RUN_STATUSES,
    CrawlJob,
    CrawlRun,
    FetchError,
    Portal,
    PortalHealth,
    Report,
    Source,
)


class Runs:
    """Writes of ``crawl_runs``, ``fetch_errors``, ``portal_health`` and ``portals``, and the column hints."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def start(self, arguments: dict[str, Any], job: str | None = None) -> int:
        """Record the start of a crawl run (a worker of the distributed ``job``) and return its id."""
        with self.db.sessions.begin() as session:
            run = CrawlRun(started_at=now(), arguments=jsonable(arguments), job=job)
            session.add(run)
            session.flush()
            return run.id

    def finish(
        self, run_id: int, stats: dict[str, Any], status: str = "finished", problems: dict[str, Any] | None = None
    ) -> None:
        """Record the end of a run: how it ended (one of ``RUN_STATUSES``), what it could not do,
        its final stats and the counts of what it added."""
        if status not in RUN_STATUSES:
            raise ValueError(f"unknown run status {status!r}; expected one of {', '.join(RUN_STATUSES)}")
        with self.db.sessions.begin() as session:
            session.execute(
                update(CrawlRun)
                .where(CrawlRun.id == run_id)
                .values(
                    finished_at=now(),
                    status=status,
                    problems=jsonable(problems or {}),
                    stats=jsonable(stats),
                    reports_added=_count(session, Report.crawl_run_id == run_id),
                    sources_added=_count(session, Source.crawl_run_id == run_id),
                    errors=_count(session, FetchError.crawl_run_id == run_id),
                )
            )

    def record_error(
        self,
        *,
        run_id: int | None,
        url: str,
        portal_code: str | None,
        stage: str,
        kind: str,
        message: str,
        http_status: int | None = None,
    ) -> None:
        """Record an input that could not be archived. ``stage`` is one of ``ERROR_STAGES``."""
        if stage not in ERROR_STAGES:
            raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(ERROR_STAGES)}")
        with self.db.sessions.begin() as session:
            session.add(
                FetchError(
                    crawl_run_id=run_id,
                    url=url,
                    portal_code=portal_code,
                    stage=stage,
                    kind=kind,
                    message=message,
                    http_status=http_status,
                    at=now(),
                )
            )

    def record_portals(self, portals: Iterable[SeedPortal]) -> None:
        """Note that these seed portals are being crawled: insert each, or refresh its name, URL and
        ``last_seen`` (one row per division: where a division has several portals, the last wins)."""
        rows = {
            p.division_code: {
                "division_code": p.division_code,
                "name": p.name,
                "province": p.province or None,
                "portal_url": p.portal_url,
                "first_seen": now(),
                "last_seen": now(),
            }
            for p in portals
        }
        if not rows:
            return
        stmt = self.db.insert(Portal.__table__)
        stmt = stmt.on_conflict_do_update(
            index_elements=["division_code"],
            set_={
                "name": stmt.excluded.name,
                "portal_url": stmt.excluded.portal_url,
                "province": func.coalesce(stmt.excluded.province, Portal.__table__.c.province),
                "last_seen": stmt.excluded.last_seen,
            },
        )
        with self.db.sessions.begin() as session:
            session.execute(stmt, list(rows.values()))

    def record_health(
        self,
        run_id: int,
        division_code: str,
        *,
        column_url: str | None,
        reports_found: int,
        pages_fetched: int,
        failure_class: str | None,
        complete: bool = True,
        found_by: str | None = None,
        discovery_pages: int | None = None,
        columns: list[str] | None = None,
    ) -> None:
        """Record how a portal fared in a run; a second call for the same run and portal replaces the row.

        ``failure_class`` is None for a working portal, else one of ``FAILURE_CLASSES``;
        ``complete`` says the walk reached every report (nothing left unstored, uncaptured or unread);
        ``found_by``, ``discovery_pages`` and ``columns``: how its columns were found, at what cost,
        and which columns gave reports.
        """
        if failure_class is not None and failure_class not in FAILURE_CLASSES:
            raise ValueError(
                f"unknown failure class {failure_class!r}; expected None or one of {', '.join(FAILURE_CLASSES)}"
            )
        values = {
            "column_url": column_url,
            "reports_found": reports_found,
            "pages_fetched": pages_fetched,
            "failure_class": failure_class,
            "checked_at": now(),
            "complete": complete,
            "found_by": found_by,
            "discovery_pages": discovery_pages,
            "columns": columns,
        }
        stmt = self.db.insert(PortalHealth.__table__).values(crawl_run_id=run_id, division_code=division_code, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["crawl_run_id", "division_code"],
            set_={name: stmt.excluded[name] for name in values},
        )
        with self.db.sessions.begin() as session:
            session.execute(stmt)

    def start_job(self, name: str, arguments: dict[str, Any]) -> None:
        """Record a distributed job (once: its workers all call this as they start).

        A job that is not finished keeps its row (a worker joining, or the job resumed after a
        fault). A finished job started again under the same name (a nightly ``--job nightly``) is a
        new run of it: its row starts afresh, else it would read as finished while it runs.
        """
        values = {"arguments": jsonable(arguments), "started_at": now(), "rebuilds": 0, "finished_at": None}
        stmt = self.db.insert(CrawlJob.__table__).values(name=name, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["name"], set_=values, where=CrawlJob.__table__.c.finished_at.is_not(None)
        )
        with self.db.sessions.begin() as session:
            session.execute(stmt)

    def job(self, name: str) -> CrawlJob | None:
        """The distributed job ``name``, or None."""
        with self.db.sessions() as session:
            return session.get(CrawlJob, name)

    def job_rebuilt(self, name: str) -> None:
        """Count a rebuild of the job's queue (Redis lost it)."""
        with self.db.sessions.begin() as session:
            session.execute(update(CrawlJob).where(CrawlJob.name == name).values(rebuilds=CrawlJob.rebuilds + 1))

    def finish_job(self, name: str) -> None:
        """Record that the job's last worker closed."""
        with self.db.sessions.begin() as session:
            session.execute(update(CrawlJob).where(CrawlJob.name == name).values(finished_at=now()))

    def column_hints(self, division_codes: Iterable[str]) -> dict[str, list[str]]:
        """Per division, the columns of its most recent complete walk that found reports (one query): all
        of them where the run listed them, else its one ``column_url``.

        A walk cut short (a signal, a fault, its budget) may have reached only some of a portal's
        columns, say the government's and two of its twelve departments': starting from those would
        never look for the others, so such a walk gives no hints.
        """
        codes = set(division_codes)
        newest = (
            select(PortalHealth.division_code, func.max(PortalHealth.id).label("id"))
            .where(PortalHealth.reports_found > 0, PortalHealth.column_url.is_not(None), PortalHealth.complete)
            .group_by(PortalHealth.division_code)
            .subquery()
        )
        query = select(PortalHealth.division_code, PortalHealth.column_url, PortalHealth.columns).join(
            newest, PortalHealth.id == newest.c.id
        )
        with self.db.sessions() as session:
            return {
                code: list(columns or [url]) for code, url, columns in session.execute(query) if code in codes
            }


def _count(session: Session, condition: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).where(condition))
