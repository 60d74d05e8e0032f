"""The five seed texts through text extraction, aggregator unwrapping and strip_boilerplate;
the replica renderings of each seed (HTML, DOCX, PDF, DOC) extracting to the same content."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from fixtures.documents import make_fixtures as mf
from govcrawl.clean import strip_boilerplate
from govcrawl.extract import extract, extract_file
from replica.render import render_many

SEED_DIR = Path(__file__).parent / "fixtures" / "seeds"
SEEDS = ("000", "001", "002", "003", "004")


def _seed(n: str) -> Path:
    (path,) = SEED_DIR.glob(f"{n}_*.txt")
    return path


@pytest.fixture(scope="module")
def seed001():
    return strip_boilerplate(extract_file(_seed("001")))


def test_seed001_is_an_aggregator_copy(seed001):
    assert seed001.aggregator_copy
    assert seed001.title == "济宁市任城区人民政府2021年政府信息公开工作年度报告"


def test_seed001_wrapper_lines_are_gone(seed001):
    text = seed001.text
    for wrapper in (
        "DOC文库",
        "千万精品文档",
        "下载文档",
        "下载后继续阅读",
        "当前文档共",
        ".docx",
        "相关文章",
    ):
        assert wrapper not in text


def test_seed001_body_is_kept_without_page_numbers(seed001):
    text = seed001.text
    assert text.startswith("济宁市任城区人民政府 2021 年政府信息公开工作年度报告 本报告由")
    assert text.endswith("予以报告的事项 无。")
    assert "加大政务公开力度, 提高政府信息公开水平" in text
    assert not re.search(r"[—-] ?\d{1,2} ?[—-]", text)


@pytest.mark.parametrize("n", ["000", "002", "003", "004"])
def test_other_seeds_are_no_aggregator_copies(n):
    assert not extract_file(_seed(n)).aggregator_copy


@pytest.mark.parametrize("n", ["000", "002", "003"])
def test_report_seeds_lose_no_line_to_cleaning(n):
    doc = extract_file(_seed(n))
    assert strip_boilerplate(doc).text == doc.text


def test_seed004_info_line_is_removed_and_title_kept():
    doc = strip_boilerplate(extract_file(_seed("004")))
    assert doc.title == "2018年港闸区政府信息公开工作年度报告"
    assert doc.blocks[0].text == doc.title
    assert "累计次数" not in doc.text and "字体" not in doc.text


def test_seed000_title_is_its_first_line():
    assert extract_file(_seed("000")).title == "昆明市晋宁区2018年政府信息公开工作年度报告"


def test_seed002_section_heading_is_no_title():
    assert extract_file(_seed("002")).title is None


# ---------------------------------------------------------------- replica renderings


@pytest.fixture(scope="module")
def renderings():
    rendered = render_many([(s, f) for s in SEEDS for f in ("html", "docx", "pdf", "doc")])
    docs = {key: extract(body) for key, body in rendered.items()}
    for s in SEEDS:
        page = f'<html><body><div class="nav">首页</div><div class="TRS_Editor">{rendered[s, "html"].decode()}</div>'
        docs[s, "page"] = extract(page.encode() + b"</body></html>")
    return docs


def _body(doc) -> str:
    return re.sub(r"\s+", "", "".join(b.text for b in doc.blocks if b.kind != "table"))


def _grids(doc) -> list[list[list[str]]]:
    # PDF loses the space where a cell's text wrapped; compare cell texts without whitespace.
    return [[[re.sub(r"\s+", "", c) for c in row] for row in t.texts()] for t in doc.tables]


@pytest.mark.parametrize("fmt", ["html", "page", "pdf", "doc"])
@pytest.mark.parametrize("seed", SEEDS)
def test_rendering_has_the_docx_tables(renderings, seed, fmt):
    assert _grids(renderings[seed, fmt]) == _grids(renderings[seed, "docx"])


@pytest.mark.parametrize("fmt", ["html", "page", "pdf", "doc"])
@pytest.mark.parametrize("seed", SEEDS)
def test_rendering_has_the_docx_body_text(renderings, seed, fmt):
    a, b = _body(renderings[seed, "docx"]), _body(renderings[seed, fmt])
    assert difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.99


CHROME_WORDS = (
    "当前位置",
    "主办单位：",
    "承办单位：",
    "网站标识码",
    "ICP备",
    "公网安备",
    "分享到",
    "打印本页",
    "关闭窗口",
    "无障碍",
)


@pytest.mark.parametrize("seed", SEEDS)
def test_rendering_in_full_chrome_keeps_no_boilerplate(renderings, seed):
    body = render_many([(seed, "html")])[seed, "html"].decode()
    page = f"""<html><head><meta charset="utf-8"><title>年报_某某县人民政府</title></head><body>
{mf._CHROME_HEAD}<div class="TRS_Editor">{body}</div>{mf._CHROME_FOOT}</body></html>"""
    doc = strip_boilerplate(extract(page.encode()))
    assert not [w for w in CHROME_WORDS if w in doc.text]
    a, b = _body(renderings[seed, "docx"]), _body(doc)
    assert difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.99
    assert _grids(doc) == _grids(renderings[seed, "docx"])
