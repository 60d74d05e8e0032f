"""Old Word / WPS / RTF files: LibreOffice converts them to DOCX, then the DOCX path reads them.

antiword and catdoc lose table rows (stack notes §5), so they are not used. Each process keeps
its own LibreOffice profile (two soffice runs sharing one profile make the second silently write
nothing), and conversions within a process are serialised for the same reason.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from govcrawl.document import Document
from govcrawl.extract.docx import extract_docx
from govcrawl.extract.errors import ExtractionError, InternalError
from govcrawl.extract.worker import LO_PROFILE_ENV

#: Seconds a conversion may take.
CONVERT_TIMEOUT = 60.0
_lock = threading.Lock()


@functools.cache
def _profile_for(pid: int) -> Path:
    # The extraction worker is handed a profile its parent owns (it survives the worker's restarts).
    if os.environ.get(LO_PROFILE_ENV):
        return Path(os.environ[LO_PROFILE_ENV])
    # Keyed by pid: a forked worker must not inherit its parent's profile.
    path = Path(tempfile.mkdtemp(prefix=f"govcrawl-lo-{pid}-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def _soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:  # the machine's fault, not the document's: every DOC/WPS/RTF would fail alike
        raise InternalError(
            "MissingProgram",
            "LibreOffice (soffice) is not installed, it converts DOC/WPS/RTF: apt-get install libreoffice-writer-nogui",
        )
    return exe


def convert_command(exe: str, profile: Path, target: str, outdir: Path, files: Iterable[Path]) -> list[str]:
    """The headless ``soffice --convert-to`` command line for ``files``, written into ``outdir``.

    ``profile`` is the run's own user profile directory: two soffice processes sharing one make
    the second exit without writing anything.
    """
    return [
        exe,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        target,
        "--outdir",
        str(outdir),
        *map(str, files),
    ]


def convert_with_libreoffice(
    body: bytes, *, suffix: str = ".doc", target: str = "docx", timeout: float = CONVERT_TIMEOUT
) -> bytes:
    """Convert a file with headless LibreOffice and return the converted bytes.

    Raises ``ExtractionError`` "timeout" when soffice runs past ``timeout`` (its whole process
    group is killed) and "converter" when it writes no output; ``InternalError`` when there is no
    soffice to run.
    """
    exe = _soffice()
    profile = _profile_for(os.getpid())
    with _lock, tempfile.TemporaryDirectory(prefix="govcrawl-conv-") as work:
        src = Path(work) / f"input{suffix}"
        src.write_bytes(body)
        outdir = Path(work) / "out"
        cmd = convert_command(exe, profile, target, outdir, [src])
        env = dict(os.environ, HOME=work)
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
        )
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise ExtractionError("timeout", f"LibreOffice took longer than {timeout:.0f} s") from exc
        out = outdir / f"input.{target}"
        if not out.is_file() or out.stat().st_size == 0:
            detail = err.decode("utf-8", errors="replace").strip()[-300:]
            raise ExtractionError(
                "converter", f"LibreOffice wrote no {target} (exit {proc.returncode}): {detail}"
            )
        return out.read_bytes()


def extract_doc(body: bytes, *, suffix: str = ".doc", timeout: float = CONVERT_TIMEOUT) -> Document:
    """A .doc/.wps/.rtf file as a :class:`Document`, through a LibreOffice DOCX conversion.

    WPS Office saves ``.wps`` files either Word-compatible (LibreOffice reads them like any
    ``.doc``) or in Kingsoft's own format, which LibreOffice cannot open: such a file is
    "unsupported", not a converter failure.
    """
    try:
        converted = convert_with_libreoffice(body, suffix=suffix, timeout=timeout)
    except ExtractionError as exc:
        if suffix == ".wps" and exc.kind == "converter":
            raise ExtractionError(
                "unsupported",
                "WPS file in a format LibreOffice cannot read (Kingsoft WPS native, not Word-compatible)",
            ) from exc
        raise
    try:
        doc = extract_docx(converted)
    except ExtractionError as exc:
        raise ExtractionError("converter", f"LibreOffice output unreadable: {exc.message}") from exc
    doc.source_format = "doc"
    return doc
