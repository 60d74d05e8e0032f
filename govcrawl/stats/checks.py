"""Consistency rules (spec §1.4, §2.4, §3.1) and the imputation of blank totals.

A value is never changed to pass a rule. For checks a blank leaf counts as 0; a blank total is
filled from its row's leaves (R3.3, R4.x) and flagged ``imputed_sum``, never counted as a failure.
"""

from __future__ import annotations

from decimal import Decimal

from govcrawl.stats.layout import APPLY_COLUMN_KEYS, REVIEW_GROUP_KEYS
from govcrawl.stats.result import Check, Number, StatValue
from govcrawl.stats.schema import Format

_T1_PAIRS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("apply.new.total", ("apply.new.total",)),
    ("apply.carried_over.total", ("apply.carried_over.total",)),
    ("apply.carry_next.total", ("apply.carry_next.total",)),
    ("review.total", ("review.total",)),
    ("litigation.total", ("litigation.direct.total", "litigation.after_review.total")),
)

_LEGACY_SUMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "L.1",
        "legacy.apply.received",
        tuple(f"legacy.apply.received.{c}" for c in ("in_person", "fax", "online", "letter")),
    ),
    ("L.2", "legacy.apply.closed", ("legacy.apply.closed.on_time", "legacy.apply.closed.extended")),
    (
        "L.3",
        "legacy.review.total",
        ("legacy.review.upheld", "legacy.review.corrected", "legacy.review.other"),
    ),
    (
        "L.4",
        "legacy.litigation.total",
        ("legacy.litigation.upheld", "legacy.litigation.corrected", "legacy.litigation.other"),
    ),
    ("L.5", "legacy.org.staff", ("legacy.org.staff.full_time", "legacy.org.staff.part_time")),
)


def _get(values: dict[str, StatValue], key: str) -> Number | None:
    """A cell for checking: None if not read; a blank counts as 0."""
    v = values.get(key)
    if v is None or v.source != "table":
        return None
    return 0 if v.value is None else v.value


def _sum_check(
    rule: str, values: dict[str, StatValue], total: str, parts: tuple[str, ...] | list[str]
) -> Check:
    keys = (total, *parts)
    lhs = _get(values, total)
    got = [_get(values, k) for k in parts]
    if lhs is None or any(g is None for g in got):
        return Check(rule, "not_assessable", keys=keys)
    rhs = sum(got)  # type: ignore[arg-type]
    delta = Decimal(lhs) - Decimal(rhs)
    return Check(rule, "pass" if delta == 0 else "fail", lhs, rhs, delta, keys)


def impute_totals(values: dict[str, StatValue], fmt: Format) -> None:
    """Fill blank 总计 cells of table 三 rows and table 四 groups from their leaves (flag imputed_sum)."""
    groups = [row.keys() for row in fmt.apply_rows] + [list(g) for g in REVIEW_GROUP_KEYS]
    for keys in groups:
        *leaves, total = keys
        t = values.get(total)
        if t is None or t.value is not None or "blank" not in t.flags or "template_empty" in t.flags:
            continue
        got = [_get(values, k) for k in leaves]
        if any(g is None for g in got):
            continue
        values[total] = StatValue(total, sum(got), t.raw, t.unit, t.flags + ("imputed_sum",), t.source)  # type: ignore[arg-type]


def derive_other_total(values: dict[str, StatValue]) -> None:
    """gov2021: result.other_total = Σ of the three （六）其他处理 rows, for comparison with gov2019."""
    for c in APPLY_COLUMN_KEYS:
        parts = [values.get(f"apply.result.other.{r}.{c}") for r in ("no_correction", "fee_unpaid", "misc")]
        if any(p is None or p.source != "table" for p in parts):
            continue
        total = sum(0 if p.value is None else p.value for p in parts)  # type: ignore[union-attr]
        key = f"apply.result.other_total.{c}"
        values[key] = StatValue(key, total, "", None, ("imputed_sum",), "table")


def _apply_leaf_rows(fmt: Format) -> list[str]:
    return [r.key for r in fmt.apply_rows if r.key.startswith("result.") and r.key != "result.total"]


def gov_checks(values: dict[str, StatValue], fmt: Format) -> list[Check]:
    """R3.1–R3.4, R4.1–R4.3 and the table-二 rules of the format."""
    checks: list[Check] = []
    present = any(k.startswith("apply.") for k in values)
    if present:
        for c in APPLY_COLUMN_KEYS:
            keys = tuple(f"apply.{r}.{c}" for r in ("new", "carried_over", "result.total", "carry_next"))
            got = [_get(values, k) for k in keys]
            if any(g is None for g in got):
                checks.append(Check(f"R3.1[{c}]", "not_assessable", keys=keys))
            else:
                lhs, rhs = got[0] + got[1], got[2] + got[3]  # type: ignore[operator]
                delta = Decimal(lhs) - Decimal(rhs)
                checks.append(Check(f"R3.1[{c}]", "pass" if delta == 0 else "fail", lhs, rhs, delta, keys))
        leaves = _apply_leaf_rows(fmt)
        for c in APPLY_COLUMN_KEYS:
            checks.append(
                _sum_check(
                    f"R3.2[{c}]", values, f"apply.result.total.{c}", [f"apply.{r}.{c}" for r in leaves]
                )
            )
        for row in fmt.apply_rows:
            *parts, total = row.keys()
            checks.append(_sum_check(f"R3.3[{row.key}]", values, total, parts))
        bad = tuple(
            k
            for k in fmt.apply_keys()
            if k in values
            and values[k].value is not None
            and (values[k].value < 0 or values[k].value != int(values[k].value))
        )
        checks.append(Check("R3.4", "fail" if bad else "pass", keys=bad))
    if any(k.startswith(("review.", "litigation.")) for k in values):
        for n, group in enumerate(REVIEW_GROUP_KEYS, start=1):
            checks.append(_sum_check(f"R4.{n}", values, group[4], list(group[:4])))
    checks.extend(_active_checks(values, fmt))
    return checks


def _active_checks(values: dict[str, StatValue], fmt: Format) -> list[Check]:
    checks: list[Check] = []
    if fmt.id == "gov2019":
        for row in ("rules", "normative"):
            pub, tot = f"active.art20_1.{row}.published", f"active.art20_1.{row}.total_public"
            a, b = _get(values, pub), _get(values, tot)
            if a is not None and b is not None:
                checks.append(
                    Check(
                        f"R2.1[{row}]",
                        "pass" if a <= b else "fail",
                        a,
                        b,
                        Decimal(a) - Decimal(b),
                        (pub, tot),
                    )
                )
        for block, row in (
            ("art20_5", "licensing"),
            ("art20_5", "other_services"),
            ("art20_6", "penalty"),
            ("art20_6", "coercion"),
            ("art20_8", "fees"),
        ):
            p = f"active.{block}.{row}"
            prev, change, dec = (
                _get(values, f"{p}.{c}") for c in ("items_prev_year", "items_change", "decisions")
            )
            if prev is None or change is None:
                continue
            keys = (f"{p}.items_prev_year", f"{p}.items_change")
            checks.append(
                Check(
                    f"R2.2[{block}.{row}]",
                    "pass" if prev + change >= 0 else "fail",
                    prev + change,
                    0,
                    None,
                    keys,
                )
            )
            if dec is not None:
                # §4.4: 上一年项目数量 filled with last year's decision count (益阳: 8249 -1942 6307,
                # 9 +43 52). A zero row, or an unchanged small count, matches by coincidence.
                suspect = prev + change == dec != 0 and (prev >= 100 or change != 0)
                checks.append(
                    Check(
                        f"R2.3[{block}.{row}]",
                        "fail" if suspect else "pass",
                        prev + change,
                        dec,
                        Decimal(prev + change) - Decimal(dec),
                        (*keys, f"{p}.decisions"),
                    )
                )
        fees = values.get("active.art20_8.fees.items_prev_year")
        if fees is not None and fees.source == "table" and fees.value is not None:
            # §4.4: （八） counts fee items; a 元 amount typed there is money, not items.
            money = fees.unit in ("元", "万元") or fees.value >= 1000
            checks.append(
                Check(
                    "R2.3[art20_8.fees]",
                    "fail" if money else "pass",
                    fees.value,
                    1000,
                    None,
                    ("active.art20_8.fees.items_prev_year",),
                )
            )
    elif fmt.id == "gov2021":
        bad = tuple(
            k
            for k in fmt.active_keys()
            if k in values
            and values[k].value is not None
            and (
                values[k].value < 0
                or (not k.endswith("amount_wan") and values[k].value != int(values[k].value))
            )
        )
        if any(k in values for k in fmt.active_keys()):
            checks.append(Check("R2.4", "fail" if bad else "pass", keys=bad))
    return checks


_CHANNELS = tuple(
    f"legacy.apply.received.{c}" for c in ("in_person", "fax", "email", "online", "letter", "other")
)


def legacy_checks(values: dict[str, StatValue], local: bool = False) -> list[Check]:
    """The SOFT sums of the legacy2014 统计表; for a local form (``local``), received is checked
    against the channels the form prints (up to six), and other sums only where all parts are printed."""
    checks = []
    for rule, total, parts in _LEGACY_SUMS:
        if total not in values:
            continue
        if local and rule == "L.1":
            parts = tuple(k for k in _CHANNELS if k in values)
            if not parts:
                continue
        elif local and not all(k in values for k in parts):
            continue
        checks.append(_sum_check(rule, values, total, parts))
    return checks


def text_checks(values: dict[str, StatValue], text_values: dict[str, StatValue]) -> list[Check]:
    """T.1: prose numbers against the table cells they restate (only where both exist)."""
    checks = []
    for text_key, table_keys in _T1_PAIRS:
        tv = text_values.get(text_key)
        got = [_get(values, k) for k in table_keys]
        if tv is None or tv.value is None or any(g is None for g in got):
            continue
        rhs = sum(got)  # type: ignore[arg-type]
        delta = Decimal(tv.value) - Decimal(rhs)
        checks.append(
            Check(f"T.1[{text_key}]", "pass" if delta == 0 else "fail", tv.value, rhs, delta, table_keys)
        )
    return checks


def _pair_check(rule: str, lhs: Number | None, rhs: Number | None, keys: tuple[str, ...]) -> Check:
    if lhs is None or rhs is None:
        return Check(rule, "not_assessable", keys=keys)
    delta = Decimal(lhs) - Decimal(rhs)
    return Check(rule, "pass" if delta == 0 else "fail", lhs, rhs, delta, keys)


def cross_year_checks(previous: dict[str, StatValue], current: dict[str, StatValue]) -> list[Check]:
    """The SOFT cross-year rules between one agency's reports for years N−1 (``previous``) and N.

    X.1: carried over in N = carried to the next year in N−1, per column (holds across the
    2020→2021 format change). X.2: 上一年项目数量 in N = items + change in N−1 (gov2019 rows).
    X.3: 现行有效件数 in N = in force in N−1 + issued − repealed in N (gov2021). Only rules both
    reports can answer are returned.
    """
    checks = []
    for c in APPLY_COLUMN_KEYS:
        cur, prev = f"apply.carried_over.{c}", f"apply.carry_next.{c}"
        if cur in current and prev in previous:
            checks.append(_pair_check(f"X.1[{c}]", _get(current, cur), _get(previous, prev), (cur, prev)))
    for p in (
        "art20_5.licensing",
        "art20_5.other_services",
        "art20_6.penalty",
        "art20_6.coercion",
        "art20_8.fees",
    ):
        cur, base, change = (
            f"active.{p}.{c}" for c in ("items_prev_year", "items_prev_year", "items_change")
        )
        if cur in current and base in previous and change in previous:
            b, d = _get(previous, base), _get(previous, change)
            rhs = None if b is None or d is None else b + d
            checks.append(_pair_check(f"X.2[{p}]", _get(current, cur), rhs, (cur, base, change)))
    for row in ("rules", "normative"):
        cur, issued, repealed = (f"active.art20_1.{row}.{c}" for c in ("in_force", "issued", "repealed"))
        if cur in current and cur in previous and issued in current and repealed in current:
            i, r, before = _get(current, issued), _get(current, repealed), _get(previous, cur)
            rhs = None if None in (i, r, before) else before + i - r  # type: ignore[operator]
            checks.append(_pair_check(f"X.3[{row}]", _get(current, cur), rhs, (cur, issued, repealed)))
    return checks
