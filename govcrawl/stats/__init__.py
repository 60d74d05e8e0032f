"""Statistics parsing: a report's tables 二/三/四 (or the legacy 统计表) into canonical keys.

``parse_document(doc)`` reads a Document's grids; ``parse_text(text)`` reads pipe text, values-only
streams and prose. Both return a :class:`ParseResult` with values, consistency checks and warnings.
"""

from govcrawl.stats import layout, values
from govcrawl.stats.checks import cross_year_checks
from govcrawl.stats.parse import parse_document, parse_text
from govcrawl.stats.result import PARSER_VERSION, Check, ParseResult, StatValue, Triple

__all__ = [
    "PARSER_VERSION",
    "Check",
    "ParseResult",
    "StatValue",
    "Triple",
    "clear_caches",
    "cross_year_checks",
    "parse_document",
    "parse_text",
]


def clear_caches() -> None:
    """Forget the memoised label and cell readings (results never depend on them; benchmarks
    call this to time a report as if it were the first)."""
    for cached in (values.normalise_label, values.compact, values.parse_value):
        cached.cache_clear()
    layout.clear_match_caches()
