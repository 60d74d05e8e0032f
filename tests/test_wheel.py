"""The wheel: built from the checkout and installed outside it, it migrates an archive, parses a report and
reads its default seed list, all from its own files."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from govcrawl.seeds import load_seeds, seed_files

PROJECT = Path(__file__).resolve().parent.parent
#: A gov2021 report of 任城区 (370811), 2021: one of the real reports in the checkout's test fixtures.
REPORT = PROJECT / "tests" / "fixtures" / "seeds" / "001_9a7a73357a695dd6.txt"

PIP = [sys.executable, "-m", "pip"]

#: Top-level entries of the checkout that are no build input: git, the venv, local data, build output.
_NOT_SOURCES = frozenset({".git", ".venv", "data", "build", "dist", ".pytest_cache", ".ruff_cache"})


def _ignore(folder: str, names: list[str]) -> Iterable[str]:
    """``shutil.copytree`` filter: skip non-sources at the top level and caches and build metadata anywhere."""
    top = Path(folder) == PROJECT
    return [
        n
        for n in names
        if (top and n in _NOT_SOURCES) or n == "__pycache__" or n.endswith((".pyc", ".egg-info"))
    ]


def _run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run ``command``, fail the test with its output unless it succeeds; returns its stdout."""
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{command} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of the checkout's sources to build from.

    setuptools builds in the source folder: it writes ``build/`` and ``*.egg-info`` there, and the wheel
    takes whatever ``build/lib`` holds, stale files of earlier builds included. A private copy gives a
    clean build of the working tree as it is and keeps concurrent runs out of each other's way.
    """
    dest = tmp_path_factory.mktemp("sources") / "govcrawl"
    shutil.copytree(PROJECT, dest, ignore=_ignore)
    return dest


@pytest.fixture(scope="module")
def wheel(sources: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from :func:`sources`.

    With build isolation: the project needs setuptools>=77 and the development venv may hold an older one.
    """
    out = tmp_path_factory.mktemp("wheel")
    _run([*PIP, "wheel", "--no-deps", "--wheel-dir", str(out), str(sources)], cwd=out)
    (built,) = out.glob("govcrawl-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the wheel is installed into (``pip install --target``)."""
    target = tmp_path_factory.mktemp("site")
    _run([*PIP, "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)], cwd=target)
    return target


@pytest.fixture
def outside(installed: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A working directory outside the checkout and an environment that imports the installed wheel.

    ``PYTHONPATH`` comes before site-packages, so the wheel's govcrawl wins over the editable install.
    """
    env = os.environ | {"PYTHONPATH": str(installed), "GOVCRAWL_DATA_DIR": str(tmp_path / "data")}
    env.pop("GOVCRAWL_DATABASE_URL", None)
    work = tmp_path / "work"
    work.mkdir()
    return work, env


def test_wheel_carries_runtime_files_and_no_test_infrastructure(wheel: Path, sources: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())

    def expect(folder: str, pattern: str, packaged_as: str) -> set[str]:
        """The wheel names of the snapshot's ``folder/pattern`` files, as shipped under ``packaged_as``."""
        root = sources / folder
        found = {f"{packaged_as}/{p.relative_to(root).as_posix()}" for p in root.glob(pattern)}
        assert found, f"nothing matches {folder}/{pattern}"
        return found

    migrations = expect("migrations", "env.py", "govcrawl/migrations") | expect(
        "migrations", "versions/*.py", "govcrawl/migrations"
    )
    seeds = expect("seeds", "*.csv", "govcrawl/seedlist")
    assert len(seeds) == 31
    assert migrations <= names
    assert seeds <= names
    assert "govcrawl/store/datasette-metadata.json" in names
    assert {"govcrawl/data/divisions_cn_2023.csv", "govcrawl/data/county_codes_history.csv"} <= names
    # pyproject.toml lists the packages by hand (package-dir cannot be combined with packages.find):
    # a module under govcrawl/ missing from the wheel means a package is missing from that list.
    modules = {p.relative_to(sources).as_posix() for p in (sources / "govcrawl").rglob("*.py")}
    unlisted = sorted({m.rpartition("/")[0].replace("/", ".") for m in modules - names})
    assert not unlisted, f"add to [tool.setuptools] packages in pyproject.toml: {unlisted}"
    assert not [n for n in names if {"replica", "bench", "tests"} & set(n.split("/"))]


def test_installed_wheel_migrates_parses_and_loads_seeds(
    installed: Path, sources: Path, outside: tuple[Path, dict[str, str]]
) -> None:
    work, env = outside
    probe = (
        "import json, govcrawl; from govcrawl.seeds import SEEDS_DIR, load_seeds;"
        " from govcrawl.store.migrate import MIGRATIONS_DIR; portals, problems = load_seeds();"
        " print(json.dumps([govcrawl.__file__, str(MIGRATIONS_DIR), str(SEEDS_DIR),"
        " len(portals), [str(p) for p in problems]]))"
    )
    package, migrations, seeds, portals, problems = json.loads(
        _run([sys.executable, "-c", probe], cwd=work, env=env)
    )
    # The editable install stays on sys.path (after PYTHONPATH) and maps govcrawl.migrations and
    # govcrawl.seedlist to the checkout: a wheel lacking them would silently read the checkout's files.
    for path in (package, migrations, seeds):
        assert Path(path).is_relative_to(installed), path
    assert (Path(migrations) / "env.py").is_file()
    # The same rows as the seed list the wheel was built from.
    expected, _ = load_seeds(seed_files(sources / "seeds"))
    assert portals == len(expected) > 3000
    assert problems == []

    database = work / "archive.sqlite3"
    cli = [sys.executable, "-m", "govcrawl.cli", "--database-url", f"sqlite:///{database}"]
    _run([*cli, "db", "upgrade"], cwd=work, env=env)
    head = ScriptDirectory(str(sources / "migrations")).get_current_head()
    with closing(sqlite3.connect(database)) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]
        assert db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'reports'").fetchone() == (1,)

    shutil.copy(REPORT, work / REPORT.name)
    result = json.loads(_run([*cli, "parse", "--json", REPORT.name], cwd=work, env=env))
    assert (result["division_code"], result["year"], result["format"]) == ("370811", 2021, "gov2021")
    filled = [v for v in result["values"].values() if v is not None]
    assert len(filled) > 100
