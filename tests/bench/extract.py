"""``python -m bench.extract``: extraction speed per format, PDF against bare pdfplumber.

Inputs are the replica's renderings of the five seed reports (HTML, DOCX, PDF and DOC through
LibreOffice; rendered once, cached). Times are CPU seconds of this process plus those of the
extraction worker process (:mod:`govcrawl.extract.worker`, read from /proc, LibreOffice runs it
waited for included), so other load on the machine does not skew them; wall rates are printed
alongside. The figures are

* documents/s per format through :func:`govcrawl.extract.extract` (the crawl's path: worker,
  time limit, pickled answer) and in-process through ``extract_local``, and the worker's overhead;
* PDF pages/s, and the ratio of our PDF path (text, ruled tables, furniture, through the worker)
  to bare pdfplumber text extraction (``page.extract_text()`` on every page, in-process) on the
  same files: target ≤ 1.5;
* peak memory (summed PSS of this process, the worker and LibreOffice);
* the time limit at work: how long a PDF that hangs pdfplumber's table finder costs (``--hang``
  also times it unbounded, which takes minutes).

The PDF builders at the end make the hostile files of the benchmark and of the tests.
"""

from __future__ import annotations

import argparse
import io
import os
import time
import zlib
from collections.abc import Callable

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

SEEDS = ("000", "001", "002", "003", "004")
FORMATS = ("html", "docx", "pdf", "doc")
TARGET_PDF_RATIO = 1.5


def _worker_cpu() -> float:
    """CPU seconds of the extraction worker so far, LibreOffice runs it waited for included."""
    from govcrawl.extract.worker import default_worker

    pid = default_worker().pid
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime


def _timed(run: Callable[[], object], rounds: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) per round of ``run`` after one warm-up round; CPU is this
    process's plus the extraction worker's, so other load on the machine does not skew it."""
    run()
    cpu, wall, worker = _own_cpu(), time.perf_counter(), _worker_cpu()
    for _ in range(rounds):
        run()
    cpu = _own_cpu() - cpu + _worker_cpu() - worker
    return cpu / rounds, (time.perf_counter() - wall) / rounds


def _own_cpu() -> float:
    """CPU seconds of this process and the children it waited for (LibreOffice in-process)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _bare_pdfplumber(body: bytes) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(body)) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.extract", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds per figure (default 2; DOC: 1)")
    parser.add_argument(
        "--hang", action="store_true", help="also time the hanging PDF without a limit (minutes)"
    )
    args = parser.parse_args(argv)

    from govcrawl.extract import ExtractionError, extract, extract_local
    from govcrawl.extract.worker import default_worker
    from replica.procstats import PeakMemory
    from replica.render import render_many

    rendered = render_many((s, f) for s in SEEDS for f in FORMATS)
    docs = {f: [rendered[s, f] for s in SEEDS] for f in FORMATS}
    pages = sum(extract_local(b).pages or 0 for b in docs["pdf"])
    print(
        f"bench-extract: {len(SEEDS)} seed reports per format, {pages} PDF pages; CPU time (this process + worker)"
    )
    print(
        f"{'format':<8}{'docs/s (worker)':>17}{'docs/s (in-process)':>21}{'worker overhead':>17}{'wall docs/s':>13}"
    )
    per_round: dict[str, float] = {}
    for fmt in FORMATS:
        rounds = 1 if fmt == "doc" else args.rounds
        ours, wall = _timed(lambda fmt=fmt: [extract(b) for b in docs[fmt]], rounds)
        local, _ = _timed(lambda fmt=fmt: [extract_local(b) for b in docs[fmt]], rounds)
        per_round[fmt] = ours
        n = len(docs[fmt])
        print(
            f"{fmt:<8}{n / ours:>17.1f}{n / local:>21.1f}{(ours / local - 1) * 100:>16.0f}%{n / wall:>13.1f}"
        )
    bare, _ = _timed(lambda: [_bare_pdfplumber(b) for b in docs["pdf"]], args.rounds)
    # Memory apart from the timings: sampling /proc costs CPU that would skew them.
    default_worker().kill()
    with PeakMemory(os.getpid()) as memory:
        for fmt in FORMATS:
            for body in docs[fmt]:
                extract(body)
    grid = ruled_grid_pdf()
    start = time.perf_counter()
    stopped = "NOT stopped: extraction finished within the limit"
    try:
        extract(grid, timeout=2.0)
    except ExtractionError as exc:
        stopped = f"{exc.kind} after {time.perf_counter() - start:.2f} s (limit 2 s)"
    start = time.perf_counter()
    extract(docs["pdf"][0])
    restart = time.perf_counter() - start
    default_worker().kill()
    ratio = per_round["pdf"] / bare
    print(f"PDF pages/s: ours {pages / per_round['pdf']:.1f}, bare pdfplumber text {pages / bare:.1f}")
    verdict = "ok" if ratio <= TARGET_PDF_RATIO else "ABOVE TARGET"
    print(f"PDF ratio ours / bare pdfplumber text: {ratio:.2f} (target <= {TARGET_PDF_RATIO}: {verdict})")
    print(
        f"peak memory, one pass over every format (PSS: bench + worker + LibreOffice): {memory.peak_mib:.0f} MiB"
    )
    print(
        f"hanging PDF ({len(grid)} bytes, 200x200 ruled grid): {stopped}; next document incl. worker restart {restart:.2f} s"
    )
    if args.hang:
        start = time.perf_counter()
        extract_local(grid)
        print(f"hanging PDF without a limit: {time.perf_counter() - start:.1f} s")
    return 0


# ---------------------------------------------------------------- hostile PDFs


def minimal_pdf(content: bytes, resources: bytes = b"<< >>", extra: tuple[bytes, ...] = ()) -> bytes:
    """A one-page 1200×1200 pt PDF with the given content stream (Flate-compressed) and resources;
    ``extra`` objects are numbered from 5 on."""
    data = zlib.compress(content, 9)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1200 1200] /Contents 4 0 R /Resources %s >>"
        % resources,
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(data), data),
        *extra,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def ruled_grid_pdf(lines: int = 200, step: float = 5.0) -> bytes:
    """A 2.5 KB PDF whose page draws ``lines`` horizontal and vertical rules ``step`` points apart
    and says "hello". pdfplumber's table finder is quadratic in the cells of such a grid: measured
    8 s for 120 lines, 24 s for 150, 115 s for 200 (rules closer than 3 pt merge: no cells)."""
    span = lines * step
    ops = [
        f"100 {100 + k * step:.1f} m {100 + span:.1f} {100 + k * step:.1f} l S "
        f"{100 + k * step:.1f} 100 m {100 + k * step:.1f} {100 + span:.1f} l S"
        for k in range(lines)
    ]
    ops.append("BT /F1 12 Tf 72 1150 Td (hello) Tj ET")
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    return minimal_pdf("\n".join(ops).encode(), b"<< /Font << /F1 5 0 R >> >>", (font,))


def scanned_pdf() -> bytes:
    """A PDF whose page is one grey image (a scan): a page, but no text layer."""
    pixels = bytes((x * 7 + y * 3) % 256 for y in range(64) for x in range(64))
    data = zlib.compress(pixels)
    image = (
        b"<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream" % (len(data), data)
    )
    return minimal_pdf(b"q 1000 0 0 1000 100 100 cm /Im1 Do Q", b"<< /XObject << /Im1 5 0 R >> >>", (image,))


if __name__ == "__main__":
    raise SystemExit(main())
