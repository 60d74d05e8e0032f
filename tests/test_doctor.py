"""govcrawl doctor: every optional component checked for real, on this machine and with one made unimportable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import broken_module_path
from govcrawl.components import (
    Component,
    Missing,
    Result,
    check,
    components,
    crawl_components,
    import_probe,
    program_probe,
    run_version,
)
from govcrawl.config import PROJECT_ROOT
from govcrawl.doctor import describe, diagnose, summary
from govcrawl.exitcodes import ExitCode


def _shadowed_env(tmp_path: Path) -> dict[str, str]:
    """This environment with a ``lxml_html_clean`` that raises ImportError first on the PYTHONPATH."""
    return {**os.environ, "PYTHONPATH": broken_module_path(tmp_path, "lxml_html_clean")}


def _doctor(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "govcrawl", "doctor"], cwd=PROJECT_ROOT, env=env, capture_output=True,
        text=True, encoding="utf-8", timeout=300,
    )


def _lines(out: str) -> dict[str, str]:
    """The doctor's lines by component name."""
    return {line.split()[1]: line for line in out.splitlines()}


def test_doctor_passes_on_this_machine():
    done = _doctor(dict(os.environ))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = _lines(done.stdout)
    assert list(lines) == [c.name for c in components()]
    assert all(line.startswith("ok ") for line in lines.values()), done.stdout
    assert "LibreOffice" in lines["soffice"] and "Chromium" in lines["chromium"]


def test_doctor_fails_naming_lxml_html_clean_when_it_cannot_be_imported(tmp_path):
    done = _doctor(_shadowed_env(tmp_path))
    assert done.returncode == ExitCode.INTERNAL
    lines = _lines(done.stdout)
    assert lines["lxml_html_clean"].startswith("missing")
    assert "ImportError" in lines["lxml_html_clean"] and "fix: pip install lxml_html_clean" in lines["lxml_html_clean"]
    # What fails only because it imports the missing module points at it.
    for dependent in ("justext", "trafilatura"):
        assert lines[dependent].startswith("missing") and "fix: install lxml_html_clean" in lines[dependent]
    assert all(line.startswith("ok ") for name, line in lines.items() if name not in ("lxml_html_clean", "justext", "trafilatura"))
    assert "lxml_html_clean" in done.stderr


def test_a_module_that_does_not_import_is_missing():
    probe = import_probe("govcrawl_no_such_module", "nothing")
    (result,) = check([Component("nothing", "a test", "pip install nothing", probe)])
    assert not result.ok and result.detail == "ModuleNotFoundError: No module named 'govcrawl_no_such_module'"


def test_a_program_that_is_not_there_or_fails_is_missing(tmp_path):
    absent = Component("absent", "a test", "apt-get install it", program_probe(str(tmp_path / "chromium")))
    fails = Component("fails", "a test", "apt-get install it", program_probe("false"))  # exits 1, prints nothing
    results = check([absent, fails])
    assert not results[0].ok and results[0].detail == f"{tmp_path / 'chromium'} not found"
    assert not results[1].ok and results[1].detail.endswith("false --version exited 1")


def test_a_program_that_hangs_is_missing_after_its_time_limit(tmp_path):
    hangs = tmp_path / "hangs"
    hangs.write_text("#!/bin/sh\nsleep 30\n")
    hangs.chmod(0o755)
    try:
        run_version(str(hangs), timeout=0.5)
    except Missing as exc:
        assert str(exc) == f"{hangs} --version gave no answer in 0.5 s"
    else:
        raise AssertionError("a hanging program passed")


def test_chromium_comes_from_its_setting(tmp_path):
    (chromium,) = [c for c in components(chromium=str(tmp_path / "no-chromium")) if c.name == "chromium"]
    (result,) = check([chromium])
    assert not result.ok and "no-chromium not found" in result.detail
    assert "apt-get install chromium" in describe([chromium], [result])[0]


def test_the_crawl_checks_what_its_settings_use():
    names = {c.name for c in crawl_components()}
    assert {"lxml_html_clean", "trafilatura", "pdfplumber", "python-docx", "soffice", "opencc", "warcio", "chromium"} <= names
    assert not names & {"pyarrow", "wcwidth", "psycopg", "redis"}
    names = {c.name for c in crawl_components(warc=False, browser=False, postgres=True, distributed=True)}
    assert {"psycopg", "redis", "scrapy-redis"} <= names and not names & {"warcio", "chromium", "playwright"}


def test_summary_names_the_missing_root_and_its_fix():
    chosen = [c for c in components() if c.name in ("lxml_html_clean", "justext", "trafilatura", "pdfplumber")]
    results = [Result(c.name, c.name == "pdfplumber", "ImportError: gone" if c.name != "pdfplumber" else "1.0") for c in chosen]
    line = summary(chosen, results)
    assert line is not None and "\n" not in line
    assert line.startswith("lxml_html_clean is missing (ImportError: gone)") and "pip install lxml_html_clean" in line
    assert line.endswith("so justext, trafilatura cannot load either")
    assert summary(chosen, [Result(c.name, True, "1.0") for c in chosen]) is None


def test_diagnose_checks_extraction_components_in_the_worker(tmp_path, monkeypatch):
    # This process imports lxml_html_clean fine; the worker, started with the stub first, cannot.
    monkeypatch.setenv("PYTHONPATH", broken_module_path(tmp_path, "lxml_html_clean"))
    chosen = [c for c in components() if c.name in ("lxml_html_clean", "wcwidth")]
    assert [(r.name, r.ok) for r in diagnose(chosen)] == [("lxml_html_clean", False), ("wcwidth", True)]
