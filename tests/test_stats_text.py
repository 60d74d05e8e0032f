"""parse_text on pipe text, values-only streams and prose: alignment, blanks, fillers, narrative."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govcrawl.stats import parse_text
from govcrawl.stats.layout import detect_format
from govcrawl.stats.schema import GOV2019, GOV2021, REVIEW_KEYS, Format

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
SEED_001 = next(SEEDS.glob("001_*.txt")).read_text(encoding="utf-8")

# Table 三 rows (gov2021) with values; others are zero.
ROWS = {
    "new": "3 | 1 | 0 | 0 | 0 | 0 | 4",
    "carried_over": "1 | 0 | 0 | 0 | 0 | 0 | 1",
    "result.granted": "2 | 1 | 0 | 0 | 0 | 0 | 3",
    "result.partial": "1 | 0 | 0 | 0 | 0 | 0 | 1",
    "result.total": "3 | 1 | 0 | 0 | 0 | 0 | 4",
    "carry_next": "1 | 0 | 0 | 0 | 0 | 0 | 1",
}


def pipe_report(fmt: Format = GOV2021, rows: dict[str, str] | None = None, empty: bool = False) -> str:
    """A report as pipe text, one table row per line, labels as the form prints them."""
    rows = ROWS if rows is None else rows
    cell = (lambda v: " ") if empty else (lambda v: v)
    lines = ["一、总体情况", "本机关依法公开政府信息。", "二、主动公开政府信息情况"]
    for block in fmt.active:
        lines.append(f"{block.caption} | ||||")
        lines.append("信息内容 | " + " | ".join(c for _, c in block.columns) + " |")
        for _, label in block.rows:
            lines.append(f"{label} | " + " | ".join(cell("0") for _ in block.columns) + " | ||")
    lines += [
        "三、收到和处理政府信息公开申请情况",
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 | ||||||",
        "自然人 | 法人或其他组织 | 总计 | ||||",
        "商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |",
    ]
    previous: tuple[str, ...] = ()
    for row in fmt.apply_rows:
        labels = [lab for n, lab in enumerate(row.labels) if n >= len(previous) or previous[n] != lab]
        values = rows.get(row.key, " | ".join(["0"] * 7))
        if empty:
            values = " | ".join([" "] * 7)
        lines.append(" | ".join(labels) + " | " + values + " |")
        previous = row.labels
    lines += [
        "四、政府信息公开行政复议、行政诉讼情况",
        "行政复议 | 行政诉讼 | ||||||||||||",
        "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉 | ||||||||",
        "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |",
        " | ".join(" " if empty else "0" for _ in range(15)) + " |",
        "五、存在的主要问题及改进情况",
        "无。",
    ]
    return "\n".join(lines)


def table_values(result, prefix: str) -> dict:
    return {k: v for k, v in result.values.items() if k.startswith(prefix) and v.source == "table"}


def test_pipe_rows_read_in_column_order():
    result = parse_text(pipe_report())
    assert result.method == "pipe" and result.format == "gov2021"
    assert [result.values[f"apply.new.{c}"].value for c in ("natural_person", "commercial", "total")] == [
        3,
        1,
        4,
    ]
    assert len(table_values(result, "apply.")) >= 175
    assert all(c.status == "pass" for c in result.checks)


def test_pipe_text_on_one_line_reads_the_same():
    lines = pipe_report().split("\n")
    one_line = "\n".join(lines[:2] + [" ".join(lines[2:-2])] + lines[-2:])
    a, b = parse_text(pipe_report()), parse_text(one_line)
    assert len(table_values(b, "apply.")) >= 175
    assert {k: v.value for k, v in a.values.items()} == {k: v.value for k, v in b.values.items()}


def test_colspan_fillers_are_not_blank_values():
    result = parse_text(pipe_report())
    assert result.values["active.art20_5.licensing.decisions"].value == 0
    assert "blank" not in result.values["active.art20_5.licensing.decisions"].flags
    assert not result.warnings


def test_leading_blanks_then_total_are_six_blanks_and_a_total():
    rows = dict(
        ROWS,
        new=" |  |  |  |  |  | 0",
        carried_over=" |  |  |  |  |  | 0",
        carry_next="0 | 0 | 0 | 0 | 0 | 0 | 0",
    )
    rows["result.granted"] = rows["result.partial"] = rows["result.total"] = " | ".join(["0"] * 7)
    result = parse_text(pipe_report(rows=rows))
    new = [result.values[f"apply.new.{c}"] for c in ("natural_person", "commercial", "research")]
    assert all(v.value is None and "blank" in v.flags for v in new)
    assert result.values["apply.new.total"].value == 0
    assert next(c for c in result.checks if c.rule == "R3.3[new]").status == "pass"


def test_row_missing_a_value_is_left_unassigned_not_shifted():
    rows = dict(ROWS, **{"result.granted": "2 | 1 | 0 | 0 | 0 | 3"})
    result = parse_text(pipe_report(rows=rows))
    assert not any(k.startswith("apply.result.granted.") for k in result.values)
    assert result.values["apply.result.partial.natural_person"].value == 1
    assert any("予以公开" in w and "6 value cells" in w for w in result.warnings)


def test_row_with_an_extra_value_is_left_unassigned():
    rows = dict(ROWS, **{"result.partial": "1 | 0 | 0 | 0 | 0 | 0 | 1 | 9"})
    result = parse_text(pipe_report(rows=rows))
    assert not any(k.startswith("apply.result.partial.") for k in result.values)
    assert result.values["apply.result.granted.total"].value == 3


def test_empty_template_is_null_not_zero():
    result = parse_text(pipe_report(GOV2019, empty=True).replace("一、总体情况", "2022年度报告 一、总体情况"))
    assert result.format == "gov2019" and result.has_tables
    cells = table_values(result, "apply.") | table_values(result, "review.")
    assert cells and all(v.value is None and "template_empty" in v.flags for v in cells.values())


def test_headers_beat_the_year():
    text = "2022年政府信息公开工作年度报告\n" + pipe_report(GOV2019)
    assert detect_format(text) == "gov2019"


def test_gov2019_pipe_text_reads_procurement_block():
    result = parse_text(pipe_report(GOV2019))
    assert result.format == "gov2019"
    assert result.values["active.art20_9.procurement.amount"].value == 0
    assert set(GOV2019.apply_keys()) <= set(table_values(result, "apply."))
    assert len(GOV2019.apply_keys()) == 161


# --- values-only streams (seed 001 and mutations of it) ---------------------------------------


def test_stream_missing_number_leaves_table_three_unassigned():
    text = SEED_001.replace("(七)总计 77 16 0 0 0 0 93", "(七)总计 77 16 0 0 0 93")
    result = parse_text(text)
    assert not table_values(result, "apply.")
    assert any("174 numbers where 175" in w for w in result.warnings)
    assert result.values["active.art20_5.licensing.decisions"].value == 111023
    assert result.values["review.total"].value == 0


def test_stream_extra_number_leaves_table_four_unassigned():
    text = SEED_001.replace("审结 计 0 0 0 0 0 复议后起诉", "审结 计 0 0 0 0 0 7 复议后起诉")
    result = parse_text(text)
    assert not any(result.values.get(k) and result.values[k].source == "table" for k in REVIEW_KEYS)
    assert any("16 numbers where 15" in w for w in result.warnings)
    assert result.values["apply.new.total"].value == 99


def test_stream_block_count_mismatch_leaves_only_that_block_unassigned():
    text = SEED_001.replace("0 0 0 7 1 17", "0 0 7 1 17")
    result = parse_text(text)
    assert not any(k.startswith("active.art20_1.") for k in result.values)
    assert result.values["active.art20_6.coercion.decisions"].value == 2948
    assert any("第二十条第（一）项" in w for w in result.warnings)


def test_stream_alignment_not_confirmed_by_hard_rule_is_rejected():
    text = SEED_001.replace("申请数量 83 16 0 0 0 0 99", "申请数量 16 83 0 0 0 0 99")
    result = parse_text(text)
    assert not table_values(result, "apply.")
    assert any("R3.1" in w for w in result.warnings)


def test_stream_page_furniture_and_enumerators_are_not_values():
    result = parse_text(SEED_001)
    # "— 14 —" sits inside table 三 and "1.属于" style enumerators precede values.
    assert result.values["apply.result.denied.admin_query.natural_person"].value == 1
    assert result.method == "values_only"


# --- narrative ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "key", "value"),
    [
        ("全年共收到政府信息公开申请六件，均已按时答复。", "apply.new.total", 6),
        ("本年度新收政府信息公开申请十二件。", "apply.new.total", 12),
        ("上年结转政府信息公开申请2件。", "apply.carried_over.total", 2),
        ("结转下年度继续办理3件。", "apply.carry_next.total", 3),
        ("本年度未收到政府信息公开申请。", "apply.new.total", 0),
        ("未发生因政府信息公开引起的行政复议、行政诉讼。", "review.total", 0),
        ("未发生因政府信息公开引起的行政复议、行政诉讼。", "litigation.total", 0),
    ],
)
def test_narrative_numbers(sentence, key, value):
    result = parse_text(sentence)
    v = result.values[key]
    assert (v.value, v.source) == (value, "text") and "from_text" in v.flags
    assert result.format == "narrative" and not result.has_tables


def test_narrative_carried_to_next_year_is_not_carried_over():
    result = parse_text("2021年结转下年度继续办理3件。")
    assert "apply.carried_over.total" not in result.values
    assert result.values["apply.carry_next.total"].value == 3


def test_narrative_sub_counts_are_not_totals():
    result = parse_text("全区共收到政府信息公开申请99件，其中区政府办公室共收到政府信息公开申请29件。")
    assert result.values["apply.new.total"].value == 99


def test_narrative_says_nothing_about_appeals_gives_no_zeros():
    result = parse_text("2018年，全区共受理依申请政府信息公开233件，办结率100%。")
    assert set(result.values) == {"apply.new.total"}


def test_no_statistics_at_all():
    result = parse_text("本机关认真做好政务公开工作。")
    assert (result.format, result.method, result.has_tables, result.values) == (None, None, False, {})


def test_text_disagreeing_with_table_fails_t1_and_does_not_override():
    text = pipe_report().replace("本机关依法公开政府信息。", "本年共收到政府信息公开申请5件。")
    result = parse_text(text)
    assert result.values["apply.new.total"].value == 4
    t1 = next(c for c in result.checks if c.rule == "T.1[apply.new.total]")
    assert (t1.status, t1.lhs, t1.rhs) == ("fail", 5, 4)


def test_legacy_table_without_cell_separators():
    seed = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    unpiped = "\n".join(line.replace(" |", "").replace("|", "") for line in seed.splitlines())
    result = parse_text(unpiped)
    assert (result.format, result.method) == ("legacy2014", "values_only")
    expected = json.loads((SEEDS.parent / "expected" / "seed_000.json").read_text(encoding="utf-8"))["legacy"]
    assert {k: result.values[k].value for k in expected if k in result.values} == expected
    assert all(c.status == "pass" for c in result.checks)


GOV2019_ACTIVE_STREAM = (
    "二、主动公开政府信息情况 第二十条第(一)项 信息内容 本年新制作数量 本年新公开数量 对外公开总数量 "
    "规章 0 0 0 规范性文件 1 2 3 第二十条第(五)项 信息内容 上一年项目数量(指2019年事项数) "
    "本年增/减(减用负值表示,如-8) 处理决定数量 行政许可 8249 -1942 6307 其他对外管理服务事项 0 0 0 "
    "第二十条第(六)项 信息内容 上一年项目数量 本年增/减 处理决定数量 行政处罚 9 +43 52 行政强制 0 增5 0 "
    "第二十条第(八)项 信息内容 上一年项目数量 本年增/减 行政事业性收费 3 减1 "
    "第二十条第(九)项 信息内容 采购项目数量 采购总金额(单位:元) 政府集中采购 2 251000 "
    "三、收到和处理政府信息公开申请情况"
)


def test_values_only_gov2019_active_table_with_signed_changes():
    result = parse_text(GOV2019_ACTIVE_STREAM)
    v = {k: x.value for k, x in result.values.items()}
    assert (result.format, result.method) == ("gov2019", "values_only")
    assert v["active.art20_5.licensing.items_change"] == -1942
    assert v["active.art20_6.penalty.items_change"] == 43
    assert v["active.art20_6.coercion.items_change"] == 5
    assert v["active.art20_8.fees.items_change"] == -1
    amount = result.values["active.art20_9.procurement.amount"]
    assert (amount.value, amount.unit) == (251000, "元")


def test_misread_previous_year_count_is_flagged():
    checks = {c.rule: c.status for c in parse_text(GOV2019_ACTIVE_STREAM).checks}
    assert checks["R2.3[art20_5.licensing]"] == "fail"
    assert checks["R2.2[art20_5.licensing]"] == "pass"
    assert checks["R2.1[normative]"] == "pass"


def test_narrative_total_statement_wins_over_an_earlier_partial_one():
    result = parse_text("区政府办公室收到政府信息公开申请5件。全区共收到政府信息公开申请99件。")
    assert result.values["apply.new.total"].value == 99


@pytest.mark.parametrize(
    ("sentence", "key", "value"),
    [
        ("2025年全市实际收取信息处理费共计400元。", "other.info_fee.collected_amount_yuan", 400),
        ("本年度未收取信息处理费。", "other.info_fee.collected_amount_yuan", 0),
        ("全年发出收费通知3件，涉及金额600元。", "other.info_fee.notices_count", 3),
        ("全年发出收费通知3件，涉及金额600元。", "other.info_fee.notices_amount_yuan", 600),
        ("政府集中采购项目2个，采购总金额为12.5万元。", "active.art20_9.procurement.amount", 125000),
    ],
)
def test_narrative_amounts_in_yuan(sentence, key, value):
    v = parse_text(sentence).values[key]
    assert (v.value, v.source) == (value, "text") and "from_text" in v.flags


def test_narrative_wan_amount_is_flagged_converted():
    v = parse_text("采购总金额为12.5万元。").values["active.art20_9.procurement.amount"]
    assert (v.unit, "unit_converted" in v.flags) == ("万元", True)


def test_a_dash_cell_next_to_the_review_heading_is_not_a_negative_statement():
    text = pipe_report().replace("行政强制 | 0 |", "行政强制 | 无 |")
    assert "review.total" not in parse_text(text).text_values


def test_misreading_rule_ignores_zero_and_unchanged_small_rows():
    stream = GOV2019_ACTIVE_STREAM.replace("行政许可 8249 -1942 6307", "行政许可 0 0 0").replace(
        "行政处罚 9 +43 52", "行政处罚 12 0 12"
    )
    checks = {c.rule: c.status for c in parse_text(stream).checks}
    assert checks["R2.3[art20_5.licensing]"] == "pass"
    assert checks["R2.3[art20_6.penalty]"] == "pass"


def test_small_misread_row_with_a_change_is_flagged():
    checks = {c.rule: c.status for c in parse_text(GOV2019_ACTIVE_STREAM).checks}
    assert checks["R2.3[art20_6.penalty]"] == "fail"  # 9 +43 = 52
