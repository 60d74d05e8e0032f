"""Identification of title, year reported on, division and publisher, on the seed reports and titles."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import opencc
import pytest

from govcrawl.clean import strip_boilerplate
from govcrawl.document import Block, Document
from govcrawl.extract import extract_file
from govcrawl.identify import Identity, identify, is_report_title

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = sorted((FIXTURES / "seeds").glob("*.txt"))

SUIFENHE = "231081"  # 绥芬河市
XINPING = "530427"  # 新平彝族傣族自治县

#: How each seed reaches identification: the article-page title and link text it came with.
SEED_INPUTS: dict[int, dict] = {
    0: {},
    1: {},
    2: {"link_text": "绥芬河市住房和城乡建设局2019年政府信息公开工作年度报告", "portal_code": SUIFENHE},
    3: {"title": "新平县平掌乡2019年政府信息公开工作年度报告", "portal_code": XINPING},
    4: {},
}


def seed_document(n: int, *, title: str | None = None, skip_lines: int = 0) -> Document:
    """A seed text as extraction hands it over: one paragraph per non-empty line."""
    lines = [line for line in SEEDS[n].read_text(encoding="utf-8").splitlines() if line.strip()]
    return Document(
        blocks=[Block("paragraph", line) for line in lines[skip_lines:]], title=title, source_format="txt"
    )


def identify_seed(n: int) -> Identity:
    inputs = dict(SEED_INPUTS[n])
    doc = seed_document(n, title=inputs.pop("title", None))
    return identify(doc, **inputs)


def expected_identity(n: int) -> dict:
    return json.loads((FIXTURES / "expected" / f"seed_00{n}.json").read_text(encoding="utf-8"))["identity"]


@pytest.mark.parametrize("n", range(5))
def test_seed_identity_matches_expected(n: int) -> None:
    got = identify_seed(n)
    expected = expected_identity(n)
    assert {key: getattr(got, key) for key in expected} == expected


@pytest.mark.parametrize("n", range(5))
def test_seed_is_a_report(n: int) -> None:
    assert identify_seed(n).is_report


def test_aggregator_copy_title_comes_from_its_wrapper() -> None:
    got = identify_seed(1)
    assert got.title == "济宁市任城区人民政府2021年政府信息公开工作年度报告"
    assert got.evidence["title"] == "text:title_line"


def test_link_text_is_evidence_when_the_text_has_no_title() -> None:
    got = identify_seed(2)
    assert got.evidence == {
        "title": "link_text",
        "year": "link_text",
        "region": "link_text",
        "publisher": "link_text",
    }


def test_year_is_the_year_reported_on_not_the_publication_date() -> None:
    # Without its title line seed 004 opens on "发布时间:2019-03-06"; it reports on 2018.
    got = identify(seed_document(4, skip_lines=1))
    assert got.year == 2018


def test_year_from_statistics_period() -> None:
    got = identify(seed_document(0, skip_lines=2))
    assert (got.year, got.evidence["year"]) == (2018, "text:统计期限")


def test_year_from_opening_sentence() -> None:
    got = identify(seed_document(3), portal_code=XINPING)
    assert (got.year, got.evidence["year"]) == (2019, "text:opening")


def test_untitled_department_report_falls_back_to_portal() -> None:
    got = identify(seed_document(2), portal_code=SUIFENHE)
    assert (got.division_code, got.evidence["region"]) == ("231081", "portal")
    assert (got.publisher, got.publisher_level) == (None, "部门")


def test_untitled_township_report_is_township_level() -> None:
    got = identify(seed_document(3), portal_code=XINPING)
    assert got.publisher_level == "乡镇街道"


def test_township_without_county_belongs_to_portal_county() -> None:
    doc = Document(title="平掌乡2019年政府信息公开工作年度报告")
    got = identify(doc, portal_code=XINPING)
    assert (got.division_code, got.publisher, got.publisher_level) == ("530427", "平掌乡人民政府", "乡镇街道")
    assert got.evidence["region"] == "portal"


def test_subdistrict_publisher_is_its_office() -> None:
    doc = Document(title="2020年港闸区幸福街道政府信息公开工作年度报告")
    got = identify(doc)
    assert (got.division_code, got.publisher, got.publisher_level) == (
        "320611",
        "港闸区幸福街道办事处",
        "乡镇街道",
    )


def test_relative_department_name_gets_its_unit() -> None:
    doc = Document(title="区财政局2019年政府信息公开工作年度报告")
    got = identify(doc, portal_code="320611")
    assert (got.publisher, got.publisher_level) == ("港闸区财政局", "部门")


def test_prefecture_department_belongs_to_prefecture() -> None:
    got = identify(Document(title="牡丹江市财政局2019年政府信息公开工作年度报告"), portal_code=SUIFENHE)
    assert (got.division_code, got.region, got.publisher_level) == ("231000", "牡丹江市", "部门")


def test_old_county_name_resolves_to_historical_code() -> None:
    got = identify(Document(title="晋宁县2015年政府信息公开工作年度报告"))
    assert (got.division_code, got.region, got.publisher) == ("530122", "晋宁县", "晋宁县人民政府")


@pytest.mark.parametrize(("portal_code", "expected"), [("220104", "220104"), ("110105", "110105")])
def test_repeated_district_name_resolved_by_portal(portal_code: str, expected: str) -> None:
    got = identify(
        Document(title="朝阳区2020年政府信息公开工作年度报告"), portal_code=portal_code
    )
    assert got.division_code == expected


def test_repeated_district_name_resolved_by_prefecture_in_title() -> None:
    got = identify(Document(title="徐州市鼓楼区人民政府2020年政府信息公开工作年度报告"))
    assert (got.division_code, got.publisher) == ("320302", "徐州市鼓楼区人民政府")


def test_title_naming_a_unit_wins_over_portal() -> None:
    got = identify(
        Document(title="晋宁区2019年政府信息公开工作年度报告"), portal_code="530100"
    )
    assert (got.division_code, got.evidence["region"]) == ("530115", "title")


def test_site_name_suffix_is_dropped_from_title() -> None:
    got = identify(Document(title="2019年政府信息公开工作年度报告_绥芬河市人民政府"), portal_code=SUIFENHE)
    assert got.title == "2019年政府信息公开工作年度报告"
    assert (got.year, got.division_code) == (2019, "231081")


def test_traditional_character_title() -> None:
    got = identify(Document(title="昆明市晉寧區2018年政府信息公開工作年度報告"))
    assert (got.division_code, got.year, got.is_report) == ("530115", 2018, True)


def test_work_plan_is_not_a_report() -> None:
    got = identify(
        Document(title="港闸区2019年政务公开工作要点", blocks=[Block("paragraph", "一、总体要求")])
    )
    assert not got.is_report


REPORT_TITLES = [
    "昆明市晋宁区2018年政府信息公开工作年度报告",
    "2018年港闸区政府信息公开工作年度报告",
    "济宁市任城区人民政府2021年政府信息公开工作年度报告.docx",
    "绥芬河市住房和城乡建设局2019年政府信息公开工作年度报告",
    "新平县平掌乡2019年政府信息公开工作年度报告",
    "北京市朝阳区人民政府2022年政府信息公开年报",
    "2020年度政府信息公开工作年度报告",
    "南通市崇川区卫生健康委员会 2021 年 政府信息公开 工作年度报告",
    "某某县教育局2017年信息公开年度报告",
    "某某市统计局2016年政务信息公开年报",
    "二〇一九年政府信息公开工作年度报告",
    "政府信息公开工作年度报告（2019年）",
    "鼓楼区人民政府2010年政府信息公开工作报告",
    "昆明市晉寧區2018年政府信息公開工作年度報告",
    "2023年政府信息公开工作年度报告（更正版）",
    "绥芬河市住房和城乡建设局2019年政府信息公开工...",
    "新平县平掌乡2019年政府信息公开年度…",
]

NOT_REPORT_TITLES = [
    "2019年南通市国民经济和社会发展统计公报",
    "港闸区2020年政务公开工作要点",
    "关于印发《2020年政务公开工作要点》的通知",
    "新平县贯彻落实省政府办公厅2019年政务公开工作要点分工方案",
    "关于做好2019年政府信息公开工作年度报告编制发布工作的通知",
    "我区召开政务公开培训会",
    "关于开展2019年度企业年度报告公示工作的通知",
    "绥芬河市住房和城乡建设局2019年度部门决算报告",
    "图解：2019年政府信息公开工作年度报告",
    "关于2019年度政府信息公开工作年度报告的第三方评估报告",
    "政府信息公开年报",
    "政府信息公开年度报告",
    "政府信息公开指南",
    "2019年度市场主体年报公示提醒",
    "2020年政府工作报告",
    "2019年政府信息公开...",
    "新平县2019年政务公开工作要点分...",
]


@pytest.mark.parametrize("title", REPORT_TITLES)
def test_report_titles_are_recognised(title: str) -> None:
    assert is_report_title(title)


@pytest.mark.parametrize("title", NOT_REPORT_TITLES)
def test_other_titles_are_rejected(title: str) -> None:
    assert not is_report_title(title)


def test_attachment_file_name_in_url_is_a_title_source() -> None:
    url = "http://127.0.0.1/xxgk/" + quote("济宁市任城区2021年政府信息公开工作年度报告.pdf")
    got = identify(Document(), url=url)
    assert (got.division_code, got.year, got.evidence["title"]) == ("370811", 2021, "url")


def test_unnamed_publisher_defaults_to_the_regions_government() -> None:
    got = identify(Document(title="2019年政府信息公开工作年度报告"), portal_code=SUIFENHE)
    assert (got.publisher, got.publisher_level) == ("绥芬河市人民政府", "本级人民政府")
    assert got.evidence["publisher"] == "default:region"


def test_two_character_county_named_in_title() -> None:
    got = identify(Document(title="和县2019年政府信息公开工作年度报告"))
    assert (got.region, got.division_code, got.publisher) == ("和县", "340523", "和县人民政府")


def test_two_character_name_inside_a_department_name_is_not_a_unit() -> None:
    got = identify(Document(title="绥芬河市城区管理局2019年政府信息公开工作年度报告"))
    assert (got.division_code, got.publisher_level) == ("231081", "部门")


def test_cut_link_text_still_names_the_body() -> None:
    got = identify(Document(), link_text="绥芬河市住房和城乡建设局2019年政府信息公开工...")
    assert (got.division_code, got.publisher, got.publisher_level) == (
        "231081",
        "绥芬河市住房和城乡建设局",
        "部门",
    )


def test_government_text_names_itself() -> None:
    doc = Document(blocks=[Block("paragraph", "2019年，我县认真贯彻落实《条例》，全县政务公开工作……")])
    got = identify(doc, portal_code=XINPING)
    assert (got.publisher, got.publisher_level) == ("新平彝族傣族自治县人民政府", "本级人民政府")
    assert got.evidence["publisher"] == "text:self_reference"


@pytest.mark.parametrize("n", [0, 1, 4])
def test_seed_identity_through_the_real_extractor(n: int) -> None:
    got = identify(strip_boilerplate(extract_file(SEEDS[n])))
    expected = expected_identity(n)
    assert {key: getattr(got, key) for key in expected} == expected


@pytest.mark.parametrize(("year", "code"), [(2019, "320602"), (2022, "320613")])
def test_recoded_district_resolved_by_year_reported_on(year: int, code: str) -> None:
    # 崇川区 took over 港闸区 in 2020 and got a new code.
    got = identify(Document(title=f"崇川区{year}年政府信息公开工作年度报告"))
    assert got.division_code == code


def test_traditional_mirror_of_a_seed_has_the_seeds_identity() -> None:
    s2t = opencc.OpenCC("s2t")
    original = seed_document(0)
    mirror = Document(
        blocks=[Block(b.kind, s2t.convert(b.text)) for b in original.blocks], source_format="txt"
    )
    assert mirror.text != original.text
    got, want = identify(mirror), identify(original)
    assert (got.division_code, got.year, got.publisher, got.is_report) == (
        want.division_code,
        want.year,
        want.publisher,
        want.is_report,
    )


def test_traditional_title_keeps_its_original_text() -> None:
    doc = Document(title="深圳市羅湖區2020年政府信息公開工作年度報告")
    got = identify(doc)
    assert (got.division_code, got.year) == ("440303", 2020)
    assert doc.title == "深圳市羅湖區2020年政府信息公開工作年度報告"
