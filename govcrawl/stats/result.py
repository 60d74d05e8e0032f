"""What the statistics parser returns: values, checks and warnings for one report."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

#: Bumped whenever parsing output for the same input may change.
PARSER_VERSION = "stats-1.1"

Number = int | Decimal


@dataclass(frozen=True)
class StatValue:
    """One statistics cell under its canonical key.

    ``value`` is None for a blank or unreadable cell; ``raw`` is the printed text; ``flags`` is a
    subset of: blank, dash, imputed_sum, from_text, unit_converted, template_empty, merged.
    """

    key: str
    value: Number | None
    raw: str = ""
    unit: str | None = None
    flags: tuple[str, ...] = ()
    source: str = "table"  # "table" | "text"


@dataclass(frozen=True)
class Check:
    """The outcome of one consistency rule (spec §1.4, §2.4, §3.1)."""

    rule: str
    status: str  # "pass" | "fail" | "not_assessable"
    lhs: Number | None = None
    rhs: Number | None = None
    delta: Decimal | None = None
    keys: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "rule": self.rule,
            "status": self.status,
            "lhs": _json_number(self.lhs),
            "rhs": _json_number(self.rhs),
            "delta": _json_number(self.delta),
            "keys": list(self.keys),
        }


def _json_number(v: Number | None) -> int | float | None:
    if v is None:
        return None
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


@dataclass(frozen=True)
class Triple:
    """A printed cell outside the canonical keys, kept as the report prints it (spec §3.2, §5 extras).

    ``section`` says where it came from: ``legacy_local`` (a local 统计表 row), ``active.extra``
    (an unknown row of table 二, e.g. Hubei's 其他主动公开文件) or ``apply.extra`` (a subtotal row or
    column of table 三). ``label``, ``unit`` and ``column`` are the printed row label, unit cell
    and column header; ``value`` the number read from ``raw`` (None when blank).
    """

    section: str
    label: str
    column: str
    value: Number | None
    raw: str = ""
    unit: str | None = None
    flags: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "section": self.section,
            "label": self.label,
            "unit": self.unit,
            "column": self.column,
            "value": _json_number(self.value),
            "raw": self.raw,
            "flags": list(self.flags),
        }


@dataclass
class ParseResult:
    """Everything the parser read from one report.

    ``values`` holds table values, plus numbers read from prose (source="text") only for keys no
    table gave; ``text_values`` holds every number read from prose, for the text-versus-table check;
    ``triples`` holds printed cells outside the canonical keys (see :class:`Triple`).
    """

    format: str | None = None
    method: str | None = None
    has_tables: bool = False
    values: dict[str, StatValue] = field(default_factory=dict)
    text_values: dict[str, StatValue] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    triples: list[Triple] = field(default_factory=list)
    parser_version: str = PARSER_VERSION

    def numbers(self) -> dict[str, int | float | None]:
        """Every value as a JSON number (Decimal → int when integral, else float)."""
        return {k: _json_number(v.value) for k, v in self.values.items()}

    def to_json(self) -> dict:
        """A JSON-ready summary: format, method, has_tables, values, flags, units, sources, checks,
        triples, warnings, parser_version."""
        return {
            "format": self.format,
            "method": self.method,
            "has_tables": self.has_tables,
            "values": self.numbers(),
            "flags": {k: list(v.flags) for k, v in self.values.items() if v.flags},
            "units": {k: v.unit for k, v in self.values.items() if v.unit},
            "sources": {k: v.source for k, v in self.values.items() if v.source != "table"},
            "checks": [c.to_json() for c in self.checks],
            "triples": [t.to_json() for t in self.triples],
            "warnings": list(self.warnings),
            "parser_version": self.parser_version,
        }
