"""The table layouts the parsers walk: label matching, row groups and cell counts per format."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from govcrawl.stats.schema import APPLY_COLUMNS, FORMATS, REVIEW_KEYS, ActiveBlock, ApplyRow, Format
from govcrawl.stats.values import compact, normalise_label

#: Signatures of local forms (spec §3.2): value columns and request channels the 2014 table lacks.
LOCAL_SIGNATURES: tuple[str, ...] = (
    "本期实际",
    "本年累计",
    "历年累计",
    "计量单位",
    "电子邮件申请",
    "网上申请",
    "其他形式申请",
    "否决公开",
    "免予公开",
    "对申请的答复总数",
    "行政申诉",
)

APPLY_COLUMN_KEYS: tuple[str, ...] = tuple(c for c, _ in APPLY_COLUMNS)

#: Row-label synonyms (normalised form → canonical normalised label).
LABEL_SYNONYMS: dict[str, str] = {
    "规范性文件": "行政规范性文件",
    "合计": "总计",
    "其他对外管理服务": "其他对外管理服务事项",
}

_SIGNATURES: dict[str, tuple[str, ...]] = {
    "gov2021": (
        "本年制发件数",
        "本年废止件数",
        "现行有效件数",
        "本年收费金额",
        "逾期不补正",
        "逾期未按收费通知",
    ),
    "gov2019": (
        "本年新制作数量",
        "本年新公开数量",
        "对外公开总数量",
        "上一年项目数量",
        "其他对外管理服务事项",
        "采购总金额",
        "第二十条第(九)项",
    ),
    "legacy2014": (
        "统计指标",
        "收到申请数",
        "当面申请数",
        "举报投诉数量",
        "依申请公开信息收取的费用",
        "申请办结数",
    ),
}

_CAPTION = re.compile(r"第二十条第\(([一二三四五六七八九十]+)\)项")
CAPTION_KEYS = {"一": "art20_1", "五": "art20_5", "六": "art20_6", "八": "art20_8", "九": "art20_9"}


def detect_format(text: str) -> str | None:
    """The format whose header signatures (spec §0) the text carries most; None if none.

    legacy_local wins over legacy2014 on two signatures of its own (本年累计, 电子邮件申请…),
    which the national 2014 table never prints.

    Ties between gov2019 and gov2021 are broken by table 三's 其他处理 sub-rows.
    """
    s = compact(text)
    scores = {fid: sum(1 for sig in sigs if sig in s) for fid, sigs in _SIGNATURES.items()}
    local = sum(1 for sig in LOCAL_SIGNATURES if sig in s)
    if local >= 2 and local > max(scores["gov2019"], scores["gov2021"]):
        return "legacy_local"
    if scores["legacy2014"] >= 3 and scores["legacy2014"] > max(scores["gov2019"], scores["gov2021"]):
        return "legacy2014"
    if scores["gov2021"] == scores["gov2019"]:
        if "本年新收政府信息公开申请数量" not in s:
            return None
        return "gov2021" if "逾期未按收费通知" in s or "逾期不补正" in s else "gov2019"
    return "gov2021" if scores["gov2021"] > scores["gov2019"] else "gov2019"


def caption_block_key(text: str) -> str | None:
    """The table-二 block key (``art20_1`` …) a caption names, e.g. 第二十条 第（八）项 → art20_8."""
    m = _CAPTION.search(compact(text))
    return CAPTION_KEYS.get(m.group(1)) if m else None


def _canonical(label: str) -> str:
    return LABEL_SYNONYMS.get(label, label)


def labels_match(found: str, expected: str) -> bool:
    """Whether a normalised printed label names the expected canonical label.

    Equal after synonyms, or one a prefix of the other when the shorter has at least 4 characters
    (wrapped or truncated labels, appended explanations).
    """
    a, b = _canonical(found), _canonical(normalise_label(expected))
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and long_.startswith(short)


@dataclass(frozen=True)
class ApplyLayout:
    """Table 三 for one format: rows in order and the groups rows are validated in."""

    rows: tuple[ApplyRow, ...]
    # Normalised printed label → matched row: the same labels recur in every report.
    matches: dict[str, ApplyRow | None] = field(default_factory=dict, compare=False, repr=False)

    def groups(self) -> list[list[ApplyRow]]:
        """Rows grouped as the form merges them ((三)(四)(五) and gov2021's (六)); others alone."""
        out: list[list[ApplyRow]] = []
        for row in self.rows:
            group = row.labels[1] if len(row.labels) == 3 else None
            if group and out and len(out[-1][0].labels) == 3 and out[-1][0].labels[1] == group:
                out[-1].append(row)
            else:
                out.append([row])
        return out

    def match_leaf(self, label: str, previous: str | None = None) -> ApplyRow | None:
        """The row whose leaf label the printed ``label`` names (``previous``: the label before it)."""
        norm = normalise_label(label)
        if not norm:
            return None
        if norm == "其他":
            # 3.其他 must not be taken for the 其他 applicant column header.
            enumerated = re.match(r"^3[.、]", compact(label)) is not None
            if enumerated or (previous and normalise_label(previous) == "其他处理"):
                return next((r for r in self.rows if normalise_label(r.labels[-1]) == "其他"), None)
            return None
        if norm not in self.matches:
            self.matches[norm] = next(
                (
                    r
                    for r in self.rows
                    if normalise_label(r.labels[-1]) != "其他" and labels_match(norm, r.labels[-1])
                ),
                None,
            )
        return self.matches[norm]


_LAYOUTS = {fid: ApplyLayout(fmt.apply_rows) for fid, fmt in FORMATS.items()}
_ACTIVE_MATCHES: dict[tuple[str, str], tuple[ActiveBlock, str] | None] = {}


def apply_layout(fmt: Format) -> ApplyLayout:
    return _LAYOUTS[fmt.id]


def match_active_row(fmt: Format, label: str) -> tuple[ActiveBlock, str] | None:
    """The (block, row key) a printed table-二 row label names, in any block of the format."""
    norm = normalise_label(label)
    if not norm:
        return None
    if (fmt.id, norm) not in _ACTIVE_MATCHES:
        _ACTIVE_MATCHES[fmt.id, norm] = next(
            ((b, rk) for b in fmt.active for rk, rl in b.rows if labels_match(norm, rl)), None
        )
    return _ACTIVE_MATCHES[fmt.id, norm]


def clear_match_caches() -> None:
    """Forget memoised label matches (see ``govcrawl.stats.clear_caches``)."""
    _ACTIVE_MATCHES.clear()
    for layout in _LAYOUTS.values():
        layout.matches.clear()


def format_by_id(fid: str) -> Format:
    return FORMATS[fid]


REVIEW_GROUP_KEYS: tuple[tuple[str, ...], ...] = tuple(REVIEW_KEYS[i : i + 5] for i in range(0, 15, 5))
