"""The ``govcrawl`` command: database migrations, export of the archive, and parsing a local file.

Expected failures print one line on stderr and exit non-zero: 2 usage or missing file, 3 a file
that cannot be extracted (unsupported type, corrupt, ...), 4 an unreachable database, 5 a
database that is not migrated.
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
    export.add_argument("--format", choices=("jsonl", "csv"), required=True)
    export.add_argument("--output", type=Path, help="file to write (default: stdout)")
    export.add_argument("--province", help="province name or code, e.g. 山东 or 37")
    export.add_argument("--division", help="exact 6-digit division code")
    export.add_argument("--year-from", type=int)
    export.add_argument("--year-to", type=int)

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
    url = _database_url(args)
    archive = Archive(args.database_url)
    try:
        with _database_errors(url):
            if not is_current(archive.engine):
                raise CliError(5, f"database {display_url(url)} is not migrated; run: govcrawl db upgrade")
            try:
                records = archive.iter_export(
                    province=args.province,
                    division=args.division,
                    year_from=args.year_from,
                    year_to=args.year_to,
                )
            except ValueError as exc:  # an unknown province
                raise CliError(2, str(exc)) from exc
            if args.output is None:
                sys.stdout.reconfigure(encoding="utf-8")
                _write_export(records, args.format, sys.stdout)
            else:
                with args.output.open("w", encoding="utf-8", newline="") as out:
                    _write_export(records, args.format, out)
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


def _write_export(records: Iterable[dict[str, Any]], fmt: str, out: TextIO) -> None:
    if fmt == "jsonl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for record in records:
        writer.writerow(
            record
            | {
                "source_urls": " ".join(record["source_urls"]),
                "values": json.dumps(record["values"], ensure_ascii=False),
            }
        )


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
