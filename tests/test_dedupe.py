"""Content hashing: copies of one report hash the same, a changed number does not."""

from __future__ import annotations

from pathlib import Path

import opencc
import pytest

from govcrawl.dedupe import content_hash, normalize_text, simplified_form

SEED = Path(__file__).parent / "fixtures" / "seeds" / "000_b2c66e4d5183af3e.txt"


@pytest.fixture(scope="module")
def body() -> str:
    return SEED.read_text(encoding="utf-8")


def test_hash_is_sha256_hex(body: str) -> None:
    h = content_hash(body)
    assert len(h) == 64
    assert int(h, 16) >= 0


def test_whitespace_and_line_breaks_do_not_matter(body: str) -> None:
    reflowed = "\n\n".join("  " + line.replace("，", "， ") + " \t" for line in body.splitlines())
    assert content_hash(reflowed) == content_hash(body)


def test_full_width_forms_do_not_matter() -> None:
    assert content_hash("共受理申请１２件（含网上申请）") == content_hash("共受理申请12件(含网上申请)")


def test_dash_and_quote_styles_do_not_matter() -> None:
    a = "电话：0871—67893363，“政府信息公开年度报告”专栏"
    b = '电话:0871-67893363,"政府信息公开年度报告"专栏'
    assert content_hash(a) == content_hash(b)


@pytest.mark.parametrize("furniture", ["—1—", "- 1 -", "-12-", "第 3 页", "第3页 共19页", "3/19"])
def test_page_number_lines_are_dropped(furniture: str) -> None:
    assert normalize_text(f"一、总体情况\n{furniture}\n二、主动公开") == "一、总体情况二、主动公开"


def test_page_number_inside_a_line_is_dropped() -> None:
    assert normalize_text("改进措施 - 4 - 二、主动公开") == "改进措施二、主动公开"


def test_bare_number_lines_are_kept() -> None:
    # One table cell per line: a lone number is data, not a page number.
    assert normalize_text("行政许可\n0\n12") == "行政许可012"


def test_invisible_characters_do_not_matter() -> None:
    assert content_hash("政府\u200b信息\ufeff公开\u00a0年报") == content_hash("政府信息公开年报")


def test_same_body_in_different_chrome_whitespace_hashes_the_same(body: str) -> None:
    # A second fetch: CRLF line ends, paragraphs indented with ideographic spaces, page numbers.
    lines = body.splitlines()
    paged = lines[:40] + ["— 2 —"] + lines[40:]
    second = "\r\n".join("\u3000\u3000" + line for line in paged)
    assert content_hash(second) == content_hash(body)


def test_one_changed_number_changes_the_hash(body: str) -> None:
    assert "2018年1月1日" in body
    assert content_hash(body.replace("2018年1月1日", "2018年1月2日", 1)) != content_hash(body)


def test_digits_are_never_dropped() -> None:
    assert normalize_text("本年新收 | 5 | 0 | 12 |") == "本年新收|5|0|12|"


def test_traditional_mirror_hashes_as_its_original() -> None:
    # Every seed, as a spam mirror would convert it (OpenCC s2t); seed 001 has 复函, which s2t
    # turns into 覆函 and t2s does not turn back.
    s2t = opencc.OpenCC("s2t")
    for seed in sorted(SEED.parent.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        mirror = s2t.convert(text)
        assert mirror != text
        assert content_hash(mirror) == content_hash(text), seed.name


def test_simplified_text_is_its_own_simplified_form(body: str) -> None:
    assert simplified_form(body) == body


def test_traditional_characters_are_not_dropped() -> None:
    assert normalize_text("政府信息公開") == "政府信息公开"
