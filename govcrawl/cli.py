"""The ``govcrawl`` command: crawl, migrate, inspect, export and re-parse the archive; parse a local file.

Expected failures print one line on stderr and exit with a code of :mod:`govcrawl.exitcodes`:
2 usage or a missing file, 3 a file that cannot be extracted (unsupported type, corrupt, ...), 4 an
unreachable database, 5 a database that is not migrated, 6 ``status`` found a regression (a portal
that had reports at its previous check and yields none in the examined run). ``crawl`` exits with
the run's outcome (7 interrupted, 8 store errors, 9 capture errors, 10 internal, 11 queue lost);
``status`` exits with the examined run's when it did not finish cleanly, 7 when a later run was killed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, OperationalError

from govcrawl.exitcodes import ExitCode
from govcrawl.store import Archive, downgrade, upgrade
from govcrawl.store.engine import SUPPORTED_BACKENDS, display_url, resolve_url
from govcrawl.store.migrate import is_current


class CliError(Exception):
    """An expected failure: reported as one line on stderr with this exit code."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


Handler = Callable[[argparse.Namespace], int | None]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand; each sets ``handler``."""
    parser = argparse.ArgumentParser(prog="govcrawl", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL of the archive (default: GOVCRAWL_DATABASE_URL or data/ SQLite)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, handler: Handler, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help)
        sub.set_defaults(handler=handler)
        return sub

    crawl = command("crawl", _run_crawl, "crawl the seed portals into the archive (as scrapy crawl county)")
    crawl.add_argument("--province", help="province name or code, e.g. 云南, 云南省 or 53")
    crawl.add_argument("--division", help="division code(s), comma-separated; a prefecture or province takes its units")
    crawl.add_argument("--seeds", type=Path, help="a seed list CSV replacing the bundled one")
    crawl.add_argument("--workers", type=int, default=1, help="processes sharing a Redis queue (default 1)")
    crawl.add_argument("--redis", help="Redis URL of a distributed crawl (default GOVCRAWL_REDIS_URL or local)")
    crawl.add_argument("--job", help="name of a distributed job (default: random); reuse it to resume a job")
    crawl.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE", help="a Scrapy setting")

    db = command("db", _run_db, "migrate the archive database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="migrate to the newest schema")
    down = db.add_parser("downgrade", help="migrate back to a revision ('base' drops everything)")
    down.add_argument("revision")

    export = command("export", _run_export, "write one record per archived report")
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

    status = command(
        "status", _run_status,
        "coverage board, portal health, the last crawl runs and the archive's totals; exits 6 on a regression",
    )
    status.add_argument("--province", help="one province only (name or code, e.g. 山东 or 37)")
    status.add_argument("--run", type=int, metavar="ID", help="examine this run (default: the newest finished one)")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.add_argument("--all-portals", action="store_true", help="list every portal's health, not only the failing")
    status.add_argument(
        "--limit", type=int, default=20, metavar="N", help="list at most N portals (default 20; 0: no limit)"
    )
    status.add_argument("--runs", type=int, default=5, metavar="N", help="list the N most recent runs (default 5)")

    meta = command(
        "datasette-metadata", _run_datasette_metadata,
        "write Datasette's metadata file (table and column descriptions) for a SQLite archive",
    )
    meta.add_argument("--output", type=Path, help="file to write (default: stdout)")

    reparse = command(
        "reparse", _run_reparse,
        "re-run extraction and parsing over the archived raw bytes (WARC or blobs), keeping history",
    )
    reparse.add_argument("--report", type=int, action="append", help="only this report id (repeatable)")
    reparse.add_argument(
        "--warc-only", action="store_true", help="read raw bytes from the WARC files only, never from blobs"
    )

    verify = command(
        "verify", _run_verify,
        "check that every report has its raw capture and every WARC record its index row; exits 12 if not",
    )
    verify.add_argument("--repair", action="store_true", help="mend what can be mended (see govcrawl/verify.py)")
    verify.add_argument("--warc-dir", type=Path, help="the WARC root (default GOVCRAWL_WARC_DIR or data/warc)")
    verify.add_argument("--no-scan", action="store_true", help="skip reading every WARC file for unindexed records")

    parse = command("parse", _run_parse, "extract, identify and parse a local PDF/DOCX/DOC/HTML/TXT file")
    parse.add_argument("file", type=Path)
    parse.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")

    command(
        "doctor", _run_doctor,
        "check that every optional component (parsers, LibreOffice, Chromium, …) imports or runs; exits 10 if not",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or ExitCode.OK)
    except CliError as exc:
        print(f"govcrawl: {exc}", file=sys.stderr)
        return exc.code


def _run_crawl(args: argparse.Namespace) -> int:
    from govcrawl.crawl import crawl, crawl_workers
    from govcrawl.seeds import SeedError, crawl_seeds

    settings = dict(_setting(s) for s in args.set)
    if args.database_url:
        settings["GOVCRAWL_DATABASE_URL"] = args.database_url
    spider_args = {"province": args.province, "division": args.division, "seeds": str(args.seeds) if args.seeds else None}
    if args.workers < 1:
        raise CliError(ExitCode.USAGE, "--workers takes a count, 1 or more")
    # Before anything starts (Scrapy, Redis, the workers, each of which would refuse it in turn):
    # a selection of nothing is a mistake in the command line, not a crawl that found nothing.
    try:
        crawl_seeds(args.seeds, args.province, args.division)
    except SeedError as exc:
        raise CliError(ExitCode.USAGE, str(exc)) from exc
    if args.workers == 1 and args.redis is None and args.job is None:
        return crawl(spider_args, settings)
    return crawl_workers(args.workers, spider_args, settings, redis_url=args.redis, job=args.job)


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise CliError(ExitCode.USAGE, f"a setting is NAME=VALUE, not {text!r}")
    return name, value


def _run_db(args: argparse.Namespace) -> None:
    url = _database_url(args)
    with _database_errors(url):
        try:
            if args.db_command == "upgrade":
                upgrade(args.database_url)
            else:
                downgrade(args.revision, args.database_url)
        except CommandError as exc:  # e.g. an unknown revision
            raise CliError(ExitCode.USAGE, f"migration failed: {exc}") from exc


def _run_export(args: argparse.Namespace) -> None:
    from govcrawl.output.export import write_csv, write_jsonl, write_parquet

    if args.format == "parquet" and args.output is None:
        raise CliError(ExitCode.USAGE, "parquet needs --output FILE")
    keys = [k.strip() for k in args.keys.split(",") if k.strip()] if args.keys else []
    with _open_archive(args) as archive:
        try:
            records = archive.queries.export(
                province=args.province,
                division=args.division,
                year_from=args.year_from,
                year_to=args.year_to,
                stats_format=args.stats_format,
                keys=keys or None,
            )
        except ValueError as exc:  # an unknown province
            raise CliError(ExitCode.USAGE, str(exc)) from exc
        if args.format == "parquet":
            write_parquet(records, args.output, keys)
            return
        out = sys.stdout if args.output is None else args.output.open("w", encoding="utf-8", newline="")
        if out is sys.stdout:
            sys.stdout.reconfigure(encoding="utf-8")
        try:
            write_jsonl(records, out) if args.format == "jsonl" else write_csv(records, out, keys)
        finally:
            if out is not sys.stdout:
                out.close()


def _run_status(args: argparse.Namespace) -> None:
    from govcrawl.output.status import render_text, to_json
    from govcrawl.store.status import collect

    if args.limit < 0 or args.runs < 0:
        raise CliError(ExitCode.USAGE, "--limit and --runs take a count, 0 or more")
    with _open_archive(args) as archive:
        try:
            status = collect(archive.engine, run_id=args.run, province=args.province, runs=args.runs)
        except ValueError as exc:  # an unknown province or run
            raise CliError(ExitCode.USAGE, str(exc)) from exc
    sys.stdout.reconfigure(encoding="utf-8")
    print(to_json(status) if args.json else render_text(status, args.limit, args.all_portals))
    run = status.run
    if run is not None and not run.clean:
        code = int(run.problems.get("exit_code") or ExitCode.INTERRUPTED)
        raise CliError(code, f"run {run.id} did not finish cleanly: {run.state} (its crawl exited {code})")
    crashed = [r for r in status.runs if r.state == "crashed" and (run is None or r.id > run.id)]
    if crashed:
        raise CliError(ExitCode.INTERRUPTED, f"run {crashed[0].id} was killed before it ended: crawl again to finish it")
    regressions = status.regressions
    if regressions:
        codes = ", ".join(p.division_code for p in regressions)
        raise CliError(
            ExitCode.REGRESSION, f"regression: {len(regressions)} portal(s) had reports and now yield none: {codes}"
        )


def _run_reparse(args: argparse.Namespace) -> None:
    from govcrawl.extract.errors import InternalError
    from govcrawl.reparse import reparse

    counts = {"updated": 0, "unchanged": 0, "error": 0}
    sources = {"warc": 0, "blob": 0}
    with _open_archive(args) as archive:
        try:
            for outcome in reparse(archive, report_ids=args.report, warc_only=args.warc_only):
                counts[outcome.status] += 1
                if outcome.raw_from:
                    sources[outcome.raw_from] += 1
                if outcome.status == "error":
                    print(
                        f"govcrawl: report {outcome.report_id} version {outcome.version_id}: {outcome.message}",
                        file=sys.stderr,
                    )
        except InternalError as exc:  # every later document would fail the same way: stop, say why
            raise CliError(
                ExitCode.INTERNAL, f"re-parsing stopped: {exc.one_line()} (govcrawl doctor)"
            ) from exc
    print(
        f"versions re-parsed: {counts['updated']} updated, {counts['unchanged']} unchanged, {counts['error']} errors;"
        f" raw bytes from WARC: {sources['warc']}, from blobs: {sources['blob']}"
    )


def _run_verify(args: argparse.Namespace) -> int:
    from govcrawl.settings import GOVCRAWL_WARC_DIR
    from govcrawl.store.warc import warc_root
    from govcrawl.verify import verify

    root = args.warc_dir or Path(GOVCRAWL_WARC_DIR or warc_root())
    with _open_archive(args) as archive:
        found = verify(archive, root, repair=args.repair, scan_warcs=not args.no_scan)
    print(
        f"sources without a capture: {len(found.sources_without_capture)}; unreadable captures: "
        f"{len(found.unreadable_captures)}; unindexed WARC records: {len(found.orphan_records)}"
    )
    if found.repaired:
        print("repaired: " + ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in found.repaired.items()))
    if found.remaining:
        hint = "" if args.repair else " (--repair mends what it can)"
        print(f"govcrawl: {found.remaining} problem(s) remain{hint}", file=sys.stderr)
        return ExitCode.INCONSISTENT
    return ExitCode.OK


def _run_datasette_metadata(args: argparse.Namespace) -> None:
    from govcrawl.store.datasette import metadata_for

    url = _database_url(args)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise CliError(ExitCode.USAGE, f"Datasette opens SQLite archives only: {display_url(url)}")
    text = json.dumps(metadata_for(Path(url.database)), ensure_ascii=False, indent=2) + "\n"
    if args.output is None:
        sys.stdout.reconfigure(encoding="utf-8")
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")


def _run_parse(args: argparse.Namespace) -> None:
    path: Path = args.file
    if not path.is_file():
        raise CliError(ExitCode.USAGE, f"no such file: {path}")
    # Imported here, so that `db` and `export` never load the parsing stack.
    from govcrawl.extract import default_max_bytes
    from govcrawl.extract.errors import InternalError
    from govcrawl.process import process
    from govcrawl.records import Capture

    if path.stat().st_size > default_max_bytes():
        raise CliError(ExitCode.BAD_FILE, f"cannot extract {path}: too_large: over {default_max_bytes()} bytes")
    try:
        done = process(Capture.of_bytes(path.read_bytes()), require_report=False, hint=path.suffix)
    except InternalError as exc:  # ours, not the file's: a missing library or program
        raise CliError(ExitCode.INTERNAL, f"cannot read {path}: {exc.one_line()} (govcrawl doctor)") from exc
    if done.failure is not None:
        failure = done.failure
        if failure.kind == "unsupported":
            raise CliError(ExitCode.BAD_FILE, f"unsupported file type: {path} ({failure.message})")
        raise CliError(ExitCode.BAD_FILE, f"cannot extract {path}: {failure.kind}: {failure.message}")
    identity, doc = done.identity, done.document
    assert identity is not None and doc is not None
    if done.parse is None:
        raise CliError(ExitCode.BAD_FILE, f"cannot parse {path}: {done.parse_error}")
    parsed = done.parse.to_json()
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
    sys.stdout.reconfigure(encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False) if args.json else _summary(result))


def _summary(result: dict) -> str:
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


def _run_doctor(args: argparse.Namespace) -> None:
    from govcrawl.components import components
    from govcrawl.doctor import describe, diagnose

    chosen = components()
    results = diagnose(chosen)
    sys.stdout.reconfigure(encoding="utf-8")
    print("\n".join(describe(chosen, results)))
    missing = [r.name for r in results if not r.ok]
    if missing:
        raise CliError(ExitCode.INTERNAL, f"{len(missing)} of {len(chosen)} components missing: {', '.join(missing)}")


@contextmanager
def _open_archive(args: argparse.Namespace) -> Iterator[Archive]:
    """The archive, checked to be reachable and migrated; closed afterwards."""
    url = _database_url(args)
    archive = Archive(args.database_url)
    try:
        with _database_errors(url):
            if not is_current(archive.engine):
                raise CliError(ExitCode.NOT_MIGRATED, f"database {display_url(url)} is not migrated; run: govcrawl db upgrade")
            yield archive
    finally:
        archive.close()


def _database_url(args: argparse.Namespace) -> URL:
    """The archive URL the command will use, checked before anything connects."""
    try:
        url = resolve_url(args.database_url)
    except ArgumentError as exc:
        raise CliError(ExitCode.USAGE, f"invalid database URL: {exc}") from exc
    if url.get_backend_name() not in SUPPORTED_BACKENDS:
        raise CliError(ExitCode.USAGE, f"unsupported database (use SQLite or PostgreSQL): {display_url(url)}")
    return url


@contextmanager
def _database_errors(url: URL) -> Iterator[None]:
    """Turns a failure to reach the database into CliError 4, naming the URL without its password."""
    try:
        yield
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise CliError(ExitCode.DATABASE, f"cannot use database {display_url(url)}: {reason}") from exc


if __name__ == "__main__":
    sys.exit(main())
