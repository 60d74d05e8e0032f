"""parse_text on the five seed texts against the hand-written expectations, cell by cell."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from govcrawl.stats import parse_text
from govcrawl.stats.schema import APPLY_COLUMNS, FORMATS, HEADLINE_KEYS, REVIEW_KEYS

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = sorted(p.stem for p in (FIXTURES / "seeds").glob("*.txt"))
TABLE_SEEDS = [s for s in SEEDS if not s.startswith("004")]


def expected_for(seed: str) -> dict:
    return json.loads((FIXTURES / "expected" / f"seed_{seed[:3]}.json").read_text(encoding="utf-8"))


_CACHE: dict[str, object] = {}


def _parsed(seed: str):
    if seed not in _CACHE:
        _CACHE[seed] = parse_text((FIXTURES / "seeds" / f"{seed}.txt").read_text(encoding="utf-8"))
    return _CACHE[seed]


def expected_cells(exp: dict) -> dict[str, object]:
    """Every expected cell as key → value (None for a blank, "?" for undetermined)."""
    fmt = FORMATS.get(exp["format"])
    cells: dict[str, object] = {}
    for block_row, vals in exp.get("active", {}).items():
        block_key, row_key = block_row.split(".")
        block = next(b for b in fmt.active if b.key == block_key)
        for (col, _), v in zip(block.columns, vals, strict=True):
            cells[f"active.{block_key}.{row_key}.{col}"] = v
    for row_key, vals in exp.get("apply", {}).items():
        for (col, _), v in zip(APPLY_COLUMNS, vals, strict=True):
            cells[f"apply.{row_key}.{col}"] = v
    for key, v in zip(REVIEW_KEYS, exp.get("review", []), strict=False):
        cells[key] = v
    cells.update(exp.get("legacy", {}))
    return cells


def same_number(got, want) -> bool:
    if want is None:
        return got is None
    return got is not None and Decimal(str(got)) == Decimal(str(want))


@pytest.mark.parametrize("seed", TABLE_SEEDS)
def test_every_expected_cell_matches(seed):
    result = _parsed(seed)
    wrong = {}
    for key, want in expected_cells(expected_for(seed)).items():
        if want == "?":
            continue
        got = result.values.get(key)
        if got is None or got.source != "table" or not same_number(got.value, want):
            wrong[key] = (want, None if got is None else got.value)
    assert not wrong, wrong


def test_seed_001_undetermined_cells_are_left_unassigned():
    result = _parsed(SEEDS[1])
    unknown = [k for k, v in expected_cells(expected_for(SEEDS[1])).items() if v == "?"]
    assert len(unknown) == 35
    for key in unknown:
        assert key not in result.values or result.values[key].value is None, key
    assert any("result.not_processed.petition" in w for w in result.warnings)


@pytest.mark.parametrize("seed", SEEDS)
def test_format_detected(seed):
    assert _parsed(seed).format == expected_for(seed)["format"]


@pytest.mark.parametrize("seed", SEEDS)
def test_has_tables(seed):
    assert _parsed(seed).has_tables is expected_for(seed).get("tables", True)


@pytest.mark.parametrize("seed", [s for s in TABLE_SEEDS if not s.startswith("000")])
def test_headline_totals(seed):
    result = _parsed(seed)
    exp = expected_cells(expected_for(seed))
    for key in HEADLINE_KEYS:
        # HEADLINE_KEYS names the handled total by its row key; its cell is apply.result.total.total.
        cell = "apply.result.total.total" if key == "apply.result.total" else key
        assert same_number(result.values[key].value, exp[cell]), key


@pytest.mark.parametrize("seed", TABLE_SEEDS)
def test_no_check_fails_on_seeds(seed):
    failed = [c for c in _parsed(seed).checks if c.status == "fail"]
    assert not failed, failed


@pytest.mark.parametrize("seed", [s for s in TABLE_SEEDS if not s.startswith("000")])
def test_hard_rule_passes_on_every_column(seed):
    r31 = [c for c in _parsed(seed).checks if c.rule.startswith("R3.1[")]
    assert len(r31) == 7 and all(c.status == "pass" for c in r31)


def test_seed_001_review_rules_pass_and_text_agrees_with_tables():
    checks = {c.rule: c.status for c in _parsed(SEEDS[1]).checks}
    assert checks["R4.1"] == checks["R4.2"] == checks["R4.3"] == "pass"
    assert checks["T.1[apply.new.total]"] == "pass"
    assert checks["T.1[apply.carry_next.total]"] == "pass"


def test_seed_002_units_and_merged_rows():
    result = _parsed(SEEDS[2])
    amount = result.values["active.art20_9.procurement.amount"]
    assert amount.value == 491400 and amount.unit == "万元" and "unit_converted" in amount.flags
    assert "merged" in result.values["apply.new.commercial"].flags
    assert "merged" in result.values["litigation.after_review.total"].flags
    assert result.values["active.art20_6.penalty.items_change"].raw.strip() == "增5"


def test_seed_003_amount_without_unit_is_kept_as_printed():
    amount = _parsed(SEEDS[3]).values["active.art20_9.procurement.amount"]
    assert amount.value == 86244 and amount.unit is None and "unit_converted" not in amount.flags


def test_seed_004_narrative_only_without_invented_zeros():
    result = _parsed(SEEDS[4])
    assert result.format == "narrative" and result.method == "narrative"
    assert result.has_tables is False
    assert set(result.values) == {"apply.new.total"}
    new = result.values["apply.new.total"]
    assert new.value == 233 and new.source == "text" and "from_text" in new.flags
    assert result.checks == []


def test_text_values_never_override_table_values():
    result = _parsed(SEEDS[1])
    assert result.values["apply.new.total"].source == "table"
    assert result.text_values["apply.new.total"].value == 99


def test_to_json_shape():
    data = _parsed(SEEDS[1]).to_json()
    assert {"format", "method", "has_tables", "values", "flags", "checks", "warnings"} <= set(data)
    assert data["values"]["active.art20_8.fees.amount_wan"] == pytest.approx(28600.64)
    json.dumps(data)  # JSON-serialisable
    assert set(data["checks"][0]) == {"rule", "status", "lhs", "rhs", "delta", "keys"}
