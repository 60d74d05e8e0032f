"""Cross-year rules (spec §1.4 X.1, X.2; §2.4 X.3) between two parsed reports of one agency."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from govcrawl.stats import cross_year_checks, parse_text

DEVIATIONS = Path(__file__).parent / "fixtures" / "stats" / "deviations"
Y2021 = (DEVIATIONS / "d02_normative_renamed.txt").read_text(encoding="utf-8")
Y2020 = (DEVIATIONS / "d14_signed_changes.txt").read_text(encoding="utf-8")


def statuses(previous: str, current: str) -> dict:
    return {c.rule: c for c in cross_year_checks(parse_text(previous).values, parse_text(current).values)}


def test_carried_over_matches_last_years_carry_next():
    checks = statuses(Y2021, Y2021)
    assert checks["X.1[total]"].status == "pass" and len([r for r in checks if r.startswith("X.1")]) == 7


def test_carried_over_mismatch_fails_with_both_sides():
    current = Y2021.replace(
        "二、上年结转政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |",
        "二、上年结转政府信息公开申请数量 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |",
    )
    check = statuses(Y2021, current)["X.1[total]"]
    assert (check.status, check.lhs, check.rhs, check.delta) == ("fail", 3, 1, Decimal(2))


def test_rule_holds_across_the_2020_to_2021_format_change():
    checks = statuses(Y2020, Y2021)
    assert checks["X.1[natural_person]"].status == "pass"
    assert not any(r.startswith(("X.2", "X.3")) for r in checks)  # item counts and 现行有效 differ in meaning


def test_item_counts_follow_last_years_change():
    current = Y2020.replace("行政许可 | 36 | -2 | 411 |", "行政许可 | 34 | 0 | 400 |")
    checks = statuses(Y2020, current)
    assert checks["X.2[art20_5.licensing]"].status == "pass"  # 36 + (−2) = 34
    assert checks["X.2[art20_6.penalty]"].status == "fail"  # 18 + (−8) ≠ 18


def test_in_force_documents_follow_issued_and_repealed():
    current = Y2021.replace("规范性文件 | 3 | 1 | 25 |", "规范性文件 | 4 | 2 | 27 |")
    checks = statuses(Y2021, current)
    assert checks["X.3[normative]"].status == "pass"  # 25 + 4 − 2
    assert checks["X.3[rules]"].status == "pass"
