"""Seed reports rendered to HTML / DOCX / PDF / DOC, and the statistics-table abstraction."""

from __future__ import annotations

import io
import re

import docx
import pdfplumber
import pytest
from lxml import html as lxml_html

from govcrawl.stats.schema import APPLY_COLUMNS, GOV2019, GOV2021
from replica.render import render_many, render_seed, seed_blocks, seed_text, seed_values
from replica.tables import GridTable, active_table, apply_table, review_table


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, str], bytes]:
    # One batch: at most one soffice run per target format (none once cached).
    return render_many([("002", "pdf"), ("002", "doc"), ("003", "docx"), ("001", "docx"), ("002", "docx")])


def _docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_docx_has_the_three_official_tables(rendered):
    assert len(_docx(rendered["003", "docx"]).tables) == 3


def test_docx_apply_table_note_is_one_merged_3x3_cell(rendered):
    t = _docx(rendered["003", "docx"]).tables[1]
    assert t.cell(0, 0)._tc is t.cell(2, 2)._tc
    assert "勾稽关系" in t.cell(0, 0).text


def test_docx_result_group_cell_spans_all_result_rows(rendered):
    t = _docx(rendered["003", "docx"]).tables[1]  # gov2019: 三、本年度办理结果 covers 20 rows
    first = t.cell(5, 0)
    assert first.text == "三、本年度办理结果"
    assert t.cell(24, 0)._tc is first._tc
    assert t.cell(25, 0).text == "四、结转下年度继续办理"


def test_docx_gov2021_table_has_three_other_rows(rendered):
    t = _docx(rendered["001", "docx"]).tables[1]
    labels = {t.cell(r, 2).text for r in range(len(t.rows))}
    assert "3.其他" in labels and "（六）其他处理" in {t.cell(r, 1).text for r in range(len(t.rows))}


def test_docx_font_is_songti(rendered):
    d = _docx(rendered["002", "docx"])
    assert d.styles["Normal"].font.name == "宋体"


def test_pdf_text_has_key_sentences(rendered):
    with pdfplumber.open(io.BytesIO(rendered["002", "pdf"])) as pdf:
        text = _squash("".join(page.extract_text() or "" for page in pdf.pages))
    assert "我局推行政府信息公开工作虽然取得了一定的成效" in text
    assert "本年新收政府信息公开申请数量" in text
    assert "采购总金额（万元）" in text


def test_pdf_tables_carry_the_seed_numbers(rendered):
    with pdfplumber.open(io.BytesIO(rendered["002", "pdf"])) as pdf:
        rows = [
            [_squash(c or "") for c in row] for page in pdf.pages for t in page.extract_tables() for row in t
        ]
    assert ["行政许可", "1", "0", "13"] in rows
    assert ["其他对外管理服务事项", "2", "0", "40"] in rows
    assert any(r[:2] == ["政府集中采购", "2"] and "49.14" in r for r in rows)


def test_doc_is_an_ole_word_file(rendered):
    assert rendered["002", "doc"][:8] == bytes.fromhex("d0cf11e0a1b11ae1")


def test_converted_bytes_come_from_the_cache(rendered):
    assert render_seed("002", "pdf") == rendered["002", "pdf"]


def test_html_apply_table_has_rowspan_and_colspan():
    tree = lxml_html.fromstring(render_seed("002", "html").decode("utf-8"))
    tables = tree.xpath("//table")
    assert len(tables) == 3
    apply = tables[1]
    note = apply.xpath(".//td[@rowspan='3'][@colspan='3']")
    assert note and "勾稽关系" in note[0].text_content()
    assert apply.xpath(".//td[@rowspan='20']")[0].text_content() == "三、本年度办理结果"
    assert apply.xpath(".//td[@colspan='7']")[0].text_content() == "申请人情况"
    assert apply.xpath(".//td[@rowspan='8']")[0].text_content() == "（三）不予公开"


def test_html_review_table_has_two_level_header():
    tree = lxml_html.fromstring(render_seed("003", "html").decode("utf-8"))
    review = tree.xpath("//table")[2]
    assert review.xpath(".//td[@colspan='10']")[0].text_content() == "行政诉讼"
    assert len(review.xpath(".//tr[last()]/td")) == 15


def test_seed000_pipe_rows_become_one_three_column_table():
    tables = [b for b in seed_blocks("000") if isinstance(b, GridTable)]
    assert len(tables) == 1
    t = tables[0]
    assert t.n_cols == 3 and len(t.rows) == 66
    assert [c.text for c in t.rows[-1]] == ["(三)接受培训人员数", "人次", "165"]


def test_seed004_is_narrative_only():
    assert not [b for b in seed_blocks("004") if isinstance(b, GridTable)]
    assert "<table" not in render_seed("004", "html").decode("utf-8")


def test_seed002_html_keeps_the_narrative_and_drops_the_pipes():
    body = render_seed("002", "html").decode("utf-8")
    assert seed_text("002").splitlines()[1][:40] in body
    assert " | " not in body


def test_seed001_filled_values_satisfy_the_table_rules():
    v = seed_values("001")
    assert "?" not in v.values()
    leaves = [r for r in GOV2021.apply_rows if r.key.startswith("result.") and r.key != "result.total"]
    for col, _ in APPLY_COLUMNS:
        assert sum(v[f"apply.{r.key}.{col}"] for r in leaves) == v[f"apply.result.total.{col}"]  # R3.2
        lhs = v[f"apply.new.{col}"] + v[f"apply.carried_over.{col}"]
        assert lhs == v[f"apply.result.total.{col}"] + v[f"apply.carry_next.{col}"]  # R3.1
    for r in GOV2021.apply_rows:
        cells = [v[k] for k in r.keys()]
        assert sum(cells[:6]) == cells[6]  # R3.3


@pytest.mark.parametrize(
    "table",
    [
        active_table(GOV2019, {}),
        active_table(GOV2021, {}),
        apply_table(GOV2019, {}),
        apply_table(GOV2021, {}),
        review_table({}),
    ],
    ids=["active2019", "active2021", "apply2019", "apply2021", "review"],
)
def test_table_spans_tile_the_grid_exactly(table):
    covered = [
        (r + dr, c + dc)
        for r, c, cell in table.placed()
        for dr in range(cell.rowspan)
        for dc in range(cell.colspan)
    ]
    assert len(covered) == len(set(covered)) == len(table.rows) * table.n_cols


def test_apply_table_value_cells_follow_the_schema():
    values = {k: i for i, k in enumerate(GOV2021.apply_keys())}
    t = apply_table(GOV2021, values)
    assert len(t.rows) == 3 + 25
    assert [c.text for c in t.rows[-1][-7:]] == [str(values[k]) for k in GOV2021.apply_rows[-1].keys()]
