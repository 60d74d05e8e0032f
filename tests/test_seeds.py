"""The seed list: all provinces present, rows validated by line, selection by province and division."""

from __future__ import annotations

from pathlib import Path

import pytest

from govcrawl.seeds import Portal, load_seeds, seed_files, select

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


def test_missing_columns_reported(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("division_code,name\n530115,晋宁区\n", encoding="utf-8")
    rows, problems = load_seeds([path])
    assert rows == []
    assert "province" in problems[0].message and "portal_url" in problems[0].message


def test_missing_file_reported(tmp_path: Path) -> None:
    rows, problems = load_seeds([tmp_path / "nope.csv"])
    assert rows == [] and "cannot read" in problems[0].message
