"""Statistics parsing: a report's tables 二/三/四 (or the legacy 统计表) into canonical keys.

``parse_document(doc)`` reads a Document's grids; ``parse_text(text)`` reads pipe text, values-only
streams and prose. Both return a :class:`ParseResult` with values, consistency checks and warnings.
"""

from govcrawl.stats.parse import parse_document, parse_text
from govcrawl.stats.result import PARSER_VERSION, Check, ParseResult, StatValue

__all__ = ["PARSER_VERSION", "Check", "ParseResult", "StatValue", "parse_document", "parse_text"]
