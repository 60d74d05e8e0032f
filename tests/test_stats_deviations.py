"""One fixture per real-world deviation of the spec's §4, each parsed and checked against its
expectations in ``fixtures/stats/deviations.json``.

Every entry names its fixture file and spec item and lists what must hold: the format and method,
cell values (a full table where the fixture prints one: ``base`` names one of the file's full
tables, ``except_rows`` drops rows of it, other keys override), flags and units that must be
present, keys that must stay unassigned, rule outcomes, warnings and kept triples. ``.txt`` fixtures go
through ``parse_text``; ``.html`` fixtures through the real extractor and ``parse_document``.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from govcrawl.extract import extract  # noqa: E402
from govcrawl.stats import ParseResult, parse_document, parse_text  # noqa: E402

STATS = Path(__file__).parent / "fixtures" / "stats"
_DATA = json.loads((STATS / "deviations.json").read_text(encoding="utf-8"))
MANIFEST: list[dict] = _DATA["fixtures"]


def expected_cells(entry: dict) -> dict:
    """The entry's expected cells, its base table expanded."""
    cells = dict(entry["cells"])
    base, dropped = cells.pop("base", None), cells.pop("except_rows", [])
    full = {
        k: v for k, v in (_DATA["bases"][base] if base else {}).items() if k.rsplit(".", 1)[0] not in dropped
    }
    return full | cells


#: The items of spec §4 (4.1 label variants, 4.2 value variants, 4.3.1–11 structures, 4.4 misreadings).
SPEC_ITEMS = ("4.1", "4.2", "4.4", *(f"4.3.{n}" for n in range(1, 12)))


def parse_fixture(name: str) -> ParseResult:
    data = (STATS / "deviations" / name).read_bytes()
    if name.endswith(".html"):
        doc = extract(data, url=f"http://127.0.0.1/{name}", content_type="text/html; charset=utf-8")
        return parse_document(doc)
    return parse_text(data.decode("utf-8"))


def same(got, want) -> bool:
    if want is None:
        return got is None
    return got is not None and Decimal(str(got)) == Decimal(str(want))


@pytest.fixture(scope="module")
def parsed() -> dict[str, ParseResult]:
    return {}


def result_for(parsed: dict[str, ParseResult], name: str) -> ParseResult:
    if name not in parsed:
        parsed[name] = parse_fixture(name)
    return parsed[name]


def test_every_spec_item_has_a_fixture():
    covered = set()
    for entry in MANIFEST:
        first, *rest = entry["spec"].split("-")
        covered.add(first)
        if rest:  # "4.3.7-8": a range of 4.3 items
            covered |= {f"4.3.{n}" for n in range(int(first.rsplit(".", 1)[1]), int(rest[0]) + 1)}
    assert set(SPEC_ITEMS) <= covered, set(SPEC_ITEMS) - covered


def test_fixture_files_and_manifest_agree():
    files = sorted(p.name for p in (STATS / "deviations").iterdir())
    assert files == sorted(e["file"] for e in MANIFEST)


IDS = [e["file"].split(".")[0] for e in MANIFEST]


@pytest.mark.parametrize("entry", MANIFEST, ids=IDS)
def test_format_and_method(parsed, entry):
    result = result_for(parsed, entry["file"])
    assert (result.format, result.method) == (entry["format"], entry["method"])


@pytest.mark.parametrize("entry", MANIFEST, ids=IDS)
def test_cells(parsed, entry):
    result = result_for(parsed, entry["file"])
    wrong = {}
    for key, want in expected_cells(entry).items():
        got = result.values.get(key)
        if got is None or not same(got.value, want):
            wrong[key] = (want, None if got is None else got.value)
    assert not wrong, wrong


@pytest.mark.parametrize(
    "entry", [e for e in MANIFEST if "flags" in e or "units" in e], ids=lambda e: e["file"]
)
def test_flags_and_units(parsed, entry):
    result = result_for(parsed, entry["file"])
    for key, flags in entry.get("flags", {}).items():
        assert set(flags) <= set(result.values[key].flags), (key, result.values[key].flags)
    for key, unit in entry.get("units", {}).items():
        assert result.values[key].unit == unit, key


@pytest.mark.parametrize(
    "entry", [e for e in MANIFEST if "checks" in e or e.get("no_fail")], ids=lambda e: e["file"]
)
def test_checks(parsed, entry):
    result = result_for(parsed, entry["file"])
    status = {c.rule: c.status for c in result.checks}
    for rule, want in entry.get("checks", {}).items():
        assert status.get(rule) == want, (rule, status.get(rule))
    if entry.get("no_fail"):
        assert not [c for c in result.checks if c.status == "fail"]


@pytest.mark.parametrize(
    "entry", [e for e in MANIFEST if "absent" in e or "warnings" in e], ids=lambda e: e["file"]
)
def test_unassigned_cells_and_warnings(parsed, entry):
    result = result_for(parsed, entry["file"])
    for key in entry.get("absent", []):
        assert key not in result.values, key
    for needle in entry.get("warnings", []):
        assert any(needle in w for w in result.warnings), (needle, result.warnings)


@pytest.mark.parametrize("entry", [e for e in MANIFEST if "triples" in e], ids=lambda e: e["file"])
def test_kept_triples(parsed, entry):
    result = result_for(parsed, entry["file"])
    for section, label, column, value in entry["triples"]:
        assert any(
            t.section == section and label in t.label and t.column == column and same(t.value, value)
            for t in result.triples
        ), (section, label, column, value, result.triples)


def test_clean_pipe_fixture_has_no_warnings(parsed):
    result = result_for(parsed, "d23_pipe_fillers_and_blanks.txt")
    assert result.warnings == []


def test_every_key_emitted_is_in_the_schema_vocabulary(parsed):
    from govcrawl.stats.schema import FORMATS, LEGACY2014_KEYS, LEGACY_LOCAL_KEYS, TEXT_KEYS

    vocabulary = {k for f in FORMATS.values() for k in f.all_keys()}
    vocabulary |= {*LEGACY2014_KEYS, *LEGACY_LOCAL_KEYS, *TEXT_KEYS, "apply.result.total"}
    emitted = {k for e in MANIFEST for k in result_for(parsed, e["file"]).values}
    assert emitted - vocabulary == set()
