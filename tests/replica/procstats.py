"""Peak memory of a process tree (the crawl, its Playwright driver and Chromium), read from /proc.

Summing RSS over Chromium's processes counts shared pages many times (stack notes: 1.3 GiB RSS
against 600 MiB PSS), so the tree's memory is the sum of PSS (proportional set size).
"""

from __future__ import annotations

import threading
from pathlib import Path

_PROC = Path("/proc")


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in (_PROC / str(pid) / "task").glob("*/children"):
        try:
            kids.extend(int(x) for x in task.read_text().split())
        except OSError:
            continue
    return kids


def tree_pids(root: int) -> list[int]:
    """``root`` and all its descendants alive now."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(_children(pid))
    return out


def pss_kib(pid: int) -> int:
    """A process's proportional set size in KiB (0 if it is gone)."""
    try:
        for line in (_PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class PeakMemory:
    """Samples a process tree's summed PSS in a background thread; ``peak_mib`` is the highest seen."""

    def __init__(self, root_pid: int, interval: float = 0.2) -> None:
        self.root_pid = root_pid
        self.interval = interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, sum(pss_kib(p) for p in tree_pids(self.root_pid)))
            self._stop.wait(self.interval)

    @property
    def peak_mib(self) -> float:
        return self.peak_kib / 1024
