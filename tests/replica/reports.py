"""Generated report bodies: a unit's annual report for a year, with the three official tables.

A leaf module on purpose: data loading, the generator and the hostile family all need
:func:`report_blocks`, and none of them may pull the web builder in through it.
"""

from __future__ import annotations

import random

from govcrawl.stats.schema import FORMATS, REVIEW_KEYS
from replica import tables
from replica.render import Block, Paragraph


def report_blocks(unit: str, year: int, rng: random.Random) -> tuple[Block, ...]:
    """A report of ``unit`` for ``year``: paragraphs and the three official tables, random values."""
    fmt = FORMATS["gov2021" if year >= 2021 else "gov2019"]
    values: dict[str, object] = {k: rng.randint(0, 40) for k in fmt.active_keys()}
    for row in fmt.apply_rows:
        cells = [rng.randint(0, 30) for _ in range(6)]
        values.update(zip(row.keys(), [*cells, sum(cells)], strict=True))
    values.update({k: rng.randint(0, 5) for k in REVIEW_KEYS})
    intro = (
        f"本报告根据《中华人民共和国政府信息公开条例》要求，由{unit}编制。全文包括总体情况、主动公开政府信息情况、"
        f"收到和处理政府信息公开申请情况、政府信息公开行政复议及行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。"
        f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
    )
    summary = (
        f"{year}年，{unit}坚持以人民为中心，全年主动公开政府信息{rng.randint(120, 4800)}条，"
        f"更新政策文件{rng.randint(5, 90)}件，回应公众关注热点{rng.randint(3, 60)}次。"
    )
    return (
        Paragraph(f"{unit}{year}年政府信息公开工作年度报告", heading=True),
        Paragraph(intro),
        Paragraph("一、总体情况", heading=True),
        Paragraph(summary),
        Paragraph("二、主动公开政府信息情况", heading=True),
        tables.active_table(fmt, values),
        Paragraph("三、收到和处理政府信息公开申请情况", heading=True),
        tables.apply_table(fmt, values),
        Paragraph("四、政府信息公开行政复议、行政诉讼情况", heading=True),
        tables.review_table(values),
        Paragraph("五、存在的主要问题及改进情况", heading=True),
        Paragraph(
            f"{year}年，{unit}政府信息公开工作仍存在主动公开深度不够、政策解读形式单一等问题，下一步将加强培训、完善制度。"
        ),
    )
