"""The crawl's archive, owned by one extension: opened before the first request, whatever else is on.

Real ``scrapy crawl county`` subprocesses on two portals of the bundled replica web (the static
港闸区 and the script-built 新平 list, which goes through Chromium), into SQLite:

- with the item pipelines off, the WARC capture still has its tables (the extension migrates);
- through a proxy that wants credentials, none is written into a WARC record or the log;
- with an archive that cannot be opened, nothing is fetched and the crawl exits 4;
- a bad seed row is recorded as an error of the run;
- ``govcrawl crawl`` runs the same crawl, from any directory.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import query
from replica.harness import crawl_env, run_crawl, write_seeds
from replica.server import ReplicaServer

pytestmark = [pytest.mark.crawl, pytest.mark.browser]

HOSTS = ("www.gangzha.gov.cn", "www.xinping.gov.cn")
SECRET = "s3cret-pw"


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer() as server:
        yield server


def _seeds(replica: ReplicaServer, tmp: Path, extra_rows: str = "") -> Path:
    path = write_seeds(replica, tmp / "all.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [lines[0], *(line for line in lines[1:] if any(f"//{h}/" in line for h in HOSTS))]
    assert len(kept) == 1 + len(HOSTS)
    seeds = tmp / "seeds.csv"
    seeds.write_text("\n".join(kept) + "\n" + extra_rows, encoding="utf-8")
    return seeds


def test_captures_are_kept_with_the_pipelines_off(replica: ReplicaServer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"  # a new file: nothing migrated it before
    env = crawl_env(replica.proxy_url, url) | {"GOVCRAWL_WARC_DIR": str(tmp_path / "warc")}
    code, _, _ = run_crawl(_seeds(replica, tmp_path), env, tmp_path / "crawl.log", "-s", "ITEM_PIPELINES={}")
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert code == 0 and "WARC capture of" not in log and "no such table" not in log
    captures = query(url, "select url, http_status from captures")
    assert {h for h in HOSTS if any(f"//{h}/" in u for u, _ in captures)} == set(HOSTS)
    assert query(url, "select count(*) from reports") == [(0,)]  # nothing processed: discovery and fetch only


def test_proxy_credentials_are_never_archived_nor_logged(replica: ReplicaServer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    proxy = replica.proxy_url.replace("http://", f"http://crawler:{SECRET}@")
    env = crawl_env(proxy, url) | {"GOVCRAWL_WARC_DIR": str(tmp_path / "warc")}
    mark = len(replica.log)
    code, _, _ = run_crawl(_seeds(replica, tmp_path), env, tmp_path / "crawl.log")
    assert code == 0
    sent = [r for r in replica.log[mark:] if "Proxy-Authorization" in r["headers"]]
    assert sent, "the crawl did not authenticate to its proxy: the test proves nothing"
    warcs = list((tmp_path / "warc").rglob("*.warc.gz"))
    assert warcs
    for path in warcs:
        raw = gzip.decompress(path.read_bytes())  # every record, one gzip member each
        assert b"Proxy-Authorization" not in raw and SECRET.encode() not in raw, path
    assert SECRET not in (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert query(url, "select count(*) from reports")[0][0] >= 2  # the crawl did its job


def test_an_archive_that_cannot_be_opened_stops_the_crawl_before_any_request(
    replica: ReplicaServer, tmp_path: Path
) -> None:
    unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/none"  # nothing listens on port 1
    mark = len(replica.log)
    code, _, _ = run_crawl(_seeds(replica, tmp_path), crawl_env(replica.proxy_url, unreachable), tmp_path / "crawl.log")
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert code == 4
    assert replica.log[mark:] == []
    (line,) = [x for x in log.splitlines() if "cannot be opened" in x]
    assert "127.0.0.1:1" in line and "nothing will be fetched" in line
    assert "archive_unavailable" in log


def test_a_bad_seed_row_is_recorded(replica: ReplicaServer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    bad = "12345,云南省,昆明市,某县,county,http://www.bad.gov.cn/\n"  # a 5-digit division code
    seeds = _seeds(replica, tmp_path, extra_rows=bad)
    code, _, _ = run_crawl(seeds, crawl_env(replica.proxy_url, url), tmp_path / "crawl.log")
    assert code == 0
    ((stage, kind, where, message),) = query(
        url, "select stage, kind, url, message from fetch_errors where kind = 'bad_seed_row'"
    )
    assert stage == "discover" and where.endswith(f"{seeds.name}:4") and "6 digits" in message


def test_govcrawl_crawl_is_the_same_crawl(replica: ReplicaServer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    seeds = _seeds(replica, tmp_path)
    env = crawl_env(replica.proxy_url, url) | {"GOVCRAWL_WARC_DIR": str(tmp_path / "warc")}
    # Run outside the checkout: the command needs no scrapy.cfg.
    done = subprocess.run(
        [sys.executable, "-m", "govcrawl", "--database-url", url, "crawl", "--seeds", str(seeds),
         "-s", "GOVCRAWL_PROGRESS_INTERVAL=0"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    reports = query(url, "select count(*) from reports")[0][0]
    assert reports >= 2 and query(url, "select arguments from crawl_runs")  # one run, recorded
    assert query(url, "select count(*) from portals") == [(len(HOSTS),)]
    bad = subprocess.run([sys.executable, "-m", "govcrawl", "crawl", "--seeds", str(tmp_path / "none.csv")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "no such seed file" in bad.stderr
