"""The statistics tables of annual reports and their canonical keys.

This module is the project's public statistics vocabulary, transcribed from
``report-format-spec.md`` (sections 1-3). Parsers match labels from here; the
replica web renders its tables from here; export and checks name keys from here.
Nothing in it parses or renders: it is data.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

#: The seven applicant columns of table 三, in value order (total last).
APPLY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("natural_person", "自然人"),
    ("commercial", "商业企业"),
    ("research", "科研机构"),
    ("public_welfare", "社会公益组织"),
    ("legal_service", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
)


@dataclass(frozen=True)
class ActiveBlock:
    """One captioned block of table 二 (第二十条第（X）项)."""

    key: str  # e.g. "art20_1"
    caption: str  # e.g. "第二十条第（一）项"
    rows: tuple[tuple[str, str], ...]  # (row key, row label)
    columns: tuple[tuple[str, str], ...]  # (column key, column label)

    def keys(self) -> list[str]:
        """Every cell key of the block, row by row."""
        return [f"active.{self.key}.{r}.{c}" for r, _ in self.rows for c, _ in self.columns]


@dataclass(frozen=True)
class ApplyRow:
    """One data row of table 三: its key and its label hierarchy (group labels first)."""

    key: str  # e.g. "result.denied.state_secret"
    labels: tuple[str, ...]

    def keys(self) -> list[str]:
        """The seven cell keys of the row, in value order."""
        return list(_apply_row_keys(self.key))


@cache  # parsers ask for a row's keys for every row of every report
def _apply_row_keys(row_key: str) -> tuple[str, ...]:
    return tuple(f"apply.{row_key}.{c}" for c, _ in APPLY_COLUMNS)


@dataclass(frozen=True)
class Format:
    """A report format: its three tables."""

    id: str
    active: tuple[ActiveBlock, ...]
    apply_rows: tuple[ApplyRow, ...]

    def active_keys(self) -> list[str]:
        return [k for b in self.active for k in b.keys()]

    def apply_keys(self) -> list[str]:
        return [k for r in self.apply_rows for k in r.keys()]

    def all_keys(self) -> list[str]:
        return self.active_keys() + self.apply_keys() + list(REVIEW_KEYS)


_ITEMS3 = (
    ("items_prev_year", "上一年项目数量"),
    ("items_change", "本年增/减"),
    ("decisions", "处理决定数量"),
)

GOV2019_ACTIVE = (
    ActiveBlock(
        "art20_1",
        "第二十条第（一）项",
        (("rules", "规章"), ("normative", "规范性文件")),
        (("made", "本年新制作数量"), ("published", "本年新公开数量"), ("total_public", "对外公开总数量")),
    ),
    ActiveBlock(
        "art20_5",
        "第二十条第（五）项",
        (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")),
        _ITEMS3,
    ),
    ActiveBlock(
        "art20_6",
        "第二十条第（六）项",
        (("penalty", "行政处罚"), ("coercion", "行政强制")),
        _ITEMS3,
    ),
    ActiveBlock("art20_8", "第二十条第（八）项", (("fees", "行政事业性收费"),), _ITEMS3[:2]),
    ActiveBlock(
        "art20_9",
        "第二十条第（九）项",
        (("procurement", "政府集中采购"),),
        (("projects", "采购项目数量"), ("amount", "采购总金额")),
    ),
)

_DECISIONS = (("decisions", "本年处理决定数量"),)

GOV2021_ACTIVE = (
    ActiveBlock(
        "art20_1",
        "第二十条第（一）项",
        (("rules", "规章"), ("normative", "行政规范性文件")),
        (("issued", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数")),
    ),
    ActiveBlock("art20_5", "第二十条第（五）项", (("licensing", "行政许可"),), _DECISIONS),
    ActiveBlock(
        "art20_6",
        "第二十条第（六）项",
        (("penalty", "行政处罚"), ("coercion", "行政强制")),
        _DECISIONS,
    ),
    ActiveBlock(
        "art20_8",
        "第二十条第（八）项",
        (("fees", "行政事业性收费"),),
        (("amount_wan", "本年收费金额（单位：万元）"),),
    ),
)

_R = "三、本年度办理结果"
_DENIED = "（三）不予公开"
_UNAVAIL = "（四）无法提供"
_NOTPROC = "（五）不予处理"
_OTHER = "（六）其他处理"

_APPLY_HEAD = (
    ApplyRow("new", ("一、本年新收政府信息公开申请数量",)),
    ApplyRow("carried_over", ("二、上年结转政府信息公开申请数量",)),
    ApplyRow("result.granted", (_R, "（一）予以公开")),
    ApplyRow("result.partial", (_R, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）")),
    ApplyRow("result.denied.state_secret", (_R, _DENIED, "1.属于国家秘密")),
    ApplyRow("result.denied.law_prohibited", (_R, _DENIED, "2.其他法律行政法规禁止公开")),
    ApplyRow("result.denied.security_stability", (_R, _DENIED, "3.危及“三安全一稳定”")),
    ApplyRow("result.denied.third_party", (_R, _DENIED, "4.保护第三方合法权益")),
    ApplyRow("result.denied.internal_affairs", (_R, _DENIED, "5.属于三类内部事务信息")),
    ApplyRow("result.denied.process_info", (_R, _DENIED, "6.属于四类过程性信息")),
    ApplyRow("result.denied.enforcement_file", (_R, _DENIED, "7.属于行政执法案卷")),
    ApplyRow("result.denied.admin_query", (_R, _DENIED, "8.属于行政查询事项")),
    ApplyRow("result.unavailable.not_held", (_R, _UNAVAIL, "1.本机关不掌握相关政府信息")),
    ApplyRow("result.unavailable.needs_creation", (_R, _UNAVAIL, "2.没有现成信息需要另行制作")),
    ApplyRow("result.unavailable.still_unclear", (_R, _UNAVAIL, "3.补正后申请内容仍不明确")),
    ApplyRow("result.not_processed.petition", (_R, _NOTPROC, "1.信访举报投诉类申请")),
    ApplyRow("result.not_processed.duplicate", (_R, _NOTPROC, "2.重复申请")),
    ApplyRow("result.not_processed.publication", (_R, _NOTPROC, "3.要求提供公开出版物")),
    ApplyRow("result.not_processed.excessive", (_R, _NOTPROC, "4.无正当理由大量反复申请")),
    ApplyRow(
        "result.not_processed.confirm_reissue",
        (_R, _NOTPROC, "5.要求行政机关确认或重新出具已获取信息"),
    ),
)
_APPLY_TAIL = (
    ApplyRow("result.total", (_R, "（七）总计")),
    ApplyRow("carry_next", ("四、结转下年度继续办理",)),
)

GOV2019_APPLY = _APPLY_HEAD + (ApplyRow("result.other_total", (_R, _OTHER)),) + _APPLY_TAIL
GOV2021_APPLY = (
    _APPLY_HEAD
    + (
        ApplyRow(
            "result.other.no_correction",
            (_R, _OTHER, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
        ),
        ApplyRow(
            "result.other.fee_unpaid",
            (_R, _OTHER, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
        ),
        ApplyRow("result.other.misc", (_R, _OTHER, "3.其他")),
    )
    + _APPLY_TAIL
)

#: Table 四: (key, group label, leaf label), in value order.
REVIEW_LEAVES: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)
REVIEW_GROUPS: tuple[tuple[str, str], ...] = (
    ("review", "行政复议"),
    ("litigation.direct", "未经复议直接起诉"),
    ("litigation.after_review", "复议后起诉"),
)
REVIEW_KEYS: tuple[str, ...] = tuple(f"{g}.{leaf}" for g, _ in REVIEW_GROUPS for leaf, _ in REVIEW_LEAVES)

GOV2019 = Format("gov2019", GOV2019_ACTIVE, GOV2019_APPLY)
GOV2021 = Format("gov2021", GOV2021_ACTIVE, GOV2021_APPLY)
FORMATS: dict[str, Format] = {f.id: f for f in (GOV2019, GOV2021)}

#: legacy2014 统计表 rows: (key, label, unit). Heading rows without a value have key None.
LEGACY2014_ROWS: tuple[tuple[str | None, str, str], ...] = (
    (None, "一、主动公开情况", ""),
    ("legacy.active.total", "（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条）", "条"),
    ("legacy.active.normative_published", "其中：主动公开规范性文件数", "条"),
    ("legacy.active.normative_issued", "制发规范性文件总数", "件"),
    (None, "（二）通过不同渠道和方式公开政府信息的情况", ""),
    ("legacy.active.via.gazette", "1.政府公报公开政府信息数", "条"),
    ("legacy.active.via.website", "2.政府网站公开政府信息数", "条"),
    ("legacy.active.via.weibo", "3.政务微博公开政府信息数", "条"),
    ("legacy.active.via.wechat", "4.政务微信公开政府信息数", "条"),
    ("legacy.active.via.other", "5.其他方式公开政府信息数", "条"),
    (None, "二、回应解读情况", ""),
    ("legacy.response.hot_issues", "（一）回应公众关注热点或重大舆情数（不同方式回应同一热点或舆情计1次）", "次"),
    (None, "（二）通过不同渠道和方式回应解读的情况", ""),
    ("legacy.response.press_conf", "1.参加或举办新闻发布会总次数", "次"),
    ("legacy.response.press_conf_principal", "其中：主要负责同志参加新闻发布会次数", "次"),
    ("legacy.response.online_interview", "2.政府网站在线访谈次数", "次"),
    ("legacy.response.online_interview_principal", "其中：主要负责同志参加政府网站在线访谈次数", "次"),
    ("legacy.response.interpretations", "3.政策解读稿件发布数", "篇"),
    ("legacy.response.weibo_wechat", "4.微博微信回应事件数", "次"),
    ("legacy.response.other", "5.其他方式回应事件数", "次"),
    (None, "三、依申请公开情况", ""),
    ("legacy.apply.received", "（一）收到申请数", "件"),
    ("legacy.apply.received.in_person", "1.当面申请数", "件"),
    ("legacy.apply.received.fax", "2.传真申请数", "件"),
    ("legacy.apply.received.online", "3.网络申请数", "件"),
    ("legacy.apply.received.letter", "4.信函申请数", "件"),
    ("legacy.apply.closed", "（二）申请办结数", "件"),
    ("legacy.apply.closed.on_time", "1.按时办结数", "件"),
    ("legacy.apply.closed.extended", "2.延期办结数", "件"),
    ("legacy.apply.answered", "（三）申请答复数", "件"),
    ("legacy.apply.answered.already_public", "1.属于已主动公开范围数", "件"),
    ("legacy.apply.answered.granted", "2.同意公开答复数", "件"),
    ("legacy.apply.answered.partial", "3.同意部分公开答复数", "件"),
    ("legacy.apply.answered.denied", "4.不同意公开答复数", "件"),
    ("legacy.apply.answered.denied.state_secret", "其中：涉及国家秘密", "件"),
    ("legacy.apply.answered.denied.commercial_secret", "涉及商业秘密", "件"),
    ("legacy.apply.answered.denied.privacy", "涉及个人隐私", "件"),
    ("legacy.apply.answered.denied.security_stability", "危及国家安全、公共安全、经济安全和社会稳定", "件"),
    ("legacy.apply.answered.denied.not_gov_info", "不是《条例》所指政府信息", "件"),
    ("legacy.apply.answered.denied.other_law", "法律法规规定的其他情形", "件"),
    ("legacy.apply.answered.not_this_agency", "5.不属于本行政机关公开数", "件"),
    ("legacy.apply.answered.not_exist", "6.申请信息不存在数", "件"),
    ("legacy.apply.answered.amend_requested", "7.告知作出更改补充数", "件"),
    ("legacy.apply.answered.other_channel", "8.告知通过其他途径办理数", "件"),
    ("legacy.review.total", "四、行政复议数量", "件"),
    ("legacy.review.upheld", "（一）维持具体行政行为数", "件"),
    ("legacy.review.corrected", "（二）被依法纠错数", "件"),
    ("legacy.review.other", "（三）其他情形数", "件"),
    ("legacy.litigation.total", "五、行政诉讼数量", "件"),
    ("legacy.litigation.upheld", "（一）维持具体行政行为或者驳回原告诉讼请求数", "件"),
    ("legacy.litigation.corrected", "（二）被依法纠错数", "件"),
    ("legacy.litigation.other", "（三）其他情形数", "件"),
    ("legacy.complaints", "六、举报投诉数量", "件"),
    ("legacy.fees_wan", "七、依申请公开信息收取的费用", "万元"),
    (None, "八、机构建设和保障经费情况", ""),
    ("legacy.org.units", "（一）政府信息公开工作专门机构数", "个"),
    ("legacy.org.reading_points", "（二）设置政府信息公开查阅点数", "个"),
    ("legacy.org.staff", "（三）从事政府信息公开工作人员数", "人"),
    ("legacy.org.staff.full_time", "1.专职人员数（不包括政府公报及政府网站工作人员数）", "人"),
    ("legacy.org.staff.part_time", "2.兼职人员数", "人"),
    (
        "legacy.org.budget_wan",
        "（四）政府信息公开专项经费（不包括用于政府公报编辑管理及政府网站建设维护等方面的经费）",
        "万元",
    ),
    (None, "九、政府信息公开会议和培训情况", ""),
    ("legacy.meetings.work_meetings", "（一）召开政府信息公开工作会议或专题会议数", "次"),
    ("legacy.meetings.trainings", "（二）举办各类培训班数", "次"),
    ("legacy.meetings.trainees", "（三）接受培训人员数", "人次"),
)
LEGACY2014_KEYS: tuple[str, ...] = tuple(k for k, _, _ in LEGACY2014_ROWS if k)

#: The table-三 totals every format is asked for first (issue 2's minimum).
HEADLINE_KEYS: tuple[str, ...] = (
    "apply.new.total",
    "apply.carried_over.total",
    "apply.result.total",
    "apply.carry_next.total",
)

#: legacy_local (spec §3.2): local 统计表 forms are kept as (label, unit, column, value) triples;
#: these recurring concepts are also mapped onto the common subset of keys. Labels are matched
#: exactly after ``normalise_label`` (enumerators, 其中：, quotes and brackets removed).
#: 电子邮件 and 其他形式 are channels the 2014 national table lacks (its 网络申请数 covers e-mail).
LEGACY_LOCAL_SYNONYMS: dict[str, tuple[str, ...]] = {
    "legacy.active.total": (
        "主动公开政府信息数",
        "主动公开政府信息总数",
        "主动公开信息数",
        "主动公开信息总数",
        "主动公开政府信息条数",
    ),
    "legacy.apply.received": (
        "收到申请数",
        "申请总数",
        "收到申请总数",
        "受理依申请公开信息总数",
        "依申请公开信息申请总数",
        "受理申请总数",
    ),
    "legacy.apply.received.in_person": ("当面申请数", "当面申请"),
    "legacy.apply.received.fax": ("传真申请数", "传真申请"),
    "legacy.apply.received.email": ("电子邮件申请数", "电子邮件申请"),
    "legacy.apply.received.online": ("网上申请数", "网上申请", "网络申请数", "网络申请"),
    "legacy.apply.received.letter": ("信函申请数", "信函申请"),
    "legacy.apply.received.other": ("其他形式申请数", "其他形式申请", "其他形式"),
    "legacy.apply.answered": ("对申请的答复总数", "本年度对申请的答复总数", "申请答复数", "答复总数"),
    "legacy.apply.answered.granted": ("同意公开答复数", "同意公开数", "同意公开答复"),
    "legacy.apply.answered.partial": ("同意部分公开答复数", "同意部分公开数", "同意部分公开答复"),
    "legacy.apply.answered.denied": ("否决公开答复总数", "否决公开答复数", "不同意公开答复数"),
    "legacy.review.total": ("行政复议数", "行政复议数量", "行政复议案件数", "申请行政复议数"),
    "legacy.litigation.total": ("行政诉讼数", "行政诉讼数量", "行政诉讼案件数", "提起行政诉讼数"),
    "legacy.fees_wan": ("依申请公开信息收取的费用", "依申请公开收取的费用", "收取费用数", "收取费用"),
}
LEGACY_LOCAL_KEYS: tuple[str, ...] = tuple(LEGACY_LOCAL_SYNONYMS)

#: Keys read only from prose (spec §1.4 T.1, §2.5): all suits together, and section 六's
#: 信息处理费 in yuan (never 万元). Prose may also give table keys (apply.new.total…), flagged from_text.
TEXT_KEYS: tuple[str, ...] = (
    "litigation.total",
    "other.info_fee.notices_count",
    "other.info_fee.notices_amount_yuan",
    "other.info_fee.collected_amount_yuan",
)
