"""HTML extraction on government-style pages built by tests/fixtures/documents/make_fixtures.py."""

from __future__ import annotations

from lxml import html as lxml_html

from fixtures.documents import make_fixtures as mf
from govcrawl.clean import strip_boilerplate
from govcrawl.extract import extract
from govcrawl.extract.html import clean_title, html_table_to_grid

URL = "http://www.example.gov.cn/zwgk/ndbg/202401/t20240120_1.html"


def test_gov_page_body_is_the_trs_editor_only():
    doc = extract(mf.gov_page_html(), url=URL)
    text = doc.text
    assert mf.PARAGRAPHS[0] in text
    for chrome in ("当前位置", "浏览次数", "分享到", "主办单位", "网站标识码", "信息公开目录"):
        assert chrome not in text


def test_gov_page_table_keeps_spans():
    doc = extract(mf.gov_page_html(), url=URL)
    (table,) = doc.tables
    assert table.texts() == mf.apply_grid_texts()
    corner = table.grid[0][0]
    assert (corner.rowspan, corner.colspan) == (2, 3)
    assert all(table.grid[i][j] is corner for i in range(2) for j in range(3))


def test_gov_page_table_sits_between_its_paragraphs():
    kinds = [(b.kind, b.text) for b in extract(mf.gov_page_html(), url=URL).blocks]
    k = kinds.index(("table", ""))
    assert kinds[k - 1][1] == "三、收到和处理政府信息公开申请情况"
    assert kinds[k + 1][1] == "四、存在的主要问题及改进情况"


def test_gov_page_meta_and_title():
    doc = extract(mf.gov_page_html(), url=URL)
    assert doc.title == mf.TITLE
    assert doc.meta["PubDate"] == "2024-01-20 10:00"
    assert doc.meta["ContentSource"] == "某某县人民政府办公室"
    assert doc.meta["ColumnName"] == "政府信息公开年报"
    assert doc.source_format == "html"


def test_attachment_outside_body_is_found_and_absolute():
    doc = extract(mf.gov_page_html(), url=URL)
    assert doc.attachments == ["http://www.example.gov.cn/zwgk/ndbg/202401/P020240120381234.pdf"]


def test_gbk_page_without_charset_decodes():
    doc = extract(mf.gbk_page_html(), url=URL)
    assert [b.text for b in doc.blocks] == mf.PARAGRAPHS


def test_declared_gb2312_is_read_as_gb18030():
    body = (
        '<html><head><meta charset="gb2312"></head><body><div id="zoom"><p>䶮字与镕字</p></div></body></html>'
    )
    assert extract(body.encode("gb18030")).text == "䶮字与镕字"


def test_wrong_header_charset_is_overridden():
    body = '<html><body><div id="zoom"><p>政府信息公开</p></div></body></html>'.encode("gbk")
    doc = extract(body, content_type="text/html; charset=utf-8")
    assert doc.text == "政府信息公开"
    assert any("does not decode" in w for w in doc.warnings)


def test_attachment_only_page_gives_short_body():
    doc = extract(mf.attachment_only_html(), url=URL)
    assert doc.text == f"附件：{mf.TITLE}.pdf"
    assert doc.attachments == ["http://www.example.gov.cn/zwgk/ndbg/202401/P020240120381234.pdf"]
    assert doc.title == mf.TITLE


def test_layout_tables_are_not_data_tables():
    doc = extract(mf.layout_page_html(), url=URL)
    assert [t.texts() for t in doc.tables] == [[["信息内容", "本年制发件数"], ["规章", "3"]]]
    assert doc.blocks[0].text == mf.PARAGRAPHS[0]


def test_nested_table_rows_stay_in_their_cell():
    el = lxml_html.fromstring(
        "<table><tr><td>外</td><td><table><tr><td>内1</td></tr><tr><td>内2</td></tr></table></td></tr></table>"
    )
    assert html_table_to_grid(el).texts() == [["外", "内1内2"]]


def test_rowspan_past_the_last_row_is_clipped():
    el = lxml_html.fromstring('<table><tr><td rowspan="9">甲</td><td>1</td></tr><tr><td>2</td></tr></table>')
    grid = html_table_to_grid(el)
    assert grid.texts() == [["甲", "1"], ["甲", "2"]]
    assert grid.grid[0][0].rowspan == 2


def test_title_suffix_is_stripped():
    assert clean_title(f"{mf.TITLE}_某某县人民政府") == mf.TITLE
    assert clean_title("2023年年报 - 某某市政府门户网站") == "2023年年报"


def test_strip_boilerplate_keeps_gov_page_body_whole():
    doc = extract(mf.gov_page_html(), url=URL)
    assert strip_boilerplate(doc).text == doc.text


def test_aggregator_page_is_unwrapped():
    doc = strip_boilerplate(extract(mf.aggregator_page_html(), url="http://doc.example.com/p-1.html"))
    assert doc.aggregator_copy
    assert doc.title == "济宁市任城区人民政府2021年政府信息公开工作年度报告"
    assert doc.text.startswith("济宁市任城区人民政府 2021 年政府信息公开工作年度报告 本报告由")
    for wrapper in ("DOC文库", "下载文档", "下载后继续阅读", "当前文档共", "相关文章", "某某区2020年年报"):
        assert wrapper not in doc.text


def test_gov_page_is_no_aggregator_copy():
    assert not extract(mf.gov_page_html(), url=URL).aggregator_copy
