"""Reading one printed cell or label: normalisation of labels and of values (spec §4.1, §4.2)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

# Traditional forms seen on mirrored pages; enough for the table labels, not a general converter.
_TRADITIONAL = (
    "條項與開據資訊處請經審議訴訟範圍書關機構稱數總計結轉紀錄類務級許強製規範費準護權內實際業團體會學"
    "護對協調務報導問題組織專國級統"
)
_T2S = str.maketrans(
    _TRADITIONAL,
    "条项与开据资讯处请经审议诉讼范围书关机构称数总计结转纪录类务级许强制规范费准护权内实际业团体会学"
    "护对协调务报导问题组织专国级统",
)
# str.translate with a dict costs a lookup per character: on a whole report it dominated parsing,
# so the folds below first search for a character they would change.
_HAS_TRADITIONAL = re.compile(f"[{_TRADITIONAL}]")
_SPACE_OR_QUOTE = re.compile(r"[\s“”‘’\"'「」]+")
_ENUM_HEAD = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十\d]+\)|\d+[.、]|其中[:：]?)"
)
_BRACKETED = re.compile(r"\([^()]*\)")
_DASHES = {"/", "-", "—", "——", "―", "–", "－", "N/A", "n/a", "NA", "无", "暂无", "不涉及", "\\"}
_NO_CHANGE = {"持平", "不变", "无变化", "无增减"}
_UNITS = ("人次", "万元", "件", "项", "个", "条", "次", "人", "篇", "元", "起", "家")
_NUMBER = re.compile(r"^([+\-−]?)(\d+(?:\.\d+)?)(" + "|".join(_UNITS) + r")?$")
_WORD_CHANGE = re.compile(r"^(增加|增|减少|减)(\d+(?:\.\d+)?)(" + "|".join(_UNITS) + r")?$")


def nfkc(text: str) -> str:
    """NFKC, with the minus sign and ideographic space folded as NFKC leaves them."""
    return unicodedata.normalize("NFKC", text).replace("−", "-").replace("\u3000", " ")


@lru_cache(maxsize=16384)  # pure; labels and cells repeat across rows and reports
def normalise_label(text: str) -> str:
    """A label reduced for matching: NFKC, no whitespace, simplified, no quotes.

    Leading enumerators (一、 （三） 1. 其中：) and bracketed explanations are removed.
    """
    s = compact(text)
    while True:
        stripped = _ENUM_HEAD.sub("", s)
        if stripped == s:
            break
        s = stripped
    return _BRACKETED.sub("", s)


def to_simplified(text: str) -> str:
    """Traditional characters of the table labels folded to simplified (same length)."""
    return text.translate(_T2S) if _HAS_TRADITIONAL.search(text) else text


@lru_cache(maxsize=16384)  # pure; labels and cells repeat across rows and reports
def compact(text: str) -> str:
    """NFKC, simplified characters, no whitespace and no quotes: for searching signatures."""
    return to_simplified(_SPACE_OR_QUOTE.sub("", nfkc(text)))


@dataclass(frozen=True)
class CellValue:
    """A parsed value cell: the number (None for blank), its unit if printed, and flags."""

    value: int | Decimal | None
    unit: str | None
    flags: tuple[str, ...]
    raw: str


def _number(digits: str) -> int | Decimal:
    return Decimal(digits) if "." in digits else int(digits)


@lru_cache(maxsize=16384)  # pure; labels and cells repeat across rows and reports
def parse_value(raw: str) -> CellValue | None:
    """Read a value cell; None when the text is not a value (a label).

    Blank → value None, flag blank. ``/ - — 无 暂无 不涉及`` → 0, flag dash. Signed changes
    (``-1942``, ``+43``, ``−8``, ``增5``, ``减3``, ``持平``), units typed into cells (``0件``,
    ``251000元``), thousands separators and full-width digits are read.
    """
    s = re.sub(r"\s+", "", nfkc(raw))
    if s == "":
        return CellValue(None, None, ("blank",), raw)
    if s in _DASHES:
        return CellValue(0, None, ("dash",), raw)
    if s in _NO_CHANGE:
        return CellValue(0, None, (), raw)
    s = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", s)
    m = _NUMBER.match(s)
    if m:
        sign, digits, unit = m.groups()
        n = _number(digits)
        return CellValue(-n if sign == "-" else n, unit, (), raw)
    m = _WORD_CHANGE.match(s)
    if m:
        word, digits, unit = m.groups()
        n = _number(digits)
        return CellValue(-n if word.startswith("减") else n, unit, (), raw)
    return None


_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}


def parse_cn_number(text: str) -> int | None:
    """An integer written in Arabic digits or Chinese numerals (六, 十二, 一百零三, 两千); None if neither."""
    s = nfkc(text).replace(",", "")
    if s.isdigit():
        return int(s)
    if not s or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in s):
        return None
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
            continue
        unit = _CN_UNITS[ch]
        if unit == 10000:
            total += (section + (digit or 0)) * unit
            section, digit = 0, None
        else:
            section += (1 if digit is None else digit) * unit
            digit = None
    return total + section + (digit or 0)
