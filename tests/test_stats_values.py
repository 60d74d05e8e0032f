"""Value and label normalisation (spec §4.1, §4.2)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from govcrawl.stats.cells import keyed_value
from govcrawl.stats.values import normalise_label, parse_cn_number, parse_value


@pytest.mark.parametrize(
    ("raw", "value", "unit", "flags"),
    [
        ("", None, None, ("blank",)),
        ("\u00a0", None, None, ("blank",)),
        ("0", 0, None, ()),
        ("0件", 0, "件", ()),
        ("0.00", Decimal("0.00"), None, ()),
        ("251000元", 251000, "元", ()),
        ("96171.6", Decimal("96171.6"), None, ()),
        ("1,234", 1234, None, ()),
        ("１２３", 123, None, ()),
        ("-1942", -1942, None, ()),
        ("+43", 43, None, ()),
        ("−8", -8, None, ()),
        ("增5", 5, None, ()),
        ("增加5", 5, None, ()),
        ("减3", -3, None, ()),
        ("减少3", -3, None, ()),
        ("持平", 0, None, ()),
        ("不变", 0, None, ()),
        ("/", 0, None, ("dash",)),
        ("——", 0, None, ("dash",)),
        ("－", 0, None, ("dash",)),
        ("无", 0, None, ("dash",)),
        ("暂无", 0, None, ("dash",)),
        ("不涉及", 0, None, ("dash",)),
    ],
)
def test_parse_value(raw, value, unit, flags):
    cell = parse_value(raw)
    assert cell is not None
    assert (cell.value, cell.unit, cell.flags) == (value, unit, flags)
    assert type(cell.value) is type(value)


@pytest.mark.parametrize("raw", ["规章", "1.属于国家秘密", "总计", "本年增/减", "2021年"])
def test_labels_are_not_values(raw):
    assert parse_value(raw) is None


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("六", 6),
        ("两", 2),
        ("十二", 12),
        ("二十", 20),
        ("一百零三", 103),
        ("两千", 2000),
        ("零", 0),
        ("233", 233),
    ],
)
def test_chinese_numerals(text, n):
    assert parse_cn_number(text) == n


def test_chinese_numeral_rejects_words():
    assert parse_cn_number("若干") is None


@pytest.mark.parametrize(
    ("printed", "normalised"),
    [
        ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "部分公开"),
        ("3.危及“三安全一稳定”", "危及三安全一稳定"),
        ('3、危及"三安全一稳定"', "危及三安全一稳定"),
        ("商业 企业", "商业企业"),
        ("规章(设区的市、自治州人民政府应提供相关数据)", "规章"),
        ("其中：主动公开规范性文件数", "主动公开规范性文件数"),
        ("行政許可", "行政许可"),
    ],
)
def test_normalise_label(printed, normalised):
    assert normalise_label(printed) == normalised


def test_procurement_amount_in_wan_is_normalised_to_yuan():
    v = keyed_value("active.art20_9.procurement.amount", parse_value("49.1400"), "万元")
    assert (v.value, v.unit, v.flags) == (491400, "万元", ("unit_converted",))


def test_procurement_amount_without_unit_kept_as_printed():
    v = keyed_value("active.art20_9.procurement.amount", parse_value("86244"), None)
    assert (v.value, v.unit, v.flags) == (86244, None, ())


def test_procurement_amount_with_yuan_in_cell():
    v = keyed_value("active.art20_9.procurement.amount", parse_value("251000元"), None)
    assert (v.value, v.unit, v.flags) == (251000, "元", ())


def test_fee_amount_in_yuan_is_converted_to_wan():
    v = keyed_value("active.art20_8.fees.amount_wan", parse_value("400元"), "万元")
    assert (v.value, v.unit, v.flags) == (Decimal("0.04"), "元", ("unit_converted",))


def test_rules_dash_is_null_not_zero():
    v = keyed_value("active.art20_1.rules.issued", parse_value("/"))
    assert v.value is None and v.flags == ("dash",)


def test_other_dash_is_zero():
    v = keyed_value("active.art20_5.licensing.decisions", parse_value("—"))
    assert v.value == 0 and v.flags == ("dash",)


def test_unit_hint_does_not_leak_to_count_columns():
    v = keyed_value("active.art20_9.procurement.projects", parse_value("2"), "万元")
    assert v.unit is None
