"""The SQLite archive in Datasette: every table, view and column described, and Datasette showing it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from govcrawl.cli import main
from govcrawl.store.datasette import metadata_for
from govcrawl.store.engine import make_engine


def _sqlite_path(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "archive.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    return path


def test_every_table_view_and_column_is_described(sqlite_template):
    engine = make_engine(f"sqlite:///{sqlite_template}")
    try:
        inspector = inspect(engine)
        names = (set(inspector.get_table_names()) | set(inspector.get_view_names())) - {"alembic_version"}
        schema = {name: {c["name"] for c in inspector.get_columns(name)} for name in names}
    finally:
        engine.dispose()
    (tables,) = metadata_for(sqlite_template)["databases"].values()
    described = {name: set(t["columns"]) for name, t in tables["tables"].items()}
    assert described == schema
    assert all(t["description"] for t in tables["tables"].values())


def test_metadata_is_keyed_by_the_file_name(sqlite_template, tmp_path, capsys):
    path = _sqlite_path(sqlite_template, tmp_path)
    assert main(["--database-url", f"sqlite:///{path}", "datasette-metadata"]) == 0
    assert list(json.loads(capsys.readouterr().out)["databases"]) == ["archive"]


def test_metadata_of_postgres_is_refused(capsys):
    assert main(["--database-url", "postgresql://127.0.0.1:1/x", "datasette-metadata"]) == 2
    assert "SQLite archives only" in capsys.readouterr().err


def test_datasette_shows_the_descriptions(sqlite_template, tmp_path):
    path = _sqlite_path(sqlite_template, tmp_path)
    meta = tmp_path / "metadata.json"
    assert main(["--database-url", f"sqlite:///{path}", "datasette-metadata", "--output", str(meta)]) == 0
    done = subprocess.run(
        [sys.executable, "-m", "datasette", "serve", str(path), "-m", str(meta), "--get", "/archive/v_report_wide"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "View: one row per report" in done.stdout
    assert "statistic apply.new.total" in done.stdout
