"""PDF extraction on LibreOffice-made PDFs (real fonts, real ruled tables)."""

from __future__ import annotations

import pytest

from bench.extract import minimal_pdf
from fixtures.documents import make_fixtures as mf
from govcrawl.extract import ExtractionError, extract, extract_file
from govcrawl.extract.pdf import pdf_table_to_grid


@pytest.fixture(scope="module")
def report():
    return extract_file(mf.built() / "report.pdf")


def test_pdf_tables_match_the_source_grids(report):
    active, apply = report.tables
    assert active.texts()[2:] == mf.ACTIVE_ROWS
    assert apply.texts() == mf.apply_grid_texts()


def test_pdf_merged_cells_are_shared_objects(report):
    apply = report.tables[1]
    result = apply.grid[3][0]
    assert (result.text, result.rowspan, result.colspan) == ("三、本年度办理结果", 3, 1)
    assert apply.grid[5][0] is result


def test_pdf_wrapped_lines_join_into_paragraphs(report):
    assert [b.text for b in report.blocks[1:3]] == mf.PARAGRAPHS


def test_pdf_captions_between_tables_are_kept(report):
    kinds = [b.kind if b.kind == "table" else b.text for b in report.blocks]
    assert kinds[-4:] == [
        "table",
        "三、收到和处理政府信息公开申请情况",
        "table",
        "四、存在的主要问题及改进情况",
    ]


def test_pdf_metadata(report):
    assert report.source_format == "pdf"
    assert report.pages == 1
    assert report.title == mf.TITLE


@pytest.fixture(scope="module")
def long_table():
    return extract_file(mf.built() / "long_table.pdf")


def test_table_split_over_pages_is_joined(long_table):
    doc = long_table
    assert doc.pages >= 3
    (table,) = doc.tables
    assert table.n_rows == mf.LONG_ROWS + 1
    assert table.texts()[-1] == [str(mf.LONG_ROWS), f"第{mf.LONG_ROWS}类信息", str(mf.LONG_ROWS * 7)]
    assert [c.row for c in table.grid[-1]] == [mf.LONG_ROWS] * 3


def test_running_header_and_footer_are_dropped(long_table):
    assert [b.text for b in long_table.blocks if b.kind != "table"] == [
        "附表：主动公开信息分类统计",
        "以上为本年度统计。",
    ]


def test_encrypted_pdf():
    with pytest.raises(ExtractionError) as err:
        extract_file(mf.built() / "encrypted.pdf")
    assert err.value.kind == "encrypted"


def test_truncated_pdf():
    with pytest.raises(ExtractionError) as err:
        extract_file(mf.built() / "truncated.pdf")
    assert err.value.kind == "truncated"


def test_pdf_without_text_layer_needs_ocr():
    # A one-page PDF that only draws a rectangle: pages, but no characters.
    doc = extract(minimal_pdf(b"0 0 1 rg 100 100 200 200 re f"))
    assert doc.needs_ocr and doc.blocks == [] and doc.pages == 1


def test_grid_from_cell_boxes_spans_columns():
    # Two rows: a header box spanning both columns, then two cells.
    cells = [((0, 0, 20, 10), "头"), ((0, 10, 10, 20), "a"), ((10, 10, 20, 20), "b")]
    grid = pdf_table_to_grid(cells)
    assert grid.texts() == [["头", "头"], ["a", "b"]]
    assert grid.grid[0][1] is grid.grid[0][0]
