"""strip_boilerplate: page furniture goes, report text and tables stay."""

from __future__ import annotations

import pytest

from govcrawl.clean import is_page_number_line, remove_inline_page_numbers, strip_boilerplate
from govcrawl.document import Block, Document, Table

REPORT_LINE = "2023年，本机关主动公开政府信息1234条，其中主办单位网站发布567条。"


@pytest.mark.parametrize(
    "line",
    [
        "主办单位：某某县人民政府办公室 承办单位：某某县大数据中心",
        "网站标识码：5301220001 滇ICP备05001234号",
        "滇公网安备 53012202000123号",
        "当前位置：首页 > 政务公开 > 年度报告",
        "您现在的位置：首页 > 信息公开",
        "【打印本页】【关闭窗口】",
        "分享到：微信 微博",
        "字体：[大 中 小]",
        "发布时间：2024-01-20 来源：县政府办 浏览次数：123",
        "来源: 港闸区人民政府 发布时间:2019-03-06 累计次数: 字体:[ ]",
        "- 1 -",
        "—1—",
        "— 14 —",
        "第 3 页 共 19 页",
    ],
)
def test_furniture_line_is_removed(line):
    doc = Document(blocks=[Block("paragraph", line), Block("paragraph", REPORT_LINE)])
    assert [b.text for b in strip_boilerplate(doc).blocks] == [REPORT_LINE]


def test_long_report_sentence_mentioning_furniture_words_is_kept():
    line = "本机关网站" + "主办单位与承办单位职责明确，" * 10 + "发布时间：2023年，来源：本机关。"
    doc = Document(blocks=[Block("paragraph", line)])
    assert strip_boilerplate(doc).blocks[0].text == line


def test_tables_are_untouched():
    table = Table.from_rows([["当前位置：首页", "- 1 -"], ["主办单位", "3"]])
    doc = Document(blocks=[Block("table", table=table)])
    assert strip_boilerplate(doc).blocks[0].table is table


def test_input_document_is_not_modified():
    doc = Document(blocks=[Block("paragraph", "— 2 —"), Block("paragraph", REPORT_LINE)], meta={"a": "b"})
    cleaned = strip_boilerplate(doc)
    assert len(doc.blocks) == 2 and cleaned.meta == doc.meta and cleaned.meta is not doc.meta


def test_inline_page_numbers_in_flowed_text():
    line = "加大政务公开力度, —1— 提高政府信息公开水平 — 10 — 动设备获取电子版信息"
    assert remove_inline_page_numbers(line) == "加大政务公开力度, 提高政府信息公开水平 动设备获取电子版信息"


def test_numbers_with_dashes_in_text_are_not_page_numbers():
    line = "电 话:0871—67893363,每年组织2-3次检查,时间 2023-12-31"
    assert remove_inline_page_numbers(line) == line
    assert not is_page_number_line("2023-12-31")
    assert not is_page_number_line("12345")
