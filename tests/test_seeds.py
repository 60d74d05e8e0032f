"""The seed list: all provinces present, rows validated by line, selection by province and division;
a file that cannot be used, or a selection of nothing, is a SeedError that says why in one line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from govcrawl.config import SEEDS_DIR
from govcrawl.items import CrawlError
from govcrawl.seeds import Portal, SeedError, crawl_seeds, load_seeds, seed_files, select
from govcrawl.spiders.county import CountySpider

HEADER = "division_code,province,prefecture,name,level,portal_url,note\n"


@pytest.fixture(scope="module")
def portals() -> list[Portal]:
    rows, problems = load_seeds()
    assert problems == []
    return rows


def test_one_file_per_province() -> None:
    assert len(seed_files()) == 31


def test_every_province_has_its_own_portal(portals: list[Portal]) -> None:
    assert sum(p.level == "province" for p in portals) == 31


def test_row_count_matches_reference_list(portals: list[Portal]) -> None:
    # 3,209 reference rows less the two with no NBS division code (两江新区, 新疆生产建设兵团).
    assert len(portals) == 3207


@pytest.mark.parametrize("name", ["云南省", "云南", "530000", "53"])
def test_province_accepts_full_short_and_code(portals: list[Portal], name: str) -> None:
    chosen = select(portals, province=name)
    assert len(chosen) == 146
    assert {p.province for p in chosen} == {"云南省"}


def test_autonomous_region_short_name(portals: list[Portal]) -> None:
    assert {p.province for p in select(portals, province="广西")} == {"广西壮族自治区"}


def test_division_narrows_to_one_unit(portals: list[Portal]) -> None:
    assert [p.name for p in select(portals, province="云南", division="530115")] == ["晋宁区"]


def test_prefecture_code_takes_its_units(portals: list[Portal]) -> None:
    chosen = select(portals, division="530100")
    assert {p.division_code[:4] for p in chosen} == {"5301"}
    assert "昆明市" in {p.name for p in chosen}


def test_several_divisions(portals: list[Portal]) -> None:
    assert {p.division_code for p in select(portals, division="530115,231081")} == {"530115", "231081"}


def test_bad_rows_reported_by_line(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        HEADER
        + "530115,云南省,昆明市,晋宁区,county,http://www.kmjn.gov.cn/,\n"
        + "53011,云南省,昆明市,坏码,county,http://a.gov.cn/,\n"
        + "530116,云南省,昆明市,坏级,village,http://b.gov.cn/,\n"
        + "530117,云南省,昆明市,坏址,county,ftp://c.gov.cn/,\n"
        + "530115,云南省,昆明市,晋宁区,county,http://www.kmjn.gov.cn/,\n",
        encoding="utf-8",
    )
    rows, problems = load_seeds([path])
    assert [p.name for p in rows] == ["晋宁区"]
    assert [str(p).split(": ", 1)[0].rsplit(":", 1)[1] for p in problems] == ["3", "4", "5", "6"]
    assert "6 digits" in problems[0].message
    assert "level" in problems[1].message
    assert "http(s)" in problems[2].message
    assert "duplicate" in problems[3].message


def test_header_without_required_columns_is_fatal(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("division_code,name\n530115,晋宁区\n", encoding="utf-8")
    with pytest.raises(SeedError) as caught:
        load_seeds([path])
    assert str(caught.value) == (
        f"seeds file {path}: header lacks columns: province, prefecture, level, portal_url (or url)"
    )


def test_header_without_url_column_is_fatal(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("division_code,province,prefecture,name,level,homepage\n", encoding="utf-8")
    with pytest.raises(SeedError, match=r"header lacks columns: portal_url \(or url\)$"):
        crawl_seeds(path)


def test_missing_file_is_fatal(tmp_path: Path) -> None:
    with pytest.raises(SeedError) as caught:
        load_seeds([tmp_path / "nope.csv"])
    assert str(caught.value) == f"no such seed file: {tmp_path / 'nope.csv'}"


def test_a_directory_is_not_a_seed_file(tmp_path: Path) -> None:
    with pytest.raises(SeedError) as caught:
        crawl_seeds(tmp_path)
    assert str(caught.value) == f"seeds file {tmp_path}: cannot read: [Errno 21] Is a directory"


def test_undecodable_file_is_fatal(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(HEADER.replace("name", "名称").encode("gb18030"))
    with pytest.raises(SeedError, match=r": cannot read: not UTF-8 \(byte 0xc3 at offset 34\)$"):
        crawl_seeds(path)


def test_empty_file_is_fatal(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(SeedError, match="empty, no header row"):
        crawl_seeds(path)


def test_one_unusable_file_among_several_is_fatal(tmp_path: Path) -> None:
    good = tmp_path / "a.csv"
    good.write_text(HEADER + "530115,云南省,昆明市,晋宁区,county,http://www.kmjn.gov.cn/,\n", encoding="utf-8")
    with pytest.raises(SeedError, match="no such seed file"):
        load_seeds([good, tmp_path / "b.csv"])


def test_url_is_another_name_of_portal_url(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "division_code,province,prefecture,name,level,url\n"
        "530115,云南省,昆明市,晋宁区,county,http://www.kmjn.gov.cn/\n"
        "530116,云南省,昆明市,坏址,county,ftp://c.gov.cn/\n",
        encoding="utf-8",
    )
    rows, problems = load_seeds([path])
    assert [(p.name, p.portal_url, p.host) for p in rows] == [("晋宁区", "http://www.kmjn.gov.cn/", "www.kmjn.gov.cn")]
    # The reason names the column as the file spells it.
    assert [p.message for p in problems] == ["url must be an http(s) URL, got 'ftp://c.gov.cn/'"]


def test_portal_url_wins_over_url(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "url,division_code,province,prefecture,name,level,portal_url\n"
        "http://old.kmjn.gov.cn/,530115,云南省,昆明市,晋宁区,county,http://www.kmjn.gov.cn/\n",
        encoding="utf-8",
    )
    rows, problems = load_seeds([path])
    assert problems == [] and [p.portal_url for p in rows] == ["http://www.kmjn.gov.cn/"]


@pytest.mark.parametrize(
    ("province", "division", "wanted"),
    [("火星", None, "province=火星"), (None, "999999", "division=999999"),
     ("云南", "230000", "province=云南 division=230000")],
)
def test_a_selection_of_nothing_says_why(
    province: str | None, division: str | None, wanted: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(SEEDS_DIR.parent)  # the bundled list is named relative to the working directory
    with pytest.raises(SeedError) as caught:
        crawl_seeds(None, province, division)
    assert str(caught.value) == f"no seed portal matches {wanted} (3207 portals read from seeds/*.csv)"


def test_a_file_of_bad_rows_selects_nothing_and_names_the_first(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(HEADER + "53011,云南省,昆明市,坏码,county,http://a.gov.cn/,\n", encoding="utf-8")
    with pytest.raises(SeedError) as caught:
        crawl_seeds(path)
    assert str(caught.value) == (
        f"no seed portal to crawl (0 portals read from {path}; 1 bad row skipped, "
        f"first {path}:2: division_code must be 6 digits, got '53011')"
    )


def test_a_selection_keeps_its_bad_rows_as_problems(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        HEADER
        + "530115,云南省,昆明市,晋宁区,county,http://www.kmjn.gov.cn/,\n"
        + "53011,云南省,昆明市,坏码,county,http://a.gov.cn/,\n",
        encoding="utf-8",
    )
    chosen, problems = crawl_seeds(str(path), province="云南")
    assert [p.name for p in chosen] == ["晋宁区"]
    assert [str(p) for p in problems] == [f"{path}:3: division_code must be 6 digits, got '53011'"]


def test_the_spider_records_a_bad_row_as_a_discover_error(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        HEADER
        + "530115,云南省,昆明市,晋宁区,county,http://www.kmjn.gov.cn/,\n"
        + "530116,云南省,昆明市,坏级,village,http://b.gov.cn/,\n",
        encoding="utf-8",
    )
    spider = CountySpider.from_crawler(get_crawler(CountySpider), seeds=str(path))
    assert [p.name for p in spider.portals] == ["晋宁区"]
    first = asyncio.run(anext(spider.start()))  # the bad rows come before any request
    assert isinstance(first, CrawlError)
    assert (first.url, first.stage, first.kind) == (f"{path}:3", "discover", "bad_seed_row")
    assert "level must be one of" in first.message


def test_the_spider_refuses_a_selection_of_nothing() -> None:
    with pytest.raises(SeedError, match="no seed portal matches province=火星"):
        CountySpider.from_crawler(get_crawler(CountySpider), province="火星")
