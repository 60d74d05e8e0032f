"""``python -m bench.parse``: statistics parsing speed on one core.

Two figures, both on the five seed reports, in this one single-threaded process. Times are the
process's CPU time (``time.process_time``), so reports/s means reports per CPU-second on one core
and other load on the machine does not skew them; the wall time is printed alongside.

* reports/s parsed from text (``parse_text`` on the seed texts), against the 200 reports/s target:
  "cold" clears the parser's label and cell caches before every report (each report parsed as if
  it were the first), "warm" keeps them as a long crawl does;
* reports/s from PDF (the replica's renderings of the seeds through LibreOffice, rendered once
  before timing): extraction (``extract``) and parsing (``parse_document``) timed separately,
  with each one's share of the time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

TARGET_TEXT = 200.0  # reports/s from text (issue 5)
SEEDS = ("000", "001", "002", "003", "004")


def _rate(run: Callable[[], object], n_reports: int, min_seconds: float) -> tuple[float, float, int, float]:
    """(reports per CPU-second, CPU seconds per round, rounds, wall seconds) running ``run`` (one round
    = ``n_reports``) for at least ``min_seconds`` of CPU time."""
    run()  # warm-up: regex compilation, imports
    rounds, start, wall = 0, time.process_time(), time.perf_counter()
    while True:
        run()
        rounds += 1
        elapsed = time.process_time() - start
        if elapsed >= min_seconds:
            return rounds * n_reports / elapsed, elapsed / rounds, rounds, time.perf_counter() - wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.parse", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum timing per figure (default 3)")
    args = parser.parse_args(argv)

    from govcrawl.extract import extract_local as extract  # in this process: its CPU time is timed
    from govcrawl.process import process
    from govcrawl.records import Capture
    from govcrawl.stats import clear_caches, parse_document, parse_text
    from replica.render import render_many, seed_text

    print(f"bench-parse: {len(SEEDS)} seed reports, one process, CPU time (one core)")
    texts = [seed_text(s) for s in SEEDS]

    def cold() -> None:
        for t in texts:
            clear_caches()
            parse_text(t)

    for name, run in (("cold", cold), ("warm", lambda: [parse_text(t) for t in texts])):
        rate, _, rounds, wall = _rate(run, len(texts), args.seconds)
        print(
            f"text:  {rate:8.1f} reports/s {name} ({rounds} rounds, {wall:.1f} s wall)  "
            f"target {TARGET_TEXT:.0f} reports/s: ratio {rate / TARGET_TEXT:.2f}"
        )

    t0 = time.perf_counter()
    pdfs = render_many([(s, "pdf") for s in SEEDS])
    print(
        f"pdf:   {len(pdfs)} PDFs rendered (LibreOffice, or the replica's cache) in "
        f"{time.perf_counter() - t0:.1f} s, not timed"
    )
    bodies = [pdfs[s, "pdf"] for s in SEEDS]

    def extract_all() -> list:
        return [extract(b, url="http://127.0.0.1/report.pdf", content_type="application/pdf") for b in bodies]

    docs = extract_all()
    ex_rate, ex_round, _, _ = _rate(extract_all, len(bodies), args.seconds)
    pa_rate, pa_round, _, _ = _rate(lambda: [parse_document(d) for d in docs], len(docs), args.seconds)
    total = ex_round + pa_round
    print(
        f"pdf:   {len(bodies) / total:8.1f} reports/s end to end  "
        f"(extraction {ex_rate:.1f} reports/s, {ex_round / total:.0%} of the time; "
        f"parsing {pa_rate:.1f} reports/s, {pa_round / total:.0%})"
    )
    # The crawl's whole chain (govcrawl.process: extract, clean, identify, hash + signature, parse),
    # extraction in this process so that its CPU time is counted.
    captures = [Capture.of_bytes(b, "http://127.0.0.1/report.pdf", "application/pdf") for b in bodies]
    pr_rate, pr_round, _, _ = _rate(
        lambda: [process(c, require_report=False, extract_fn=extract) for c in captures], len(captures), args.seconds
    )
    print(
        f"pdf:   {pr_rate:8.1f} reports/s through process() ({pr_round / len(captures) * 1000:.0f} ms each: "
        f"extraction and parsing {total / len(captures) * 1000:.0f} ms, the rest clean, identify, hash and signature)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
