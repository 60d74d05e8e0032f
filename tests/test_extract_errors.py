"""Bad input: every case raises ExtractionError of the right kind, quickly."""

from __future__ import annotations

import io
import os
import random
import signal
import threading
import time
import zipfile

import pytest

from fixtures.documents import make_fixtures as mf
from govcrawl.document import Document
from govcrawl.extract import ExtractionError, extract, extract_file, sniff_format
from govcrawl.extract.doc import convert_with_libreoffice
from govcrawl.extract.worker import default_worker


def _kind(body: bytes, **kw) -> str:
    start = time.monotonic()
    with pytest.raises(ExtractionError) as err:
        extract(body, **kw)
    assert time.monotonic() - start < 5
    return err.value.kind


def test_empty_body():
    assert _kind(b"") == "empty"
    assert _kind(b" \r\n\t ") == "empty"


def test_too_large():
    assert _kind(b"x" * 2048, max_bytes=1024) == "too_large"


def test_zip_bomb_docx():
    assert _kind((mf.built() / "bomb.docx").read_bytes()) == "zip_bomb"


def test_corrupt_docx_xml():
    assert _kind((mf.built() / "corrupt.docx").read_bytes()) == "corrupt"


def test_cut_docx_is_corrupt():
    body = mf.report_docx()
    assert _kind(body[: len(body) // 2]) == "corrupt"


def test_zip_that_is_not_word():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    assert _kind(buf.getvalue()) == "unsupported"


def test_image_needs_ocr():
    doc = extract(b"\xff\xd8\xff\xe0" + bytes(100), content_type="application/pdf")
    assert doc.needs_ocr and doc.source_format == "image" and doc.blocks == []


def test_zero_byte_file_is_empty():
    assert _kind(b"") == "empty"


def test_archive_is_unsupported():
    assert _kind(b"Rar!\x1a\x07\x00" + bytes(100)) == "unsupported"


def test_binary_garbage_is_unsupported():
    assert _kind(bytes(range(256)) * 4) == "unsupported"


def test_garbage_pdf_is_corrupt():
    assert _kind(b"%PDF-1.7\n" + b"garbage " * 200 + b"\n%%EOF\n") == "corrupt"


def test_garbage_ole2_fails_in_the_converter():
    assert _kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)) == "converter"


def test_libreoffice_timeout_is_reported():
    with pytest.raises(ExtractionError) as err:
        convert_with_libreoffice(mf.report_docx(), suffix=".docx", timeout=0.05)
    assert err.value.kind == "timeout"


def test_sniff_html_served_as_doc():
    assert sniff_format(b"<html><body><p>x</p></body></html>", "application/msword", ".doc") == "html"


def test_extract_file_too_large(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * 100)
    with pytest.raises(ExtractionError) as err:
        extract_file(path, max_bytes=10)
    assert err.value.kind == "too_large"


@pytest.mark.parametrize("name", ["report.pdf", "report.docx", "gov_page.html"])
def test_mutated_files_give_a_document_or_an_extraction_error(name):
    good = (mf.built() / name).read_bytes()
    rng = random.Random(name)
    for _ in range(15):
        body = bytearray(good)
        for _ in range(rng.randint(1, 40)):
            body[rng.randrange(len(body))] = rng.randrange(256)
        if rng.random() < 0.3:
            del body[rng.randrange(len(body)) :]
        start = time.monotonic()
        try:
            doc = extract(bytes(body))
        except ExtractionError:
            pass
        else:
            assert isinstance(doc, Document)
        assert time.monotonic() - start < 10


def test_hanging_pdf_is_stopped_at_the_time_limit():
    # Unbounded, pdfplumber's table finder needs about two minutes on this 2.5 KB file.
    start = time.monotonic()
    with pytest.raises(ExtractionError) as err:
        extract(mf.ruled_grid_pdf(), timeout=1.5)
    assert err.value.kind == "timeout"
    assert time.monotonic() - start < 4


def test_next_document_after_a_timeout_is_extracted():
    with pytest.raises(ExtractionError):
        extract(mf.ruled_grid_pdf(), timeout=0.5)
    starts = default_worker().starts
    assert extract((mf.built() / "report.pdf").read_bytes()).title == mf.TITLE
    assert default_worker().starts == starts + 1


def test_scanned_pdf_needs_ocr():
    doc = extract(mf.scanned_pdf())
    assert doc.needs_ocr and doc.pages == 1 and doc.blocks == []


def test_size_cap_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("GOVCRAWL_MAX_DOCUMENT_BYTES", "1000")
    assert _kind(b"x" * 1001) == "too_large"


def test_wps_libreoffice_cannot_read_is_unsupported():
    body = (mf.built() / "report.doc").read_bytes()
    native = body.replace("WordDocument".encode("utf-16-le"), "WpsDocument\x00".encode("utf-16-le"))
    with pytest.raises(ExtractionError) as err:
        extract(native, hint=".wps")
    assert err.value.kind == "unsupported" and "WPS" in err.value.message


def test_word_compatible_wps_is_read():
    doc = extract((mf.built() / "report.doc").read_bytes(), hint=".wps")
    assert doc.source_format == "doc" and doc.title == mf.TITLE


def test_worker_killed_from_outside_is_reported_as_crashed():
    worker = default_worker()
    extract(b"warm up the worker: a short text file")
    threading.Timer(0.5, os.kill, (worker.pid, signal.SIGKILL)).start()
    with pytest.raises(ExtractionError) as err:
        extract(mf.ruled_grid_pdf(), timeout=30)
    assert err.value.kind == "crashed"
    assert extract(b"the next document starts a new worker").blocks
