"""The download engine: one URL to a ``.part`` file, politely and resumably.

It streams with an ``httpx.AsyncClient`` handed to it (tests hand it one aimed
at a loopback server), keeps per-host limits, retries what is worth retrying,
and resumes interrupted downloads with ``Range`` + ``If-Range``. It never gives
a file its final name: :mod:`sora_refs.fetch` does that after verification.

A connection to a host that would otherwise idle (nothing queued there) helps
the largest download in flight on that host: it takes the second half of what
that download has left with a bounded ``Range`` request into a hidden segment
file, which the download appends when it reaches it (see
``defaults.SPLIT_MIN_BYTES``). If a helper fails, its bytes are dropped and the
download resumes from its own contiguous ``.part``, as after any interruption.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import urljoin, urlsplit

from sora_refs import defaults, parts
from sora_refs.errors import BlockedError, FetchError
from sora_refs.hosts import HostGate, Slots
from sora_refs.library import part_path, sidecar_path
from sora_refs.sources import Mirror, host_of, is_arxiv, rewrite
from sora_refs.verify import HEAD_BYTES, looks_like_html

if TYPE_CHECKING:
    import httpx

ByteSink = Callable[[int, int | None, int], None]
"""Called as ``sink(new_bytes, total_or_None, offset)`` while a body streams."""

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
    host_streak: int = defaults.HOST_STREAK
    max_bytes: int = defaults.MAX_BYTES
    max_redirects: int = defaults.MAX_REDIRECTS
    split_min: int = defaults.SPLIT_MIN_BYTES  # 0: one connection per paper


@dataclass(frozen=True)
class Download:
    """A URL fully received into a ``.part`` file (not yet verified)."""

    url: str
    sha256: str
    size: int
    resumed: bool
    attempts: int


class _Transient(Exception):
    """A failure worth retrying on the same URL, perhaps after ``retry_after`` seconds.

    ``helper``: only a helper connection failed; the download resumes at once, over
    one connection, without counting an attempt against the URL.
    """

    def __init__(self, message: str, retry_after: float | None = None,
                 helper: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.helper = helper


@dataclass(eq=False)
class Span:
    """Bytes ``[pos, end)`` one response still has to deliver; ``end`` drops when a
    helper takes the tail, and ``helpers`` (by start) deliver the rest."""

    target: str
    validator: str
    part: Path
    total: int
    sink: ByteSink
    pos: int
    end: int
    helpers: list[_Helper] = field(default_factory=list)
    # When the response's headers came, how long they took, and ``pos`` then:
    # from these, the rate and what a new request costs on this host.
    since: float = 0.0
    wait: float = 0.0
    first: int = 0

    def worth_splitting(self, now: float, split_min: int) -> bool:
        """Whether half of what is left outlasts two request round trips, and is big
        enough to be worth a request at all."""
        left = self.end - self.pos
        if left < 2 * split_min:
            return False
        got, elapsed = self.pos - self.first, now - self.since
        if got < 64 * 1024 or elapsed <= 0:
            return True  # no rate yet: the size alone decides
        return (left / 2) / (got / elapsed) >= 2 * max(self.wait, 0.01)


@dataclass(eq=False)
class _Helper:
    """A request fetching ``rng`` (from ``start``) into the hidden file ``path``."""

    start: int
    rng: Span
    path: Path
    gate: HostGate
    task: asyncio.Task[None] | None = None
    started: bool = False


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


def _retrieve(task: asyncio.Task[None]) -> None:
    """Mark a helper's failure as seen; its download reports it, or has moved on."""
    if not task.cancelled():
        task.exception()


class Engine:
    """Downloads URLs to ``.part`` files under shared per-host limits."""

    def __init__(self, client: httpx.AsyncClient, options: Options,
                 mirrors: list[Mirror] | None = None) -> None:
        self.client = client
        self.options = options
        self.mirrors = mirrors or []
        self._gates: dict[str, HostGate] = {}
        self._jobs = Slots(options.jobs)
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
                try:
                    async with gate.slot(), self._jobs.take():
                        # Checked once the slot is ours: others may have failed meanwhile.
                        if gate.given_up:
                            raise FetchError(f"skipped: gave up on {gate.host} earlier in "
                                             f"this run ({gate.given_up})", url=url, retry=True)
                        received = await self._attempt(url, final, sink, attempt)
                finally:
                    self._lend()
                # The connection is free for others while helpers finish the tail.
                done = await self._complete(received)
                gate.streak = 0
                return done
            except _Transient as exc:
                if exc.helper:  # not this URL's fault, and no more helpers on this host
                    gate.no_split = True
                    attempt -= 1
                    continue
                gate.streak += 1
                if gate.streak >= self.options.host_streak and not gate.given_up:
                    gate.given_up = f"{gate.streak} attempts in a row failed"
                    raise FetchError(f"{exc} (gave up on {gate.host} after {gate.streak} "
                                     "failed attempts in a row)", url=url, retry=True) from None
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

    async def _attempt(self, url: str, final: Path, sink: ByteSink, attempt: int) -> _Received:
        import httpx

        part, side = part_path(final), sidecar_path(final)
        target = url
        try:
            if side.exists():  # an earlier attempt: clear what its helpers left
                parts.clear_segments(part)
            offset, validator = parts.resume_point(url, part, side)
            headers = {"Accept-Encoding": "identity", "Accept": "application/pdf,*/*;q=0.5"}
            if offset and validator:
                headers["Range"] = f"bytes={offset}-"
                headers["If-Range"] = validator
            for _hop in range(self.options.max_redirects + 1):
                self.requests += 1
                request = self.client.build_request("GET", target, headers=headers)
                asked = asyncio.get_running_loop().time()
                response = await self.client.send(request, stream=True)
                try:
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        target = self._redirect(target, response.headers["location"])
                        continue
                    return await self._receive(response, url, target, part, side, offset,
                                               sink, attempt, asked)
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

    async def _receive(self, response: httpx.Response, url: str, target: str, part: Path,
                       side: Path, offset: int, sink: ByteSink, attempt: int,
                       asked: float) -> _Received:
        status = response.status_code
        h = hashlib.sha256()
        resumed = False
        if status == 206 and offset:
            start, total = _content_range(response.headers.get("content-range", ""))
            if start != offset:
                parts.discard(part, side)
                raise _Transient(f"server answered bytes from {start} instead of {offset}; "
                                 "starting over", retry_after=0)
            await asyncio.to_thread(parts.hash_file, part, h)
            resumed, mode = True, "ab"
        elif status == 200:
            offset, mode = 0, "wb"
            total = _int(response.headers.get("content-length"))
        elif status == 416:
            parts.discard(part, side)
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
            parts.write_sidecar(side, url, validator, total)
        got = offset
        rng = None
        if (self.options.split_min > 0 and total is not None and validator
                and not validator.startswith("W/")
                and "bytes" in response.headers.get("accept-ranges", "").lower()):
            now = asyncio.get_running_loop().time()
            rng = Span(target, validator, part, total, sink, offset, total, since=now,
                         wait=now - asked, first=offset)
        sink(0, total, offset)
        head_pending = not resumed  # the first bytes decide whether this is a PDF at all
        buf = b""
        gate = self.gate(url)
        try:
            with open(part, mode) as fh:
                out = parts.PartWriter(fh, h)
                if rng is not None:
                    gate.streams.append(rng)
                    self._lend()
                try:
                    async for chunk in response.aiter_raw():
                        if head_pending:
                            buf += chunk
                            if len(buf) < HEAD_BYTES and b"%PDF-" not in buf:
                                continue
                            self._check_head(buf, ctype, url, status)
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
                        self._check_head(buf, ctype, url, status)
                        got += len(buf)
                        await out.write(buf)
                        sink(len(buf), total, 0)
                    await out.flush()
                finally:
                    out.settle()  # a dropped connection keeps what it delivered
        except FetchError:
            self._abandon(rng)
            parts.discard(part, side)
            raise
        except BaseException:
            self._abandon(rng)
            raise
        finally:
            if rng is not None:
                gate.streams.remove(rng)
        expected = rng.end if rng is not None else total
        if expected is not None and got != expected:
            self._abandon(rng)
            raise _Transient(f"connection closed after {got:,} of {total:,} bytes")
        return _Received(url, part, h, got, total, resumed, attempt, rng)

    async def _complete(self, rec: _Received) -> Download:
        """Append what helpers fetched, in order, once the download's own part is in."""
        try:
            if rec.rng is not None and rec.rng.helpers:
                with open(rec.part, "ab") as fh:
                    rec.got = await self._join(rec.rng, fh, rec.hasher, rec.got)
        except OSError as exc:
            self._abandon(rec.rng)
            raise FetchError(f"cannot write {rec.part.name}: {exc.strerror or exc}",
                             url=rec.url) from None
        except BaseException:
            self._abandon(rec.rng)
            raise
        if rec.total is not None and rec.got != rec.total:
            raise _Transient(f"connection closed after {rec.got:,} of {rec.total:,} bytes")
        return Download(url=rec.url, sha256=rec.hasher.hexdigest(), size=rec.got,
                        resumed=rec.resumed, attempts=rec.attempt)

    async def _join(self, rng: Span, fh: BinaryIO, hasher: Any, got: int) -> int:
        """Wait for each helper of ``rng`` in order and append its segment to ``fh``."""
        while rng.helpers:
            helper = rng.helpers[0]
            assert helper.task is not None
            try:
                await asyncio.shield(helper.task)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                raise _Transient(f"a second connection for the rest of the file failed "
                                 f"({_reason(exc)}); resuming over one", retry_after=0,
                                 helper=True) from None
            got += await asyncio.to_thread(parts.append_file, helper.path, fh, hasher)
            helper.path.unlink(missing_ok=True)
            rng.helpers.pop(0)
        return got

    def _lend(self) -> None:
        """Start helpers on spare connections, for the largest tails first."""
        if self.options.split_min <= 0:
            return
        for gate in self._gates.values():
            while (not gate.no_split and not gate.given_up and gate.conns.spare() > 0
                   and self._jobs.spare() > 0):
                now = asyncio.get_running_loop().time()
                rng = max((r for r in gate.streams
                           if r.worth_splitting(now, self.options.split_min)),
                          key=lambda r: r.end - r.pos, default=None)
                if rng is None:
                    break
                mid = rng.pos + (rng.end - rng.pos) // 2
                tail = Span(rng.target, rng.validator, rng.part, rng.total, rng.sink, mid,
                              rng.end)
                helper = _Helper(mid, tail, parts.segment_path(rng.part, mid), gate)
                rng.end = mid
                rng.helpers.append(helper)
                rng.helpers.sort(key=lambda x: x.start)
                gate.conns.promised += 1
                self._jobs.promised += 1
                helper.task = asyncio.create_task(self._help(gate, helper))
                helper.task.add_done_callback(_retrieve)

    async def _help(self, gate: HostGate, helper: _Helper) -> None:
        """Fetch ``helper.rng`` with a bounded Range request into its segment file."""
        helper.started = True
        gate.conns.promised -= 1
        self._jobs.promised -= 1
        rng = helper.rng
        try:
            try:
                async with gate.slot(), self._jobs.take():
                    await self._fetch_range(gate, helper)
            finally:
                self._lend()
            if rng.helpers:
                with open(helper.path, "ab") as fh:
                    await self._join(rng, fh, None, 0)
        except BaseException:
            self._abandon(rng)
            with contextlib.suppress(OSError):
                helper.path.unlink(missing_ok=True)
            raise

    async def _fetch_range(self, gate: HostGate, helper: _Helper) -> None:
        rng = helper.rng
        headers = {"Accept-Encoding": "identity", "Accept": "application/pdf,*/*;q=0.5",
                   "Range": f"bytes={rng.pos}-{rng.end - 1}", "If-Range": rng.validator}
        self.requests += 1
        request = self.client.build_request("GET", rng.target, headers=headers)
        asked = asyncio.get_running_loop().time()
        response = await self.client.send(request, stream=True)
        rng.since = asyncio.get_running_loop().time()
        rng.wait, rng.first = rng.since - asked, rng.pos
        try:
            start, _ = _content_range(response.headers.get("content-range", ""))
            if response.status_code != 206 or start != rng.pos:
                raise _Transient(f"{gate.host} answered HTTP {response.status_code} to a "
                                 "byte range")
            gate.streams.append(rng)
            try:
                with open(helper.path, "wb") as fh:
                    out = parts.PartWriter(fh)
                    try:
                        async for chunk in response.aiter_raw():
                            piece = chunk[:rng.end - rng.pos]
                            await out.write(piece)
                            rng.pos += len(piece)
                            rng.sink(len(piece), None, 0)
                            if rng.pos >= rng.end:
                                break
                        await out.flush()
                    finally:
                        out.settle()
            finally:
                gate.streams.remove(rng)
            if rng.pos < rng.end:
                raise _Transient(f"connection closed {rng.end - rng.pos:,} bytes early")
        finally:
            await response.aclose()

    def _abandon(self, rng: Span | None) -> None:
        """Stop every helper of ``rng`` (and theirs) and delete their segments."""
        if rng is None:
            return
        for helper in rng.helpers:
            self._abandon(helper.rng)
            if helper.task is not None and not helper.task.done():
                helper.task.cancel()
                if not helper.started:  # cancelled before it ran: give its promise back
                    helper.started = True
                    helper.gate.conns.promised -= 1
                    self._jobs.promised -= 1
            with contextlib.suppress(OSError):
                helper.path.unlink(missing_ok=True)
        rng.helpers.clear()

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
