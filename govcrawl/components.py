"""The optional components govcrawl uses, and how to check each for real (``govcrawl doctor``, the crawl's start).

A component that is missing does not show until something needs it, and then it looks like
something else: without ``lxml_html_clean`` every HTML report seemed corrupt. So each component is
checked for real: a module is imported (one that imports but fails at its first use, such as
OpenCC without its conversion tables, is used once), a program is run with ``--version`` under a
time limit. This module only knows the components and runs their probes; where they run (here, or
in an extraction worker, where extraction imports them) is :mod:`govcrawl.doctor`'s business.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: Seconds a program's ``--version`` may take (both answer in well under a second when warm).
VERSION_TIMEOUT = 30.0
#: The variable naming the Chromium the crawl launches (``PLAYWRIGHT_LAUNCH_OPTIONS`` in govcrawl.settings).
CHROMIUM_ENV = "GOVCRAWL_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"


class Missing(Exception):
    """A component that does not import or run; the message says what went wrong, in one line."""


@dataclass(frozen=True)
class Component:
    """Something optional govcrawl needs: how to check it, what needs it, how to install it."""

    name: str
    #: What uses it ("used by …", "needed by …" on the line that reports it).
    purpose: str
    #: The install command that brings it.
    fix: str
    #: Returns what was found (a version); raises :class:`Missing`.
    probe: Callable[[], str]
    #: Used by extraction, so checked in an extraction worker.
    worker: bool = False
    #: Components it imports in turn: when one of those is missing, that one is the cause.
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    """A component's check: ``detail`` is the version found, or why it is missing."""

    name: str
    ok: bool
    detail: str


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


def import_probe(module: str, distribution: str) -> Callable[[], str]:
    """A probe importing ``module``; it answers the installed version of ``distribution``."""

    def probe() -> str:
        try:
            importlib.import_module(module)
        except Exception as exc:  # ImportError, or whatever a broken module raises as it loads
            raise Missing(_first_line(exc)) from exc
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:  # importable from a path pip does not know
            return "imports"

    return probe


def _opencc_probe() -> str:
    """OpenCC imports without its conversion tables; converting one character needs them."""
    version = import_probe("opencc", "opencc")()
    import opencc

    try:
        converted = opencc.OpenCC("t2s").convert("國")
    except Exception as exc:  # a missing or unreadable conversion table
        raise Missing(_first_line(exc)) from exc
    if converted != "国":
        raise Missing(f"t2s converts 國 to {converted!r}, not 国: its conversion tables are wrong")
    return version


def program_probe(*candidates: str) -> Callable[[], str]:
    """A probe running the first of ``candidates`` found (a path, or a name on PATH) with ``--version``."""

    def probe() -> str:
        exe = next((found for name in candidates if (found := shutil.which(name))), None)
        if exe is None:
            raise Missing(f"{' or '.join(candidates)} not found")
        return run_version(exe)

    return probe


def run_version(exe: str, timeout: float = VERSION_TIMEOUT) -> str:
    """The first line ``exe --version`` prints; :class:`Missing` if it fails or takes over ``timeout`` s."""
    # Its own session, so that a wrapper script's children are killed with it on a timeout.
    proc = subprocess.Popen(
        [exe, "--version"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise Missing(f"{exe} --version gave no answer in {timeout:g} s") from exc
    lines = out.decode("utf-8", "replace").strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = err.decode("utf-8", "replace").strip().splitlines()
        raise Missing(f"{exe} --version exited {proc.returncode}" + (f": {tail[-1]}" if tail else ""))
    return lines[0].strip()


def chromium_path() -> str:
    """The Chromium the crawl launches: ``GOVCRAWL_CHROMIUM``, else Debian's."""
    return os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM


def components(chromium: str | None = None) -> list[Component]:
    """Every optional component, a component after those it requires; ``chromium``: the browser's path."""
    chromium = chromium or chromium_path()
    worker = "in the extraction worker"
    return [
        Component("lxml_html_clean", f"justext (lxml.html.clean) for HTML extraction, {worker}",
                  "pip install lxml_html_clean", import_probe("lxml_html_clean", "lxml_html_clean"), worker=True),
        Component("justext", f"trafilatura for HTML extraction, {worker}", "pip install justext",
                  import_probe("justext", "justext"), worker=True, requires=("lxml_html_clean",)),
        Component("trafilatura", f"HTML extraction (the body finder's fallback), {worker}", "pip install trafilatura",
                  import_probe("trafilatura", "trafilatura"), worker=True, requires=("justext",)),
        Component("charset_normalizer", f"text and HTML extraction (charset detection), {worker}",
                  "pip install charset-normalizer", import_probe("charset_normalizer", "charset-normalizer"),
                  worker=True),
        Component("pdfminer", f"pdfplumber for PDF extraction, {worker}", "pip install pdfminer.six",
                  import_probe("pdfminer.pdfdocument", "pdfminer.six"), worker=True),
        Component("pdfplumber", f"PDF extraction, {worker}", "pip install pdfplumber",
                  import_probe("pdfplumber", "pdfplumber"), worker=True, requires=("pdfminer",)),
        Component("python-docx", f"DOCX extraction (and DOC/WPS/RTF after conversion), {worker}",
                  "pip install python-docx", import_probe("docx", "python-docx"), worker=True),
        Component("soffice", f"DOC/WPS/RTF extraction (LibreOffice converts them to DOCX), {worker}",
                  "apt-get install libreoffice-writer-nogui", program_probe("soffice", "libreoffice"), worker=True),
        Component("opencc", "report identification and duplicate hashing (traditional → simplified Chinese)",
                  "pip install opencc", _opencc_probe),
        Component("numpy", "datasketch", "pip install numpy", import_probe("numpy", "numpy")),
        Component("datasketch", "near-duplicate detection (MinHash signatures)", "pip install datasketch",
                  import_probe("datasketch", "datasketch"), requires=("numpy",)),
        Component("warcio", "raw captures in WARC files (the crawl, govcrawl verify)", "pip install warcio",
                  import_probe("warcio", "warcio")),
        Component("playwright", "scrapy-playwright (it drives Chromium)", "pip install playwright",
                  import_probe("playwright.async_api", "playwright")),
        Component("scrapy-playwright", "the crawl, for list pages built by script", "pip install scrapy-playwright",
                  import_probe("scrapy_playwright.handler", "scrapy-playwright"), requires=("playwright",)),
        Component("chromium", f"the crawl, for list pages built by script ({CHROMIUM_ENV}={chromium})",
                  "apt-get install chromium", program_probe(chromium)),
        Component("psycopg", "PostgreSQL archives", "pip install 'psycopg[binary]'", import_probe("psycopg", "psycopg")),
        Component("redis", "distributed crawls (govcrawl crawl --workers, GOVCRAWL_REDIS_URL)", "pip install redis",
                  import_probe("redis", "redis")),
        Component("scrapy-redis", "distributed crawls (the shared scheduler)", "pip install scrapy-redis",
                  import_probe("scrapy_redis", "scrapy-redis"), requires=("redis",)),
        Component("pyarrow", "govcrawl export --format parquet", "pip install pyarrow", import_probe("pyarrow", "pyarrow")),
        Component("wcwidth", "govcrawl status (column widths of CJK text)", "pip install wcwidth",
                  import_probe("wcwidth", "wcwidth")),
    ]


def crawl_components(
    *, chromium: str | None = None, warc: bool = True, browser: bool = True, postgres: bool = False,
    distributed: bool = False,
) -> list[Component]:
    """The components a crawl uses: extraction's and duplicate detection's always; WARC captures,
    the browser, PostgreSQL and Redis when the crawl's settings use them."""
    wanted = {"opencc", "numpy", "datasketch"}
    wanted |= {"warcio"} if warc else set()
    wanted |= {"playwright", "scrapy-playwright", "chromium"} if browser else set()
    wanted |= {"psycopg"} if postgres else set()
    wanted |= {"redis", "scrapy-redis"} if distributed else set()
    return [c for c in components(chromium) if c.worker or c.name in wanted]


def check(chosen: Sequence[Component]) -> list[Result]:
    """Run the probes of ``chosen`` in this process."""
    results = []
    for component in chosen:
        try:
            results.append(Result(component.name, True, component.probe()))
        except Missing as exc:
            results.append(Result(component.name, False, str(exc)))
    return results


def check_named(names: Sequence[str]) -> list[Result]:
    """:func:`check` of the components named (what an extraction worker is asked to check)."""
    return check([c for c in components() if c.name in names])
