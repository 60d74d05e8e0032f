"""The govcrawl command line: migrations, export, parse, and its error exits (``scrapy crawl``'s too)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

import govcrawl.stats
from govcrawl.cli import main
from govcrawl.config import PROJECT_ROOT
from govcrawl.store import Archive
from govcrawl.store.engine import make_engine

FIXTURES = Path(__file__).parent / "fixtures"


def run_cli(*args: str, tmp_path: Path, database_url: str | None = None) -> subprocess.CompletedProcess:
    """The real command in a child process, as a user would run it."""
    env = os.environ | {"GOVCRAWL_DATA_DIR": str(tmp_path / "data")}
    if database_url:
        env["GOVCRAWL_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "govcrawl.cli", *args], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.fixture
def filled_url(migrated_url, make_record) -> str:
    archive = Archive(migrated_url)
    archive.reports.store(make_record("1" * 64, "http://127.0.0.1/a.html", division_code="370811", year=2020))
    archive.reports.store(make_record("1" * 64, "http://127.0.0.1/b.html", division_code="370811", year=2020))
    archive.reports.store(make_record("2" * 64, "http://127.0.0.1/c.html", division_code="440300", year=2022))
    archive.close()
    return migrated_url


def test_db_upgrade_then_downgrade(db_url):
    assert main(["--database-url", db_url, "db", "upgrade"]) == 0
    engine = make_engine(db_url)
    try:
        assert "reports" in inspect(engine).get_table_names()
        assert main(["--database-url", db_url, "db", "downgrade", "base"]) == 0
        assert "reports" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_export_jsonl_to_file(filled_url, tmp_path):
    out = tmp_path / "reports.jsonl"
    assert main(["--database-url", filled_url, "export", "--format", "jsonl", "--output", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["content_hash"][0] for r in records] == ["1", "2"]
    assert records[0]["source_urls"] == ["http://127.0.0.1/a.html", "http://127.0.0.1/b.html"]
    assert records[0]["values"] == {"apply.new.total": 14}
    assert (records[0]["region"], records[0]["year"], records[0]["format"]) == ("任城区", 2020, "gov2021")


def test_export_csv_to_stdout(filled_url, capsys):
    assert main(["--database-url", filled_url, "export", "--format", "csv", "--province", "山东省"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 1
    assert rows[0]["source_urls"] == "http://127.0.0.1/a.html http://127.0.0.1/b.html"
    assert json.loads(rows[0]["values"]) == {"apply.new.total": 14}
    assert rows[0]["title"] == "任城区2021年政府信息公开工作年度报告"


def test_export_year_filter(filled_url, capsys):
    assert main(["--database-url", filled_url, "export", "--format", "jsonl", "--year-from", "2021"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["division_code"] for r in records] == ["440300"]


def test_export_unmigrated_database_exits_5(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    assert main(["--database-url", url, "export", "--format", "jsonl"]) == 5
    assert "govcrawl db upgrade" in capsys.readouterr().err


def test_export_unknown_province_exits_2(filled_url, capsys):
    assert main(["--database-url", filled_url, "export", "--format", "csv", "--province", "火星"]) == 2
    assert capsys.readouterr().err.strip() == "govcrawl: unknown province: 火星"


def test_unreachable_database_exits_4_without_password(tmp_path):
    done = run_cli(
        "export", "--format", "jsonl", tmp_path=tmp_path, database_url="postgresql://u:s3cret@127.0.0.1:1/x"
    )
    assert done.returncode == 4
    assert "127.0.0.1:1/x" in done.stderr
    assert "s3cret" not in done.stderr
    assert "Traceback" not in done.stderr


def test_db_upgrade_on_unreachable_database_exits_4(tmp_path):
    done = run_cli("db", "upgrade", tmp_path=tmp_path, database_url="postgresql://127.0.0.1:1/x")
    assert done.returncode == 4
    assert len(done.stderr.strip().splitlines()) == 1


def test_parse_missing_file_exits_2(tmp_path):
    done = run_cli("parse", str(tmp_path / "missing.pdf"), "--json", tmp_path=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == f"govcrawl: no such file: {tmp_path / 'missing.pdf'}"


def _start_crawl(command: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    """A crawl command as a user types it in the checkout, into an archive of its own in ``tmp_path``."""
    env = os.environ | {
        "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
        "GOVCRAWL_DATABASE_URL": f"sqlite:///{tmp_path / 'archive.sqlite3'}",
        "GOVCRAWL_DATA_DIR": str(tmp_path / "data"),
    }
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=PROJECT_ROOT, capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize(
    ("command", "cause"),
    [
        (["scrapy", "crawl", "county", "-a", "province=火星"], "no seed portal matches province=火星 (3207 portals"),
        (["scrapy", "crawl", "county", "-a", "division=999999"], "no seed portal matches division=999999"),
        (["scrapy", "crawl", "county", "-a", "seeds={missing}"], "no such seed file: {missing}"),
        (["scrapy", "crawl", "county", "-a", "seeds={no_url}"], "seeds file {no_url}: header lacks columns: portal_url"),
        (["govcrawl", "crawl", "--province", "火星"], "no seed portal matches province=火星 (3207 portals"),
        (["govcrawl", "crawl", "--seeds", "{no_url}"], "seeds file {no_url}: header lacks columns: portal_url"),
        # Several workers: refused before any is started or Redis is asked (none listens on port 1).
        (["govcrawl", "crawl", "--province", "火星", "--workers", "2", "--redis", "redis://127.0.0.1:1/0"],
         "no seed portal matches province=火星"),
    ],
)
def test_a_crawl_of_nothing_exits_2_before_starting(command: list[str], cause: str, tmp_path: Path) -> None:
    files = {"missing": tmp_path / "missing.csv", "no_url": tmp_path / "no_url.csv"}
    files["no_url"].write_text("division_code,province,prefecture,name,level,homepage\n", encoding="utf-8")
    done = _start_crawl([arg.format(**files) for arg in command], tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr[-2000:]  # one line that says why: no log, no traceback
    assert lines[0].startswith("govcrawl: " + cause.format(**files))
    assert done.stdout == ""
    # Nothing was started: no archive opened (nor created), no data directory for WARC files.
    assert not (tmp_path / "archive.sqlite3").exists()
    assert not (tmp_path / "data").exists()


def test_parse_unsupported_type_exits_3(tmp_path):
    path = tmp_path / "archive.bin"
    path.write_bytes(bytes(range(256)) * 8)
    done = run_cli("parse", str(path), "--json", tmp_path=tmp_path)
    assert done.returncode == 3
    assert "unsupported file type" in done.stderr
    assert "Traceback" not in done.stderr


def test_parse_broken_pdf_exits_3_with_kind(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj\n")
    done = run_cli("parse", str(path), "--json", tmp_path=tmp_path)
    assert done.returncode == 3
    assert "truncated" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(not hasattr(govcrawl.stats, "parse_document"), reason="statistics parser not built yet")
def test_parse_seed_text_as_json(capsys):
    expected = json.loads((FIXTURES / "expected" / "seed_002.json").read_text(encoding="utf-8"))
    assert main(["parse", str(FIXTURES / "seeds" / "002_34b39583e03ccc2d.txt"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["format"], result["year"], result["region"]) == (
        expected["format"],
        expected["identity"]["year"],
        expected["identity"]["region"],
    )
    assert result["values"]


@pytest.mark.skipif(not hasattr(govcrawl.stats, "parse_document"), reason="statistics parser not built yet")
def test_parse_without_json_prints_a_summary(capsys):
    assert main(["parse", str(FIXTURES / "seeds" / "002_34b39583e03ccc2d.txt")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("title:")
    assert any(line.startswith("format:    gov2019, ") for line in lines)


def test_export_csv_has_a_column_per_requested_key(filled_url, capsys):
    assert main(["--database-url", filled_url, "export", "--format", "csv", "--keys", "apply.new.total,review.total"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["apply.new.total"], r["review.total"]) for r in rows] == [("14", ""), ("14", "")]
    assert json.loads(rows[0]["values"]) == {"apply.new.total": 14}


def test_export_parquet(filled_url, tmp_path):
    import pyarrow.parquet as pq

    out = tmp_path / "reports.parquet"
    assert main(["--database-url", filled_url, "export", "--format", "parquet", "--output", str(out),
                 "--keys", "apply.new.total"]) == 0
    table = pq.read_table(out)
    assert table.column("division_code").to_pylist() == ["370811", "440300"]
    assert table.column("source_urls").to_pylist()[0] == ["http://127.0.0.1/a.html", "http://127.0.0.1/b.html"]
    assert table.column("apply.new.total").to_pylist() == [14.0, 14.0]
    assert json.loads(table.column("sources").to_pylist()[0])[0]["version"] == 1


def test_export_parquet_needs_an_output_file(filled_url, capsys):
    assert main(["--database-url", filled_url, "export", "--format", "parquet"]) == 2
    assert "--output" in capsys.readouterr().err


def test_export_stats_format_filter(filled_url, capsys):
    assert main(["--database-url", filled_url, "export", "--format", "jsonl", "--stats-format", "gov2019"]) == 0
    assert capsys.readouterr().out == ""


def test_status_counts_by_province_year_format_and_checks(filled_url, capsys):
    assert main(["--database-url", filled_url, "status", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["totals"]["reports"] == 2 and summary["totals"]["sources"] == 3
    assert summary["province"] == {"山东省": 1, "广东省": 1}
    assert summary["year"] == {"2020": 1, "2022": 1}
    assert summary["format"] == {"gov2021": 2}
    assert summary["check_status"] == {"pass": 2}


def test_status_text_ends_with_the_archive_totals(filled_url, capsys):
    assert main(["--database-url", filled_url, "status"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-3:] == [
        "archive: 2 reports, 2 versions, 3 sources, 0 captures, 0 errors",
        "by format: gov2021 2",
        "by check status: pass 2",
    ]
    assert any(line.lstrip().startswith("山东省") for line in out)  # the board, province by province


@pytest.fixture
def old_parse_url(migrated_url, document_record) -> str:
    """An archive holding seed 002 as parsed by an older parser (a different version and one value off)."""
    record = document_record(
        (FIXTURES / "seeds" / "002_34b39583e03ccc2d.txt").read_bytes(), "http://127.0.0.1/002.txt", "text/plain"
    )
    record.parser_version = "stats-0.9"
    record.stats = [s for s in record.stats if s.key != "apply.new.total"]
    archive = Archive(migrated_url)
    archive.reports.store(record)
    archive.close()
    return migrated_url


def _parses(url: str) -> list[tuple]:
    archive = Archive(url)
    try:
        with archive.engine.connect() as conn:
            rows = conn.execute(text("SELECT parser_version, origin, is_current FROM parses ORDER BY id")).all()
    finally:
        archive.close()
    return [(v, o, bool(c)) for v, o, c in rows]


def test_reparse_keeps_the_old_parse_as_history(old_parse_url, capsys):
    assert main(["--database-url", old_parse_url, "reparse"]) == 0
    assert "1 updated, 0 unchanged, 0 errors" in capsys.readouterr().out
    assert _parses(old_parse_url) == [
        ("stats-0.9", "crawl", False),
        (govcrawl.stats.PARSER_VERSION, "reparse", True),
    ]
    archive = Archive(old_parse_url)
    try:
        (record,) = archive.queries.export()
    finally:
        archive.close()
    assert record["parser_version"] == govcrawl.stats.PARSER_VERSION
    assert "apply.new.total" in record["values"]


def test_reparse_again_changes_nothing(old_parse_url, capsys):
    main(["--database-url", old_parse_url, "reparse"])
    assert main(["--database-url", old_parse_url, "reparse"]) == 0
    assert "0 updated, 1 unchanged" in capsys.readouterr().out
    assert len(_parses(old_parse_url)) == 2


def test_reparse_warc_only_without_captures_records_errors(old_parse_url, capsys):
    assert main(["--database-url", old_parse_url, "reparse", "--warc-only"]) == 0
    captured = capsys.readouterr()
    assert "0 updated, 0 unchanged, 1 errors" in captured.out
    assert "no WARC capture" in captured.err
    archive = Archive(old_parse_url)
    try:
        with archive.engine.connect() as conn:
            kinds = conn.execute(text("SELECT stage, kind FROM fetch_errors")).all()
    finally:
        archive.close()
    assert [tuple(k) for k in kinds] == [("store", "raw_missing")]
    assert len(_parses(old_parse_url)) == 1


def test_reparse_unmigrated_database_exits_5(tmp_path):
    assert main(["--database-url", f"sqlite:///{tmp_path / 'empty.sqlite3'}", "reparse"]) == 5
