"""Plain-text decoding and blocks."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from govcrawl.extract import ExtractionError, extract, sniff_format
from govcrawl.extract.mojibake import common_share, repair_mojibake
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


# ---------------------------------------------------------------- mojibake

SEED = next((Path(__file__).parent / "fixtures" / "seeds").glob("004_*.txt")).read_text(encoding="utf-8")


def test_plain_chinese_is_no_mojibake():
    assert repair_mojibake(SEED) == (SEED, [])


def test_utf8_read_as_latin1_is_undone():
    garbled = SEED.encode("utf-8").decode("latin-1")
    text, warnings = repair_mojibake(garbled)
    assert text == SEED
    assert warnings == ["mojibake repaired: UTF-8 text had been read as Latin-1"]


def test_utf8_read_as_gbk_is_undone_but_for_the_lost_characters():
    garbled = SEED.encode("utf-8").decode("gb18030", errors="replace")
    assert common_share(garbled) < 0.2
    text, warnings = repair_mojibake(garbled)
    assert common_share(text) > 0.99
    assert "全区共受理依申请政府信息公开233" in text  # the character before "," is lost for good
    assert warnings[0].startswith("mojibake repaired: UTF-8 text had been read as GBK")


def test_mojibake_only_in_the_body_is_undone_there():
    chrome = "当前位置：首页 > 政务公开 > 年度报告\n"
    text, _ = repair_mojibake(chrome + SEED.encode("utf-8").decode("latin-1"))
    assert text == chrome + SEED


def test_lost_characters_are_an_error():
    with pytest.raises(ExtractionError) as err:
        repair_mojibake("2019年政府信息公开年度报告\n" + "锟斤拷" * 40 + "共受理申请233件。")
    assert err.value.kind == "mojibake"


def test_utf8_body_declared_gbk_is_read_as_utf8():
    text, encoding, warnings = decode_text(SEED.encode("utf-8"), "gbk")
    assert (text, encoding) == (SEED, "utf-8")
    assert warnings == ["declared charset 'gbk' ignored: the bytes are UTF-8"]


def test_html_after_a_long_preamble_is_sniffed():
    body = b"\n" * 3000 + "<html><body><div id='zoom'><p>年报正文</p></div></body></html>".encode()
    assert sniff_format(body, "application/octet-stream") == "html"
