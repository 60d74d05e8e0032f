"""``govcrawl verify`` on a crawled archive that lost index rows and a WARC file, then repaired.

The archive comes from a real crawl of the bundled replica web (SQLite). Two faults are staged on
it as they happen: capture rows whose WARC records stay on disk (the index write lost, as when a
crash or a lock caught it between the two) and a WARC file gone. ``verify`` must find each, exit
12, mend them with ``--repair`` (re-index the records, rebuild the lost file's reports from their
stored bytes), and then find nothing; every report is then read back from the WARC files alone.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import query
from govcrawl.cli import main
from replica.harness import crawl_env, run_crawl, write_seeds
from replica.server import ReplicaServer

pytestmark = [pytest.mark.crawl, pytest.mark.browser]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("verify")
    url = f"sqlite:///{tmp / 'archive.sqlite3'}"
    with ReplicaServer() as server:
        seeds = write_seeds(server, tmp / "seeds.csv")
        env = crawl_env(server.proxy_url, url) | {"GOVCRAWL_WARC_DIR": str(tmp / "warc")}
        code, _, _ = run_crawl(seeds, env, tmp / "crawl.log")
    assert code == 0
    yield url, tmp / "warc"


def _verify(url: str, warc: Path, capsys, *extra: str) -> tuple[int, str]:
    code = main(["--database-url", url, "verify", "--warc-dir", str(warc), *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_a_consistent_archive_verifies(crawled, capsys) -> None:
    url, warc = crawled
    code, out = _verify(url, warc, capsys)
    assert code == 0 and "sources without a capture: 0; unreadable captures: 0; unindexed WARC records: 0" in out


def _copy(crawled: tuple[str, Path], tmp_path: Path) -> tuple[str, Path]:
    """A copy of the crawled archive and its WARC files, to damage."""
    url, crawled_warc = crawled
    archive = tmp_path / "archive.sqlite3"
    shutil.copyfile(url.removeprefix("sqlite:///"), archive)
    warc = tmp_path / "warc"
    shutil.copytree(crawled_warc, warc)
    url = f"sqlite:///{archive}"
    query(url, f"update captures set warc_file = replace(warc_file, '{crawled_warc}', '{warc}')")
    return url, warc


def test_lost_index_rows_are_found_and_the_records_indexed_again(crawled, tmp_path: Path, capsys) -> None:
    url, warc = _copy(crawled, tmp_path)
    # Two reports' capture rows lost; their WARC records stay on disk.
    lost = query(url, "select capture_id from sources where capture_id in "
                     "(select id from captures where record_type = 'response') order by id limit 2")
    assert len(lost) == 2
    ids = ",".join(str(i) for (i,) in lost)
    query(url, f"update sources set capture_id = null where capture_id in ({ids})")
    query(url, f"update captures set refers_to_id = null where refers_to_id in ({ids})")
    query(url, f"delete from captures where id in ({ids})")

    code, out = _verify(url, warc, capsys)
    assert code == 12
    assert "sources without a capture: 2; unreadable captures: 0; unindexed WARC records: 2" in out
    code, out = _verify(url, warc, capsys, "--repair")
    assert code == 0 and "repaired: 2 orphan records, 2 sources without capture" in out
    code, out = _verify(url, warc, capsys)
    assert code == 0, out
    assert query(url, "select count(*) from captures where warc_file like '%/repaired/%'") == [(0,)]  # nothing rebuilt
    assert main(["--database-url", url, "reparse", "--warc-only"]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_a_lost_warc_file_is_found_and_its_reports_rebuilt_from_their_bytes(crawled, tmp_path: Path, capsys) -> None:
    url, warc = _copy(crawled, tmp_path)
    files = {f for (f,) in query(url, "select distinct warc_file from captures")}
    captures = query(url, "select count(*) from captures")[0][0]
    for name in files:
        Path(name).unlink()

    code, out = _verify(url, warc, capsys)
    assert code == 12 and f"unreadable captures: {captures};" in out
    code, out = _verify(url, warc, capsys, "--repair")
    assert code == 12  # the listing pages' raw captures are lost for good: said, not hidden
    reports = query(url, "select count(*) from sources")[0][0]
    rebuilt = query(url, "select count(*) from captures where warc_file like '%/repaired/%'")[0][0]
    assert rebuilt == reports
    # Every report reads back from the WARC files alone, from its rebuilt record.
    assert main(["--database-url", url, "reparse", "--warc-only"]) == 0
    assert "0 errors" in capsys.readouterr().out
