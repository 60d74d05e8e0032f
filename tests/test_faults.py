"""Faults of a nightly job, each against the real component: nothing is lost, and no fault is silent.

Real ``scrapy crawl county`` runs of a 30-portal sample of the generated web, faulted midway:

- **PostgreSQL stopped and started** (a private cluster of the test's own, on its own port): a
  7-second outage is waited out (fetching paused, one warning line each way), the run completes;
  an outage past ``GOVCRAWL_STORE_RETRY_SECONDS`` spools the writes beside the WARC files and exits
  8, and one re-run replays them and completes the archive;
- **SQLite locked** by another process past the busy timeout: the writes wait, then go on;
- **the WARC directory full** (a tiny tmpfs): the crawl stops with one line and exits 9, no report
  is stored without its raw capture, and one re-run with room completes the archive;
- **SIGTERM**: the run ends ``interrupted``, exits 7, none of its walks counts as complete, and one
  re-run completes the archive;
- **SIGKILL** at the first capture and near the end (midway is ``tests/test_resume.py``): one re-run
  completes the archive.

Every scenario ends with the ground truth archived exactly once, every source with its capture.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from conftest import query
from govcrawl.config import PROJECT_ROOT
from replica.generate import generated_web
from replica.harness import archived_reports, crawl_command, crawl_env, run_crawl, write_seeds
from replica.scorecard import score
from replica.server import ReplicaServer

pytestmark = [pytest.mark.crawl, pytest.mark.browser]

#: Every 10th generated portal: 30 portals over all families.
SAMPLE = range(0, 300, 10)
#: The fault comes once this share of the expected reports is archived.
FAULT_AT = 1 / 3


def _root() -> None:
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("the fault tests run as root under CI (a private PostgreSQL cluster, a tmpfs)")
        pytest.skip("needs root: a private PostgreSQL cluster, a tmpfs mount")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    """A PostgreSQL server of the test's own, stopped and started at will."""

    data: Path
    port: int
    bin: Path

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/govcrawl"

    def _ctl(self, *args: str) -> None:
        log = self.data.parent / "server.log"
        command = f"{self.bin / 'pg_ctl'} -D {self.data} -l {log} -w {' '.join(args)}"
        subprocess.run(["su", "postgres", "-c", command], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        self._ctl("-o", f"'-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data.parent}'", "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    _root()
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    assert versions, "PostgreSQL server binaries are missing (Debian package postgresql)"
    # Its own directory under /tmp: pytest's are private to root, and the server runs as postgres.
    home = Path(tempfile.mkdtemp(prefix="govcrawl-pg-"))
    shutil.chown(home, "postgres")
    found = Cluster(home / "data", _free_port(), versions[-1].parent)
    subprocess.run(
        ["su", "postgres", "-c", f"{found.bin / 'initdb'} -D {found.data} -U postgres -A trust -E UTF8 --locale=C.UTF-8"],
        check=True, capture_output=True, timeout=120,
    )
    found.start()
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{found.port}/postgres", autocommit=True) as admin:
        admin.execute("CREATE DATABASE govcrawl")
    try:
        yield found
    finally:
        subprocess.run(["su", "postgres", "-c", f"{found.bin / 'pg_ctl'} -D {found.data} -m immediate stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    # A little latency, so that a fault lands in the middle of the crawl rather than after it.
    with ReplicaServer(web=generated_web(sample=SAMPLE), latency=0.05) as server:
        yield server


def _count(url: str, table: str) -> int:
    """Rows in ``table``; 0 before the crawl migrated the archive, or while the test has its database stopped."""
    try:
        return query(url, f"select count(*) from {table}")[0][0]
    except Exception:  # not migrated yet, or the database is the one the test stopped
        return 0


def _stored(url: str) -> int:
    return _count(url, "reports")


@dataclass
class Faulted:
    """A crawl that met a fault: its exit code, log, and how far it got."""

    exit_code: int
    log: str
    seconds: float


def _crawl_with_fault(
    replica: ReplicaServer, tmp: Path, url: str, fault: Callable[[subprocess.Popen], None],
    env: dict[str, str] | None = None, name: str = "faulted", at: float = FAULT_AT,
) -> Faulted:
    """Start the crawl, ``fault`` it once the share ``at`` of the reports is stored (0: once it has
    captured its first response), and wait for its end."""
    seeds = write_seeds(replica, tmp / "seeds.csv")
    environment = crawl_env(replica.proxy_url, url) | {"GOVCRAWL_WARC_DIR": str(tmp / "warc")} | (env or {})
    log = tmp / f"{name}.log"
    expected = replica.truth()["distinct_reports"]
    start = time.monotonic()
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(crawl_command(seeds), cwd=PROJECT_ROOT, env=environment, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while (_stored(url) < expected * at) if at else not _count(url, "captures"):
            assert proc.poll() is None, "the crawl ended before the fault"
            assert time.monotonic() - start < 300, "the crawl stored too little for the fault to come midway"
            time.sleep(0.05)
        fault(proc)
        code = proc.wait(timeout=600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return Faulted(code, log.read_text(encoding="utf-8"), time.monotonic() - start)


def _rerun(replica: ReplicaServer, tmp: Path, url: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    seeds = write_seeds(replica, tmp / "seeds.csv")
    environment = crawl_env(replica.proxy_url, url) | {"GOVCRAWL_WARC_DIR": str(tmp / "warc")} | (env or {})
    code, _, _ = run_crawl(seeds, environment, tmp / "rerun.log")
    return code, (tmp / "rerun.log").read_text(encoding="utf-8")


def _assert_complete(replica: ReplicaServer, url: str) -> None:
    """Every report of the ground truth archived exactly once, every source with its raw capture."""
    card = score(replica.truth(), archived_reports(url))
    assert card.perfect, (card.missing, card.extra, card.split_duplicates)
    assert query(url, "select count(*) from sources where capture_id is null") == [(0,)]
    assert query(url, "select url from sources group by url having count(*) > 1") == []


def _run_rows(url: str) -> list[tuple]:
    """(id, status, problems) of every run; SQLite hands JSON back as text."""
    rows = query(url, "select id, status, problems from crawl_runs order by id")
    return [(i, status, json.loads(p) if isinstance(p, str) else p) for i, status, p in rows]


# -- PostgreSQL --------------------------------------------------------------------------------------


def test_a_short_database_outage_is_waited_out(replica: ReplicaServer, cluster: Cluster, tmp_path: Path) -> None:
    def outage(_: subprocess.Popen) -> None:
        cluster.stop()
        time.sleep(7)
        cluster.start()

    run = _crawl_with_fault(replica, tmp_path, cluster.url, outage)
    assert run.exit_code == 0, run.log[-3000:]
    _assert_complete(replica, cluster.url)  # in the same run: nothing to re-run
    stalled = [line for line in run.log.splitlines() if "archive write stalled for" in line]
    assert len(stalled) == 1 and "fetching paused" in stalled[0]
    assert "archive writes resumed" in run.log
    ((_, status, problems),) = _run_rows(cluster.url)
    assert status == "finished" and problems.get("stalls") == 1


def test_a_database_gone_past_the_bound_spools_and_one_rerun_replays(
    replica: ReplicaServer, cluster: Cluster, tmp_path: Path
) -> None:
    env = {"GOVCRAWL_STORE_RETRY_SECONDS": "3"}
    run = _crawl_with_fault(replica, tmp_path, cluster.url, lambda _: cluster.stop(), env)
    assert run.exit_code == 8, run.log[-3000:]
    spooled = list((tmp_path / "warc" / "spool").glob("*.pickle"))
    assert spooled, "nothing was spooled"
    (line,) = [x for x in run.log.splitlines() if "stopping the crawl" in x]
    assert "the archive is gone" in line and "spool" in line
    cluster.start()
    code, log = _rerun(replica, tmp_path, cluster.url, env)
    assert code == 0, log[-3000:]
    assert f"replayed {len(spooled)} spooled archive writes" in log
    assert list((tmp_path / "warc" / "spool").glob("*.pickle")) == []
    _assert_complete(replica, cluster.url)
    first, rerun = _run_rows(cluster.url)
    assert first[1] == "failed" and first[2]["exit_code"] == 8 and first[2]["spooled"] >= 1
    assert rerun[1] == "finished"


# -- SQLite ------------------------------------------------------------------------------------------


def test_sqlite_locked_past_its_busy_timeout(replica: ReplicaServer, tmp_path: Path) -> None:
    path = tmp_path / "archive.sqlite3"
    url = f"sqlite:///{path}"

    def lock(_: subprocess.Popen) -> None:
        holder = sqlite3.connect(path, timeout=30)
        holder.execute("BEGIN EXCLUSIVE")
        time.sleep(8)  # four busy timeouts
        holder.rollback()
        holder.close()

    run = _crawl_with_fault(replica, tmp_path, url, lock, {"GOVCRAWL_SQLITE_BUSY_TIMEOUT": "2"})
    assert run.exit_code == 0, run.log[-3000:]
    _assert_complete(replica, url)
    (stalled,) = [line for line in run.log.splitlines() if "archive write stalled for" in line]
    assert "database is locked" in stalled or "waiting on the database" in stalled


# -- a full disk -------------------------------------------------------------------------------------


@contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Callable[[str], None]]:
    _root()
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True, timeout=30)

    def grow(new_size: str) -> None:
        subprocess.run(["mount", "-o", f"remount,size={new_size}", str(where)], check=True, timeout=30)

    try:
        yield grow
    finally:
        subprocess.run(["umount", "-l", str(where)], timeout=30)


def test_a_full_warc_disk_stops_the_crawl_and_one_rerun_completes(replica: ReplicaServer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    seeds = write_seeds(replica, tmp_path / "seeds.csv")
    with _tmpfs(tmp_path / "warc", "1200k") as grow:
        env = crawl_env(replica.proxy_url, url) | {"GOVCRAWL_WARC_DIR": str(tmp_path / "warc")}
        code, _, _ = run_crawl(seeds, env, tmp_path / "full.log")
        log = (tmp_path / "full.log").read_text(encoding="utf-8")
        assert code == 9, log[-3000:]
        (line,) = [x for x in log.splitlines() if "stopping the crawl" in x]
        assert "No space left on device" in line and "WARC capture of" in line
        stored = _stored(url)
        assert 0 < stored < replica.truth()["distinct_reports"]
        assert query(url, "select count(*) from sources where capture_id is null") == [(0,)]
        grow("64m")  # the operator makes room
        code, log = _rerun(replica, tmp_path, url)
        assert code == 0, log[-3000:]
        _assert_complete(replica, url)
        (first, _) = _run_rows(url)
        assert first[1] == "failed" and first[2]["exit_code"] == 9


# -- signals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("at", [0, FAULT_AT], ids=["at-the-first-capture", "midway"])
def test_sigterm_is_an_interrupted_run_and_one_rerun_completes(replica: ReplicaServer, tmp_path: Path, at: float) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    run = _crawl_with_fault(replica, tmp_path, url, lambda proc: proc.send_signal(signal.SIGTERM), at=at)
    assert run.exit_code == 7, run.log[-3000:]
    ((_, status, problems),) = _run_rows(url)
    assert status == "interrupted" and problems["exit_code"] == 7
    assert query(url, "select count(*) from portal_health where complete")[0][0] == 0  # no walk counts as complete
    # Nor does a portal it never got to count as failing: only portals it found reports on are recorded.
    assert query(url, "select count(*) from portal_health where reports_found = 0") == [(0,)]
    assert query(url, "select count(*) from fetch_errors where stage = 'discover'") == [(0,)]
    assert _stored(url) < replica.truth()["distinct_reports"]
    code, log = _rerun(replica, tmp_path, url)
    assert code == 0, log[-3000:]
    _assert_complete(replica, url)


@pytest.mark.parametrize("at", [0, 0.9], ids=["at-the-first-capture", "near-the-end"])
def test_sigkill_at_any_point_loses_nothing_after_one_rerun(replica: ReplicaServer, tmp_path: Path, at: float) -> None:
    # Midway is tests/test_resume.py, on both backends.
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    run = _crawl_with_fault(replica, tmp_path, url, lambda proc: os.killpg(proc.pid, signal.SIGKILL), at=at)
    assert run.exit_code == -signal.SIGKILL
    ((_, status, _),) = _run_rows(url)
    assert status is None  # killed: it never ended
    code, log = _rerun(replica, tmp_path, url)
    assert code == 0, log[-3000:]
    _assert_complete(replica, url)


def _status(url: str) -> tuple[int, str]:
    done = subprocess.run(
        [".venv/bin/python", "-m", "govcrawl", "--database-url", url, "status"], cwd=PROJECT_ROOT,
        capture_output=True, text=True, timeout=60,
    )
    return done.returncode, done.stdout + done.stderr


def test_status_shows_a_faulted_run_and_exits_with_its_code(replica: ReplicaServer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    _crawl_with_fault(replica, tmp_path, url, lambda proc: proc.send_signal(signal.SIGTERM))
    code, out = _status(url)
    assert code == 7 and "run 1: interrupted" in out and "INTERRUPTED" in out
    _rerun(replica, tmp_path, url)
    code, out = _status(url)
    assert code == 0, out
