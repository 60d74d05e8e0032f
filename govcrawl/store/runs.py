"""Crawl runs and what they leave besides reports: errors, per-portal health, the portals crawled."""

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

    def start(self, arguments: dict[str, Any]) -> int:
        """Record the start of a crawl run and return its id."""
        with self.db.sessions.begin() as session:
            run = CrawlRun(started_at=now(), arguments=jsonable(arguments))
            session.add(run)
            session.flush()
            return run.id

    def finish(self, run_id: int, stats: dict[str, Any]) -> None:
        """Record the end of a run: its final stats and the counts of what it added."""
        with self.db.sessions.begin() as session:
            session.execute(
                update(CrawlRun)
                .where(CrawlRun.id == run_id)
                .values(
                    finished_at=now(),
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
    ) -> None:
        """Record how a portal fared in a run; a second call for the same run and portal replaces the row.

        ``failure_class`` is None for a working portal, else one of ``FAILURE_CLASSES``.
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
        }
        stmt = self.db.insert(PortalHealth.__table__).values(crawl_run_id=run_id, division_code=division_code, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["crawl_run_id", "division_code"],
            set_={name: stmt.excluded[name] for name in values},
        )
        with self.db.sessions.begin() as session:
            session.execute(stmt)

    def column_hints(self, division_codes: Iterable[str]) -> dict[str, str]:
        """Per division, the column URL of its most recent run that found reports there (one query)."""
        codes = set(division_codes)
        newest = (
            select(PortalHealth.division_code, func.max(PortalHealth.id).label("id"))
            .where(PortalHealth.reports_found > 0, PortalHealth.column_url.is_not(None))
            .group_by(PortalHealth.division_code)
            .subquery()
        )
        query = select(PortalHealth.division_code, PortalHealth.column_url).join(
            newest, PortalHealth.id == newest.c.id
        )
        with self.db.sessions() as session:
            return {code: url for code, url in session.execute(query) if code in codes}


def _count(session: Session, condition: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).where(condition))
