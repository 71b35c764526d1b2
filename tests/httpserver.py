"""Loopback HTTP servers standing in for arXiv and the venue hosts.

Each :class:`Host` is a real threaded HTTP server on 127.0.0.1 with switchable
latency, bandwidth and faults, and a request log the tests read to see what the
client did (Range headers, time between requests, concurrent connections).

Faults are queued per resource and consumed one per request:

    "429" / "429:S"   Too Many Requests with Retry-After S seconds (default 1)
    "429-date:S"      the same with Retry-After as an HTTP date
    "503" / "503:S"   Service Unavailable (with Retry-After when S is given)
    "500", "403", "404", "410"
    "status:N"        the resource's own body with status N (an API's error feed)
    "drop"            send headers and half the body, then reset the connection
    "short"           announce the full length, send 60 % and close
    "stall:S"         send half the body, then say nothing for S seconds
    "ignore-range"    answer a Range request with 200 and the whole body
    "wrong-range"     answer a Range request with 206 starting at byte 0
    "html"            200 with an HTML "access denied" page
    "redirect:URL"    302 to URL (absolute, or a path on the same host)
    "trickle:S"       headers at once, then one body byte every S seconds
    "trickle-headers:S"  the status line and headers one byte every S seconds
    "silent"          accept the connection and never answer (until the test ends)
    "if-range-ignored"  answer a Range request with 206 from the current body and its
                      current ETag, whatever If-Range says (a server that ignores it)
"""

from __future__ import annotations

import email.utils
import hashlib
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BLOCK_PAGE = (b"<!DOCTYPE html><html><head><title>Access denied</title></head><body>"
              b"<h1>Access denied</h1><p>Your request looks automated.</p></body></html>")


@dataclass
class Resource:
    body: bytes
    content_type: str = "application/pdf"
    faults: list[str] = field(default_factory=list)
    etag: str | None = None

    def __post_init__(self) -> None:
        if self.etag is None:
            self.etag = '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


@dataclass
class Request:
    host: str
    path: str
    headers: dict[str, str]
    start: float
    end: float = 0.0
    status: int = 0
    sent: int = 0


class Host:
    """One loopback server with its own resources, limits and log."""

    def __init__(self, name: str, latency: float = 0.0, bandwidth: int | None = None) -> None:
        self.name = name
        self.latency = latency
        self.bandwidth = bandwidth
        self.ranges = True  # answers Range requests (and says so with Accept-Ranges)
        self.resources: dict[str, Resource] = {}
        self.log: list[Request] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def add(self, path: str, body: bytes, **kw: object) -> Resource:
        res = Resource(body, **kw)  # type: ignore[arg-type]
        self.resources[path] = res
        return res

    def requests_for(self, path: str) -> list[Request]:
        return [r for r in self.log if r.path == path]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _enter(self, req: Request) -> None:
        with self._lock:
            self.log.append(req)
            self.active += 1
            self.max_active = max(self.max_active, self.active)

    def _leave(self) -> None:
        with self._lock:
            self.active -= 1


def _handler_for(host: Host) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            req = Request(host.name, self.path, {k.lower(): v for k, v in self.headers.items()},
                          time.monotonic())
            host._enter(req)
            try:
                self._serve(req)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                pass
            finally:
                req.end = time.monotonic()
                host._leave()

        def _serve(self, req: Request) -> None:
            if host.latency:
                time.sleep(host.latency)
            # Exact path first, then the path without its query (an API endpoint).
            res = host.resources.get(self.path) or host.resources.get(self.path.split("?")[0])
            if res is None:
                return self._simple(req, 404, b"not here", "text/plain")
            fault = res.faults.pop(0) if res.faults else ""
            kind, _, arg = fault.partition(":")
            if kind in ("429", "503") and arg:
                return self._simple(req, int(kind), b"slow down", "text/plain",
                                    {"Retry-After": arg})
            if kind == "429-date":
                when = email.utils.formatdate(time.time() + float(arg), usegmt=True)
                return self._simple(req, 429, b"slow down", "text/plain", {"Retry-After": when})
            if kind in ("429", "500", "503", "403", "404", "410"):
                return self._simple(req, int(kind), b"no", "text/plain")
            if kind == "status":  # this resource's body, with another status
                return self._simple(req, int(arg), res.body, res.content_type)
            if kind == "html":
                return self._simple(req, 200, BLOCK_PAGE, "text/html; charset=utf-8")
            if kind == "redirect":
                return self._simple(req, 302, b"", "text/plain", {"Location": arg})
            if kind == "silent":
                time.sleep(float(arg or 30))
                self.close_connection = True
                return None
            if kind == "trickle-headers":
                head = (f"HTTP/1.1 200 OK\r\nContent-Type: {res.content_type}\r\n"
                        f"Content-Length: {len(res.body)}\r\n\r\n").encode()
                for i in range(len(head)):
                    self.wfile.write(head[i:i + 1])
                    self.wfile.flush()
                    time.sleep(float(arg))
                self.close_connection = True
                return None

            body, status, extra = res.body, 200, {"ETag": res.etag or ""}
            if host.ranges:
                extra["Accept-Ranges"] = "bytes"
            rng = self.headers.get("Range")
            if rng and host.ranges and kind != "ignore-range" and rng.startswith("bytes="):
                first, _, last = rng[6:].partition("-")
                start = int(first)
                stop = min(int(last), len(body) - 1) if last else len(body) - 1
                if_range = self.headers.get("If-Range")
                if kind == "if-range-ignored":
                    if_range = None
                if (if_range is None or if_range == res.etag) and start < len(body):
                    if kind == "wrong-range":
                        start = 0
                    status = 206
                    extra["Content-Range"] = f"bytes {start}-{stop}/{len(body)}"
                    body = body[start:stop + 1]
            self.send_response(status)
            self.send_header("Content-Type", res.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            req.status = status
            if kind == "drop":
                self._send(req, body[: len(body) // 2])
                # SO_LINGER 0: the client sees a reset, as when a link drops.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.close_connection = True
                return None
            if kind == "short":
                self._send(req, body[: len(body) * 6 // 10])
                self.close_connection = True
                return None
            if kind == "trickle":
                for i in range(len(body)):
                    self._send(req, body[i:i + 1])
                    time.sleep(float(arg))
                self.close_connection = True
                return None
            if kind == "stall":
                self._send(req, body[: len(body) // 2])
                time.sleep(float(arg or 5))
                self.close_connection = True
                return None
            self._send(req, body)
            return None

        def _simple(self, req: Request, status: int, body: bytes, ctype: str,
                    headers: dict[str, str] | None = None) -> None:
            req.status = status
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def _send(self, req: Request, data: bytes) -> None:
            chunk = 64 * 1024
            began = time.monotonic()
            for i in range(0, len(data), chunk):
                piece = data[i:i + chunk]
                if host.bandwidth:  # throttle before sending, so the handler ends with the body
                    # Each piece waits for its moment on the link (bytes so far over the
                    # bandwidth), not a sleep of its own length: a sleep's overshoot and
                    # the write's own time would otherwise add up to a slower link.
                    wait = began + (i + len(piece)) / host.bandwidth - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                self.wfile.write(piece)
                req.sent += len(piece)
            self.wfile.flush()

    return Handler
