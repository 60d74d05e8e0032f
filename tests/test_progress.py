"""The progress line reads the crawl's own stats."""

from __future__ import annotations

from govcrawl.extensions.progress import summarize


def test_counts_pages_reports_and_errors() -> None:
    stats = {
        "downloader/response_count": 120,
        "govcrawl/reports_new": 7,
        "govcrawl/reports_known": 2,
        "govcrawl/fetch_error/http_502": 3,
        "govcrawl/extract_error/encrypted": 1,
        "govcrawl/rendered_lists": 1,
    }
    line = summarize(stats, 60.0)
    assert "120 pages (2.0/s)" in line
    assert "7 new reports" in line and "2 already archived" in line
    assert "4 errors" in line and "1 rendered lists" in line


def test_empty_stats_at_start() -> None:
    assert "0 pages (0.0/s)" in summarize({}, 0.0)
