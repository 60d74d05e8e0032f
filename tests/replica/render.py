"""Seed reports rendered as the documents portals publish: HTML body, DOCX, PDF, DOC.

The body is the seed text. Where a seed carries statistics tables they become real tables:
seed 000's 统计表 pipe rows a 3-column table, seeds 001-003 the official tables of their
format filled from ``tests/fixtures/expected``. PDF and DOC come from the DOCX through
LibreOffice (one soffice run per target format for all missing files); every binary is
cached under ``data_dir()/replica-cache`` so repeated runs neither rebuild nor reconvert.
"""

from __future__ import annotations

import atexit
import hashlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import docx
from docx.oxml.ns import qn
from docx.shared import Pt

from govcrawl.config import PROJECT_ROOT, data_dir
from govcrawl.extract.doc import convert_command
from govcrawl.stats.schema import FORMATS, REVIEW_KEYS
from replica import tables
from replica.tables import GridTable

#: Bump when the rendered output changes in a way the source hash below would not show.
RENDERER_VERSION = "1"
FORMATS_RENDERED = ("html", "docx", "pdf", "doc")
SOFFICE_TIMEOUT_S = 120

_FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
# The official-table section headings; a table sits between one heading and the next.
_SECTIONS = (
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题",
)
# Seed 001's 不予处理 cells are not determined by its text; these values satisfy the column
# sums its notes give (natural 11, commercial 3, total 14) and every row sum.
_UNDETERMINED_FILL = {
    "001": {
        "apply.result.not_processed.petition.natural_person": 11,
        "apply.result.not_processed.petition.total": 11,
        "apply.result.not_processed.duplicate.commercial": 3,
        "apply.result.not_processed.duplicate.total": 3,
    }
}
_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]、|\([一二三四五六七八九十]\)|（[一二三四五六七八九十]）)\S{1,30}$"
)
# Where a one-line document (an aggregator's flattened text) starts a new paragraph.
_PARAGRAPH_START = re.compile(r" (?=[一二三四五六七]、\S|\([一二三四五六七八九十]\)\S)")


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph; headings are printed bold."""

    text: str
    heading: bool = False


Block = Paragraph | GridTable


def seed_path(seed: str) -> Path:
    """The fixture text file of ``seed`` ("000".."004")."""
    matches = sorted((_FIXTURES / "seeds").glob(f"{seed}_*.txt"))
    if not matches:
        raise ValueError(f"unknown seed {seed!r}")
    return matches[0]


@cache
def seed_text(seed: str) -> str:
    """The seed's text as captured from the real web."""
    return seed_path(seed).read_text(encoding="utf-8")


@cache
def seed_expected(seed: str) -> dict:
    """The hand-written expectations of ``seed`` (identity, format, statistics)."""
    path = _FIXTURES / "expected" / f"seed_{seed}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def seed_values(seed: str) -> dict[str, object]:
    """The seed's statistics as ``{canonical key: value}`` (undetermined cells filled plausibly)."""
    exp = seed_expected(seed)
    fmt = FORMATS.get(exp["format"])
    if fmt is None:
        return dict(exp.get("legacy", {}))
    values: dict[str, object] = {}
    blocks = {b.key: b for b in fmt.active}
    for row_id, row in exp["active"].items():
        block_key, row_key = row_id.split(".", 1)
        for (col_key, _), v in zip(blocks[block_key].columns, row, strict=True):
            values[f"active.{block_key}.{row_key}.{col_key}"] = v
    for ar in fmt.apply_rows:
        values.update(zip(ar.keys(), exp["apply"][ar.key], strict=True))
    values.update(zip(REVIEW_KEYS, exp["review"], strict=True))
    fill = _UNDETERMINED_FILL.get(seed, {})
    return {k: (fill.get(k, 0) if v == "?" else v) for k, v in values.items()}


def _document_text(seed: str) -> str:
    """The report's own text: an aggregator copy's document is its longest line."""
    text = seed_text(seed)
    if seed_expected(seed).get("aggregator_copy"):
        return max(text.splitlines(), key=len)
    return text


def _paragraphs(text: str) -> list[Paragraph]:
    out: list[Paragraph] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or not line.strip("| "):
            continue  # blank lines and table residue
        for part in _PARAGRAPH_START.split(line):
            part = part.strip()
            out.append(Paragraph(part, heading=bool(_HEADING.match(part))))
    return out


def _pipe_blocks(text: str) -> list[Block]:
    """Lines as paragraphs; each run of ``a | b | c |`` lines as one 3-column table."""
    blocks: list[Block] = []
    run: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if "|" in line:
            run.append([c.strip() for c in line.rstrip().rstrip("|").split("|")])
            continue
        if run:
            blocks.append(tables.plain_table(run, 3))
            run = []
        blocks.extend(_paragraphs(line))
    return blocks


def seed_blocks(seed: str) -> list[Block]:
    """The seed report as paragraphs and tables, in reading order."""
    exp = seed_expected(seed)
    text = _document_text(seed)
    fmt = FORMATS.get(exp["format"])
    if fmt is None:
        return _pipe_blocks(text)
    starts = [text.index(_SECTIONS[0])]
    for heading in _SECTIONS[1:]:
        starts.append(text.index(heading, starts[-1]))
    values = seed_values(seed)
    made = (
        tables.active_table(fmt, values, {k: v for k, v in exp.get("units", {}).items() if v}),
        tables.apply_table(fmt, values),
        tables.review_table(values),
    )
    blocks: list[Block] = _paragraphs(text[: starts[0]])
    for heading, table in zip(_SECTIONS, made, strict=False):
        blocks.append(Paragraph(heading, heading=True))
        blocks.append(table)
    blocks.extend(_paragraphs(text[starts[3] :]))
    return blocks


def blocks_html(blocks: Iterable[Block]) -> str:
    """The blocks as the HTML a CMS editor stores: indented paragraphs and bordered tables."""
    out = []
    for b in blocks:
        if isinstance(b, GridTable):
            out.append(tables.table_html(b))
        elif b.heading:
            out.append(f'<p style="text-indent:2em"><strong>{html.escape(b.text)}</strong></p>')
        else:
            out.append(f'<p style="text-indent:2em">{html.escape(b.text)}</p>')
    return "\n".join(out)


def blocks_docx(blocks: Iterable[Block]) -> bytes:
    """The blocks as a Word document in 宋体, tables with real merged cells."""
    d = docx.Document()
    normal = d.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    d.core_properties.author = "Administrator"
    d.core_properties.last_modified_by = "Administrator"
    d.core_properties.title = ""
    for b in blocks:
        if isinstance(b, GridTable):
            tables.add_docx_table(d, b)
            continue
        p = d.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(24)
        p.add_run(b.text).bold = b.heading
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@cache
def _code_hash() -> str:
    h = hashlib.sha256(RENDERER_VERSION.encode())
    for source in (tables.__file__, __file__):
        h.update(Path(source).read_bytes())
    return h.hexdigest()


def _cache_path(blocks: Sequence[Block], fmt: str) -> Path:
    # Blocks are frozen dataclasses: their repr is the complete, stable rendering input.
    h = hashlib.sha256(f"{_code_hash()}\n{fmt}\n{blocks!r}".encode())
    return data_dir() / "replica-cache" / f"{h.hexdigest()[:32]}.{fmt}"


def _store(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # atomic: parallel test runs never see half a file


@cache
def _lo_profile() -> Path:
    # soffice refuses to share a profile between concurrent runs: one per process.
    path = Path(tempfile.mkdtemp(prefix="govcrawl-lo-"))
    atexit.register(shutil.rmtree, path, True)
    return path


def convert_docx(docx_files: list[Path], target: str, outdir: Path) -> None:
    """Convert DOCX files to ``target`` ("pdf" or "doc") in ``outdir`` with one soffice run."""
    cmd = convert_command("soffice", _lo_profile(), target, outdir, docx_files)
    env = {**os.environ, "HOME": str(_lo_profile())}
    subprocess.run(cmd, check=True, capture_output=True, timeout=SOFFICE_TIMEOUT_S, env=env)


def render_documents(docs: Sequence[Sequence[Block]], fmt: str) -> list[bytes]:
    """Render documents given as blocks to ``fmt``; all uncached PDF/DOC files share one soffice run."""
    if fmt not in FORMATS_RENDERED:
        raise ValueError(f"unknown format {fmt!r}")
    if fmt == "html":
        return [blocks_html(blocks).encode("utf-8") for blocks in docs]
    paths = [_cache_path(blocks, fmt) for blocks in docs]
    missing: dict[Path, int] = {}  # identical documents share a cache file: render it once
    for i, path in enumerate(paths):
        if not path.exists():
            missing.setdefault(path, i)
    todo = list(missing.values())
    if fmt == "docx":
        for i in todo:
            _store(paths[i], blocks_docx(docs[i]))
    elif todo:
        sources = render_documents([docs[i] for i in todo], "docx")
        with tempfile.TemporaryDirectory(prefix="govcrawl-render-") as tmp:
            files = [Path(tmp) / f"doc{n}.docx" for n in range(len(todo))]
            for file, data in zip(files, sources, strict=True):
                file.write_bytes(data)
            convert_docx(files, fmt, Path(tmp))
            for i, file in zip(todo, files, strict=True):
                _store(paths[i], file.with_suffix(f".{fmt}").read_bytes())
    return [path.read_bytes() for path in paths]


def render_many(wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], bytes]:
    """Render several (seed, fmt) pairs, with one soffice run per target format at most."""
    by_fmt: dict[str, list[str]] = {}
    for seed, fmt in dict.fromkeys(wanted):
        by_fmt.setdefault(fmt, []).append(seed)
    out: dict[tuple[str, str], bytes] = {}
    for fmt, seeds in by_fmt.items():
        rendered = render_documents([seed_blocks(seed) for seed in seeds], fmt)
        out.update(((seed, fmt), data) for seed, data in zip(seeds, rendered, strict=True))
    return out


def render_seed(seed: str, fmt: str) -> bytes:
    """The seed report in ``fmt``: "html" (the article body fragment, UTF-8), "docx", "pdf" or "doc"."""
    return render_many([(seed, fmt)])[seed, fmt]
