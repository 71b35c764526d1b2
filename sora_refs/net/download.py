"""The download engine: one URL to a ``.part`` file, politely and resumably.

Each attempt asks for the URL (the rest of it, with ``Range`` + ``If-Range``,
when a ``.part`` file is there), lets :func:`~sora_refs.net.classify.classify`
decide what the answer means, and carries the decision out; between attempts
:class:`~sora_refs.net.retry.RetryPolicy` says how long to wait or when to stop.
Mirrors, host rules and redirects live in :mod:`sora_refs.net.transport`; idle
connections helping with a large file in :mod:`sora_refs.net.split`. The engine
never gives a file its final name: :mod:`sora_refs.library.fetch` does that after
verification.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sora_refs import defaults
from sora_refs.errors import BlockedError, FetchError
from sora_refs.net import parts
from sora_refs.net.classify import Action, Decision, Sent, classify
from sora_refs.net.hosts import HostGate, Hosts, HostSkipped
from sora_refs.net.mirrors import host_of, redact
from sora_refs.net.retry import RetryPolicy
from sora_refs.net.split import ByteSink, HelperFailed, Span, Splitter
from sora_refs.net.transport import SENT, RedirectRefused, Router, first_hop, reason
from sora_refs.text import HEAD_BYTES, looks_like_html, printable

if TYPE_CHECKING:
    import httpx

Waiter = Callable[[float, str], None]
"""Called as ``waiter(seconds, why)`` before the engine sleeps on purpose."""


@dataclass
class Options:
    """Engine settings; ``None`` for per_host/delay means the host's rule decides."""

    jobs: int = defaults.JOBS
    per_host: int | None = None
    delay: float | None = None
    read_timeout: float = defaults.READ_TIMEOUT
    connect_timeout: float = defaults.CONNECT_TIMEOUT
    attempts: int = defaults.ATTEMPTS
    backoff_base: float = defaults.BACKOFF_BASE
    backoff_cap: float = defaults.BACKOFF_CAP
    retry_after_cap: float = defaults.RETRY_AFTER_CAP
    retry_after_short: float = defaults.RETRY_AFTER_SHORT
    host_failures: int = defaults.HOST_FAILURES
    host_streak: int = defaults.HOST_STREAK
    max_bytes: int = defaults.MAX_BYTES
    max_redirects: int = defaults.MAX_REDIRECTS
    min_rate: int = defaults.MIN_RATE
    deadline: float = defaults.DOWNLOAD_DEADLINE
    split_min: int = defaults.SPLIT_MIN_BYTES  # 0: one connection per paper

    def policy(self) -> RetryPolicy:
        return RetryPolicy(self.attempts, self.backoff_base, self.backoff_cap,
                           self.retry_after_cap, self.retry_after_short,
                           self.host_failures, self.host_streak)


@dataclass(frozen=True)
class Download:
    """A URL fully received into a ``.part`` file (not yet verified)."""

    url: str
    sha256: str
    size: int
    resumed: bool
    attempts: int


class Transient(Exception):
    """A failure worth retrying on the same URL, perhaps after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Deferred(FetchError):
    """The server asked for a long pause: try other URLs first, come back after ``wait``."""

    def __init__(self, message: str, url: str, wait: float) -> None:
        super().__init__(message, url=url, retry=True)
        self.wait = wait


class Offline(FetchError):
    """No host at all could be reached in this run."""


class RateGuard:
    """Fails a body that arrives slower than ``min_rate`` over a window, or that
    outlasts a wall-clock deadline: a server trickling a byte every few seconds
    never trips a read timeout, and would hold a run for hours."""

    def __init__(self, window: float, min_rate: int, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        self.window = window
        self.min_rate = min_rate
        self.started = self._since = loop.time()
        self.deadline = deadline
        self._bytes = 0

    def feed(self, n: int, host: str) -> None:
        now = asyncio.get_running_loop().time()
        self._bytes += n
        if now - self.started > self.deadline:
            raise FetchError(f"{host} took more than {self.deadline:.0f} s for one file; "
                             "what arrived is kept and the next run resumes it", retry=True)
        if now - self._since >= self.window:
            if self._bytes < self.min_rate * self.window:
                raise FetchError(
                    f"too slow: {self._bytes:,} bytes in {now - self._since:.0f} s from {host} "
                    f"(less than {self.min_rate / 1024:g} kB/s); what arrived is kept and the "
                    "next run resumes it", retry=True)
            self._since, self._bytes = now, 0


@dataclass(eq=False)
class _Received:
    """A download's own response, done; helpers may still be fetching its tail."""

    url: str
    part: Path
    hasher: Any
    got: int
    total: int | None
    resumed: bool
    attempt: int
    rng: Span | None


class Engine:
    """Downloads URLs to ``.part`` files under shared per-host limits."""

    def __init__(self, client: httpx.AsyncClient, options: Options, hosts: Hosts,
                 router: Router | None = None) -> None:
        self.client = client
        self.options = options
        self.hosts = hosts
        self.router = router or Router()
        self.policy = options.policy()
        self.requests = 0
        self.expected_hosts = 2  # how many hosts the run uses; see Hosts.offline
        self.splitter = Splitter(client, hosts, options.split_min, self._request, self._guard)

    def gate(self, url: str) -> HostGate:
        return self.hosts.gate(host_of(self.router.origin(url)) if self.router.mirrors
                               else host_of(url))

    async def download(self, url: str, final: Path, sink: ByteSink,
                       deferrable: bool = False, waiter: Waiter | None = None) -> Download:
        """Fetch ``url`` (as the manifest gives it) into ``final``'s ``.part`` file.

        ``deferrable``: the reference has other URLs, so a long requested pause
        raises :class:`Deferred` instead of waiting.

        Raises:
            FetchError: the URL failed for good; the message says why.
        """
        gate = self.gate(url)
        attempt = 0
        while True:
            attempt += 1
            try:
                try:
                    received = await self._attempt(url, final, sink, attempt)
                finally:
                    # Its connection is free now: let it help a large download there,
                    # while this one's helpers (if any) finish its tail.
                    self.splitter.lend()
                done = await self._complete(received)
                self.policy.succeeded(gate)
                return done
            except HelperFailed:
                attempt -= 1  # not this URL's fault: resume at once over one connection
                continue
            except Transient as exc:
                self._check_offline(url)
                verdict = self.policy.failed(gate, attempt, str(exc), exc.retry_after,
                                             deferrable)
                if verdict.give_up:
                    raise FetchError(verdict.give_up, url=url, retry=True) from None
                if verdict.defer:
                    raise Deferred(f"{exc}; the server asks to wait {verdict.wait:.0f} s",
                                   url, verdict.wait) from None
                # Every retry is said, however short its wait: a failed attempt (30 s
                # of a stalled server) is news to a person watching a quiet log.
                await pause(verdict.wait, verdict.why, waiter, always=True)

    def _check_offline(self, url: str) -> None:
        why = self.hosts.offline(self.expected_hosts)
        if why:
            raise Offline(f"no host could be reached ({why})", url=url, retry=True)

    def _request(self, url: str, headers: dict[str, Any]) -> httpx.Request:
        self.requests += 1
        base = {"Accept-Encoding": "identity", "Accept": "application/pdf,*/*;q=0.5"}
        return self.client.build_request("GET", url, headers={**base, **headers},
                                         extensions=first_hop(url))

    def _guard(self) -> RateGuard:
        o = self.options
        return RateGuard(max(2 * o.read_timeout, 1.0), o.min_rate, o.deadline)

    async def _attempt(self, url: str, final: Path, sink: ByteSink, attempt: int) -> _Received:
        import httpx

        part, side = parts.part_path(final), parts.sidecar_path(final)
        try:
            if side.exists():  # an earlier attempt: clear what its helpers left
                parts.clear_segments(part)
            offset, validator = parts.resume_point(url, part, side)
            headers: dict[str, Any] = {}
            if offset and validator:
                headers = {"Range": f"bytes={offset}-", "If-Range": validator.encode("latin-1")}
            response = await self.client.send(self._request(url, headers), stream=True)
            asked = response.extensions.get(SENT, asyncio.get_running_loop().time())
            try:
                decision = classify(response.status_code, response.headers.raw,
                                    Sent(offset, validator), self.options.max_bytes,
                                    response.reason_phrase)
                if decision.action is Action.RETRY:
                    where = self.router.describe(str(response.request.url))
                    raise Transient(f"{decision.reason} from {where}", decision.retry_after)
                if decision.action is Action.NEXT:
                    raise FetchError(decision.reason, url=url, status=response.status_code)
                if decision.action is Action.RESTART:
                    parts.discard(part, side)
                    raise Transient(decision.reason, retry_after=0)
                return await self._receive(response, decision, url, part, side, sink, attempt,
                                           asked)
            finally:
                await response.aclose()
        except HostSkipped as exc:
            raise FetchError(str(exc), url=url, retry=True) from None
        except RedirectRefused as exc:
            raise FetchError(str(exc), url=url) from None
        except httpx.TooManyRedirects:
            raise FetchError(f"more than {self.options.max_redirects} redirects",
                             url=url) from None
        except httpx.UnsupportedProtocol as exc:
            raise FetchError(f"refusing a redirect to a non-http(s) address ({exc})",
                             url=url) from None
        except httpx.TimeoutException as exc:
            raise Transient(f"timed out: {timeout_reason(exc, self.options)} from "
                            f"{self._where(exc, url)}") from None
        except (httpx.ConnectError, httpx.ProxyError) as exc:
            raise Transient(f"cannot connect to {self._where(exc, url)}: {reason(exc)}"
                            ) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise Transient(f"connection to {self._where(exc, url)} dropped: {reason(exc)}"
                            ) from None
        except httpx.InvalidURL as exc:
            raise FetchError(f"cannot request {redact(url)}: {exc}", url=url) from None
        except OSError as exc:
            raise FetchError(f"cannot write {part.name}: {exc.strerror or exc}",
                             url=url) from None

    def _where(self, exc: Exception, url: str) -> str:
        """The hop that failed (not necessarily the first URL), as a person knows it."""
        try:
            failed = str(exc.request.url)  # type: ignore[attr-defined]
        except (AttributeError, RuntimeError):
            failed = url
        return self.router.describe(failed)

    # long: one response's body from first byte to verdict. Its state (hash, offset,
    # helper spans, the buffered batch) lives across every chunk; split into helpers, it
    # would travel through each call of the per-chunk loop, the download's hot path.
    async def _receive(self, response: httpx.Response, decision: Decision, url: str,
                       part: Path, side: Path, sink: ByteSink, attempt: int,
                       asked: float) -> _Received:
        h = hashlib.sha256()
        resumed = decision.action is Action.RESUME
        offset, total = decision.start, decision.total
        if resumed:
            await asyncio.to_thread(parts.hash_file, part, h)
        ctype = printable(response.headers.get("content-type", ""))
        part.parent.mkdir(parents=True, exist_ok=True)
        if not resumed:
            parts.write_sidecar(side, url, decision.validator, total)
        got = offset
        rng = None
        gate = self.gate(url)
        if (self.options.split_min > 0 and total is not None and decision.validator
                and "bytes" in response.headers.get("accept-ranges", "").lower()):
            now = asyncio.get_running_loop().time()
            rng = Span(url, gate, decision.validator, part, total, sink, offset, total,
                       since=now, wait=now - asked, first=offset)
        sink(0, total, offset)
        head_pending = not resumed  # the first bytes decide whether this is a PDF at all
        buf = b""
        guard = self._guard()
        try:
            with parts.open_part(part, append=resumed) as fh:
                out = parts.PartWriter(fh, h)
                if rng is not None:
                    self.splitter.watch(rng)
                try:
                    async for chunk in response.aiter_raw():
                        guard.feed(len(chunk), gate.host)
                        if head_pending:
                            buf += chunk
                            if len(buf) < HEAD_BYTES and b"%PDF-" not in buf:
                                continue
                            _check_head(buf, ctype, url, response.status_code)
                            head_pending, chunk, buf = False, buf, b""
                        if rng is not None:  # helpers may have taken the tail meanwhile
                            chunk = chunk[:rng.end - got]
                        got += len(chunk)
                        if got > self.options.max_bytes:
                            raise FetchError(f"the body exceeds the {self.options.max_bytes:,}"
                                             "-byte limit for one paper", url=url)
                        await out.write(chunk)
                        sink(len(chunk), total, 0)
                        if rng is not None:
                            rng.pos = got
                            if got >= rng.end:
                                break
                    if head_pending:  # the whole body was shorter than a KiB
                        _check_head(buf, ctype, url, response.status_code)
                        got += len(buf)
                        await out.write(buf)
                        sink(len(buf), total, 0)
                    await out.flush()
                finally:
                    out.settle()  # a dropped connection keeps what it delivered
        except FetchError as exc:
            self.splitter.abandon(rng)
            if not exc.retry:  # not a PDF, too big: nothing worth resuming
                parts.discard(part, side)
            raise
        except BaseException:
            self.splitter.abandon(rng)
            raise
        finally:
            if rng is not None:
                self.splitter.unwatch(rng)
        expected = rng.end if rng is not None else total
        if expected is not None and got != expected:
            self.splitter.abandon(rng)
            raise Transient(f"connection closed after {got:,} of {total:,} bytes")
        return _Received(url, part, h, got, total, resumed, attempt, rng)

    async def _complete(self, rec: _Received) -> Download:
        """Append what helpers fetched, in order, once the download's own part is in."""
        try:
            if rec.rng is not None and rec.rng.helpers:
                with parts.open_part(rec.part, append=True) as fh:
                    rec.got = await self.splitter.join(rec.rng, fh, rec.hasher, rec.got)
        except OSError as exc:
            self.splitter.abandon(rec.rng)
            raise FetchError(f"cannot write {rec.part.name}: {exc.strerror or exc}",
                             url=rec.url) from None
        except BaseException:
            self.splitter.abandon(rec.rng)
            raise
        if rec.total is not None and rec.got != rec.total:
            raise Transient(f"connection closed after {rec.got:,} of {rec.total:,} bytes")
        return Download(url=rec.url, sha256=rec.hasher.hexdigest(), size=rec.got,
                        resumed=rec.resumed, attempts=rec.attempt)


async def pause(seconds: float, why: str, waiter: Waiter | None = None,
                always: bool = False) -> None:
    """Sleep on purpose, saying so first: a run never waits in silence."""
    if (seconds >= 1 or always) and waiter is not None:
        waiter(seconds, why)
    await asyncio.sleep(seconds)


def _check_head(head: bytes, ctype: str, url: str, status: int) -> None:
    if b"%PDF-" in head[:HEAD_BYTES]:
        return
    if looks_like_html(head) or "html" in ctype.lower():
        raise BlockedError(
            f"answered an HTML page instead of the PDF (HTTP {status}, "
            f"{ctype or 'no Content-Type'}): most likely a block, captcha or login page. "
            "Wait and retry later, fetch through another host with --mirror, or open the "
            "URL in a browser and file the PDF with `sora-refs import ~/Downloads`.", url=url)
    raise BlockedError(f"answered something that is not a PDF "
                       f"({ctype or 'no Content-Type'}, starting {head[:16]!r})", url=url)


def timeout_reason(exc: Exception, options: Options) -> str:
    """What ran out, in words: the connection, the answer's headers (however steadily
    their bytes came), or the data (no byte at all for a while)."""
    import httpx

    from sora_refs.net.transport import HeaderTimeout

    if isinstance(exc, HeaderTimeout):
        return str(exc)
    if isinstance(exc, httpx.ConnectTimeout):
        return f"no connection within {options.connect_timeout:g} s"
    if isinstance(exc, httpx.WriteTimeout):
        return f"could not send the request within {options.read_timeout:g} s"
    return f"no data for {options.read_timeout:g} s"
