"""Chinese administrative divisions: look up units by code, by name, and by mention in text.

Two reference tables ship in :data:`govcrawl.config.PACKAGE_DATA`: today's division list
(``divisions_cn_2023.csv``: provinces, prefectures, counties) and the county-level code history
(``county_codes_history.csv``), which still knows units that were merged or renamed (港闸区 320611,
晋宁县 530122). Reports from older years name such units, so every lookup searches both.

Names repeat across provinces (朝阳区, 鼓楼区); lookups rank the candidates with a context code
(usually the portal's division), the prefecture or province named next to the unit, and whether
the unit existed in the year reported on.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from govcrawl.config import PACKAGE_DATA

DIVISIONS_CSV = PACKAGE_DATA / "divisions_cn_2023.csv"
HISTORY_CSV = PACKAGE_DATA / "county_codes_history.csv"

#: Grouping rows of the official list that are not units anyone publishes for.
CONTAINER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

#: The 55 minority nationalities, as they appear inside the names of autonomous units.
_ETHNIC_ALT = (
    "柯尔克孜|乌孜别克|维吾尔|哈萨克|达斡尔|塔吉克|俄罗斯|鄂温克|塔塔尔|鄂伦春|蒙古|布依|朝鲜|土家|哈尼|傈僳|高山|拉祜|东乡|纳西|景颇|仫佬|布朗|撒拉|毛南|仡佬|"
    "锡伯|阿昌|普米|德昂|保安|裕固|独龙|赫哲|门巴|珞巴|基诺|回|藏|苗|彝|壮|满|侗|瑶|白|傣|黎|佤|畲|水|土|羌|怒|京"
)
#: 新平彝族傣族自治县 -> (新平, 县); 恩施土家族苗族自治州 -> (恩施, 州).
_AUTONOMOUS = re.compile(rf"^(.+?)(?:(?:{_ETHNIC_ALT})族?)+自治(县|旗|州)$")
#: Province suffixes, longest first, for the short forms 云南 / 内蒙古 / 广西 / 新疆.
_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市")
#: Generic suffixes dropped to make a bare stem (任城区 -> 任城), used only by :meth:`Divisions.find`.
_STEM_SUFFIXES = ("自治县", "自治旗", "自治州", "地区", "林区", "特区", "县", "区", "市", "旗", "盟", "州")
#: The first (oldest) edition of the code history: units seen there may be older still.
_OLDEST_EDITION = "v2018-02-export(2016 data?)"
_HEAD_EDITION = "2022-10-31/2023(HEAD)"
#: What may follow a two-character name (和县, 城区) for a bare text mention to count.
_SHORT_NAME_FOLLOW = re.compile(r"(?:\d|人民政府|政府|[一二][〇零○])")


@dataclass(frozen=True)
class Division:
    """One administrative unit, current or historical."""

    code: str
    name: str
    #: "province", "prefecture" or "county".
    level: str
    province: str | None
    prefecture: str | None
    #: False for units gone from today's list (merged, renamed or abolished).
    current: bool
    province_code: str | None = None
    prefecture_code: str | None = None
    #: First year the unit is known to exist (None: it predates the oldest edition on file).
    first_year: int | None = None
    #: Last year it is known to exist (None: it still exists).
    last_year: int | None = None

    def existed_in(self, year: int, slack: int = 0) -> bool:
        """True when the unit existed in ``year`` (editions are yearly snapshots: ``slack`` widens)."""
        if self.first_year is not None and year < self.first_year - slack:
            return False
        return self.last_year is None or year <= self.last_year + slack


@dataclass(frozen=True)
class Mention:
    """A division name found in a text: where, as which alias, and the unit it was resolved to."""

    start: int
    end: int
    alias: str
    division: Division
    #: How many units carry this alias (more than one: resolved by context).
    n_candidates: int = 1


def _edition_year(version: str, *, first: bool) -> int | None:
    if version == _OLDEST_EDITION:
        return None if first else 2016
    if version == _HEAD_EDITION:
        return 2023 if first else None
    return int(version[:4])


def normalize_code(code: str) -> str:
    """A division code as six digits: ``53`` -> ``530000``, ``5301`` -> ``530100``, 12 digits -> 6."""
    code = code.strip()
    if len(code) in (2, 4):
        return code.ljust(6, "0")
    return code[:6]


def short_forms(division: Division) -> list[str]:
    """Common short forms of a unit's name that are safe to match in text (新平县, 恩施州, 广西)."""
    out = []
    m = _AUTONOMOUS.match(division.name)
    if m:
        out.append(m.group(1) + m.group(2))
    if division.level == "province":
        for suffix in _PROVINCE_SUFFIXES:
            if division.name.endswith(suffix) and len(division.name) > len(suffix) + 1:
                out.append(division.name[: -len(suffix)])
                break
    return [s for s in out if s != division.name]


def _stem(name: str) -> str | None:
    for suffix in _STEM_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


class Divisions:
    """An index over current and historical divisions. Build it once with :meth:`load`."""

    def __init__(self, divisions: Iterable[Division]) -> None:
        self.all: list[Division] = list(divisions)
        self._by_code: dict[str, list[Division]] = {}
        #: alias -> units; full names and safe short forms (what text search uses).
        self._names: dict[str, list[Division]] = {}
        #: bare stems (任城 -> 任城区), only for explicit lookups.
        self._stems: dict[str, list[Division]] = {}
        for d in self.all:
            self._by_code.setdefault(d.code, []).append(d)
            if d.name in CONTAINER_NAMES:
                continue
            for alias in [d.name, *short_forms(d)]:
                self._add(self._names, alias, d)
            stem = _stem(d.name)
            if stem:
                self._add(self._stems, stem, d)
        self._name_lengths = sorted({len(a) for a in self._names}, reverse=True)

    @staticmethod
    def _add(index: dict[str, list[Division]], alias: str, d: Division) -> None:
        bucket = index.setdefault(alias, [])
        if all((x.code, x.name) != (d.code, d.name) for x in bucket):
            bucket.append(d)

    @classmethod
    def load(cls) -> Divisions:
        """The shipped reference tables, read once per process."""
        return _load_cached(DIVISIONS_CSV, HISTORY_CSV)

    @classmethod
    def from_files(cls, divisions_csv: Path, history_csv: Path) -> Divisions:
        """Build the index from a division list and a county code history (same columns as shipped)."""
        rows = list(_read_csv(divisions_csv))
        names_by_code = {r["code"]: r["name"] for r in rows}
        divisions = []
        current_names = set()
        for r in rows:
            prefecture = r["prefecture"] or None
            if prefecture in CONTAINER_NAMES or r["level"] == "province":
                prefecture = None
            divisions.append(
                Division(
                    code=r["code"],
                    name=r["name"],
                    level=r["level"],
                    province=r["province"] or None,
                    prefecture=prefecture,
                    current=True,
                    province_code=r["province_code"] or None,
                    prefecture_code=(r["prefecture_code"] or None) if r["level"] != "province" else None,
                )
            )
            current_names.add((r["code"], r["name"]))
        history = list(_read_csv(history_csv))
        first_last = {
            (h["code"], h["name"]): (
                _edition_year(h["first_seen_version"], first=True),
                _edition_year(h["last_seen_version"], first=False),
            )
            for h in history
        }
        # Current county rows learn when they first appeared (晋宁区 from 2017).
        divisions = [
            _with_years(d, *first_last[(d.code, d.name)]) if (d.code, d.name) in first_last else d
            for d in divisions
        ]
        for h in history:
            if (h["code"], h["name"]) in current_names:
                continue
            prefecture = names_by_code.get(h["prefecture_code"])
            first, last = first_last[(h["code"], h["name"])]
            divisions.append(
                Division(
                    code=h["code"],
                    name=h["name"],
                    level="county",
                    province=names_by_code.get(h["province_code"]),
                    prefecture=None if prefecture in CONTAINER_NAMES else prefecture,
                    current=False,
                    province_code=h["province_code"],
                    prefecture_code=h["prefecture_code"],
                    first_year=first,
                    last_year=last if last is not None else 2023,
                )
            )
        return cls(divisions)

    def by_code(self, code: str) -> Division | None:
        """The unit with this code (today's name first; an abolished unit's last name otherwise)."""
        found = self._by_code.get(normalize_code(code))
        if not found:
            return None
        return min(found, key=lambda d: (not d.current, -(d.last_year or 9999)))

    def province(self, name_or_code: str) -> Division | None:
        """A province by name (云南省, 云南, 内蒙古, 广西) or code (53, 530000, or any code inside it)."""
        key = name_or_code.strip()
        if key.isdigit():
            return self.by_code(key[:2] + "0000")
        for d in self._names.get(key, []) + self._stems.get(key, []):
            if d.level == "province":
                return d
        return None

    def find(
        self,
        name: str,
        *,
        province: str | None = None,
        prefecture: str | None = None,
        year: int | None = None,
        context: str | None = None,
    ) -> list[Division]:
        """Units called ``name``, best first.

        Accepts full names, short forms (新平县 for 新平彝族傣族自治县), bare stems (任城), old names
        (晋宁县, 港闸区) and names prefixed by their prefecture or province (昆明市晋宁区).
        ``province``/``prefecture`` (names or codes) filter; ``year`` and ``context`` (a division
        code, e.g. the portal's) only rank.
        """
        name = re.sub(r"\s+", "", name)
        candidates = self._names.get(name) or self._stems.get(name) or []
        if not candidates:
            candidates = self._find_prefixed(name)
        if province is not None:
            p = self.province(province)
            candidates = [d for d in candidates if p is not None and d.province_code == p.code]
        if prefecture is not None:
            pref = self._resolve_prefecture(prefecture)
            candidates = [d for d in candidates if pref is not None and d.prefecture_code == pref.code]
        return self.rank(candidates, year=year, context=context)

    def _resolve_prefecture(self, prefecture: str) -> Division | None:
        if prefecture.isdigit():
            return self.by_code(prefecture[:4] + "00")
        for d in self.find(prefecture):
            if d.level == "prefecture":
                return d
        return None

    def _find_prefixed(self, name: str) -> list[Division]:
        """昆明市晋宁区 / 云南省昆明市晋宁区: peel a leading province or prefecture and search inside it."""
        for i in range(len(name) - 2, 1, -1):
            head, tail = name[:i], name[i:]
            parents = [d for d in self._names.get(head, []) if d.level in ("province", "prefecture")]
            if not parents:
                continue
            inner = self._names.get(tail) or self._stems.get(tail) or self._find_prefixed(tail)
            inside = [d for d in inner if any(_contains(p, d) for p in parents)]
            if inside:
                return inside
        return []

    def rank(
        self, candidates: Iterable[Division], *, year: int | None = None, context: str | None = None
    ) -> list[Division]:
        """Order candidates: nearest to the context code, then existing in ``year``, then current."""
        ctx = self.by_code(context) if context else None

        def score(d: Division) -> tuple[int, int, int]:
            near = 0
            if ctx is not None:
                if d.code == ctx.code:
                    near = 3
                elif _contains(ctx, d) or (ctx.prefecture_code and d.prefecture_code == ctx.prefecture_code):
                    near = 2
                elif d.province_code == ctx.province_code:
                    near = 1
            alive = 0
            if year is not None:
                alive = 2 if d.existed_in(year) else 1 if d.existed_in(year, slack=1) else 0
            return (near, alive, int(d.current))

        return sorted(candidates, key=score, reverse=True)

    def mentions(
        self,
        text: str,
        *,
        year: int | None = None,
        context: str | None = None,
        name_ends_text: bool = False,
    ) -> list[Mention]:
        """Division names in ``text``, in order, leftmost-longest, each resolved to one unit.

        A name right after its prefecture or province (济宁市任城区) is resolved inside it; other
        repeated names are ranked by units named elsewhere in the text, ``context`` and ``year``.
        Two-character names (和县, 城区) count only after their parent or before a year/人民政府,
        or, with ``name_ends_text`` (``text`` is a body's name cut from a title), at its end.
        """
        raw: list[tuple[int, int, str, list[Division]]] = []
        i = 0
        while i < len(text):
            for n in self._name_lengths:
                alias = text[i : i + n]
                if len(alias) == n and alias in self._names:
                    raw.append((i, i + n, alias, self._names[alias]))
                    i += n
                    break
            else:
                i += 1
        # Units named unambiguously anywhere in the text lend context to ambiguous names.
        named_parents = {c[0].code for *_, c in raw if len(c) == 1 and c[0].level != "county"}
        out: list[Mention] = []
        for start, end, alias, cands in raw:
            prev = out[-1] if out and out[-1].end == start else None
            inside = [d for d in cands if prev is not None and _contains(prev.division, d)]
            if inside:
                cands = inside
            elif len(alias) <= 2 and not (
                _SHORT_NAME_FOLLOW.match(text, end) or (name_ends_text and end == len(text))
            ):
                continue
            if len(cands) > 1 and named_parents:
                under = [d for d in cands if any(_contains(self.by_code(p), d) for p in named_parents)]
                cands = under or cands
            best = self.rank(cands, year=year, context=context)[0]
            out.append(Mention(start, end, alias, best, len(self._names[alias])))
        return out

    def search_text(
        self, text: str, *, year: int | None = None, context: str | None = None
    ) -> list[Division]:
        """Distinct units mentioned in ``text``: longest name first, then first mentioned."""
        seen: dict[tuple[str, str], Mention] = {}
        for m in self.mentions(text, year=year, context=context):
            seen.setdefault((m.division.code, m.division.name), m)
        ordered = sorted(seen.values(), key=lambda m: (-(m.end - m.start), m.start))
        return [m.division for m in ordered]


def _contains(parent: Division | None, child: Division) -> bool:
    if parent is None or parent.code == child.code:
        return False
    if parent.level == "province":
        return child.province_code == parent.code
    if parent.level == "prefecture":
        return child.prefecture_code == parent.code
    return False


def _with_years(d: Division, first: int | None, last: int | None) -> Division:
    return Division(
        d.code, d.name, d.level, d.province, d.prefecture, d.current,
        d.province_code, d.prefecture_code, first, last,
    )  # fmt: skip


def _read_csv(path: Path) -> Iterable[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


@cache
def _load_cached(divisions_csv: Path, history_csv: Path) -> Divisions:
    return Divisions.from_files(divisions_csv, history_csv)
