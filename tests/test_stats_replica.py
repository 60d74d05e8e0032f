"""parse_document(extract(render_seed(seed, fmt))) against the expected files, for html/docx/pdf.

The replica renders the seeds' statistics as real tables (PDF through LibreOffice); extraction
turns them back into grids. Seed 001's undetermined (“?”) cells are filled by the renderer, so
they are skipped like in the text test.
"""

from __future__ import annotations

import os
import subprocess

import pytest

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from govcrawl.extract import extract  # noqa: E402
from govcrawl.stats import parse_document, parse_text  # noqa: E402
from replica.render import render_many  # noqa: E402
from test_stats_seeds import SEEDS, expected_cells, expected_for, same_number  # noqa: E402

FORMATS = ("html", "docx", "pdf")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, str], bytes]:
    return render_many([(seed[:3], fmt) for fmt in FORMATS for seed in SEEDS])


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("seed", SEEDS)
def test_rendered_seed_parses_to_expected(rendered, seed, fmt):
    doc = extract(
        rendered[seed[:3], fmt], url=f"http://127.0.0.1/report.{fmt}", content_type=CONTENT_TYPES[fmt]
    )
    result = parse_document(doc)
    exp = expected_for(seed)
    assert result.format == exp["format"]
    assert result.has_tables is exp.get("tables", True)
    wrong = {}
    for key, want in expected_cells(exp).items():
        got = result.values.get(key)
        if want != "?" and (got is None or not same_number(got.value, want)):
            wrong[key] = (want, None if got is None else got.value)
    assert not wrong, wrong
    if result.has_tables:
        assert result.method == "grid"
        assert not [c for c in result.checks if c.status == "fail"]


def _pdftotext(pdf: bytes, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def _compare(result, seed: str) -> tuple[dict, int]:
    """(cells read wrong, cells not read) against the expected file."""
    wrong, missing = {}, 0
    for key, want in expected_cells(expected_for(seed)).items():
        got = result.values.get(key)
        if want == "?":
            continue
        if got is None or got.source != "table":
            missing += 1
        elif not same_number(got.value, want):
            wrong[key] = (want, got.value)
    return wrong, missing


@pytest.mark.parametrize("seed", SEEDS[1:4])
def test_pdf_layout_text_is_read_as_values_only_stream(rendered, seed):
    result = parse_text(_pdftotext(rendered[seed[:3], "pdf"], "-layout"))
    assert result.method == "values_only"
    assert _compare(result, seed) == ({}, 0)


@pytest.mark.parametrize("seed", SEEDS[1:4])
def test_pdf_column_ordered_text_gives_no_wrong_number(rendered, seed):
    # Without -layout, pdftotext reads table cells column by column: positions cannot be trusted.
    result = parse_text(_pdftotext(rendered[seed[:3], "pdf"]))
    wrong, missing = _compare(result, seed)
    assert wrong == {}
    assert missing > 0 and result.warnings
