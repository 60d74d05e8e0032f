"""Mojibake: text that was decoded with the wrong charset before it reached us, detected and undone.

Real Chinese prose is written almost entirely (99 % and more in the seed reports) in the 3,755
level-1 characters of GB2312. UTF-8 bytes read as GBK give rare level-2 and GBK-extension
characters instead ("政府" → "鏀垮簻": about 13 % level-1), and UTF-8 read as Latin-1 gives Latin
letters ("政府" → "æ”¿åºœ"). Both are undone run by run (page chrome around a broken body is
often fine) and a repair is kept only when the result reads as Chinese. Text that went through a
lossy decode twice ("锟斤拷", the GBK reading of UTF-8 replacement characters) cannot be
recovered: it is an extraction error when it is a large part of the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from govcrawl.extract.errors import ExtractionError

#: GB2312 level 1: rows 0xB0–0xD7 (the last row ends at 0xF9).
_LEVEL1 = frozenset(
    bytes([hi, lo]).decode("gb2312")
    for hi in range(0xB0, 0xD8)
    for lo in range(0xA1, 0xFF)
    if not (hi == 0xD7 and lo > 0xF9)
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
#: Fewer CJK characters than this say nothing about the text's charset.
_MIN_CJK = 20
#: Below this share of level-1 characters a text is not plain Chinese.
_MOJIBAKE_SHARE = 0.5
#: A repaired text must reach this share to be believed.
_REPAIRED_SHARE = 0.8
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
#: UTF-8 read as Latin-1 or cp1252: lead bytes Ã-ï followed by continuation bytes.
_CONT = "[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]"
_LATIN_RUN = re.compile(f"(?:[\u00c0-\u00ef]{_CONT}{{1,2}})+")
#: What twice-decoded replacement characters look like (UTF-8 EF BF BD read as GBK).
_LOST = re.compile(r"锟斤拷|\ufffd")


def common_share(text: str, min_cjk: int = _MIN_CJK) -> float | None:
    """Share of level-1 GB2312 characters among the CJK characters; None for fewer than ``min_cjk``."""
    cjk = _CJK.findall(text)
    if not cjk or len(cjk) < min_cjk:
        return None
    return sum(1 for c in cjk if c in _LEVEL1) / len(cjk)


def _utf8_read_as_gbk(run: str) -> str:
    # Characters the wrong decode replaced are gone; the bytes around them still decode.
    return run.replace("\ufffd", "").encode("gb18030", errors="ignore").decode("utf-8", errors="replace")


def _utf8_read_as_latin(run: str) -> str:
    raw = bytearray()
    for ch in run:
        try:
            raw += ch.encode("cp1252")
        except UnicodeEncodeError:
            raw += ch.encode("latin-1", errors="ignore")
    return raw.decode("utf-8", errors="replace")


def _reads_better(run: str, fixed: str) -> bool:
    before, after = common_share(run, 1), common_share(fixed, 1)
    if after is None:  # no CJK left (punctuation, a lost character): better than rare characters
        return before is not None and before < _MOJIBAKE_SHARE
    return before is None or after > before


def _decodes_cleanly(run: str, fixed: str) -> bool:
    return "\ufffd" not in fixed


def _repair_runs(
    text: str, pattern: re.Pattern[str], undo: Callable[[str], str], accept: Callable[[str, str], bool]
) -> str:
    def fix(m: re.Match[str]) -> str:
        run = m.group(0)
        fixed = undo(run)
        return fixed if accept(run, fixed) else run

    return pattern.sub(fix, text)


def repair_mojibake(text: str) -> tuple[str, list[str]]:
    """``text`` with mojibake undone, and warnings saying what was done.

    Raises ``ExtractionError`` "mojibake" when the text is mostly mojibake that cannot be undone.
    """
    warnings: list[str] = []
    latin = _LATIN_RUN.findall(text)
    if latin and sum(map(len, latin)) >= 12:
        fixed = _repair_runs(text, _LATIN_RUN, _utf8_read_as_latin, _decodes_cleanly)
        if fixed != text:
            text = fixed
            warnings.append("mojibake repaired: UTF-8 text had been read as Latin-1")
    share = common_share(text)
    if share is not None and share < _MOJIBAKE_SHARE:
        fixed = _repair_runs(text, _NON_ASCII_RUN, _utf8_read_as_gbk, _reads_better)
        after = common_share(fixed)
        if after is not None and after >= _REPAIRED_SHARE:
            lost = fixed.count("\ufffd")
            warnings.append(f"mojibake repaired: UTF-8 text had been read as GBK ({lost} characters lost)")
            return fixed, warnings
        raise ExtractionError(
            "mojibake",
            f"text reads as mojibake (level-1 share {share:.0%}) and no charset repair restores it",
        )
    lost = sum(len(m) for m in _LOST.findall(text))
    if lost >= 3 and lost >= 0.1 * len(_CJK.findall(text)):
        raise ExtractionError("mojibake", f"{lost} characters lost to a wrong decode at the source (锟斤拷)")
    if "锟斤拷" in text:
        warnings.append(
            f"{text.count('锟斤拷')} runs of 锟斤拷: characters lost to a wrong decode at the source"
        )
    return text, warnings
