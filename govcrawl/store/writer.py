"""The crawl's archive writer: one thread that runs every database write of a crawl process, in order.

The reactor thread must not wait on SQL: a commit costs milliseconds, and a crawl of thousands of
pages makes thousands of them (a capture row per response, a report with its sources, values and
checks per document). Writes go to one thread instead, first in first out, so they keep the order in
which the crawl produced them (a response's capture row is written before the report that cites it)
and SQLite sees a single writer per process. Callers await the result, so a write's failure reaches
whoever asked for it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _writer() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="govcrawl-archive-writer")
        return _executor


async def write(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn(*args, **kwargs)`` on the archive writer thread, after every write queued before it."""
    return await asyncio.wrap_future(_writer().submit(fn, *args, **kwargs))
