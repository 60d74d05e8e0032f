"""The replica web's HTTP server: a forward proxy that answers for many virtual hosts itself.

Clients reach it the way they reach any HTTP proxy (``http_proxy``), so URLs stay the real
ones. Requests come in absolute form (``GET http://host/path HTTP/1.1``) or origin form with a
Host header; unknown hosts and CONNECT get 502, as a real proxy that cannot connect answers.
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, unquote, urlsplit

from replica.model import HTML, Request, Response
from replica.web import VirtualWeb, build_web

_BAD_GATEWAY = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    b"<hr><center>nginx</center></body></html>"
)
_GATEWAY_TIMEOUT = (
    b"<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1>"
    b"</center><hr><center>nginx</center></body></html>"
)

#: How the proxy answers for a host it cannot reach, by the cause (as squid does: status + X-Squid-Error).
UNREACHABLE = {
    "dns": Response(_BAD_GATEWAY, HTML, 502, headers={"X-Squid-Error": "ERR_DNS_FAIL 0"}),
    "refused": Response(_BAD_GATEWAY, HTML, 502, headers={"X-Squid-Error": "ERR_CONNECT_FAIL 111"}),
    "timeout": Response(_GATEWAY_TIMEOUT, HTML, 504, headers={"X-Squid-Error": "ERR_READ_TIMEOUT 0"}),
}


def _is_fresh(headers, resp: Response) -> bool:
    """Whether a conditional GET's validators still match ``resp`` (so 304 applies)."""
    if resp.modified is None or resp.status != 200:
        return False
    inm = headers.get("If-None-Match")
    if inm is not None:
        return resp.etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
    ims = headers.get("If-Modified-Since")
    if ims:
        try:
            return resp.modified.replace(microsecond=0) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, keep-alive clients wait ~40 ms each.
    disable_nagle_algorithm = True
    server: _ReplicaHTTPServer

    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format: str, *args: object) -> None:
        """Silence stderr access logs; requests go to the structured log instead."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_CONNECT(self) -> None:
        # No TLS in the replica: tunnelling fails like an unreachable upstream.
        self._send(Response(_BAD_GATEWAY, HTML, 502), f"https://{self.path}", body=True)

    def _serve(self, method: str) -> None:
        if self.path.startswith(("http://", "https://")):
            parts = urlsplit(self.path)
            host, url = parts.netloc, self.path
        else:
            parts = urlsplit(self.path)
            host = self.headers.get("Host", "")
            url = f"http://{host}{self.path}"
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)) if raw else {}
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        # A path arrives percent-encoded; sites serve files under their names, as a web server does.
        req = Request(method, unquote(parts.path) or "/", query, form, dict(self.headers.items()))
        resp = self.server.web.respond(host, req)
        if resp is None:
            resp = Response(_BAD_GATEWAY, HTML, 502)
        elif isinstance(resp, str):
            resp = UNREACHABLE[resp]
        if resp.delay or self.server.latency:
            time.sleep(resp.delay + self.server.latency)
        if method == "GET" and self.server.conditional and _is_fresh(self.headers, resp):
            # The 304 repeats the document's validators (its ETag is the full body's, not the empty one's).
            resp = Response(b"", resp.content_type, 304, resp.modified, headers={"ETag": resp.etag})
        self._send(resp, url, body=method != "HEAD")

    def _send(self, resp: Response, url: str, body: bool) -> None:
        payload = resp.body if body and resp.status != 304 else b""
        # Logged before anything is sent, so a client that has its answer also finds it in the log.
        self.server.record(
            {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "method": self.command,
                "url": url,
                "status": resp.status,
                "user_agent": self.headers.get("User-Agent", ""),
                "bytes": len(payload),
                "headers": dict(self.headers.items()),
            }
        )
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for name, value in resp.headers.items():
            self.send_header(name, value)
        if resp.modified is not None:
            self.send_header("Last-Modified", format_datetime(resp.modified, usegmt=True))
            if "ETag" not in resp.headers:
                self.send_header("ETag", resp.etag)
        self.end_headers()
        if payload:
            self.wfile.write(payload)


class _ReplicaHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], web: VirtualWeb, latency: float = 0.0, conditional: bool = True
    ) -> None:
        super().__init__(address, _Handler)
        self.web = web
        self.latency = latency
        self.conditional = conditional
        self.log: list[dict] = []
        self._lock = threading.Lock()

    def handle_error(self, request, client_address) -> None:
        # A client hanging up mid-response (browsers do on close) is not a server error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def record(self, entry: dict) -> None:
        with self._lock:
            self.log.append(entry)

    def snapshot(self) -> list[dict]:
        with self._lock:
            return list(self.log)


class ReplicaServer:
    """The replica web on ``host:port`` (port 0: any free port). Use as a context manager or start/stop.

    ``latency``: seconds every answer waits before it is sent, as a distant server's round trip
    would (benchmarks use it to compare crawls where the network, not the CPU, sets the pace).
    ``conditional=False``: the hosts ignore If-None-Match / If-Modified-Since and always answer in
    full, as many real portals do (documents still carry their validators).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        web: VirtualWeb | None = None,
        latency: float = 0.0,
        conditional: bool = True,
    ) -> None:
        self.web = web if web is not None else build_web()
        self._httpd = _ReplicaHTTPServer((host, port), self.web, latency, conditional)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def proxy_url(self) -> str:
        """The URL to put in ``http_proxy``."""
        return f"http://{self._httpd.server_address[0]}:{self.port}"

    @property
    def log(self) -> list[dict]:
        """A snapshot of the request log: time, method, url, status, user_agent, bytes, headers."""
        return self._httpd.snapshot()

    def truth(self) -> dict:
        """The ground truth of the served web (see :meth:`VirtualWeb.truth`)."""
        return self.web.truth()

    def start(self) -> ReplicaServer:
        """Serve in a background thread; returns self."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="replica-web", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
