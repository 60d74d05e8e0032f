"""parse_document on grids laid out like the official forms, merged cells as one Cell per slot."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from govcrawl.document import Block, Cell, Document, Table
from govcrawl.stats import parse_document
from govcrawl.stats.schema import GOV2021_APPLY, REVIEW_KEYS

Spec = str | tuple[str, int, int]  # text, or (text, rowspan, colspan)


def grid(rows: list[list[Spec]]) -> Table:
    """A grid from HTML-like rows: merged cells occupy every slot they cover, as one object."""
    placed: dict[tuple[int, int], Cell] = {}
    for r, row in enumerate(rows):
        c = 0
        for spec in row:
            while (r, c) in placed:
                c += 1
            text, rs, cs = (spec, 1, 1) if isinstance(spec, str) else spec
            cell = Cell(text, r, c, rs, cs)
            for i in range(r, r + rs):
                for j in range(c, c + cs):
                    placed[i, j] = cell
            c += cs
    height = max(i for i, _ in placed) + 1
    width = max(j for _, j in placed) + 1
    # Short rows are padded with empty cells, as extractors pad ragged HTML rows.
    return Table([[placed.get((i, j)) or Cell("", i, j) for j in range(width)] for i in range(height)])


# A consistent gov2021 table 三: new 12 (10 natural, 2 commercial) + carried 1 = handled 12 + next 1.
APPLY_ROWS = {
    "new": [10, 2, 0, 0, 0, 0, 12],
    "carried_over": [1, 0, 0, 0, 0, 0, 1],
    "result.granted": [5, 1, 0, 0, 0, 0, 6],
    "result.partial": [2, 0, 0, 0, 0, 0, 2],
    "result.denied.third_party": [1, 0, 0, 0, 0, 0, 1],
    "result.unavailable.not_held": [1, 1, 0, 0, 0, 0, 2],
    "result.other.misc": [1, 0, 0, 0, 0, 0, 1],
    "result.total": [10, 2, 0, 0, 0, 0, 12],
    "carry_next": [1, 0, 0, 0, 0, 0, 1],
}
ZERO = [0] * 7


def apply_table(values: dict[str, list] | None = None, subtotal: bool = False) -> Table:
    """The gov2021 table 三 (25 data rows; label block 3 columns wide)."""
    values = values or APPLY_ROWS
    orgs = ["商业 企业", "科研机构", "社会公益组织", "法律服务机构", "其他"] + (["小计"] if subtotal else [])
    rows: list[list[Spec]] = [
        [
            ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3),
            ("申请人情况", 1, 7 + subtotal),
        ],
        [("自然人", 2, 1), ("法人或其他组织", 1, 5 + subtotal), ("总计", 2, 1)],
        orgs,
    ]
    group_sizes = {"（三）不予公开": 8, "（四）无法提供": 3, "（五）不予处理": 5, "（六）其他处理": 3}
    for n, row in enumerate(GOV2021_APPLY):
        vals = values.get(row.key, ZERO)
        cells: list[Spec] = [str(v) for v in vals]
        if subtotal:
            cells = cells[:6] + [str(sum(vals[1:6]))] + cells[6:]
        if len(row.labels) == 1:
            label: list[Spec] = [(row.labels[0], 1, 3)]
        elif len(row.labels) == 2:
            label = [(row.labels[1], 1, 2)]
        else:
            label = [row.labels[2]]
            if row.labels[2].startswith("1."):
                label.insert(0, (row.labels[1], group_sizes[row.labels[1]], 1))
        if n == 2:
            label.insert(0, (row.labels[0], 22, 1))
        rows.append(label + cells)
    return grid(rows)


def review_table(values: list[Spec]) -> Table:
    return grid(
        [
            [("行政复议", 1, 5), ("行政诉讼", 1, 10)],
            [
                ("结果维持", 2, 1),
                ("结果纠正", 2, 1),
                ("其他结果", 2, 1),
                ("尚未审结", 2, 1),
                ("总计", 2, 1),
                ("未经复议直接起诉", 1, 5),
                ("复议后起诉", 1, 5),
            ],
            ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2,
            values,
        ]
    )


def active_table_2021() -> Table:
    return grid(
        [
            [("第二十條第(一)項", 1, 4)],
            ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            ["规章", "/", "/", "/"],
            ["行政规范性文件", "3", "1", "25"],
            [("第二十条 第（五）项", 1, 4)],
            ["信息内容", ("本年处理决定数量", 1, 3)],
            ["行政许可", ("1517", 1, 3)],
            [("第二十条第（六）项", 1, 4)],
            ["信息内容", ("本年处理决定数量", 1, 3)],
            ["行政处罚", ("42", 1, 3)],
            ["行政强制", ("0", 1, 3)],
            [("第二十条第（八）项", 1, 4)],
            ["信息内容", ("本年收费金额（单位：万元）", 1, 3)],
            ["行政事业性收费", ("96171.6", 1, 3)],
        ]
    )


REVIEW_VALUES: list[Spec] = ["1", "0", "0", "1", "2", "0", "1", "0", "0", "1", "0", "0", "0", "0", "0"]


def document(
    active: Table | None = None, apply: Table | None = None, review: Table | None = None
) -> Document:
    """A report body with the three tables under their section headings (defaults: the official ones)."""
    tables = (active or active_table_2021(), apply or apply_table(), review or review_table(REVIEW_VALUES))
    headings = [
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
    ]
    blocks = [Block("paragraph", "一、总体情况 本年度工作平稳。")]
    for heading, table in zip(headings, tables, strict=True):
        blocks += [Block("heading", heading), Block("table", table=table)]
    blocks.append(Block("heading", "五、存在的主要问题及改进情况"))
    return Document(blocks, source_format="html")


@pytest.fixture(scope="module")
def official():
    return parse_document(document())


def test_official_grid_format_and_method(official):
    assert (official.format, official.method, official.has_tables) == ("gov2021", "grid", True)


def test_official_grid_every_apply_cell(official):
    for row in GOV2021_APPLY:
        for key, want in zip(row.keys(), APPLY_ROWS.get(row.key, ZERO), strict=True):
            assert official.values[key].value == want, key


def test_official_grid_review_cells(official):
    assert [official.values[k].value for k in REVIEW_KEYS] == [int(v) for v in REVIEW_VALUES]


def test_official_grid_active_cells(official):
    v = official.values
    assert v["active.art20_1.rules.issued"].value is None and "dash" in v["active.art20_1.rules.issued"].flags
    assert v["active.art20_1.normative.in_force"].value == 25
    assert v["active.art20_5.licensing.decisions"].value == 1517
    assert v["active.art20_6.coercion.decisions"].value == 0
    fee = v["active.art20_8.fees.amount_wan"]
    assert fee.value == Decimal("96171.6") and fee.unit == "万元"


def test_official_grid_checks_pass(official):
    assert official.checks and all(c.status == "pass" for c in official.checks), [
        c for c in official.checks if c.status != "pass"
    ]


def test_gov2021_other_total_derived(official):
    derived = official.values["apply.result.other_total.natural_person"]
    assert derived.value == 1 and "imputed_sum" in derived.flags


def test_subtotal_column_does_not_shift_official_columns():
    result = parse_document(document(apply=apply_table(subtotal=True)))
    assert [
        result.values[f"apply.new.{c}"].value
        for c in (
            "natural_person",
            "commercial",
            "research",
            "public_welfare",
            "legal_service",
            "other_org",
            "total",
        )
    ] == APPLY_ROWS["new"]
    assert all(c.status == "pass" for c in result.checks if c.rule.startswith("R3."))
    sub = next(c for c in result.checks if c.rule == "R3.3s[new]")
    assert (sub.status, sub.lhs, sub.rhs) == ("pass", 2, 2)


def test_blank_total_is_imputed_and_flagged():
    rows = dict(APPLY_ROWS, **{"result.granted": [5, 1, 0, 0, 0, 0, ""]})
    result = parse_document(document(apply=apply_table(rows)))
    total = result.values["apply.result.granted.total"]
    assert total.value == 6 and {"blank", "imputed_sum"} <= set(total.flags)
    assert next(c for c in result.checks if c.rule == "R3.3[result.granted]").status == "pass"


def test_wrong_total_fails_its_rule_and_is_not_changed():
    rows = dict(APPLY_ROWS, **{"result.granted": [5, 1, 0, 0, 0, 0, 7]})
    result = parse_document(document(apply=apply_table(rows)))
    assert result.values["apply.result.granted.total"].value == 7
    check = next(c for c in result.checks if c.rule == "R3.3[result.granted]")
    assert (check.status, check.lhs, check.rhs, check.delta) == ("fail", 7, 6, Decimal(1))


def test_review_zero_merged_per_group():
    result = parse_document(document(review=review_table([("0", 1, 5), ("0", 1, 5), ("0", 1, 5)])))
    assert all(result.values[k].value == 0 and "merged" in result.values[k].flags for k in REVIEW_KEYS)


def test_merged_nonzero_value_is_not_split():
    result = parse_document(document(review=review_table([("3", 1, 5)] + ["0"] * 10)))
    assert "review.total" not in result.values
    assert any("merged" in w for w in result.warnings)


def test_row_with_an_extra_cell_left_unassigned_others_kept():
    rows = dict(APPLY_ROWS, new=[10, 2, 0, 0, 0, 0, 12, 5])
    result = parse_document(document(apply=apply_table(rows)))
    assert not any(k.startswith("apply.new.") for k, v in result.values.items() if v.source == "table")
    assert result.values["apply.carried_over.natural_person"].value == 1
    assert result.values["apply.carry_next.total"].value == 1
    assert any("一、本年新收" in w and "8 value cells" in w for w in result.warnings)
    assert next(c for c in result.checks if c.rule == "R3.1[total]").status == "not_assessable"


def test_table_missing_from_grids_is_read_from_the_text():
    seed = next((Path(__file__).parent / "fixtures" / "seeds").glob("001_*.txt")).read_text(encoding="utf-8")
    flattened = seed[
        seed.index("三、收到和处理政府信息公开申请情况") : seed.index(
            "四、政府信息公开行政复议、行政诉讼情况"
        )
    ]
    doc = document()
    at = next(
        i for i, b in enumerate(doc.blocks) if b.table is not None and "申请人情况" in b.table.to_pipe_text()
    )
    doc.blocks[at - 1 : at + 1] = [Block("paragraph", flattened)]
    result = parse_document(doc)
    assert result.method == "grid+values_only"
    assert result.values["apply.new.total"].value == 99
    assert result.values["active.art20_5.licensing.decisions"].value == 1517
    assert "apply.result.not_processed.petition.total" not in result.values
