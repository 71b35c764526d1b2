"""The download engine: one URL to a ``.part`` file, politely and resumably.

It streams with an ``httpx.AsyncClient`` handed to it (tests hand it one aimed
at a loopback server), keeps per-host limits, retries what is worth retrying,
and resumes interrupted downloads with ``Range`` + ``If-Range``. It never gives
a file its final name: :mod:`sora_refs.fetch` does that after verification.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import random
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from sora_refs import defaults
from sora_refs.errors import BlockedError, FetchError
from sora_refs.library import part_path, sidecar_path
from sora_refs.sources import Mirror, host_of, is_arxiv, rewrite
from sora_refs.verify import HEAD_BYTES, looks_like_html

if TYPE_CHECKING:
    import httpx

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_REDIRECTS = {301, 302, 303, 307, 308}
_GONE = {403, 404, 410}


@dataclass
class Options:
    """Engine settings; ``None`` for per_host/delay means the per-host-kind default."""

    jobs: int = defaults.JOBS
    per_host: int | None = None
    delay: float | None = None
    read_timeout: float = defaults.READ_TIMEOUT
    connect_timeout: float = defaults.CONNECT_TIMEOUT
    attempts: int = defaults.ATTEMPTS
    backoff_base: float = defaults.BACKOFF_BASE
    backoff_cap: float = defaults.BACKOFF_CAP
    retry_after_cap: float = defaults.RETRY_AFTER_CAP
    host_failures: int = defaults.HOST_FAILURES
    max_bytes: int = defaults.MAX_BYTES
    max_redirects: int = defaults.MAX_REDIRECTS


@dataclass(frozen=True)
class Download:
    """A URL fully received into a ``.part`` file (not yet verified)."""

    url: str
    sha256: str
    size: int
    resumed: bool
    attempts: int


class _Transient(Exception):
    """A failure worth retrying on the same URL, perhaps after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HostGate:
    """At most ``connections`` requests to one host, starts at least ``delay`` apart."""

    def __init__(self, host: str, connections: int, delay: float) -> None:
        self.host = host
        self.connections = connections
        self.delay = delay
        self._sem = asyncio.Semaphore(connections)
        self._lock = asyncio.Lock()
        self._next_start = 0.0
        self.failed_urls = 0
        self.given_up: str | None = None

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._sem:
            async with self._lock:
                loop = asyncio.get_running_loop()
                wait = self._next_start - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next_start = loop.time() + self.delay
            yield

    def pause(self, seconds: float) -> None:
        """Hold every request to this host back (a 429 or 503 speaks for the host)."""
        loop = asyncio.get_running_loop()
        self._next_start = max(self._next_start, loop.time() + seconds)


ByteSink = Callable[[int, int | None, int], None]
"""Called as ``sink(new_bytes, total_or_None, offset)`` while a body streams."""


class Engine:
    """Downloads URLs to ``.part`` files under shared per-host limits."""

    def __init__(self, client: httpx.AsyncClient, options: Options,
                 mirrors: list[Mirror] | None = None) -> None:
        self.client = client
        self.options = options
        self.mirrors = mirrors or []
        self._gates: dict[str, HostGate] = {}
        self._jobs = asyncio.Semaphore(options.jobs)
        self.requests = 0

    def gate(self, url: str) -> HostGate:
        host = host_of(url)
        if host not in self._gates:
            o = self.options
            arxiv = is_arxiv(url)
            conns = o.per_host or (defaults.ARXIV_CONNECTIONS if arxiv
                                   else defaults.VENUE_CONNECTIONS)
            delay = o.delay if o.delay is not None else (
                defaults.ARXIV_DELAY if arxiv else defaults.VENUE_DELAY)
            self._gates[host] = HostGate(host, max(1, conns), max(0.0, delay))
        return self._gates[host]

    async def download(self, url: str, final: Path, sink: ByteSink) -> Download:
        """Fetch ``url`` (already mirror-rewritten) into ``final``'s ``.part`` file.

        Raises:
            FetchError: the URL failed for good; the message says why.
        """
        gate = self.gate(url)
        attempt = 0
        while True:
            attempt += 1
            try:
                async with gate.slot(), self._jobs:
                    # Checked once the slot is ours: others may have failed while we waited.
                    if gate.given_up:
                        raise FetchError(f"skipped: gave up on {gate.host} earlier in this "
                                         f"run ({gate.given_up})", url=url, retry=True)
                    return await self._attempt(url, final, sink, attempt)
            except _Transient as exc:
                if attempt >= self.options.attempts:
                    gate.failed_urls += 1
                    if gate.failed_urls >= self.options.host_failures:
                        gate.given_up = f"{gate.failed_urls} URLs failed"
                    raise FetchError(f"{exc} (gave up after {attempt} attempts)", url=url,
                                     retry=True) from None
                if exc.retry_after is not None:
                    wait = min(exc.retry_after, self.options.retry_after_cap)
                    gate.pause(wait)
                else:
                    wait = self._backoff(attempt)
                await asyncio.sleep(wait)

    def _backoff(self, attempt: int) -> float:
        o = self.options
        base = min(o.backoff_cap, o.backoff_base * 2 ** (attempt - 1))
        return base * (0.5 + random.random() / 2)  # jitter keeps clients from marching in step

    async def _attempt(self, url: str, final: Path, sink: ByteSink, attempt: int) -> Download:
        import httpx

        part, side = part_path(final), sidecar_path(final)
        target = url
        try:
            offset, validator = _resume_point(url, part, side)
            headers = {"Accept-Encoding": "identity", "Accept": "application/pdf,*/*;q=0.5"}
            if offset and validator:
                headers["Range"] = f"bytes={offset}-"
                headers["If-Range"] = validator
            for _hop in range(self.options.max_redirects + 1):
                self.requests += 1
                request = self.client.build_request("GET", target, headers=headers)
                response = await self.client.send(request, stream=True)
                try:
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        target = self._redirect(target, response.headers["location"])
                        continue
                    return await self._receive(response, url, part, side, offset, sink,
                                               attempt)
                finally:
                    await response.aclose()
        except httpx.TimeoutException:
            raise _Transient(f"timed out: no data for {self.options.read_timeout:g} s "
                             f"from {host_of(target)}") from None
        except (httpx.ConnectError, httpx.ProxyError) as exc:
            raise _Transient(f"cannot connect to {host_of(target)}: {_reason(exc)}") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise _Transient(f"connection to {host_of(target)} dropped: {_reason(exc)}"
                             ) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise FetchError(f"cannot request {target}: {exc}", url=url) from None
        except OSError as exc:
            raise FetchError(f"cannot write {part.name}: {exc.strerror or exc}",
                             url=url) from None
        raise FetchError(f"more than {self.options.max_redirects} redirects", url=url)

    def _redirect(self, current: str, location: str) -> str:
        nxt = urljoin(current, location)
        if urlsplit(nxt).scheme not in ("http", "https"):
            raise FetchError(f"refusing a redirect to a non-http(s) address: {nxt}", url=current)
        return rewrite(nxt, self.mirrors)

    async def _receive(self, response: httpx.Response, url: str, part: Path, side: Path,
                       offset: int, sink: ByteSink, attempt: int) -> Download:
        status = response.status_code
        h = hashlib.sha256()
        resumed = False
        if status == 206 and offset:
            start, total = _content_range(response.headers.get("content-range", ""))
            if start != offset:
                _discard(part, side)
                raise _Transient(f"server answered bytes from {start} instead of {offset}; "
                                 "starting over", retry_after=0)
            with open(part, "rb") as fh:
                while block := fh.read(1 << 20):
                    h.update(block)
            resumed, mode = True, "ab"
        elif status == 200:
            offset, mode = 0, "wb"
            total = _int(response.headers.get("content-length"))
        elif status == 416:
            _discard(part, side)
            raise _Transient("server refused the resume range; starting over", retry_after=0)
        elif status == 429 or status >= 500:
            raise _Transient(f"HTTP {status} {response.reason_phrase}".rstrip(),
                             retry_after=_retry_after(response.headers.get("retry-after")))
        elif status in _GONE:
            raise FetchError(f"HTTP {status} {response.reason_phrase}".rstrip(), url=url,
                             status=status)
        else:
            raise FetchError(f"unexpected HTTP {status} {response.reason_phrase}".rstrip(),
                             url=url, status=status)

        if total is not None and total > self.options.max_bytes:
            raise FetchError(f"the server announces {total:,} bytes, more than the "
                             f"{self.options.max_bytes:,}-byte limit for one paper", url=url)
        ctype = response.headers.get("content-type", "")
        validator = response.headers.get("etag") or response.headers.get("last-modified")
        part.parent.mkdir(parents=True, exist_ok=True)
        if not resumed:
            _write_sidecar(side, url, validator, total)
        got = offset
        sink(0, total, offset)
        head_pending = not resumed  # the first bytes decide whether this is a PDF at all
        buf = b""
        try:
            with open(part, mode) as fh:
                async for chunk in response.aiter_raw():
                    if head_pending:
                        buf += chunk
                        if len(buf) < HEAD_BYTES and b"%PDF-" not in buf:
                            continue
                        self._check_head(buf, ctype, url, status)
                        head_pending, chunk, buf = False, buf, b""
                    got += len(chunk)
                    if got > self.options.max_bytes:
                        raise FetchError(f"the body exceeds the {self.options.max_bytes:,}-byte"
                                         " limit for one paper", url=url)
                    fh.write(chunk)
                    h.update(chunk)
                    sink(len(chunk), total, 0)
                if head_pending:  # the whole body was shorter than a KiB
                    self._check_head(buf, ctype, url, status)
                    got += len(buf)
                    fh.write(buf)
                    h.update(buf)
                    sink(len(buf), total, 0)
        except FetchError:
            _discard(part, side)
            raise
        if total is not None and got != total:
            raise _Transient(f"connection closed after {got:,} of {total:,} bytes")
        return Download(url=url, sha256=h.hexdigest(), size=got, resumed=resumed,
                        attempts=attempt)

    @staticmethod
    def _check_head(head: bytes, ctype: str, url: str, status: int) -> None:
        if b"%PDF-" in head[:HEAD_BYTES]:
            return
        if looks_like_html(head) or "html" in ctype.lower():
            raise BlockedError(
                f"answered an HTML page instead of the PDF (HTTP {status}, "
                f"{ctype or 'no Content-Type'}): most likely a block, captcha or login page. "
                "Wait and retry later, or fetch through another host with --mirror.", url=url)
        raise BlockedError(f"answered something that is not a PDF "
                           f"({ctype or 'no Content-Type'}, starting {head[:16]!r})", url=url)


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _content_range(value: str) -> tuple[int, int | None]:
    m = _CONTENT_RANGE.match(value.strip())
    if not m:
        return -1, None
    total = None if m.group(3) == "*" else int(m.group(3))
    return int(m.group(1)), total


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    from datetime import datetime, timezone

    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _resume_point(url: str, part: Path, side: Path) -> tuple[int, str | None]:
    """Bytes already on disk for ``url`` and the validator to send with If-Range."""
    try:
        size = part.stat().st_size
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        _discard(part, side)
        return 0, None
    if meta.get("url") != url or not meta.get("validator") or size == 0:
        # Another URL's bytes, or nothing to make If-Range safe: start over.
        _discard(part, side)
        return 0, None
    return size, str(meta["validator"])


def _write_sidecar(side: Path, url: str, validator: str | None, total: int | None) -> None:
    side.write_text(json.dumps({"url": url, "validator": validator, "length": total}),
                    encoding="utf-8")


def _discard(part: Path, side: Path) -> None:
    part.unlink(missing_ok=True)
    side.unlink(missing_ok=True)
