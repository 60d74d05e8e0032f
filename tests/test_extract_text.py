"""Plain-text decoding and blocks."""

from __future__ import annotations

import codecs

from govcrawl.extract import extract
from govcrawl.extract.text import decode_text

REPORT = "某某县2023年政府信息公开工作年度报告\n\n一、总体情况\n全年主动公开信息1234条。\n"


def test_utf8_lines_become_blocks():
    doc = extract(REPORT.encode("utf-8"))
    assert [b.text for b in doc.blocks] == [
        "某某县2023年政府信息公开工作年度报告",
        "一、总体情况",
        "全年主动公开信息1234条。",
    ]
    assert doc.source_format == "txt"
    assert doc.title == "某某县2023年政府信息公开工作年度报告"


def test_gbk_text_decodes_as_gb18030():
    assert extract(REPORT.encode("gbk")).text == extract(REPORT.encode("utf-8")).text


def test_utf16_with_bom():
    assert (
        extract(codecs.BOM_UTF16_LE + REPORT.encode("utf-16-le")).blocks[2].text == "全年主动公开信息1234条。"
    )


def test_utf8_bom_is_not_text():
    assert extract(codecs.BOM_UTF8 + REPORT.encode("utf-8")).blocks[0].text.startswith("某某县")


def test_utf8_with_one_cut_character_stays_utf8():
    body = REPORT.encode("utf-8") * 20 + "年".encode()[:2]
    text, enc, warnings = decode_text(body)
    assert enc == "utf-8" and text.startswith("某某县") and warnings == ["invalid UTF-8 bytes replaced"]
