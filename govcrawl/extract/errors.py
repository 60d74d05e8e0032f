"""How extraction fails: through the document's fault (:class:`ExtractionError`) or ours (:class:`InternalError`).

A crawl reads thousands of hostile files, so what the bytes cause must be recorded and passed by,
never stop the crawl; but a fault of the installation or of our code hits every document alike, and
filed as bad documents it hides itself (a venv without ``lxml_html_clean`` once filed 919 of 948 HTML
reports as ``corrupt`` and exited 0). :func:`classify` draws the line for an exception that escaped a
parser, in this order:

1. **Ours, whoever raised it**, anywhere in the exception's chain (pdfplumber wraps what pdfminer
   raises): ``ImportError`` (a missing or broken module); ``NameError`` and Python's own
   ``SyntaxError`` (code that cannot run: ours, or a broken library version; not the parsers'
   subclasses of it, lxml's ``XMLSyntaxError`` and ElementTree's ``ParseError``, which report the
   document's markup); an ``OSError`` carrying an errno (a system call refused: a missing program, a
   full disk, no permission; one without an errno is a library's verdict on the bytes, such as
   ``gzip.BadGzipFile``, and rule 3 decides it); and ``MemoryError``. Memory is a machine fault: a
   document's size is capped before it is parsed (``too_large``) and a DOCX's zip directory is
   checked before anything is inflated (``zip_bomb``), so a document within the caps that exhausts
   memory found the machine short of it; filed as ``too_large`` it would misfile every document
   while the machine stays short, stopped the operator sees it once. (The one hole: pdfminer
   inflates a PDF's compressed streams with no cap, so a deflate bomb inside a PDF near the size
   cap may exhaust memory and stop the crawl; that cap belongs in the PDF path.)
2. **The document's, whoever raised it**: ``UnicodeError``. Decoding is done by built-in methods
   that leave no frame of their own, often called from our code (``govcrawl.extract.text``), and
   only the document's bytes are decoded here.
3. **Otherwise, by the frame that raised it**: an exception raised in govcrawl's own code is ours
   (a bug: our code handles bad input by raising :class:`ExtractionError` itself); one raised inside
   a library or the standard library, parsing the bytes we handed it, is the document's (kind
   ``corrupt``). This is how a ``TypeError``, ``AttributeError``, ``IndexError``, ``KeyError``,
   ``ValueError`` or ``RecursionError`` is classified. The parsers raise all of these on hostile
   bytes from their own frames: fuzzing the test fixtures (byte mutations of PDF, DOCX and HTML,
   random PDF content streams, fonts and page boxes, damaged DOCX table XML) gave pdfplumber's
   ``IndexError`` in ``_normalize_box``, ``KeyError`` and ``TypeError`` inside pdfminer (wrapped in
   ``PdfminerException``), python-docx's ``KeyError`` and ``ValueError``, and the standard library's
   ``zipfile`` raising ``RuntimeError``, ``ValueError``, ``KeyError`` and ``NotImplementedError``,
   the last even where our own code opened the zip (``sniff_format``: hence "or the standard
   library"); none of some 8,500 hostile files raised in a govcrawl frame. Our own mistakes surface
   in our frames: calling a library with arguments it does not take raises ``TypeError`` at the
   call site, a function a library no longer has raises ``AttributeError`` there. What this rule
   cannot see is a bug of ours that only trips deep inside a library (a wrong type passed on, used
   much later): that one is filed as ``corrupt``.
"""

from __future__ import annotations

import traceback
from typing import Literal

ErrorKind = Literal[
    "empty",
    "unsupported",
    "corrupt",
    "truncated",
    "encrypted",
    "too_large",
    "zip_bomb",
    "timeout",
    "converter",
    "mojibake",
    "crashed",
]

#: Faults of the installation, the machine or the code, whatever frame raised them (rule 1).
_ALWAYS_OURS = (ImportError, NameError, MemoryError)
#: What Python's compiler raises, exactly: XML parsers derive their markup errors from SyntaxError.
_PYTHON_SYNTAX = (SyntaxError, IndentationError, TabError)
#: Frames of the traceback kept with an internal error: enough to find the line, short enough to log.
TRACE_FRAMES = 8


class ExtractionError(Exception):
    """Bytes that cannot be turned into a document; ``kind`` says why (see :data:`ErrorKind`)."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


class InternalError(Exception):
    """Extraction failed through no fault of the document: a missing module or program, a bug, no memory.

    Deliberately not an :class:`ExtractionError`: nothing that files bad documents catches it, so it
    escapes :func:`govcrawl.process.process` and stops the crawl (exit 10). It crosses the extraction
    worker's pipe as plain strings: ``type_name`` of the original exception, its ``message`` and
    ``trace``, the innermost :data:`TRACE_FRAMES` frames where it was raised (in the worker).
    """

    def __init__(self, type_name: str, message: str, trace: str = "") -> None:
        # The first line is what the crawl's one-line reports show; the trace follows for the log.
        super().__init__(f"{type_name}: {message}" + (f"\n{trace.rstrip()}" if trace else ""))
        self.type_name = type_name
        self.message = message
        self.trace = trace

    @classmethod
    def of(cls, exc: BaseException) -> InternalError:
        """An internal error reporting ``exc``, with the innermost frames of its traceback."""
        te = traceback.TracebackException.from_exception(exc, limit=-TRACE_FRAMES)
        return cls(type(exc).__name__, str(exc), "".join(te.format(chain=False)))

    def one_line(self) -> str:
        """``Type: message`` on one line, for a report on the command line."""
        return f"{self.type_name}: {' '.join(self.message.split())}"


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from or while handling, as a traceback shows them."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not e for e in seen):
        seen.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return seen


def _raised_in_govcrawl(exc: BaseException) -> bool:
    """Whether the innermost frame of ``exc``'s traceback is govcrawl's own code."""
    tb = exc.__traceback__
    if tb is None:  # never raised: it can only have been made by our code
        return True
    while tb.tb_next is not None:
        tb = tb.tb_next
    module = tb.tb_frame.f_globals.get("__name__", "")
    return module == "govcrawl" or module.startswith("govcrawl.")


def is_internal(exc: BaseException) -> bool:
    """Whether ``exc``, escaped from extracting a document, is our fault (see the module docstring)."""
    for link in _chain(exc):
        if isinstance(link, _ALWAYS_OURS) or type(link) in _PYTHON_SYNTAX:
            return True
        if isinstance(link, OSError) and link.errno is not None:
            return True
    if isinstance(exc, UnicodeError):
        return False
    return _raised_in_govcrawl(exc)


def classify(exc: Exception, what: str) -> ExtractionError | InternalError:
    """``exc`` as the error to raise instead: :class:`InternalError` when it is ours, else the
    document's ``corrupt`` :class:`ExtractionError` whose message starts with ``what``."""
    if is_internal(exc):
        return InternalError.of(exc)
    return ExtractionError("corrupt", f"{what}: {exc!r}")
