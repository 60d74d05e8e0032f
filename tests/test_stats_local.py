"""legacy_local (spec §3.2): local 统计表 forms kept as triples, with the common subset of keys.

Fixtures follow the forms the spec describes: 定西 (代码, 本期实际/本年累计) as HTML, 莆田 (2009年度/
历年累计) as pipe text, and a six-channel list (电子邮件/网上/其他形式) as PDF-style spaced columns.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from govcrawl.extract import extract  # noqa: E402
from govcrawl.stats import parse_document, parse_text  # noqa: E402
from govcrawl.stats.layout import detect_format  # noqa: E402
from govcrawl.stats.schema import LEGACY_LOCAL_KEYS  # noqa: E402

STATS = Path(__file__).parent / "fixtures" / "stats"
PUTIAN = (STATS / "local_putian.txt").read_text(encoding="utf-8")
CHANNELS = (STATS / "local_channels.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def dingxi():
    data = (STATS / "local_dingxi.html").read_bytes()
    return parse_document(
        extract(data, url="http://127.0.0.1/dx.html", content_type="text/html; charset=utf-8")
    )


def table_values(result) -> dict:
    return {k: v.value for k, v in result.values.items() if v.source == "table"}


def test_dingxi_form_is_legacy_local_from_its_grid(dingxi):
    assert (dingxi.format, dingxi.method, dingxi.has_tables) == ("legacy_local", "grid", True)


def test_dingxi_common_keys_come_from_the_year_column(dingxi):
    # 本年累计 is the year's figure; 本期实际 is the last quarter only.
    assert table_values(dingxi) == {
        "legacy.active.total": 1206,
        "legacy.apply.received": 11,
        "legacy.apply.received.in_person": 4,
        "legacy.apply.received.fax": 0,
        "legacy.apply.received.email": 3,
        "legacy.apply.received.online": 3,
        "legacy.apply.received.letter": 1,
        "legacy.apply.received.other": 0,
        "legacy.apply.answered": 11,
        "legacy.apply.answered.granted": 8,
        "legacy.apply.answered.partial": 1,
        "legacy.apply.answered.denied": 2,
        "legacy.review.total": 0,
        "legacy.litigation.total": 0,
        "legacy.fees_wan": Decimal("0.012"),
    }


def test_dingxi_fee_in_yuan_is_converted_to_wan(dingxi):
    fee = dingxi.values["legacy.fees_wan"]
    assert (fee.value, fee.unit, fee.raw) == (Decimal("0.012"), "元", "120")
    assert "unit_converted" in fee.flags


def test_dingxi_every_value_cell_is_a_triple(dingxi):
    # 22 data rows × 2 value columns; a blank cell is kept too, as null.
    assert len(dingxi.triples) == 44
    by = {(t.label, t.column): t for t in dingxi.triples}
    assert (by["行政申诉数", "本期实际"].value, by["行政申诉数", "本期实际"].flags) == (None, ("blank",))
    assert by["其中：全文电子化的主动公开信息数", "本期实际"].value == 298
    assert by["“免予公开范围1”数", "本年累计"].unit == "件"
    assert by["网站专栏页面访问量", "本年累计"].value == 20417
    assert all(t.section == "legacy_local" for t in dingxi.triples)


def test_dingxi_channels_add_up(dingxi):
    check = next(c for c in dingxi.checks if c.rule == "L.1")
    assert (check.status, check.lhs, check.rhs) == ("pass", 11, 11)
    assert len(check.keys) == 7


def test_putian_uses_the_year_column_never_all_years():
    result = parse_text(PUTIAN)
    assert (result.format, result.method) == ("legacy_local", "pipe")
    values = table_values(result)
    assert values["legacy.active.total"] == 856  # not 2,311 (历年累计)
    assert values["legacy.apply.received"] == 7
    assert values["legacy.apply.received.other"] == 0
    assert values["legacy.fees_wan"] == 0
    assert set(values) <= set(LEGACY_LOCAL_KEYS)


def test_putian_heading_rows_are_not_triples():
    result = parse_text(PUTIAN)
    assert not [t for t in result.triples if "主动公开情况" in t.label]
    assert {t.column for t in result.triples} == {"2009年度", "历年累计"}
    assert len(result.triples) == 34


def test_channel_list_in_spaced_columns():
    result = parse_text(CHANNELS)
    assert (result.format, result.method) == ("legacy_local", "columns")
    values = table_values(result)
    assert values["legacy.apply.received"] == 12
    assert values["legacy.apply.received.email"] == 4
    assert values["legacy.review.total"] == 1
    assert [c.status for c in result.checks if c.rule == "L.1"] == ["pass"]
    assert ("行政申诉数", "统计数", 0) in {(t.label, t.column, t.value) for t in result.triples}


def test_shifted_row_is_left_unassigned_with_a_warning():
    text = PUTIAN.replace("4.网上申请 | 件 | 3 | 6 |", "4.网上申请 | 3 | 6 | 件 |")
    result = parse_text(text)
    assert "legacy.apply.received.online" not in result.values
    assert not [t for t in result.triples if "网上申请" in t.label]
    assert any("网上申请" in w and "do not line up" in w for w in result.warnings)
    assert result.values["legacy.apply.received.letter"].value == 1


def test_local_signatures_beat_the_national_table():
    assert detect_format(PUTIAN) == "legacy_local"
    assert detect_format(
        "统计指标 | 单位 | 统计数\n收到申请数 | 件 | 3\n当面申请数 | 件 | 1\n申请办结数 | 件 | 3"
    ) == ("legacy2014")


def test_prose_mentioning_channels_without_a_table_is_narrative():
    result = parse_text("本年度共收到政府信息公开申请5件，其中网上申请3件，电子邮件申请2件。")
    assert (result.format, result.has_tables) == ("narrative", False)
    assert result.values["apply.new.total"].value == 5


def test_triples_in_json():
    data = parse_text(CHANNELS).to_json()
    assert data["triples"][0] == {
        "section": "legacy_local",
        "label": "收到申请总数",
        "unit": "件",
        "column": "统计数",
        "value": 12,
        "raw": "12",
        "flags": [],
    }
