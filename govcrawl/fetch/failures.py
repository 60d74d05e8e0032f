"""Why a request failed, in the words the archive records: an error kind and a portal failure class."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

#: Statuses of script challenges (瑞数 412, 加速乐 521): a real browser passes them by running the page.
CHALLENGE_STATUSES = (412, 521)


def classify(failure: Failure) -> tuple[str, str, int | None]:
    """(error kind for the error record, health failure class, HTTP status) of a failed request.

    A proxy's error page is read for the cause it names (squid's ``X-Squid-Error``): behind a proxy,
    a dead host answers 502/504 rather than failing to connect.
    """
    if failure.check(HttpError):
        response = failure.value.response
        status = response.status
        squid = (response.headers.get("X-Squid-Error") or b"").decode("latin-1")
        if status in CHALLENGE_STATUSES or status == 403:
            cls = "blocked"
        elif "ERR_CONNECT_FAIL" in squid:
            cls = "refused"
        elif status == 504 or "TIMEOUT" in squid:
            cls = "timeout"
        elif status == 502 or "ERR_DNS_FAIL" in squid:
            cls = "dns"
        else:
            cls = "http_error"
        return f"http_{status}", cls, status
    if failure.check(DNSLookupError):
        return "dns", "dns", None
    if failure.check(ConnectionRefusedError):
        return "refused", "refused", None
    if failure.check(TimeoutError, TCPTimedOutError):
        return "timeout", "timeout", None
    if failure.check(IgnoreRequest):
        message = str(failure.value).lower()
        if "robots" in message:
            return "robots", "robots", None
        if "redirect" in message:
            return "redirect_loop", "http_error", None
    return type(failure.value).__name__, "http_error", None
