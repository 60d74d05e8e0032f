"""DOCX (python-docx) and DOC (LibreOffice → DOCX) extraction."""

from __future__ import annotations

import io

import docx
import pytest
from docx.oxml import OxmlElement

from fixtures.documents import make_fixtures as mf
from govcrawl.extract import extract, extract_file


@pytest.fixture(scope="module")
def report():
    return extract(mf.report_docx())


def test_docx_blocks_in_order(report):
    kinds = [b.kind for b in report.blocks]
    assert kinds == [
        "heading",
        "paragraph",
        "paragraph",
        "paragraph",
        "table",
        "paragraph",
        "table",
        "paragraph",
    ]
    assert report.title == mf.TITLE
    assert report.source_format == "docx"


def test_docx_horizontal_merge(report):
    active = report.tables[0]
    head = active.grid[0][0]
    assert head.colspan == 4 and all(c is head for c in active.grid[0])
    assert active.texts()[1] == mf.HEAD_ROWS


def test_docx_vertical_and_block_merges(report):
    apply = report.tables[1]
    assert apply.texts() == mf.apply_grid_texts()
    corner = apply.grid[0][0]
    assert (corner.rowspan, corner.colspan) == (2, 3)
    refused = apply.grid[4][1]
    assert (refused.text, refused.rowspan) == ("（三）不予公开", 2)
    assert apply.grid[5][1] is refused


def test_doc_goes_through_libreoffice():
    doc = extract_file(mf.built() / "report.doc")
    assert doc.source_format == "doc"
    assert doc.tables[1].texts() == mf.apply_grid_texts()
    assert doc.title == mf.TITLE


def test_doc_named_as_html_is_sniffed_by_bytes():
    doc = extract(
        (mf.built() / "report.docx").read_bytes(), url="http://x.gov.cn/a.html", content_type="text/html"
    )
    assert doc.source_format == "docx"


def _wrap_in_content_control(element) -> None:
    """Put ``element`` inside a w:sdt/w:sdtContent at its place (what templates' form fields do)."""
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    element.addprevious(sdt)
    sdt.append(content)
    content.append(element)


def test_content_controls_are_read():
    document = docx.Document()
    document.add_paragraph("开头段落。")
    _wrap_in_content_control(document.add_paragraph("控件里的段落。")._p)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "控件里的表格", "12"
    _wrap_in_content_control(table._tbl)
    inline = document.add_paragraph("行内")
    run = inline.add_run("控件文字")._r
    _wrap_in_content_control(run)
    buf = io.BytesIO()
    document.save(buf)
    doc = extract(buf.getvalue())
    assert [b.text for b in doc.blocks if b.kind != "table"] == [
        "开头段落。",
        "控件里的段落。",
        "行内控件文字",
    ]
    assert doc.tables[0].texts() == [["控件里的表格", "12"]]
