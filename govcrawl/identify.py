"""Whose report a document is, and for which year: title, year reported on, division, publisher.

Everything here is a pure function of the extracted :class:`~govcrawl.document.Document`, the
link text that led to it and the portal it was found on. The year is the year **reported on**
(a 2018 report is published in 2019), never a publication date; the division is the unit named
in the title (resolved through current and historical division names), with the portal as
context for repeated names and as the fallback when the title names no unit.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import opencc

from govcrawl.divisions import Division, Divisions
from govcrawl.document import Document

LEVEL_GOVERNMENT = "本级人民政府"
LEVEL_DEPARTMENT = "部门"
LEVEL_TOWNSHIP = "乡镇街道"

#: The report phrase: 政府信息公开(工作)年度报告, 政府信息公开年报, 信息公开年度报告, 政务信息公开年报...
_REPORT_PHRASE = re.compile(
    r"(?:政府|政务)?信息公开(?:工作)?(?:年度(?:工作)?报告|年报|工作报告)|政务公开(?:工作)?年度报告"
)
_ELLIPSIS = re.compile(r"(?:\.{2,}|…+|·{2,})$")
#: The start of the report phrase at the point where a list page cut a title short.
_CUT_PHRASE = re.compile(r"(?:政府|政务)?信息公开(?:工作?|(?:工作)?年度?报?)$")
#: Titles that mention the report but are something else: notices about it, reviews, plans.
_NOT_A_REPORT = re.compile(
    r"通知|通报|要点|方案|统计公报|解读|图解|编制|报送|做好|开展|印发|转发|评估|考核|检查|培训|会议|召开|"
    r"决算|预算|企业年度报告|年报公示|目录|指南|专栏"
)
_CN_DIGITS = str.maketrans("〇零○一二三四五六七八九", "000123456789")
_YEAR = r"(?:19[89]\d|20[0-4]\d)"
#: A year token in a title: 2018年 / 2018年度 / 二〇一八年 / a bare 2018.
_TITLE_YEAR = re.compile(rf"(?<!\d)({_YEAR})(?!\d)\s*(?:年度|年)?")
_STATS_PERIOD = re.compile(rf"统计(?:期限|时限|时间|期间|区间|范围)[^0-9]{{0,10}}({_YEAR})年")
_REPORT_YEAR_IN_TEXT = re.compile(
    rf"({_YEAR})年度?(?:本级|本机关|本单位|全[区县市州旗])?(?:政府|政务)?信息公开(?:工作)?(?:年度)?(?:报告|年报)"
)
#: A report's narrative usually opens on its year: "2019年，我乡…", "2019年以来，我局…".
_OPENING_YEAR = re.compile(rf"^\W*(?:[一1][、.．]?\s*总体情况|概述)?\W*({_YEAR})年(?:以来|度)?[，,、\s]")
#: Year tokens of the narrative; 2019年3月 is a date (publication, signature) and does not count.
_NARRATIVE_YEAR = re.compile(rf"({_YEAR})年(?!\d{{1,2}}月)")
_FILE_EXT = re.compile(r"\.(?:docx?|pdf|wps|html?|txt|xlsx?)$", re.IGNORECASE)
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--|—{1,2}|-\s)\s*")
_TOWNSHIP_END = re.compile(r"(?:乡|镇|街道|苏木|民族乡)$")
_TOWNSHIP_PUBLISHER = re.compile(r"(?:乡|镇|苏木)人民政府$|街道办事处$|街道办$")
_RELATIVE_BODY = re.compile(r"^(?:本|我)?[市区县州旗](?=[^市区县州旗])")
#: How a report's author refers to itself ("我局认真贯彻…", "2019年，我乡…"), by publisher level.
_SELF_REFERENCES = (
    (LEVEL_DEPARTMENT, re.compile(r"我(?:局|委|办|中心|厅|院|署|站|所|队)|本局")),
    (LEVEL_TOWNSHIP, re.compile(r"我(?:乡|镇|街道)|本(?:乡|镇)")),
    (LEVEL_GOVERNMENT, re.compile(r"我(?:省|市|区|县|州|旗)(?![委直])")),
)
#: Section headings every post-2008 report has; two of them mark a report body without a title.
_REPORT_SECTIONS = (
    "主动公开政府信息情况",
    "依申请公开",
    "收到和处理政府信息公开申请情况",
    "行政复议",
    "存在的主要问题及改进",
)


@dataclass
class Identity:
    """Whose report a document is and for which year, with how each field was decided."""

    division_code: str | None
    region: str | None
    year: int | None
    publisher: str | None
    #: "本级人民政府" | "部门" | "乡镇街道" | None
    publisher_level: str | None
    title: str | None
    is_report: bool
    #: field -> source: "title", "link_text", "text:title_line", "text:统计期限", "portal", ...
    evidence: dict[str, str] = field(default_factory=dict)


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """NFKC, traditional characters converted to simplified (OpenCC ``t2s``), for matching only:
    documents keep their original text. Simplified text comes back unchanged."""
    return _t2s().convert(unicodedata.normalize("NFKC", text))


def _compact(text: str) -> str:
    """Simplified, NFKC, no whitespace (PDF text spaces out CJK: "2021 年政府…")."""
    return re.sub(r"\s+", "", to_simplified(text))


def is_report_title(title: str) -> bool:
    """True for the title of a government information-disclosure annual report for a given year.

    It must carry the report phrase (政府信息公开工作年度报告, 政府信息公开年报, 信息公开年度报告,
    政务信息公开年报…, traditional characters too) and a year, and must not be a notice, review,
    work plan or other document about such reports. List pages cut long titles short
    ("…2019年政府信息公开工..."): a cut title counts when it breaks off inside the phrase.
    """
    t = _compact(_FILE_EXT.sub("", title.strip()))
    if _NOT_A_REPORT.search(t) or _title_year(t) is None:
        return False
    if _REPORT_PHRASE.search(t):
        return True
    cut = _ELLIPSIS.search(t)
    return bool(cut and _CUT_PHRASE.search(t[: cut.start()]))


def _title_year(compact_title: str) -> int | None:
    """The year in a (compacted) title, preferring one followed by 年/年度; Chinese numerals too."""
    t = re.sub(
        r"[〇零○一二三四五六七八九]{4}(?=年)", lambda m: m.group(0).translate(_CN_DIGITS), compact_title
    )
    phrase = _REPORT_PHRASE.search(t)
    head = t[: phrase.start()] if phrase else t
    for scope in (head, t):
        for m in _TITLE_YEAR.finditer(scope):
            return int(m.group(1))
    return None


def clean_title(raw: str) -> str | None:
    """A title without file extensions, site-name suffixes and stray whitespace."""
    text = _FILE_EXT.sub("", unicodedata.normalize("NFKC", raw).strip())
    parts = [p for p in _TITLE_SEPARATORS.split(text) if p.strip()]
    reportish = [p for p in parts if _REPORT_PHRASE.search(_compact(p))]
    best = reportish[0] if reportish else (parts[0] if parts else "")
    # Drop spaces the extractor put between CJK characters and digits.
    best = re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", best.strip())
    return best or None


def _title_lines(doc: Document, limit: int = 40) -> list[str]:
    lines = []
    for b in doc.blocks[:limit]:
        if b.kind == "table":
            continue
        lines.extend(line for line in b.text.splitlines() if line.strip())
    return lines[:limit]


def _url_file_name(url: str) -> str | None:
    """An attachment's file name, which is often its title (…/任城区2021年…年度报告.pdf)."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return name if _FILE_EXT.search(name) else None


def choose_title(doc: Document, link_text: str | None, url: str = "") -> tuple[str | None, str | None]:
    """The report's title and where it came from: doc.title, link text, file name or a text line.

    Report-like candidates win, and among them the first that names its body.
    """
    sources = [("title", doc.title), ("link_text", link_text), ("url", _url_file_name(url))]
    sources += [("text:title_line", line) for line in _title_lines(doc) if len(line.strip()) <= 120]
    reportish = [(clean_title(raw), source) for source, raw in sources if raw and is_report_title(raw)]
    # A title that names its body beats one that does not (doc.title "2019年…年度报告").
    for title, source in reportish:
        if title and subject_of(title):
            return title, source
    if reportish:
        return reportish[0]
    for source, raw in sources[:2]:
        if raw and raw.strip():
            return clean_title(raw), source
    return None, None


def subject_of(title: str) -> str:
    """The body a title names: the text before the report phrase, year tokens removed.

    "昆明市晋宁区2018年政府信息公开工作年度报告" -> "昆明市晋宁区";
    "2018年港闸区政府信息公开工作年度报告" -> "港闸区".
    """
    t = _compact(title)
    phrase = _REPORT_PHRASE.search(t) or _CUT_PHRASE.search(_ELLIPSIS.sub("", t))
    head = t[: phrase.start()] if phrase else t
    head = re.sub(rf"(?<!\d){_YEAR}(?:年度|年)?|[〇零○一二三四五六七八九]{{4}}年度?", "", head)
    head = re.sub(r"^[\W_]+|[\W_]+$|的$|关于", "", head)
    if head.endswith("人民"):
        head += "政府"
    return head


def find_year(doc: Document, title: str | None, title_source: str | None) -> tuple[int | None, str | None]:
    """The year reported on, and the evidence: title first, then the text's own statements."""
    if title:
        year = _title_year(_compact(title))
        if year is not None:
            return year, title_source
    text = _compact(doc.text)
    for pattern, evidence in (
        (_STATS_PERIOD, "text:统计期限"),
        (_REPORT_YEAR_IN_TEXT, "text:report_phrase"),
        (_OPENING_YEAR, "text:opening"),
    ):
        m = pattern.search(text)
        if m:
            return int(m.group(1)), evidence
    # Last resort: the year the narrative talks about most, dates aside.
    counts = Counter(int(m.group(1)) for m in _NARRATIVE_YEAR.finditer(text))
    if counts:
        return counts.most_common(1)[0][0], "text:most_frequent_year"
    return None, None


def _most_specific(mentions: list[Division]) -> Division | None:
    order = {"county": 0, "prefecture": 1, "province": 2}
    if not mentions:
        return None
    return min(mentions, key=lambda d: order.get(d.level, 3))


def _division_in(
    divisions: Divisions, text: str, *, year: int | None, context: str | None
) -> tuple[Division | None, str]:
    """The most specific unit named in a title's subject, and the alias that named it."""
    mentions = divisions.mentions(text, year=year, context=context, name_ends_text=True)
    best = _most_specific([m.division for m in mentions])
    alias = next((m.alias for m in mentions if m.division is best), "")
    return best, alias


def _text_division(
    divisions: Divisions, doc: Document, *, year: int | None, context: str | None
) -> Division | None:
    """The unit a title-less text is mostly about: the most named county, else prefecture."""
    head = _compact(doc.text)[:3000]
    counts = Counter(m.division for m in divisions.mentions(head, year=year, context=context))
    for level in ("county", "prefecture", "province"):
        ranked = [(n, d) for d, n in counts.items() if d.level == level]
        if ranked:
            return max(ranked, key=lambda x: x[0])[1]
    return None


def publisher_of(subject: str, region_alias: str) -> tuple[str | None, str | None]:
    """Normalise the body a title names into a publisher name and its level.

    A bare unit name (昆明市晋宁区) is its 人民政府; a township (新平县平掌乡) its 人民政府 or
    街道办事处; anything else that is not a government (…局, …委员会, …办公室) is a department.
    """
    if not subject:
        return None, None
    if _TOWNSHIP_PUBLISHER.search(subject):
        return re.sub(r"街道办$", "街道办事处", subject), LEVEL_TOWNSHIP
    if _TOWNSHIP_END.search(subject):
        suffix = "办事处" if subject.endswith("街道") else "人民政府"
        return subject + suffix, LEVEL_TOWNSHIP
    if re.search(r"(?:乡|镇)政府$", subject):
        return subject[:-2] + "人民政府", LEVEL_TOWNSHIP
    if subject.endswith("人民政府"):
        return subject, LEVEL_GOVERNMENT
    if subject.endswith("政府") and not subject.endswith("人民政府"):
        return subject[:-2] + "人民政府", LEVEL_GOVERNMENT
    if region_alias and subject.endswith(region_alias) and len(subject) <= len(region_alias) + 6:
        return subject + "人民政府", LEVEL_GOVERNMENT
    return subject, LEVEL_DEPARTMENT


def _looks_like_report_body(doc: Document) -> bool:
    text = _compact(doc.text)
    return sum(1 for s in _REPORT_SECTIONS if s in text) >= 2


def identify(
    doc: Document,
    *,
    url: str = "",
    link_text: str | None = None,
    portal_code: str | None = None,
    divisions: Divisions | None = None,
) -> Identity:
    """Decide title, year reported on, division, publisher and publisher level of a document.

    ``url`` lends its file name as a title candidate (attachments are usually named after the
    report); ``portal_code`` is the division code of the portal the document was found on (the
    unit a report without a named region belongs to); ``divisions`` defaults to the shipped
    reference tables.
    """
    divisions = divisions or Divisions.load()
    evidence: dict[str, str] = {}
    title, title_source = choose_title(doc, link_text, url)
    if title_source:
        evidence["title"] = title_source

    year, year_source = find_year(doc, title, title_source)
    if year_source:
        evidence["year"] = year_source

    context = portal_code
    subject = subject_of(title) if title and is_report_title(title) else ""
    division, alias = (None, "")
    if subject:
        division, alias = _division_in(divisions, subject, year=year, context=context)
    if division is not None and title_source:
        evidence["region"] = title_source
    elif portal_code is not None and divisions.by_code(portal_code) is not None:
        division = divisions.by_code(portal_code)
        evidence["region"] = "portal"
    else:
        division = _text_division(divisions, doc, year=year, context=context)
        if division is not None:
            evidence["region"] = "text"

    if division is not None and re.fullmatch(r"(?:本|我|全)?[市区县州旗]", subject):
        subject, alias = division.name, division.name
    elif subject and division is not None and _RELATIVE_BODY.match(subject):
        # "区财政局" on 港闸区's portal: the body belongs to the unit, name it in full.
        subject = division.name + _RELATIVE_BODY.sub("", subject)
    publisher, level = publisher_of(subject, alias)
    if publisher is not None and title_source:
        evidence["publisher"] = title_source
    else:
        publisher, level, source = _publisher_from_text(doc, division)
        if source:
            evidence["publisher"] = source

    is_report = bool(title and is_report_title(title))
    if (
        not is_report
        and _looks_like_report_body(doc)
        and not (title and _NOT_A_REPORT.search(_compact(title)))
    ):
        is_report = True
        evidence["is_report"] = "text:sections"

    return Identity(
        division_code=division.code if division else None,
        region=division.name if division else None,
        year=year,
        publisher=publisher,
        publisher_level=level,
        title=title,
        is_report=is_report,
        evidence=evidence,
    )


def _publisher_from_text(
    doc: Document, division: Division | None
) -> tuple[str | None, str | None, str | None]:
    """Without a named body: how the text names itself (我局 / 我乡 / 我区), else the government.

    Returns publisher, level and evidence. Only a government's name follows from its unit.
    """
    head = _compact(doc.text)[:2000]
    counts = [(len(pattern.findall(head)), level) for level, pattern in _SELF_REFERENCES]
    n, level = max(counts, key=lambda c: c[0])  # ties: the first listed (department) wins
    if n and level != LEVEL_GOVERNMENT:
        return None, level, "text:self_reference"
    if division is None:
        return None, (level if n else None), ("text:self_reference" if n else None)
    return division.name + "人民政府", LEVEL_GOVERNMENT, "text:self_reference" if n else "default:region"
