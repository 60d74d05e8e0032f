"""``govcrawl status`` for a terminal or a program: the :class:`~govcrawl.store.status.Status` it collected."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, astuple
from datetime import UTC, datetime

from govcrawl.output.tables import table
from govcrawl.store.status import Counts, PortalStatus, RunSummary, Status


def to_json(status: Status) -> str:
    """``status`` as one JSON object (times in ISO 8601, UTC)."""
    document = {
        "province_code": status.province_code,
        "run": asdict(status.run) if status.run else None,
        "regressions": [p.division_code for p in status.regressions],
        "board": [
            {
                "province_code": b.province_code,
                "province": b.province,
                "totals": asdict(b.totals),
                "years": [{"year": year, **asdict(counts)} for year, counts in b.years],
            }
            for b in status.board
        ],
        "portals": [asdict(p) | {"failing": p.failing} for p in status.portals],
        "runs": [asdict(r) for r in status.runs],
        "runs_total": status.runs_total,
        "summary": _summary_json(status.summary),
    }
    return json.dumps(document, ensure_ascii=False, default=_iso)


def render_text(status: Status, limit: int = 20, all_portals: bool = False) -> str:
    """The status for a terminal: regressions, the board, the failing portals (every portal with
    ``all_portals``; at most ``limit``, 0 for all) and the last runs."""
    if status.empty:
        return "the archive is empty: no crawl run and no report yet (run a crawl, then govcrawl status)"
    lines: list[str] = []
    run = status.run
    if run is None:
        lines.append("no finished crawl run yet: portal health is not known")
    else:
        lines.append(
            f"run {run.id}: {run.state}, started {_time(run.started_at)}, {_duration(run.duration_s)},"
            f" portals {_outcomes(run.portals)}; each portal compared with its previous check"
        )
        if not run.clean:
            lines.append(f"  {_problems(run)}")
        discovery = _discovery_line(status.portals)
        if discovery:
            lines.append(f"  {discovery}")
    regressions = status.regressions
    if regressions:
        lines.append(
            f"\nREGRESSION: {len(regressions)} portal(s) had reports at their previous check and none now"
        )
        lines += _portal_table(regressions)
    lines.append("\ncoverage by province and report year (portals: supplying that year's reports, by state now)")
    header = ("province", "year", "portals ok", "failing", "reports", "parsed", "failing checks", "new in run")
    rows = []
    for board in status.board:
        rows.append((board.province, "all", *_cells(board.totals)))
        rows += [("", "?" if year is None else str(year), *_cells(counts)) for year, counts in board.years]
    lines += _table(header, rows, "llrrrrrr")
    failing = [p for p in status.portals if p.failing]
    listed = status.portals if all_portals else failing
    shown = listed[:limit] if limit else listed
    if shown:
        what = "portals" if all_portals else "failing portals"
        order = "failing first" if all_portals else "longest failing first"
        lines.append(f"\n{what}: {len(shown)} of {len(listed)}, {order}")
        lines += _portal_table(shown)
    if status.portals and not failing:
        lines.append(f"\nall {len(status.portals)} portals found reports at their last check")
    if status.runs:
        lines.append("\nlast runs")
        header = (
            "run", "state", "started", "duration", "portals", "pages", "new", "known", "sources", "errors", "arguments"
        )
        lines += _table(header, [_run_cells(r) for r in status.runs], "rllrlrrrrll")
    lines += _summary_lines(status.summary)
    return "\n".join(lines)


def _summary_json(summary: dict) -> dict:
    """The archive summary with its grouped counts as objects (``{"gov2021": 3, "-": 1}``)."""
    return {name: dict(_label(k, n) for k, n in rows) if isinstance(rows, list) else rows for name, rows in summary.items()}


def _label(key: object, n: int) -> tuple[str, int]:
    return ("-" if key is None else str(key), n)


def _summary_lines(summary: dict) -> list[str]:
    """The whole archive: totals, then current reports by format and their checks by status."""
    if not summary:
        return []
    lines = ["\narchive: " + ", ".join(f"{n} {name}" for name, n in summary["totals"].items())]
    for name in ("format", "check_status"):
        rows = [_label(k, n) for k, n in summary[name]]
        if rows:
            lines.append(f"by {name.replace('_', ' ')}: " + ", ".join(f"{k} {n}" for k, n in rows))
    return lines


def _problems(run: RunSummary) -> str:
    """What a run that did not finish cleanly could not do, and what its process exited with."""
    problems = {k: v for k, v in run.problems.items() if k not in ("exit_code", "reason")}
    what = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in sorted(problems.items())) or "nothing counted"
    exit_code = run.problems.get("exit_code")
    return f"{run.state.upper()}: {what}" + (f"; the crawl exited {exit_code}" if exit_code else "") + (
        f" ({run.problems['reason']})" if run.problems.get("reason") not in (None, "finished") else ""
    )


def _discovery_line(portals: Sequence[PortalStatus]) -> str:
    """How the examined run's portals found their columns, and the discovery pages they spent."""
    ways: dict[str, int] = {}
    for p in portals:
        for way in (p.found_by or "").split(","):
            if way:
                ways[way] = ways.get(way, 0) + 1
    spent = sorted(p.discovery_pages for p in portals if p.discovery_pages is not None)
    if not ways and not spent:
        return ""
    found = ", ".join(f"{way} {n}" for way, n in sorted(ways.items(), key=lambda kv: -kv[1])) or "none"
    pages = (
        f"; discovery pages per portal: median {spent[len(spent) // 2]}, max {spent[-1]}, total {sum(spent)}"
        if spent else ""
    )
    return f"columns found by: {found}{pages}"


def _portal_table(portals: list[PortalStatus]) -> list[str]:
    header = (
        "code", "portal", "province", "failure", "fails in a row", "last success", "reports", "found by",
        "discovery pages", "column",
    )
    rows = [
        (
            p.division_code,
            p.name or "-",
            p.province,
            p.failure_class or "-",
            str(p.consecutive_failures),
            f"{_time(p.last_success_at)} (run {p.last_success_run_id})" if p.last_success_at else "never",
            f"{'-' if p.previous_reports_found is None else p.previous_reports_found} -> {p.reports_found}",
            p.found_by or "-",
            "-" if p.discovery_pages is None else str(p.discovery_pages),
            p.column_url or "-",
        )
        for p in portals
    ]
    return _table(header, rows, "llllrlrlrl")


def _cells(counts: Counts) -> tuple[str, ...]:
    return tuple(str(n) for n in astuple(counts))


def _run_cells(run: RunSummary) -> tuple[str, ...]:
    errors = ", ".join(f"{n} {stage}" for stage, n in run.errors.items())
    return (
        str(run.id),
        run.state,
        _time(run.started_at),
        _duration(run.duration_s),
        _outcomes(run.portals),
        str(run.pages),
        str(run.reports_new),
        "-" if run.reports_known is None else str(run.reports_known),
        str(run.sources_new),
        errors or "0",
        " ".join(f"{k}={v}" for k, v in run.arguments.items()) or "-",
    )


def _outcomes(portals: dict[str, int]) -> str:
    """``3 ok, 1 dns``: a run's portals by outcome, ``ok`` first."""
    return ", ".join(f"{n} {name}" for name, n in sorted(portals.items(), key=lambda kv: kv[0] != "ok")) or "-"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> list[str]:
    return table(header, rows, align, indent="  ")


def _time(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
