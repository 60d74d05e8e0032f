"""Numbers stated in prose (spec §4.3.11): received, carried over, carried to next year, appeals.

Patterns are anchored on a keyword and a unit (件, 元, 万元); of several statements of one kind the
first that calls itself a total (共, 全年, 全区…) wins, else the first, and sentences introduced by
其中 (sub-counts) are skipped. Section 六's 信息处理费 (spec §2.5) gives ``other.info_fee.*`` in yuan. Negative statements (未收到…申请,
未发生…行政复议/诉讼) give explicit zeros flagged ``from_text``; nothing the text does not say is
filled in.
"""

from __future__ import annotations

import re
from decimal import Decimal

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
_MONEY = r"([0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千万]+)(万元|元)"
#: Amounts in yuan (the spec's 六 keys and the gov2019 （九） amount when only prose states it).
_AMOUNTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "other.info_fee.collected_amount_yuan",
        re.compile(r"(?:实际)?收取(?:了)?(?:政府信息公开)?信息处理费(?:共计|合计|共|为|金额)?" + _MONEY),
    ),
    (
        "other.info_fee.notices_amount_yuan",
        re.compile(r"收费通知(?:书)?[^。；;]{0,12}?(?:金额|涉及金额|共计|合计)(?:为|共)?" + _MONEY),
    ),
    ("active.art20_9.procurement.amount", re.compile(r"采购总金额(?:为|是|达|共计)?" + _MONEY)),
)
_FEE_NOTICES = re.compile(
    r"(?:发出|出具|送达|发送)(?:信息处理费)?收费通知(?:书)?(?:共|共计)?" + _NUM + "(?:件|份|次)"
)
_NO_FEE = re.compile(r"(?:未|没有|均未|不)收取(?:任何)?(?:政府信息公开)?信息处理费")
_NO_REQUESTS = re.compile(r"(?:未|没有)(?:收到|受理)[^。；;，,]{0,16}?(?:申请|依申请公开)|不存在依申请公开")
# 无 only opening a clause (无行政复议…): a table's 无 cell near a 行政复议 heading is not a statement.
_NOTHING_HAPPENED = re.compile(
    r"(?:未发生|没有发生|未出现|(?:^|(?<=[，,。；;：:]))无)[^。；;|]{0,40}?(?:复议|诉讼)[^。；;|]{0,12}"
)
# A statement of the whole unit's total, preferred over the first statement (often one office's).
_TOTALISER = re.compile(r"(?:共|总|合计|全年|全区|全市|全县|全镇|全乡|本机关|本单位)")


def _sub_count(s: str, start: int) -> bool:
    return "其中" in s[max(0, start - 8) : start]


def _best(pattern: re.Pattern[str], s: str) -> tuple[re.Match[str], int] | None:
    """The statement to keep: the first one that says it is a total (共, 全年, 全区…), else the first;
    sub-counts (其中…) never."""
    found = []
    for m in pattern.finditer(s):
        n = parse_cn_number(m.group(1))
        if n is not None and not _sub_count(s, m.start()):
            found.append((m, n))
    totals = [(m, n) for m, n in found if _TOTALISER.search(s[max(0, m.start() - 10) : m.end()])]
    return (totals or found or [None])[0]


def _yuan(digits: str, unit: str) -> tuple[int | Decimal, tuple[str, ...]] | None:
    """An amount in yuan; 万元 is converted (flag unit_converted; the unit kept is the printed one)."""
    n: int | Decimal | None = Decimal(digits) if "." in digits else parse_cn_number(digits)
    if n is None:
        return None
    if unit == "万元":
        v = Decimal(n) * 10000
        return (int(v) if v == v.to_integral_value() else v), ("from_text", "unit_converted")
    return n, ("from_text",)


def parse_narrative(text: str) -> dict[str, StatValue]:
    """Text-derived values by key (``litigation.total`` = direct + after-review suits), source="text"."""
    s = re.sub(r"\s+", "", nfkc(text))
    out: dict[str, StatValue] = {}
    for key, pattern in _PATTERNS:
        if key in out:
            continue
        best = _best(pattern, s)
        if best:
            m, n = best
            out[key] = StatValue(key, n, m.group(0), "件", ("from_text",), "text")
    if "apply.new.total" not in out:
        m = _NO_REQUESTS.search(s)
        if m:
            out["apply.new.total"] = StatValue("apply.new.total", 0, m.group(0), "件", ("from_text",), "text")
    for m in _NOTHING_HAPPENED.finditer(s):
        for word, key in (("复议", "review.total"), ("诉讼", "litigation.total")):
            if word in m.group(0) and key not in out:
                out[key] = StatValue(key, 0, m.group(0), "件", ("from_text",), "text")
    for key, pattern in _AMOUNTS:
        for m in pattern.finditer(s):
            got = _yuan(m.group(1), m.group(2))
            if got is not None and key not in out:
                out[key] = StatValue(key, got[0], m.group(0), m.group(2), got[1], "text")
    best = _best(_FEE_NOTICES, s)
    if best:
        m, n = best
        out["other.info_fee.notices_count"] = StatValue(
            "other.info_fee.notices_count", n, m.group(0), "件", ("from_text",), "text"
        )
    m = _NO_FEE.search(s)
    if m and "other.info_fee.collected_amount_yuan" not in out:
        key = "other.info_fee.collected_amount_yuan"
        out[key] = StatValue(key, 0, m.group(0), "元", ("from_text",), "text")
    return out
