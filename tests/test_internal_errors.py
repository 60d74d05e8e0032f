"""A broken installation stops the crawl as an internal failure instead of filing documents as corrupt.

The crawl of the bundled replica web runs as a subprocess whose PYTHONPATH starts with a stub
``lxml_html_clean`` that raises ImportError, shadowing the installed one, as in a venv without it
(the extraction worker inherits that environment). With the preflight on, the crawl refuses to
start before its first request; with it off, extraction itself raises the internal failure at the
first HTML document and the crawl stops. Either way: exit 10, and not one document filed as corrupt
(the old classification filed 6 of the documents here, and 919 of 948 HTML reports of the
generated web, as corrupt, and exited 0).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import broken_module_path, query
from govcrawl.exitcodes import ExitCode
from replica.harness import crawl_env, run_crawl, write_seeds
from replica.server import ReplicaServer

pytestmark = pytest.mark.crawl


@dataclass
class Outcome:
    exit_code: int
    seconds: float
    log: str
    #: Requests the replica web answered.
    requests: int
    #: (stage, kind) of every fetch_errors row.
    errors: list[tuple[str, str]]
    #: (status, problems) of every crawl run.
    runs: list[tuple[str, dict[str, Any]]]


def _crawl(tmp_path: Path, *extra: str) -> Outcome:
    """The replica crawl with ``lxml_html_clean`` unimportable, into a SQLite archive in ``tmp_path``."""
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    with ReplicaServer() as server:
        seeds = write_seeds(server, tmp_path / "seeds.csv")
        env = crawl_env(server.proxy_url, url)
        env["PYTHONPATH"] = broken_module_path(tmp_path, "lxml_html_clean", env.get("PYTHONPATH", ""))
        code, seconds, _ = run_crawl(seeds, env, tmp_path / "crawl.log", *extra)
        requests = len(server.log)
    errors = query(url, "select stage, kind from fetch_errors")
    runs = [(s, json.loads(p) if isinstance(p, str) else p) for s, p in query(url, "select status, problems from crawl_runs")]
    return Outcome(code, seconds, (tmp_path / "crawl.log").read_text(encoding="utf-8"), requests, errors, runs)


def test_preflight_refuses_to_crawl_without_a_component(tmp_path):
    out = _crawl(tmp_path)
    assert out.exit_code == ExitCode.INTERNAL
    assert out.requests == 0  # refused before the first request
    assert out.seconds < 60
    assert out.errors == []
    assert out.runs == [("failed", {"exit_code": 10, "reason": "internal_error"})]
    (line,) = [ln for ln in out.log.splitlines() if "cannot crawl" in ln]
    assert "CRITICAL" in line and "lxml_html_clean is missing" in line and "pip install lxml_html_clean" in line
    assert "Traceback" not in out.log


def test_extraction_stops_the_crawl_when_the_preflight_is_off(tmp_path):
    out = _crawl(tmp_path, "-s", "GOVCRAWL_PREFLIGHT=0")
    assert out.exit_code == ExitCode.INTERNAL
    assert out.requests > 0  # it did crawl: extraction found the fault
    assert ("extract", "corrupt") not in out.errors
    assert [kind for stage, kind in out.errors if stage == "extract"] == []
    ((status, problems),) = out.runs
    assert status == "failed" and problems["reason"] == "internal_error" and problems["internal_errors"] >= 1
    assert "internal error on http://" in out.log and "lxml_html_clean" in out.log
    # The worker's own traceback came across: where the import failed.
    assert 'trafilatura/__init__.py' in out.log
    assert out.log.count("stopping the crawl: InternalError: ImportError") == 1
    assert "Spider closed (internal_error)" in out.log


def test_govcrawl_parse_says_an_internal_failure_is_not_the_file_s(tmp_path):
    page = tmp_path / "report.html"
    page.write_text("<html><body><p>某县2023年政府信息公开工作年度报告</p></body></html>", encoding="utf-8")
    env = {**os.environ, "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "", "PYTHONPATH": broken_module_path(tmp_path, "lxml_html_clean", "")}
    done = subprocess.run([sys.executable, "-m", "govcrawl", "parse", str(page)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 10, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "ImportError" in line and "lxml_html_clean" in line and "govcrawl doctor" in line
