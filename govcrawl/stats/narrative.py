"""Numbers stated in prose (spec §4.3.11): received, carried over, carried to next year, appeals.

Patterns are anchored on a keyword and the unit 件; the first statement of each kind wins and
sentences introduced by 其中 (sub-counts) are skipped. Negative statements (未收到…申请,
未发生…行政复议/诉讼) give explicit zeros flagged ``from_text``; nothing the text does not say is
filled in.
"""

from __future__ import annotations

import re

from govcrawl.stats.result import StatValue
from govcrawl.stats.values import nfkc, parse_cn_number

_NUM = r"([0-9]+|[零〇一二两三四五六七八九十百千万]+)"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "apply.new.total",
        re.compile(
            r"(?:收到|新收|受理)[^。；;，,]{0,24}?(?:申请|公开)(?:数量|总数)?(?:共计|共|为|合计)?"
            + _NUM
            + "件"
        ),
    ),
    ("apply.new.total", re.compile(r"(?:收到|受理)" + _NUM + r"件[^。；;，,]{0,8}?(?:申请|依申请)")),
    (
        "apply.carried_over.total",
        re.compile(
            r"(?:上年|上一年|上年度|\d{4}年)结转(?!到|至|下)(?:的)?[^。；;，,结]{0,14}?" + _NUM + "件"
        ),
    ),
    (
        "apply.carry_next.total",
        re.compile(r"结转(?:到|至)?(?:下一?年度?|\d{4}年度?)[^。；;，,]{0,10}?" + _NUM + "件"),
    ),
    ("review.total", re.compile(r"行政复议(?:案件)?(?:共|为)?" + _NUM + "(?:件|起)")),
    ("litigation.total", re.compile(r"行政诉讼(?:案件)?(?:共|为)?" + _NUM + "(?:件|起)")),
)
_NO_REQUESTS = re.compile(r"(?:未|没有)(?:收到|受理)[^。；;，,]{0,16}?(?:申请|依申请公开)|不存在依申请公开")
_NOTHING_HAPPENED = re.compile(r"(?:未发生|没有发生|未出现|无)[^。；;]{0,40}?(?:复议|诉讼)[^。；;]{0,12}")


def _sub_count(s: str, start: int) -> bool:
    return "其中" in s[max(0, start - 8) : start]


def parse_narrative(text: str) -> dict[str, StatValue]:
    """Text-derived values by key (``litigation.total`` = direct + after-review suits), source="text"."""
    s = re.sub(r"\s+", "", nfkc(text))
    out: dict[str, StatValue] = {}
    for key, pattern in _PATTERNS:
        if key in out:
            continue
        for m in pattern.finditer(s):
            n = parse_cn_number(m.group(1))
            if n is None or _sub_count(s, m.start()):
                continue
            out[key] = StatValue(key, n, m.group(0), "件", ("from_text",), "text")
            break
    if "apply.new.total" not in out:
        m = _NO_REQUESTS.search(s)
        if m:
            out["apply.new.total"] = StatValue("apply.new.total", 0, m.group(0), "件", ("from_text",), "text")
    for m in _NOTHING_HAPPENED.finditer(s):
        for word, key in (("复议", "review.total"), ("诉讼", "litigation.total")):
            if word in m.group(0) and key not in out:
                out[key] = StatValue(key, 0, m.group(0), "件", ("from_text",), "text")
    return out
