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
    #: The crawl was stopped by a signal (SIGTERM, SIGINT) before it ended: its walks are incomplete.
    INTERRUPTED = 7
    #: Items the archive did not take: spooled on disk for the next run to replay, or lost.
    STORE_ERRORS = 8
    #: A raw capture could not be written (a full disk): the crawl stopped, those reports are not stored.
    CAPTURE_ERRORS = 9
    #: An internal failure stopped the crawl: a missing library, a programming error.
    INTERNAL = 10
    #: A distributed job's Redis stayed unreachable past ``GOVCRAWL_REDIS_RETRY_SECONDS``.
    QUEUE_LOST = 11
    #: ``verify``: the archive has reports without captures, unreadable captures or unindexed records.
    INCONSISTENT = 12


#: Of several problems in one run, the exit code says the gravest.
SEVERITY = (
    ExitCode.INTERNAL,
    ExitCode.DATABASE,
    ExitCode.QUEUE_LOST,
    ExitCode.CAPTURE_ERRORS,
    ExitCode.STORE_ERRORS,
    ExitCode.INTERRUPTED,
)


def gravest(codes: set[ExitCode]) -> ExitCode:
    """The code of the gravest problem among ``codes`` (OK when there is none)."""
    return next((code for code in SEVERITY if code in codes), ExitCode.OK)
