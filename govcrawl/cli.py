"""The ``govcrawl`` command: database migrations, export, statistics, crawl status and re-parsing of the
archive, and parsing a local file.

Expected failures print one line on stderr and exit non-zero: 2 usage or missing file, 3 a file
that cannot be extracted (unsupported type, corrupt, ...), 4 an unreachable database, 5 a
database that is not migrated, 6 ``status`` found a regression (a portal that had reports at its
previous check and yields none in the examined run).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from alembic.util import CommandError
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, OperationalError

from govcrawl.store import EXPORT_FIELDS, Archive, downgrade, upgrade
from govcrawl.store.engine import SUPPORTED_BACKENDS, display_url, resolve_url
from govcrawl.store.migrate import is_current
from govcrawl.store.status import collect, render_text, to_json


class CliError(Exception):
    """An expected failure: reported as one line on stderr with this exit code."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="govcrawl", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL of the archive (default: GOVCRAWL_DATABASE_URL or data/ SQLite)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="migrate the archive database").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="migrate to the newest schema")
    down = db.add_parser("downgrade", help="migrate back to a revision ('base' drops everything)")
    down.add_argument("revision")

    export = commands.add_parser("export", help="write one record per archived report")
    export.add_argument("--format", choices=("jsonl", "csv", "parquet"), required=True)
    export.add_argument("--output", type=Path, help="file to write (default: stdout; required for parquet)")
    export.add_argument("--province", help="province name or code, e.g. 山东 or 37")
    export.add_argument("--division", help="exact 6-digit division code")
    export.add_argument("--year-from", type=int)
    export.add_argument("--year-to", type=int)
    export.add_argument("--stats-format", help="statistics format: gov2021, gov2019, legacy2014, legacy_local, narrative")
    export.add_argument(
        "--keys", help="comma-separated statistics keys to export (each also gets its own CSV/Parquet column)"
    )

    stats = commands.add_parser("stats", help="count archived reports by province, year, format and check status")
    stats.add_argument("--json", action="store_true", help="print one JSON object")

    status = commands.add_parser(
        "status", help="coverage board, portal health and the last crawl runs; exits 6 on a regression"
    )
    status.add_argument("--province", help="one province only (name or code, e.g. 山东 or 37)")
    status.add_argument("--run", type=int, metavar="ID", help="examine this run (default: the newest finished one)")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.add_argument("--all-portals", action="store_true", help="list every portal's health, not only the failing")
    status.add_argument(
        "--limit", type=int, default=20, metavar="N", help="list at most N portals (default 20; 0: no limit)"
    )
    status.add_argument("--runs", type=int, default=5, metavar="N", help="list the N most recent runs (default 5)")

    meta = commands.add_parser(
        "datasette-metadata", help="write Datasette's metadata file (table and column descriptions) for a SQLite archive"
    )
    meta.add_argument("--output", type=Path, help="file to write (default: stdout)")

    reparse = commands.add_parser(
        "reparse", help="re-run extraction and parsing over the archived raw bytes (WARC or blobs), keeping history"
    )
    reparse.add_argument("--report", type=int, action="append", help="only this report id (repeatable)")
    reparse.add_argument(
        "--warc-only", action="store_true", help="read raw bytes from the WARC files only, never from blobs"
    )

    parse = commands.add_parser(
        "parse", help="extract, identify and parse a local PDF/DOCX/DOC/HTML/TXT file"
    )
    parse.add_argument("file", type=Path)
    parse.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "db":
            _run_db(args)
        elif args.command == "export":
            _run_export(args)
        elif args.command == "stats":
            _run_stats(args)
        elif args.command == "status":
            _run_status(args)
        elif args.command == "reparse":
            _run_reparse(args)
        elif args.command == "datasette-metadata":
            _run_datasette_metadata(args)
        else:
            _run_parse(args)
    except CliError as exc:
        print(f"govcrawl: {exc}", file=sys.stderr)
        return exc.code
    return 0


def _run_db(args: argparse.Namespace) -> None:
    url = _database_url(args)
    with _database_errors(url):
        try:
            if args.db_command == "upgrade":
                upgrade(args.database_url)
            else:
                downgrade(args.revision, args.database_url)
        except CommandError as exc:  # e.g. an unknown revision
            raise CliError(2, f"migration failed: {exc}") from exc


def _run_export(args: argparse.Namespace) -> None:
    if args.format == "parquet" and args.output is None:
        raise CliError(2, "parquet needs --output FILE")
    keys = [k.strip() for k in args.keys.split(",") if k.strip()] if args.keys else None
    with _open_archive(args) as archive:
        try:
            records = archive.iter_export(
                province=args.province,
                division=args.division,
                year_from=args.year_from,
                year_to=args.year_to,
                stats_format=args.stats_format,
                keys=keys,
            )
        except ValueError as exc:  # an unknown province
            raise CliError(2, str(exc)) from exc
        if args.format == "parquet":
            write_parquet(records, args.output, keys or [])
        elif args.output is None:
            sys.stdout.reconfigure(encoding="utf-8")
            _write_export(records, args.format, sys.stdout, keys or [])
        else:
            with args.output.open("w", encoding="utf-8", newline="") as out:
                _write_export(records, args.format, out, keys or [])


def _run_stats(args: argparse.Namespace) -> None:
    with _open_archive(args) as archive:
        summary = archive.summary()
    if args.json:
        print(json.dumps({k: dict(v) if isinstance(v, list) else v for k, v in summary.items()}, ensure_ascii=False))
        return
    totals = summary.pop("totals")
    print("  ".join(f"{name}: {n}" for name, n in totals.items()))
    for name, rows in summary.items():
        print(f"\nby {name.replace('_', ' ')}")
        for key, n in rows:
            print(f"  {'-' if key is None else key!s:<16} {n:>8}")


def _run_status(args: argparse.Namespace) -> None:
    if args.limit < 0 or args.runs < 0:
        raise CliError(2, "--limit and --runs take a count, 0 or more")
    with _open_archive(args) as archive:
        try:
            status = collect(archive.engine, run_id=args.run, province=args.province, runs=args.runs)
        except ValueError as exc:  # an unknown province or run
            raise CliError(2, str(exc)) from exc
    sys.stdout.reconfigure(encoding="utf-8")
    print(to_json(status) if args.json else render_text(status, args.limit, args.all_portals))
    regressions = status.regressions
    if regressions:
        codes = ", ".join(p.division_code for p in regressions)
        raise CliError(6, f"regression: {len(regressions)} portal(s) had reports and now yield none: {codes}")


def _run_reparse(args: argparse.Namespace) -> None:
    from govcrawl.store.reparse import reparse

    counts = {"updated": 0, "unchanged": 0, "error": 0}
    sources = {"warc": 0, "blob": 0}
    with _open_archive(args) as archive:
        for outcome in reparse(archive, report_ids=args.report, warc_only=args.warc_only):
            counts[outcome.status] += 1
            if outcome.raw_from:
                sources[outcome.raw_from] += 1
            if outcome.status == "error":
                print(
                    f"govcrawl: report {outcome.report_id} version {outcome.version_id}: {outcome.message}",
                    file=sys.stderr,
                )
    print(
        f"versions re-parsed: {counts['updated']} updated, {counts['unchanged']} unchanged, {counts['error']} errors;"
        f" raw bytes from WARC: {sources['warc']}, from blobs: {sources['blob']}"
    )


def _run_datasette_metadata(args: argparse.Namespace) -> None:
    from govcrawl.store.datasette import metadata_for

    url = _database_url(args)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise CliError(2, f"Datasette opens SQLite archives only: {display_url(url)}")
    text = json.dumps(metadata_for(Path(url.database)), ensure_ascii=False, indent=2) + "\n"
    if args.output is None:
        sys.stdout.reconfigure(encoding="utf-8")
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")


@contextmanager
def _open_archive(args: argparse.Namespace) -> Iterator[Archive]:
    """The archive, checked to be reachable and migrated; closed afterwards."""
    url = _database_url(args)
    archive = Archive(args.database_url)
    try:
        with _database_errors(url):
            if not is_current(archive.engine):
                raise CliError(5, f"database {display_url(url)} is not migrated; run: govcrawl db upgrade")
            yield archive
    finally:
        archive.close()


def _database_url(args: argparse.Namespace) -> URL:
    """The archive URL the command will use, checked before anything connects."""
    try:
        url = resolve_url(args.database_url)
    except ArgumentError as exc:
        raise CliError(2, f"invalid database URL: {exc}") from exc
    if url.get_backend_name() not in SUPPORTED_BACKENDS:
        raise CliError(2, f"unsupported database (use SQLite or PostgreSQL): {display_url(url)}")
    return url


@contextmanager
def _database_errors(url: URL) -> Iterator[None]:
    """Turns a failure to reach the database into CliError 4, naming the URL without its password."""
    try:
        yield
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise CliError(4, f"cannot use database {display_url(url)}: {reason}") from exc


def _flat(record: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """An export record for a table: lists and maps as JSON text, plus one column per requested key."""
    flat = record | {
        "source_urls": " ".join(record["source_urls"]),
        "values": json.dumps(record["values"], ensure_ascii=False),
        "sources": json.dumps(record["sources"], ensure_ascii=False),
    }
    return flat | {key: record["values"].get(key) for key in keys}


def _write_export(records: Iterable[dict[str, Any]], fmt: str, out: TextIO, keys: list[str]) -> None:
    if fmt == "jsonl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(out, fieldnames=[*EXPORT_FIELDS, *keys])
    writer.writeheader()
    for record in records:
        writer.writerow(_flat(record, keys))


def write_parquet(records: Iterable[dict[str, Any]], path: Path, keys: list[str], batch: int = 5000) -> int:
    """Write export records to a Parquet file; returns the row count.

    ``source_urls`` is a list column, ``values`` and ``sources`` JSON text, and each of ``keys``
    a float column of its own.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    fields = [
        pa.field("report_id", pa.int64()),
        pa.field("division_code", pa.string()),
        pa.field("region", pa.string()),
        pa.field("year", pa.int32()),
        pa.field("title", pa.string()),
        pa.field("publisher", pa.string()),
        pa.field("source_urls", pa.list_(pa.string())),
        pa.field("content_hash", pa.string()),
        pa.field("format", pa.string()),
        pa.field("version", pa.int32()),
        pa.field("versions", pa.int32()),
        pa.field("parse_id", pa.int64()),
        pa.field("parser_version", pa.string()),
        pa.field("values", pa.string()),
        pa.field("sources", pa.string()),
        *(pa.field(key, pa.float64()) for key in keys),
    ]
    schema = pa.schema(fields)
    rows = 0
    with pq.ParquetWriter(path, schema) as writer:
        chunk: list[dict[str, Any]] = []
        for record in records:
            chunk.append(_flat(record, keys) | {"source_urls": record["source_urls"]})
            if len(chunk) >= batch:
                writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
                rows += len(chunk)
                chunk = []
        if chunk or rows == 0:
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
            rows += len(chunk)
    return rows


def _run_parse(args: argparse.Namespace) -> None:
    path: Path = args.file
    if not path.is_file():
        raise CliError(2, f"no such file: {path}")
    # Imported here, stage by stage, so that `db` and `export` never load the parsing stack.
    from govcrawl.extract import ExtractionError, extract_file

    try:
        doc = extract_file(path)
    except ExtractionError as exc:
        if exc.kind == "unsupported":
            raise CliError(3, f"unsupported file type: {path} ({exc.message})") from exc
        raise CliError(3, f"cannot extract {path}: {exc.kind}: {exc.message}") from exc
    from govcrawl.clean import strip_boilerplate
    from govcrawl.identify import identify
    from govcrawl.stats import parse_document

    clean = strip_boilerplate(doc)
    identity = identify(clean)
    parsed = parse_document(clean).to_json()
    result = {
        "file": str(path),
        "source_format": doc.source_format,
        "title": identity.title,
        "division_code": identity.division_code,
        "region": identity.region,
        "year": identity.year,
        "publisher": identity.publisher,
        "publisher_level": identity.publisher_level,
        "is_report": identity.is_report,
        **parsed,
        "warnings": [*doc.warnings, *parsed.get("warnings", [])],
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(_summary(result))


def _summary(result: dict[str, Any]) -> str:
    values = result["values"]
    statuses = [c["status"] for c in result["checks"]]
    lines = [
        f"title:     {result['title']}",
        f"region:    {result['region']} ({result['division_code']}), year {result['year']}",
        f"publisher: {result['publisher']}",
        f"format:    {result['format']}, {len(values)} values"
        f" ({sum(v is None for v in values.values())} blank)",
        "checks:    " + ", ".join(f"{statuses.count(s)} {s}" for s in sorted(set(statuses))),
    ]
    lines += [f"warning:   {w}" for w in result["warnings"]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
