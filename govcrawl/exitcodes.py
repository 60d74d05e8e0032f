"""Exit codes of ``govcrawl`` and ``scrapy crawl county``: one meaning each, whichever command exits."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a non-zero exit says. 1 is left to Python and Scrapy (an uncaught error, a failed start)."""

    OK = 0
    #: Bad usage: an unknown option or value, a missing file.
    USAGE = 2
    #: A file that cannot be extracted (unsupported type, corrupt, encrypted…).
    BAD_FILE = 3
    #: The archive database cannot be reached or used.
    DATABASE = 4
    #: The archive database is not migrated to the newest schema.
    NOT_MIGRATED = 5
    #: ``status``: a portal that had reports at its previous check yields none in the examined run.
    REGRESSION = 6
