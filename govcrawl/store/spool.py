"""The spool: archive writes the database did not take, kept on disk, in order, until a run replays them.

When the archive writer gives up on a database that stays away (``govcrawl.store.writer``), every
write the crawl still makes (a report with its raw bytes, a capture row, an error, the run's
health and end) becomes one file here, beside the WARC files, named so that the files sort in the
order they were written. The next crawl replays them first, in that order, against the archive
(:meth:`Spool.replay`): a capture row before the report that points at it, a run's writes before
its end. A file is deleted only once its write is committed, so a replay cut short goes on where it
stopped. The files are pickles of the crawl's own records: read only from this directory, which
only the crawl writes.
"""

from __future__ import annotations

import logging
import os
import pickle
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: The archive methods a spooled write may call (``"reports.store"`` is ``archive.reports.store``).
SPOOLABLE = frozenset(
    {"reports.store", "captures.record", "runs.record_error", "runs.record_health", "runs.record_portals", "runs.finish"}
)


@dataclass(frozen=True)
class SpooledWrite:
    """One write: the archive method to call, and its arguments."""

    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]

    def apply(self, archive: Any) -> Any:
        """Make the write on ``archive``."""
        job, name = self.method.split(".")
        return getattr(getattr(archive, job), name)(*self.args, **self.kwargs)


class Spool:
    """The spool directory of an archive's WARC root (see the module docstring)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._sequence = 0

    def add(self, method: str, *args: Any, **kwargs: Any) -> Path:
        """Keep one write; the file is synced before this returns (it is all that is left of the item)."""
        if method not in SPOOLABLE:
            raise ValueError(f"not a spoolable archive write: {method}")
        self.directory.mkdir(parents=True, exist_ok=True)
        self._sequence += 1
        name = f"{time.time_ns():020d}-{os.getpid()}-{self._sequence:06d}"
        path = self.directory / f"{name}.pickle"
        partial = path.with_suffix(".partial")
        with open(partial, "wb") as out:
            pickle.dump(SpooledWrite(method, args, kwargs), out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
            os.fsync(out.fileno())
        partial.rename(path)  # a file cut short by a crash is never taken for a write
        return path

    def pending(self) -> list[Path]:
        """The spooled writes, oldest first."""
        return sorted(self.directory.glob("*.pickle")) if self.directory.is_dir() else []

    def replay(self, archive: Any) -> int:
        """Make every spooled write on ``archive``, oldest first, deleting each once made; how many.

        A failing write stops the replay (raised): the rest stays spooled for the next attempt.
        """
        done = 0
        for path in self.pending():
            with open(path, "rb") as src:
                write: SpooledWrite = pickle.load(src)
            write.apply(archive)
            path.unlink()
            done += 1
        if done:
            logger.info("replayed %d spooled archive writes from %s", done, self.directory)
        return done
