"""A killable worker process for extraction: a document that hangs a parser costs at most its time limit.

pdfplumber's table finder is quadratic in the ruling lines of a page (a 2 KB PDF drawing a
150×150 grid takes it 24 s; see ``bench.extract``), pdfminer parses content streams in
pure Python, and lxml or python-docx may spin on hostile XML. A time check between pages cannot
interrupt any of them, so every extraction runs in a child interpreter
(``python -m govcrawl.extract.worker``) that is killed, with its whole process group, when the
time limit passes. The child lives across documents, so its imports are paid once; the next
document after a kill starts a fresh one.

Requests and answers travel over the child's stdin and stdout as length-prefixed pickles (the
child is our own process, never a peer). The child points its file descriptor 1 at stderr, so a
library that prints cannot corrupt the channel. A request is ``("extract", keyword arguments of
extract_local)`` or ``("check", component names)`` (:mod:`govcrawl.components`, run where extraction
runs: this interpreter, this environment); an answer is ``("ok", result)``, ``("error", kind,
message)`` for the document's faults or ``("internal", type, message, trace)`` for ours
(:mod:`govcrawl.extract.errors`), which the parent raises again as :class:`InternalError`.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import queue
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from typing import TYPE_CHECKING, Any

from govcrawl.extract.errors import ExtractionError, InternalError

if TYPE_CHECKING:
    from govcrawl.components import Result
    from govcrawl.document import Document

#: The LibreOffice profile directory the worker's conversions use (see ``govcrawl.extract.doc``).
LO_PROFILE_ENV = "GOVCRAWL_LO_PROFILE"

_HEADER = struct.Struct("!Q")


class ExtractionWorker:
    """One child process running :func:`govcrawl.extract.extract_local`, or component checks, on request.

    Thread-safe (requests are serialised). :meth:`run` returns the child's answer or raises
    ``ExtractionError`` "timeout" (the child is killed) or "crashed" (the child was killed by a
    signal), or ``InternalError`` when the child exited by itself (it could not start).
    """

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        #: Children started so far (the first, plus one after every kill or crash).
        self.starts = 0
        self._lo_profile: str | None = None

    @property
    def pid(self) -> int | None:
        """The running child's process id (None before the first request and after a kill)."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        # Its own session, so a kill reaches whatever else it started in its group. LibreOffice runs
        # in a session of its own and stops at its own, shorter limit (extract_local's convert_timeout).
        # Its profile outlives the child: a restarted worker skips LibreOffice's first-start setup,
        # and a killed one leaves no profile behind (this process removes it at exit).
        if self._lo_profile is None:
            self._lo_profile = tempfile.mkdtemp(prefix="govcrawl-lo-worker-")
            atexit.register(shutil.rmtree, self._lo_profile, ignore_errors=True)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "govcrawl.extract.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
            env={**os.environ, LO_PROFILE_ENV: self._lo_profile},
        )
        self.starts += 1
        return self._proc

    def kill(self) -> None:
        """Kill the child and its process group (a no-op without a child)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()

    def run(self, request: tuple[str, Any], timeout: float) -> tuple:
        """Send ``request`` (see the module docstring) and wait at most ``timeout`` s for the answer."""
        with self._lock:
            proc = self._start()
            assert proc.stdin is not None and proc.stdout is not None
            payload = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
            deadline = time.monotonic() + timeout
            try:
                proc.stdin.write(_HEADER.pack(len(payload)) + payload)
                proc.stdin.flush()
                header = _read_exactly(proc.stdout.fileno(), _HEADER.size, deadline)
                answer = _read_exactly(proc.stdout.fileno(), _HEADER.unpack(header)[0], deadline)
            except TimeoutError as exc:
                self.kill()
                raise ExtractionError(
                    "timeout", f"extraction took longer than {timeout:g} s; stopped"
                ) from exc
            except (BrokenPipeError, EOFError) as exc:
                code = None
                with contextlib.suppress(subprocess.TimeoutExpired):
                    code = proc.wait(timeout=2)
                self.kill()
                if code is not None and code >= 0:
                    # The interpreter ended by itself: an import failed as it started, or its loop broke.
                    # A document that kills a parser gets the process killed by a signal (code < 0).
                    raise InternalError(
                        "WorkerExit",
                        f"the extraction worker ({sys.executable} -m {__name__}) exited with status {code};"
                        " its traceback is on stderr",
                    ) from exc
                raise ExtractionError("crashed", f"extraction process died (exit status {code})") from exc
            return pickle.loads(answer)

    def extract(self, request: dict[str, Any], timeout: float) -> Document:
        """``extract_local(**request)`` in the child: its document, or its error raised here again."""
        answer = self.run(("extract", request), timeout)
        if answer[0] == "ok":
            return answer[1]
        if answer[0] == "error":
            raise ExtractionError(answer[1], answer[2])
        # Not trusted with the next document: a MemoryError may have left it bloated.
        self.kill()
        raise InternalError(*answer[1:])

    def check(self, names: list[str], timeout: float) -> list[Result]:
        """Check the named components of :mod:`govcrawl.components` in the child, where extraction uses them."""
        answer = self.run(("check", names), timeout)
        if answer[0] != "ok":
            raise InternalError(*answer[1:])
        return answer[1]


def _read_exactly(fd: int, size: int, deadline: float) -> bytes:
    """``size`` bytes from ``fd``; TimeoutError past ``deadline``, EOFError if the writer is gone."""
    chunks: list[bytes] = []
    left = size
    while left:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimeoutError
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class WorkerPool:
    """Up to ``size`` extraction workers, so documents extracted from several threads run side by side.

    A worker is started only when every started one is busy, and the most recently used idle worker
    takes the next document (warm, and the others stay unstarted while one suffices).
    """

    def __init__(self, size: int) -> None:
        self.workers = [ExtractionWorker() for _ in range(max(1, size))]
        self._idle: queue.LifoQueue[ExtractionWorker] = queue.LifoQueue()
        for worker in reversed(self.workers):
            self._idle.put(worker)

    def extract(self, request: dict[str, Any], timeout: float) -> Document:
        """:meth:`ExtractionWorker.extract` on an idle worker (waiting for one when all are busy)."""
        worker = self._idle.get()
        try:
            return worker.extract(request, timeout)
        finally:
            self._idle.put(worker)

    def kill(self) -> None:
        """Kill every worker's child."""
        for worker in self.workers:
            worker.kill()


def pool_size() -> int:
    """Workers per crawl process: ``GOVCRAWL_EXTRACT_WORKERS``, else one per CPU core beyond the first."""
    configured = os.environ.get("GOVCRAWL_EXTRACT_WORKERS")
    if configured:
        return max(1, int(configured))
    return max(1, (os.cpu_count() or 2) - 1)


_default: WorkerPool | None = None
_default_owner: int | None = None
_default_lock = threading.Lock()


def default_pool() -> WorkerPool:
    """The process-wide pool (children started on use, killed at exit; a forked child gets its own)."""
    global _default, _default_owner
    with _default_lock:
        if _default is None or _default_owner != os.getpid():
            _default = WorkerPool(pool_size())
            _default_owner = os.getpid()
            atexit.register(_default.kill)
        return _default


def default_worker() -> ExtractionWorker:
    """The pool's first worker: the one a caller extracting one document at a time always gets."""
    return default_pool().workers[0]


def _answer(op: str, payload: Any) -> tuple:
    """The child's answer to one request (see the module docstring)."""
    try:
        if op == "check":
            from govcrawl.components import check_named

            return ("ok", check_named(payload))
        from govcrawl.extract import extract_local

        return ("ok", extract_local(**payload))
    except ExtractionError as exc:
        return ("error", exc.kind, exc.message)
    except Exception as exc:  # InternalError, or a failure outside extract_local's classification: ours
        internal = exc if isinstance(exc, InternalError) else InternalError.of(exc)
        return ("internal", internal.type_name, internal.message, internal.trace)


def _serve() -> None:
    """The child's loop: read a request, answer it; until stdin closes."""
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    while True:
        header = requests.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        op, payload = pickle.loads(requests.read(_HEADER.unpack(header)[0]))
        data = pickle.dumps(_answer(op, payload), protocol=pickle.HIGHEST_PROTOCOL)
        channel.write(_HEADER.pack(len(data)) + data)
        channel.flush()


if __name__ == "__main__":
    _serve()
