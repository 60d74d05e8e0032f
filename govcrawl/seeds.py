"""The seed list: one row per government portal, validated, selectable by province and division.

A bad row is skipped and reported (the crawl records it and goes on with the others); a seed file
that cannot be used as a whole, or a selection that leaves no portal, raises :class:`SeedError`: a
crawl of nothing would otherwise end "successfully" and hide a typo in a province or a path.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from govcrawl.config import SEEDS_DIR

REQUIRED_COLUMNS = ("division_code", "province", "prefecture", "name", "level", "portal_url")
#: Other names of ``portal_url``, as other portal lists spell it; ``portal_url`` wins when both are present.
URL_ALIASES = ("url",)
LEVELS = ("province", "prefecture", "county")
# Suffixes stripped to get a province's short name: 云南省 → 云南, 广西壮族自治区 → 广西.
_PROVINCE_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$")


@dataclass(frozen=True)
class Portal:
    """A seed row: the government portal of one division."""

    division_code: str
    province: str
    prefecture: str
    name: str
    level: str
    portal_url: str
    note: str = ""
    source: str = ""  # "file:line" the row came from

    @property
    def host(self) -> str:
        return urlsplit(self.portal_url).hostname or ""


class SeedError(Exception):
    """A seed selection no crawl should start from: a seed file that cannot be used as a whole, or no
    portal selected. The message is one line, said as is by ``govcrawl crawl`` and ``scrapy crawl``."""


@dataclass(frozen=True)
class SeedProblem:
    """A row that failed validation, by file and line."""

    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


def seed_files(directory: Path = SEEDS_DIR) -> list[Path]:
    """The seed CSV files of a directory, in name order."""
    return sorted(directory.glob("*.csv"))


def load_seeds(paths: Iterable[Path | str] | None = None) -> tuple[list[Portal], list[SeedProblem]]:
    """Read and validate seed rows; bad rows are skipped and reported by file and line.

    Raises :class:`SeedError` for a file that cannot be used at all (missing, unreadable, not UTF-8, a
    header without the required columns): skipping it would crawl a part of the list and say nothing.
    """
    portals: list[Portal] = []
    problems: list[SeedProblem] = []
    seen: set[tuple[str, str]] = set()
    for path in seed_files() if paths is None else [Path(p) for p in paths]:
        reader, url_column = _open(path)
        for row in reader:
            where = f"{path}:{reader.line_num}"
            portal, error = _validate(row, where, url_column)
            if error:
                problems.append(SeedProblem(where, error))
                continue
            key = (portal.division_code, portal.portal_url)
            if key in seen:
                problems.append(SeedProblem(where, f"duplicate row for {portal.division_code} {portal.portal_url}"))
                continue
            seen.add(key)
            portals.append(portal)
    return portals, problems


def _open(path: Path) -> tuple[csv.DictReader, str]:
    """A reader of the rows of ``path`` and the name of its URL column; SeedError if the file is unusable."""
    try:
        content = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise SeedError(f"no such seed file: {path}") from exc
    except OSError as exc:
        # strerror, not str(exc): the latter repeats the path the message already names.
        reason = f"[Errno {exc.errno}] {exc.strerror}" if exc.strerror else str(exc)
        raise SeedError(f"seeds file {path}: cannot read: {reason}") from exc
    except UnicodeDecodeError as exc:
        raise SeedError(
            f"seeds file {path}: cannot read: not UTF-8 (byte {exc.object[exc.start]:#04x} at offset {exc.start})"
        ) from exc
    reader = csv.DictReader(io.StringIO(content, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    if not any(header):
        raise SeedError(f"seeds file {path}: empty, no header row (columns: {', '.join(REQUIRED_COLUMNS)})")
    reader.fieldnames = header  # " portal_url" (a space after a comma) still names the column
    url_column = next((c for c in ("portal_url", *URL_ALIASES) if c in header), "portal_url")
    missing = [c for c in REQUIRED_COLUMNS if c not in header and not (c == "portal_url" and url_column in header)]
    if missing:
        names = ", ".join(f"{c} (or {', '.join(URL_ALIASES)})" if c == "portal_url" else c for c in missing)
        raise SeedError(f"seeds file {path}: header lacks columns: {names}")
    return reader, url_column


def _validate(
    row: dict[str, str | None], where: str, url_column: str = "portal_url"
) -> tuple[Portal, str | None]:
    values = {k: (row.get(k) or "").strip() for k in (*REQUIRED_COLUMNS, "note")}
    values["portal_url"] = (row.get(url_column) or "").strip()
    portal = Portal(**values, source=where)
    if not re.fullmatch(r"\d{6}", portal.division_code):
        return portal, f"division_code must be 6 digits, got {portal.division_code!r}"
    if not portal.province:
        return portal, "province is empty"
    if not portal.name:
        return portal, "name is empty"
    if portal.level not in LEVELS:
        return portal, f"level must be one of {', '.join(LEVELS)}, got {portal.level!r}"
    parts = urlsplit(portal.portal_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return portal, f"{url_column} must be an http(s) URL, got {portal.portal_url!r}"
    return portal, None


def province_matches(portal: Portal, wanted: str) -> bool:
    """True when ``wanted`` names the portal's province: full name, short name, or code (530000 or 53)."""
    wanted = wanted.strip()
    if wanted.isdigit():
        return portal.division_code[:2] == wanted[:2] and (len(wanted) == 2 or wanted[2:] == "0000")
    short = _PROVINCE_SUFFIX.sub("", portal.province)
    return wanted in (portal.province, short)


def division_matches(portal: Portal, code: str) -> bool:
    """True when the portal is the division ``code`` or lies inside it (a prefecture or province code)."""
    code = code.strip()
    if portal.division_code == code:
        return True
    if code.endswith("0000"):
        return portal.division_code[:2] == code[:2]
    if code.endswith("00"):
        return portal.division_code[:4] == code[:4]
    return False


def select(portals: Iterable[Portal], province: str | None = None, division: str | None = None) -> list[Portal]:
    """Portals in ``province`` (any accepted form) and, if given, in one of the comma-separated ``division`` codes."""
    chosen = list(portals)
    if province:
        chosen = [p for p in chosen if province_matches(p, province)]
    if division:
        codes = [c for c in division.split(",") if c.strip()]
        chosen = [p for p in chosen if any(division_matches(p, c) for c in codes)]
    return chosen


def crawl_seeds(
    seeds: Path | str | None = None, province: str | None = None, division: str | None = None
) -> tuple[list[Portal], list[SeedProblem]]:
    """The portals a crawl starts from (``seeds``: a file replacing the bundled list) and the bad rows
    skipped on the way. The one check both commands and the spider make, before anything starts.

    Raises :class:`SeedError` when a file is unusable (see :func:`load_seeds`) or nothing is selected.
    """
    paths = [Path(seeds)] if seeds else None
    portals, problems = load_seeds(paths)
    chosen = select(portals, province, division)
    if chosen:
        return chosen, problems
    source = str(seeds) if seeds else f"{_display(SEEDS_DIR)}/*.csv"
    read = f"{len(portals)} portal{'' if len(portals) == 1 else 's'} read from {source}"
    if problems:  # the likelier cause when a file gave nothing: say the first
        read += f"; {len(problems)} bad row{'' if len(problems) == 1 else 's'} skipped, first {problems[0]}"
    wanted = " ".join(f"{name}={value}" for name, value in (("province", province), ("division", division)) if value)
    if wanted:
        raise SeedError(f"no seed portal matches {wanted} ({read})")
    raise SeedError(f"no seed portal to crawl ({read})")


def _display(path: Path) -> str:
    """``path`` relative to the working directory when below it (``seeds``, not the checkout's path)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
