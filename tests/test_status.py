"""``govcrawl status``: the coverage board, portal health, the last runs and the regression exit.

The archives are built through the real ``Archive`` API (runs started and finished, reports stored,
portal health recorded) on SQLite and PostgreSQL; the last test crawls the replica web for real.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from govcrawl.cli import main
from govcrawl.output.tables import display_width
from govcrawl.records import CheckRecord, ReportRecord
from govcrawl.store import Archive
from govcrawl.store.status import Counts, Status, collect
from replica.harness import crawl_env, run_crawl
from replica.server import ReplicaServer

#: One portal's outcome in a run: reports found (> 0), or the failure class of a run that found none.
Outcome = int | str


def _crawl_run(archive: Archive, health: dict[str, Outcome], reports: Sequence[ReportRecord] = ()) -> int:
    """A finished run that stored ``reports`` and recorded ``health`` per portal; returns its id."""
    run = archive.runs.start({"spider": "county", "province": None})
    for rec in reports:
        archive.reports.store(rec, run_id=run)
    for code, outcome in health.items():
        found = outcome if isinstance(outcome, int) else 0
        archive.runs.record_health(
            run, code, column_url=f"http://127.0.0.1/{code}/nb/" if found else None, reports_found=found,
            pages_fetched=5, failure_class=None if found else outcome,
        )
    archive.runs.finish(run, {"downloader/response_count": 10, "govcrawl/reports_known": 0})
    return run


def _report(make_record: Callable[..., ReportRecord], n: int, portal: str, **fields) -> ReportRecord:
    """Report ``n`` (its own hash and URL) supplied by the seed portal ``portal``."""
    failing = fields.pop("failing_check", False)
    stats_format = fields.pop("stats_format", "gov2021")
    rec = make_record(f"{n:064x}", f"http://127.0.0.1/{portal}/{n}.html", **fields)
    rec = replace(rec, capture=replace(rec.capture, portal_code=portal), stats_format=stats_format)
    if failing:
        rec = replace(rec, checks=[CheckRecord("R3.1", "fail", Decimal(14), Decimal(13), Decimal(1), ["apply.new.total"])])
    return rec


def _collect(url: str, **options) -> Status:
    archive = Archive(url)
    try:
        return collect(archive.engine, **options)
    finally:
        archive.close()


def _status(url: str, *args: str, capsys) -> tuple[int, str, str]:
    code = main(["--database-url", url, "status", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def two_nights(archive: Archive, migrated_url: str, make_record) -> str:
    """Night 1: 济南 (370100) finds its report; night 2 it is unreachable, 云南 530115 recovers."""
    _crawl_run(
        archive,
        {"370811": 2, "370100": 1, "530115": "no_column"},
        [
            _report(make_record, 1, "370811", division_code="370811", year=2021, failing_check=True),
            _report(make_record, 2, "370811", division_code="370811", year=2020, stats_format=None),
            _report(make_record, 3, "370100", division_code="370102", year=2021),
        ],
    )
    _crawl_run(
        archive,
        {"370811": 2, "370100": "dns", "530115": 1},
        [
            _report(make_record, 4, "530115", division_code="530115", year=2019),
            _report(make_record, 5, "530115", division_code=None, year=None),
        ],
    )
    return migrated_url


def test_regression_exits_6_and_names_the_portal(two_nights, capsys):
    code, out, err = _status(two_nights, capsys=capsys)
    assert code == 6
    regression = out.split("REGRESSION", 1)[1].split("coverage", 1)[0]
    assert "370100" in regression and "dns" in regression and "1 -> 0" in regression
    assert "370811" not in regression and "530115" not in regression
    assert "370100" in err and err.startswith("govcrawl: regression: 1 portal")


def test_no_regression_exits_0(archive, migrated_url, make_record, capsys):
    # 440300 never had reports: failing, but not a regression; 370811 keeps finding them.
    _crawl_run(archive, {"370811": 1, "440300": "no_column"}, [_report(make_record, 1, "370811")])
    _crawl_run(archive, {"370811": 1, "440300": "empty_column"})
    code, out, err = _status(migrated_url, capsys=capsys)
    assert (code, err) == (0, "")
    assert "REGRESSION" not in out
    assert "failing portals: 1 of 1" in out and "empty_column" in out


def test_board_counts_per_province_and_year(two_nights):
    status = _collect(two_nights)
    board = {b.province: b for b in status.board}
    assert list(board) == ["山东省", "云南省", "unidentified"]
    shandong = board["山东省"]
    assert shandong.province_code == "37"
    # 370811 works, 370100 fails now; three reports, one unparsed, one failing a check, none new in run 2.
    assert shandong.totals == Counts(portals_ok=1, portals_failing=1, reports=3, parsed=2, failing_checks=1, new=0)
    assert shandong.years == [
        (2020, Counts(portals_ok=1, portals_failing=0, reports=1, parsed=0, failing_checks=0, new=0)),
        (2021, Counts(portals_ok=1, portals_failing=1, reports=2, parsed=2, failing_checks=1, new=0)),
    ]
    assert board["云南省"].totals == Counts(portals_ok=1, reports=1, parsed=1, new=1)
    assert board["云南省"].years == [(2019, Counts(portals_ok=1, reports=1, parsed=1, new=1))]
    # A report without a division: its supplying portal counts in its year row, not in the province's.
    assert board["unidentified"].totals == Counts(reports=1, parsed=1, new=1)
    assert board["unidentified"].years == [(None, Counts(portals_ok=1, reports=1, parsed=1, new=1))]


def test_province_filter_limits_board_and_regressions(two_nights, capsys):
    code, out, _ = _status(two_nights, "--province", "云南", "--json", capsys=capsys)
    assert code == 0  # the regression is in 山东
    data = json.loads(out)
    assert data["province_code"] == "53"
    assert [b["province"] for b in data["board"]] == ["云南省"]
    assert [p["division_code"] for p in data["portals"]] == ["530115"]


def test_json_shape(two_nights, capsys):
    code, out, _ = _status(two_nights, "--json", capsys=capsys)
    assert code == 6
    data = json.loads(out)
    assert set(data) == {"province_code", "run", "regressions", "board", "portals", "runs", "runs_total", "summary"}
    summary = data["summary"]  # the whole archive, whatever the board shows
    assert summary["province"]["山东省"] == 3 and sum(summary["province"].values()) == summary["totals"]["reports"]
    assert data["regressions"] == ["370100"]
    assert data["run"]["id"] == 2 and data["run"]["state"] == "finished"
    assert data["run"]["portals"] == {"ok": 2, "dns": 1}
    assert data["run"]["reports_new"] == 2 and data["run"]["pages"] == 10
    assert datetime.fromisoformat(data["run"]["finished_at"]) >= datetime.fromisoformat(data["run"]["started_at"])
    assert [r["id"] for r in data["runs"]] == [2, 1] and data["runs_total"] == 2
    shandong = data["board"][0]
    assert shandong["province"] == "山东省"
    assert shandong["totals"] == {
        "portals_ok": 1, "portals_failing": 1, "reports": 3, "parsed": 2, "failing_checks": 1, "new": 0
    }
    assert shandong["years"][1] == {
        "year": 2021, "portals_ok": 1, "portals_failing": 1, "reports": 2, "parsed": 2, "failing_checks": 1, "new": 0
    }
    jinan = data["portals"][0]  # regressions come first
    assert jinan["division_code"] == "370100" and jinan["name"] == "济南市" and jinan["province"] == "山东省"
    assert (jinan["failing"], jinan["regressed"], jinan["failure_class"]) == (True, True, "dns")
    assert (jinan["reports_found"], jinan["previous_reports_found"]) == (0, 1)
    assert (jinan["last_success_run_id"], jinan["consecutive_failures"]) == (1, 1)
    assert datetime.fromisoformat(jinan["last_success_at"]).tzinfo is not None


@pytest.fixture
def three_nights(archive: Archive, migrated_url: str) -> str:
    """A: ok, fails, fails. B: fails every night. C: fails, ok, fails. D: checked on night 1 only."""
    _crawl_run(archive, {"110101": 3, "110102": "dns", "110105": "timeout", "110106": 2})
    _crawl_run(archive, {"110101": "empty_column", "110102": "dns", "110105": 1})
    _crawl_run(archive, {"110101": "no_column", "110102": "refused", "110105": "blocked"})
    return migrated_url


def test_consecutive_failures_over_three_runs(three_nights):
    portals = {p.division_code: p for p in _collect(three_nights).portals}
    a, b, c, d = portals["110101"], portals["110102"], portals["110105"], portals["110106"]
    assert (a.consecutive_failures, a.last_success_run_id, a.failure_class) == (2, 1, "no_column")
    assert (b.consecutive_failures, b.last_success_run_id, b.last_success_at) == (3, None, None)
    assert b.failure_class == "refused"
    assert (c.consecutive_failures, c.last_success_run_id) == (1, 2)
    # A failed the night before too: not a regression now; C found a report the night before: one.
    assert (a.regressed, b.regressed, c.regressed) == (False, False, True)
    assert (a.previous_run_id, a.previous_reports_found) == (2, 0)
    # D was not crawled on night 3: its state is still night 1's, and it cannot regress in run 3.
    assert (d.run_id, d.failing, d.regressed, d.consecutive_failures) == (1, False, False, 0)


def test_run_option_examines_an_earlier_run(three_nights, capsys):
    code, out, _ = _status(three_nights, "--run", "2", "--json", capsys=capsys)
    assert code == 6
    data = json.loads(out)
    assert data["run"]["id"] == 2
    assert data["regressions"] == ["110101"]  # ok on night 1, empty on night 2
    portals = {p["division_code"]: p for p in data["portals"]}
    assert portals["110102"]["consecutive_failures"] == 2 and portals["110105"]["failing"] is False
    assert _status(three_nights, "--run", "3", capsys=capsys)[0] == 6  # C, as by default
    assert json.loads(_status(three_nights, "--run", "3", "--json", capsys=capsys)[1])["regressions"] == ["110105"]


def test_failing_list_is_limited_most_consecutive_first(three_nights, capsys):
    code, out, _ = _status(three_nights, "--limit", "2", capsys=capsys)
    assert code == 6
    failing = out.split("failing portals: ", 1)[1].split("last runs", 1)[0]
    assert failing.startswith("2 of 3")
    rows = [line.split()[0] for line in failing.splitlines()[2:] if line.strip()]
    assert rows == ["110105", "110102"]  # the regression first, then the longest streak


def test_empty_archive_says_so_and_exits_0(migrated_url, capsys):
    code, out, err = _status(migrated_url, capsys=capsys)
    assert (code, err) == (0, "")
    assert "archive is empty" in out
    code, out, _ = _status(migrated_url, "--json", capsys=capsys)
    assert code == 0
    assert json.loads(out) == {
        "province_code": None, "run": None, "regressions": [], "board": [], "portals": [], "runs": [], "runs_total": 0,
        "summary": {
            "totals": {"reports": 0, "versions": 0, "sources": 0, "captures": 0, "errors": 0},
            "province": {}, "year": {}, "format": {}, "check_status": {},
        },
    }


def test_unfinished_runs_are_running_or_crashed(archive, migrated_url, make_record, capsys):
    crashed = archive.runs.start({"spider": "county", "province": "云南"})
    archive.reports.store(_report(make_record, 1, "530115", division_code="530115", year=2019), run_id=crashed)
    finished = _crawl_run(archive, {"530115": 1})
    running = archive.runs.start({"spider": "county", "province": "山东"})
    now = datetime.now(UTC)
    runs = {r.id: r for r in collect(archive.engine, now=now, stale_after=timedelta(minutes=5)).runs}
    assert [runs[i].state for i in (crashed, finished, running)] == ["running", "finished", "running"]
    # An hour later, neither unfinished run has written anything since: both crashed.
    later = collect(archive.engine, now=now + timedelta(hours=1), stale_after=timedelta(minutes=5))
    states = {r.id: r.state for r in later.runs}
    assert states == {crashed: "crashed", finished: "finished", running: "crashed"}
    assert later.run.id == finished  # the default examined run is the newest finished one
    dead = next(r for r in later.runs if r.id == crashed)
    assert (dead.reports_new, dead.sources_new, dead.reports_known) == (1, 1, None)
    code, out, _ = _status(migrated_url, capsys=capsys)
    assert code == 0
    assert "province=云南" in out and "province=山东" in out


def test_reports_without_a_finished_run(archive, migrated_url, make_record, capsys):
    run = archive.runs.start({"spider": "county"})
    archive.reports.store(_report(make_record, 1, "530115", division_code="530115", year=2019), run_id=run)
    code, out, _ = _status(migrated_url, "--runs", "0", capsys=capsys)
    assert code == 0
    assert "no finished crawl run yet" in out and "last runs" not in out
    status = _collect(migrated_url)
    assert status.run is None and not status.portals
    assert [(b.province, b.totals) for b in status.board] == [("云南省", Counts(reports=1, parsed=1))]


def test_unknown_run_or_province_exits_2(two_nights, capsys):
    code, _, err = _status(two_nights, "--run", "99", capsys=capsys)
    assert code == 2 and "no crawl run 99" in err
    code, _, err = _status(two_nights, "--province", "火星", capsys=capsys)
    assert code == 2 and "unknown province" in err


def test_unmigrated_database_exits_5(tmp_path, capsys):
    code, _, err = _status(f"sqlite:///{tmp_path / 'new.sqlite3'}", capsys=capsys)
    assert code == 5 and "not migrated" in err


def test_wide_province_names_keep_the_columns_aligned(archive, migrated_url, make_record, capsys):
    # 内蒙古自治区 is twelve terminal columns wide, 北京市 six, "unidentified" twelve.
    _crawl_run(
        archive,
        {"150102": 1, "110101": 1},
        [
            _report(make_record, 1, "150102", division_code="150102", year=2021),
            _report(make_record, 2, "110101", division_code="110101", year=2022),
            _report(make_record, 3, "110101", division_code=None, year=2022),
        ],
    )
    _, out, _ = _status(migrated_url, capsys=capsys)
    board = out.split("coverage", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    assert len(board) == 7  # header, then three provinces of two rows each
    for token in ("year", "all", "2021", "2022"):
        starts = {display_width(line[: line.index(token)]) for line in board if f" {token} " in line}
        assert len(starts) == 1, token
    assert len({display_width(line) for line in board[1:]}) == 1  # numbers right-aligned to one edge


# End to end: two real crawls of the replica web, the second after a portal's host went away.

E2E_PORTALS = ("530115", "320611")  # 晋宁区 (TRS) and 港闸区 (static pages): no browser needed
GONE_HOST = "www.gangzha.gov.cn"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> tuple[str, tuple[int, str], tuple[int, str]]:
    """(archive URL, status after the first crawl, status after the second) as (exit code, output).

    SQLite only, to keep it cheap: the status queries run on PostgreSQL in every test above.
    """
    tmp = tmp_path_factory.mktemp("status-crawl")
    return _two_crawls(tmp, f"sqlite:///{tmp / 'archive.sqlite3'}")


def _two_crawls(tmp: Path, url: str) -> tuple[str, tuple[int, str], tuple[int, str]]:
    with ReplicaServer() as server:
        rows = [r for r in server.web.seed_rows() if r["division_code"] in E2E_PORTALS]
        seeds = tmp / "seeds.csv"
        with open(seeds, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        env = crawl_env(server.proxy_url, url)
        assert run_crawl(seeds, env, tmp / "crawl1.log")[0] == 0
        first = _cli_status(url)
        del server.web.sites[GONE_HOST]  # the host no longer resolves: the proxy answers 502
        assert run_crawl(seeds, env, tmp / "crawl2.log")[0] == 0
        second = _cli_status(url)
    return url, first, second


def _cli_status(url: str) -> tuple[int, str]:
    """``govcrawl status --all-portals`` as an operator runs it: exit code and output."""
    done = subprocess.run(
        [sys.executable, "-m", "govcrawl.cli", "--database-url", url, "status", "--all-portals"],
        capture_output=True, text=True, encoding="utf-8", timeout=120,
    )
    return done.returncode, done.stdout


@pytest.mark.crawl
def test_status_after_a_real_crawl_shows_the_portals_and_exits_0(crawled):
    _, (code, out), _ = crawled
    assert code == 0
    assert "REGRESSION" not in out
    assert "all 2 portals found reports at their last check" in out
    board = out.split("coverage", 1)[1].split("\n\n", 1)[0]
    assert "云南省" in board and "江苏省" in board
    portals = out.split("portals: 2 of 2, failing first", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    assert [row.split()[:4] for row in portals] == [["320611", "港闸区", "江苏省", "-"], ["530115", "晋宁区", "云南省", "-"]]


@pytest.mark.crawl
def test_status_after_a_portal_went_away_exits_6(crawled):
    url, _, (code, out) = crawled
    assert code == 6
    regression = out.split("REGRESSION", 1)[1].split("coverage", 1)[0]
    assert "320611" in regression and "港闸区" in regression and "dns" in regression
    assert "530115" not in regression
    status = _collect(url)
    assert [p.division_code for p in status.regressions] == ["320611"]
    assert status.run.portals == {"ok": 1, "dns": 1}


def test_pages_are_those_fetched_not_those_served_from_the_archive(archive) -> None:
    run = archive.runs.start({"spider": "county"})
    # Scrapy's downloader stats count the HTTP cache's answers from the archive too.
    archive.runs.finish(run, {"downloader/response_count": 40, "httpcache/hit": 15, "httpcache/revalidate": 5})
    (summary,) = collect(archive.engine).runs
    assert summary.pages == 25
