"""Division lookups against the shipped reference tables: codes, names, short forms, history, ties."""

from __future__ import annotations

import pytest

from govcrawl.divisions import Divisions


@pytest.fixture(scope="module")
def divisions() -> Divisions:
    return Divisions.load()


def codes(found) -> list[str]:
    return [d.code for d in found]


def test_load_is_cached() -> None:
    assert Divisions.load() is Divisions.load()


def test_index_holds_current_and_historical_units(divisions: Divisions) -> None:
    # 3,351 current rows plus the history's units gone or renamed since.
    assert sum(d.current for d in divisions.all) == 3351
    assert sum(not d.current for d in divisions.all) == 190


def test_by_code_current_county(divisions: Divisions) -> None:
    d = divisions.by_code("530427")
    assert d is not None
    assert (d.name, d.level, d.province, d.prefecture, d.current) == (
        "新平彝族傣族自治县",
        "county",
        "云南省",
        "玉溪市",
        True,
    )


def test_by_code_abolished_unit(divisions: Divisions) -> None:
    d = divisions.by_code("320611")
    assert d is not None
    assert (d.name, d.current, d.province, d.prefecture, d.last_year) == (
        "港闸区",
        False,
        "江苏省",
        "南通市",
        2020,
    )


def test_by_code_accepts_twelve_digit_statistics_codes(divisions: Divisions) -> None:
    assert divisions.by_code("370811000000").name == "任城区"


def test_by_code_unknown_is_none(divisions: Divisions) -> None:
    assert divisions.by_code("999999") is None


def test_by_code_prefers_todays_name_of_a_renamed_code(divisions: Divisions) -> None:
    # 130503 was 桥西区 until 2019 and is 信都区 now.
    assert divisions.by_code("130503").name == "信都区"


@pytest.mark.parametrize("name", ["新平彝族傣族自治县", "新平县"])
def test_find_autonomous_county_by_full_and_short_name(divisions: Divisions, name: str) -> None:
    assert codes(divisions.find(name)) == ["530427"]


def test_find_county_level_city(divisions: Divisions) -> None:
    assert codes(divisions.find("绥芬河市")) == ["231081"]


def test_find_old_county_name_before_it_became_a_district(divisions: Divisions) -> None:
    found = divisions.find("晋宁县")
    assert codes(found) == ["530122"]
    assert found[0].current is False


def test_find_current_district(divisions: Divisions) -> None:
    assert codes(divisions.find("晋宁区")) == ["530115"]


def test_find_abolished_district_from_history(divisions: Divisions) -> None:
    assert codes(divisions.find("港闸区")) == ["320611"]


def test_find_bare_stem(divisions: Divisions) -> None:
    assert codes(divisions.find("任城")) == ["370811"]


@pytest.mark.parametrize("name", ["昆明市晋宁区", "云南省昆明市晋宁区", "济宁市任城区"])
def test_find_name_with_parent_prefix(divisions: Divisions, name: str) -> None:
    assert divisions.find(name)[0].name == name[-3:]


def test_find_autonomous_prefecture_short_form(divisions: Divisions) -> None:
    assert [d.name for d in divisions.find("恩施州")] == ["恩施土家族苗族自治州"]


@pytest.mark.parametrize(
    "query",
    ["云南省", "云南", "530000", "53"],
)
def test_province_forms(divisions: Divisions, query: str) -> None:
    assert divisions.province(query).name == "云南省"


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("内蒙古", "内蒙古自治区"),
        ("广西", "广西壮族自治区"),
        ("宁夏", "宁夏回族自治区"),
        ("新疆", "新疆维吾尔自治区"),
        ("西藏", "西藏自治区"),
        ("黑龙江", "黑龙江省"),
        ("北京", "北京市"),
        ("231081", "黑龙江省"),
    ],
)
def test_province_short_names_of_autonomous_regions(divisions: Divisions, query: str, name: str) -> None:
    assert divisions.province(query).name == name


def test_province_not_in_the_list(divisions: Divisions) -> None:
    # The NBS list covers the 31 mainland provinces only.
    assert divisions.province("香港") is None


def test_repeated_name_ranked_by_context_code(divisions: Divisions) -> None:
    assert divisions.find("朝阳区", context="220104")[0].code == "220104"
    assert divisions.find("朝阳区", context="110000")[0].code == "110105"


def test_repeated_name_ranked_by_context_prefecture(divisions: Divisions) -> None:
    # A portal of 长春市 publishes reports of its districts.
    assert divisions.find("朝阳区", context="220100")[0].code == "220104"


def test_repeated_name_filtered_by_prefecture(divisions: Divisions) -> None:
    assert codes(divisions.find("鼓楼区", prefecture="徐州市")) == ["320302"]


def test_repeated_name_filtered_by_province(divisions: Divisions) -> None:
    assert codes(divisions.find("鼓楼区", province="福建")) == ["350102"]


@pytest.mark.parametrize(("year", "code"), [(2018, "220381"), (2019, "220381"), (2021, "220184")])
def test_moved_unit_resolved_by_year(divisions: Divisions, year: int, code: str) -> None:
    # 公主岭市 moved from 四平市 (220381) to 长春市 (220184) in 2020.
    assert divisions.find("公主岭市", year=year)[0].code == code


def test_search_text_title_with_prefecture_prefix(divisions: Divisions) -> None:
    found = divisions.search_text("南京市鼓楼区2019年政府信息公开工作年度报告")
    assert {(d.code, d.name) for d in found} == {("320100", "南京市"), ("320106", "鼓楼区")}


def test_search_text_repeated_name_resolved_by_parent_named_elsewhere(divisions: Divisions) -> None:
    text = "鼓楼区人民政府2020年政府信息公开工作年度报告。在福州市委、市政府的领导下，全区……"
    found = divisions.search_text(text)
    assert "350102" in codes(found)


def test_search_text_repeated_name_resolved_by_context(divisions: Divisions) -> None:
    found = divisions.search_text("朝阳区2020年政府信息公开工作年度报告", context="220100")
    assert codes(found) == ["220104"]


def test_search_text_longest_match_wins(divisions: Divisions) -> None:
    # 吉林 alone is the province's short name; 吉林市 is the prefecture.
    assert codes(divisions.search_text("吉林市人民政府办公厅")) == ["220200"]


def test_search_text_orders_longest_name_first(divisions: Divisions) -> None:
    found = divisions.search_text("港闸区位于南通市，属江苏省，新平彝族傣族自治县")
    assert found[0].code == "530427"


def test_search_text_old_name_for_an_old_year(divisions: Divisions) -> None:
    found = divisions.search_text("晋宁县2015年政府信息公开工作年度报告", year=2015)
    assert codes(found) == ["530122"]


def test_search_text_skips_two_character_names_inside_prose(divisions: Divisions) -> None:
    # 和县 (Anhui) must not be read out of "市和县两级".
    assert divisions.search_text("推进市和县两级政务公开") == []


def test_search_text_two_character_name_before_a_year(divisions: Divisions) -> None:
    assert [d.name for d in divisions.search_text("和县2019年政府信息公开工作年度报告")] == ["和县"]


def test_search_text_two_character_name_after_its_prefecture(divisions: Divisions) -> None:
    found = divisions.search_text("阳泉市城区政府信息公开工作年度报告")
    assert [(d.code, d.name) for d in found] == [("140300", "阳泉市"), ("140302", "城区")]
