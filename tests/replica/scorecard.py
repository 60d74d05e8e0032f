"""How an archive compares with the replica web's ground truth: recall, extras, duplicates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Scorecard:
    """The comparison of archived reports (export records) with the replica's ground truth."""

    expected_urls: set[str]
    archived_urls: set[str]
    expected_reports: int
    archived_reports: int
    #: Republished reports (duplicate_of) that did not end up as one report with both URLs.
    split_duplicates: list[tuple[str, str]] = field(default_factory=list)

    @property
    def found(self) -> set[str]:
        return self.expected_urls & self.archived_urls

    @property
    def missing(self) -> set[str]:
        return self.expected_urls - self.archived_urls

    @property
    def extra(self) -> set[str]:
        """Archived URLs that are not reports of the ground truth (non-reports, strays)."""
        return self.archived_urls - self.expected_urls

    @property
    def recall(self) -> float:
        return len(self.found) / len(self.expected_urls) if self.expected_urls else 1.0

    @property
    def perfect(self) -> bool:
        return (
            not self.missing
            and not self.extra
            and not self.split_duplicates
            and self.archived_reports == self.expected_reports
        )


def score(truth: dict[str, Any], reports: Iterable[dict[str, Any]]) -> Scorecard:
    """Compare export records (``source_urls`` per report) with ``truth`` (ReplicaServer.truth())."""
    reports = list(reports)
    expected = {r["url"] for p in truth["portals"] for r in p["reports"]}
    archived = {u for rep in reports for u in rep["source_urls"]}
    report_of = {u: i for i, rep in enumerate(reports) for u in rep["source_urls"]}
    split = [
        (r["url"], r["duplicate_of"])
        for p in truth["portals"]
        for r in p["reports"]
        if r.get("duplicate_of") and report_of.get(r["url"], -1) != report_of.get(r["duplicate_of"], -2)
    ]
    return Scorecard(expected, archived, truth["distinct_reports"], len(reports), split)
