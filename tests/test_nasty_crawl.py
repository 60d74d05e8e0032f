"""The nasty-document corpus through a real crawl: every bad file is recorded, none stops the crawl.

One portal of the replica's ``files`` family lists a good report (seed 003 as a DOCX attachment)
and every document of ``fixtures/documents/nasty.py`` in one 年报 column. ``scrapy crawl county``
runs as a subprocess through the replica proxy into a SQLite file, with small limits so that the
size caps and the per-document time limit are reached quickly: extraction cap 1 MB, Scrapy's
DOWNLOAD_MAXSIZE 3 MB, 10 s per document.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from fixtures.documents import nasty
from govcrawl.config import PROJECT_ROOT
from replica.chrome import Skin
from replica.families import files
from replica.harness import archived_reports, crawl_command, crawl_env, write_seeds
from replica.model import Item, Portal
from replica.server import ReplicaServer
from replica.web import FAMILIES, build_web

pytestmark = pytest.mark.crawl

HOST = "www.jnfiles.gov.cn"
COLUMN = f"http://{HOST}/xxgk/ndbg/"
EXPECTED = Path(__file__).parent / "fixtures" / "expected"
#: Per-document time limit of the nasty crawl (LibreOffice's first start in a fresh profile takes 2–4 s).
EXTRACT_TIMEOUT = 10

GOOD = Item(
    9001, nasty.SEED_TITLES["003"], "2021-01-25", seed="003", fmt="docx", source="新平县平掌乡人民政府"
)


def _portal() -> Portal:
    nav = (
        ("首页", "/"),
        ("信息公开", "/xxgk/index.html"),
        ("政务服务", "/zwfw/index.html"),
        ("互动交流", "/hdjl/index.html"),
    )
    skin = Skin(
        site_name="昆明市晋宁区人民政府",
        site_code="5301150002",
        icp="滇ICP备05004237号-2",
        police="滇公网安备 53011502000322号",
        nav=nav,
        css_prefix="jf",
    )
    served = tuple(files.ServedFile(n.title, n.name, n.make(), n.content_type) for n in nasty.CORPUS)
    return Portal(
        host=HOST,
        division_code="530115",
        province="云南省",
        prefecture="昆明市",
        name="晋宁区",
        level="county",
        family="files",
        column_title="政府信息公开年报",
        skin=skin,
        items=(GOOD,),
        options={"files": served},
    )


@dataclass
class NastyCrawl:
    exit_code: int
    log: str
    errors: dict[str, tuple[str, str]]
    reports: list[dict[str, Any]]

    def report_with(self, url: str) -> dict[str, Any]:
        (report,) = [r for r in self.reports if url in r["source_urls"]]
        return report


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> Iterator[NastyCrawl]:
    FAMILIES.setdefault("files", files.build)
    tmp = tmp_path_factory.mktemp("nasty")
    url = f"sqlite:///{tmp / 'archive.sqlite3'}"
    with ReplicaServer(web=build_web(portals=[_portal()], aggregators=(), dead=())) as server:
        seeds = write_seeds(server, tmp / "seeds.csv")
        env = crawl_env(server.proxy_url, url)
        env.update(
            GOVCRAWL_MAX_DOCUMENT_BYTES=str(nasty.MAX_DOCUMENT_BYTES),
            GOVCRAWL_EXTRACT_TIMEOUT=str(EXTRACT_TIMEOUT),
        )
        command = crawl_command(seeds, "-s", f"DOWNLOAD_MAXSIZE={nasty.DOWNLOAD_MAXSIZE}")
        with open(tmp / "crawl.log", "w", encoding="utf-8") as log:
            code = subprocess.run(
                command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=600
            ).returncode
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("select url, stage, kind from fetch_errors")).all()
    engine.dispose()
    reports = archived_reports(url)
    yield NastyCrawl(
        code, (tmp / "crawl.log").read_text(encoding="utf-8"), {u: (s, k) for u, s, k in rows}, reports
    )


def test_crawl_exits_cleanly(crawl: NastyCrawl) -> None:
    assert crawl.exit_code == 0
    assert "Traceback" not in crawl.log


def test_good_report_in_the_same_column_is_archived(crawl: NastyCrawl) -> None:
    report = crawl.report_with(f"{COLUMN}{GOOD.id}_att.docx")
    assert (report["division_code"], report["year"]) == ("530427", 2019)


@pytest.mark.parametrize("doc", [n for n in nasty.CORPUS if n.error], ids=lambda n: n.name)
def test_bad_document_is_recorded(crawl: NastyCrawl, doc: nasty.Nasty) -> None:
    assert crawl.errors.get(COLUMN + doc.name) == doc.error
    assert not [r for r in crawl.reports if COLUMN + doc.name in r["source_urls"]]


@pytest.mark.parametrize("doc", [n for n in nasty.CORPUS if not n.error], ids=lambda n: n.name)
def test_oddly_encoded_report_is_archived_right(crawl: NastyCrawl, doc: nasty.Nasty) -> None:
    report = crawl.report_with(COLUMN + doc.name)
    expected = json.loads((EXPECTED / f"seed_{doc.seed}.json").read_text(encoding="utf-8"))["identity"]
    assert (report["division_code"], report["year"], report["title"]) == (
        expected["division_code"],
        expected["year"],
        doc.title,
    )
    assert COLUMN + doc.name not in crawl.errors


def test_gbk_page_text_parses_to_its_number(crawl: NastyCrawl) -> None:
    # Seed 004's one statistic sits in Chinese prose: only a right decode finds it.
    assert crawl.report_with(COLUMN + "gbk.html")["values"].get("apply.new.total") == 233


def test_every_corpus_document_was_fetched_once(crawl: NastyCrawl) -> None:
    seen = set(crawl.errors) | {u for r in crawl.reports for u in r["source_urls"]}
    assert {COLUMN + n.name for n in nasty.CORPUS} <= seen
