"""Turning parsed cells into keyed values, and collecting what one table parser found."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from govcrawl.stats.result import Check, StatValue, Triple
from govcrawl.stats.values import CellValue


@dataclass
class Found:
    """What a table parser read: values by key, warnings, checks of cells outside the canonical
    keys (an extra subtotal column), and which tables it saw."""

    values: dict[str, StatValue] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    tables: set[str] = field(default_factory=set)  # of "active", "apply", "review", "legacy"
    triples: list[Triple] = field(default_factory=list)

    def merge(self, other: Found) -> None:
        """Add another parser's findings; a key already read is kept (first reader wins)."""
        for k, v in other.values.items():
            self.values.setdefault(k, v)
        self.warnings.extend(other.warnings)
        self.checks.extend(other.checks)
        self.tables |= other.tables
        self.triples.extend(other.triples)


def _integral(d: Decimal) -> int | Decimal:
    return int(d) if d == d.to_integral_value() else d.normalize()


def keyed_value(
    key: str, cell: CellValue, unit_hint: str | None = None, extra: tuple[str, ...] = ()
) -> StatValue:
    """The StatValue for ``key`` from a parsed cell, applying the key's unit rules (spec §4.2).

    gov2019 （九） amounts are normalised to yuan only when a unit is printed in the cell or its
    header; gov2021 （八） is kept in 万元 (a printed 元 is converted). 规章 dashes stay null.
    """
    flags = tuple(dict.fromkeys(cell.flags + extra))
    value = cell.value
    unit = cell.unit or (unit_hint if key.endswith((".amount", ".amount_wan")) else None)
    if key.endswith(".amount") and value is not None and unit == "万元":
        value = _integral(Decimal(value) * 10000)
        flags += ("unit_converted",)
    elif key.endswith(".amount_wan") and value is not None and unit == "元":
        value = Decimal(value) / 10000
        flags += ("unit_converted",)
    elif key.endswith(".amount_wan"):
        unit = unit or "万元"
    if "dash" in flags and key.startswith("active.art20_1.rules."):
        value = None
    return StatValue(key, value, cell.raw, unit, flags, "table")


def mark_template_empty(values: dict[str, StatValue], keys: list[str]) -> None:
    """Flag every cell of a table template_empty when all its read cells are blank (not zeros)."""
    present = [values[k] for k in keys if k in values]
    if present and all(v.value is None and "blank" in v.flags for v in present):
        for v in present:
            values[v.key] = StatValue(v.key, None, v.raw, v.unit, v.flags + ("template_empty",), v.source)
