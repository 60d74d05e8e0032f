"""The seed list: one row per government portal, validated, selectable by province and division."""

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


def load_seeds(paths: Iterable[Path] | None = None) -> tuple[list[Portal], list[SeedProblem]]:
    """Read and validate seed rows; bad rows are skipped and reported by file and line."""
    portals: list[Portal] = []
    problems: list[SeedProblem] = []
    seen: set[tuple[str, str]] = set()
    for path in seed_files() if paths is None else [Path(p) for p in paths]:
        try:
            content = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(SeedProblem(str(path), f"cannot read: {exc}"))
            continue
        reader = csv.DictReader(io.StringIO(content, newline=""))
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            problems.append(SeedProblem(f"{path}:1", f"missing columns: {', '.join(missing)}"))
            continue
        for row in reader:
            where = f"{path}:{reader.line_num}"
            portal, error = _validate(row, where)
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


def _validate(row: dict[str, str | None], where: str) -> tuple[Portal, str | None]:
    values = {k: (row.get(k) or "").strip() for k in (*REQUIRED_COLUMNS, "note")}
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
        return portal, f"portal_url must be an http(s) URL, got {portal.portal_url!r}"
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
