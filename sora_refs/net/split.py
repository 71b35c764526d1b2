"""Tail splitting: idle connections to a host help its largest download finish.

When a host has a spare connection (nobody holds it, waits for it, or was
promised it) and a download there still has much to receive, the connection
takes the end of what that download has left (a little less than half: see
:meth:`Span.helper_share`) with a bounded ``Range`` request (with ``If-Range``)
into a hidden segment file; the download appends the segment when it reaches it.
A helper that fails costs only its bytes: the download resumes from its own
contiguous ``.part``, and that host is not split again in the run (see
``defaults.SPLIT_MIN_BYTES`` for when splitting pays).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from sora_refs.net import parts
from sora_refs.net.classify import Action, Sent, classify
from sora_refs.net.hosts import HostGate, Hosts
from sora_refs.net.transport import SENT, reason

if TYPE_CHECKING:
    import httpx

ByteSink = Callable[[int, int | None, int], None]
"""Called as ``sink(new_bytes, total_or_None, offset)`` while a body streams."""


class HelperFailed(Exception):
    """A helper connection failed; its download resumes over one connection."""


@dataclass(eq=False)
class Span:
    """Bytes ``[pos, end)`` one response still has to deliver; ``end`` drops when a
    helper takes the tail, and ``helpers`` (by start) deliver the rest."""

    url: str
    gate: HostGate
    validator: str
    part: Path
    total: int
    sink: ByteSink
    pos: int
    end: int
    helpers: list[Helper] = field(default_factory=list)
    # When the response's headers came, how long they took, and ``pos`` then:
    # from these, the rate and what a new request costs on this host.
    since: float = 0.0
    wait: float = 0.0
    first: int = 0

    def rate(self, now: float) -> float | None:
        """Bytes per second so far, once there is enough to tell (64 kB)."""
        got, elapsed = self.pos - self.first, now - self.since
        return got / elapsed if got >= 64 * 1024 and elapsed > 0 else None

    def seconds_left(self, now: float) -> float:
        """How long what is left will take at this response's rate (its size in MB
        while the rate is not known yet)."""
        rate = self.rate(now)
        return (self.end - self.pos) / (rate or 1e6)

    def helper_share(self, now: float, split_min: int, until: float | None = None) -> int:
        """How many bytes at the end of what is left a helper should take (0: none).

        A helper's first byte comes a request's round trip (``wait``) after it asks,
        while this response keeps receiving; so both finish together when the helper
        takes ``(left - wait x rate) / 2``, a little less than half. When the host's
        other connections will help too, they all finish together sooner, at
        ``until`` (see :func:`finish_together`): the helper then takes only what it can
        receive by then, and this response keeps what it can, so that the next
        connection to come free takes a share of its own instead of halving this
        helper's (each such halving costs a round trip). It is worth a request when
        the share saves at least one round trip and is at least ``split_min``. Before
        a rate is known, the size alone decides and the helper takes half.
        """
        left = self.end - self.pos
        if left < 2 * split_min:
            return 0
        rate = self.rate(now)
        if rate is None:
            return left // 2  # no rate yet
        wait = max(self.wait, 0.01)
        share = int((left - wait * rate) / 2)
        if until is not None:
            share = min(share, int(rate * (until - now - wait)), int(left - rate * (until - now)))
        return share if share >= split_min and share / rate >= wait else 0


def finish_together(spans: list[tuple[int, float]], wait: float, rate: float,
                    free: int = 1, placed: int = 0, split_min: int = 0) -> float:
    """Seconds from now until a host's tails can all be received: the time T at
    which its connections finish together, if each that ends its own work early
    helps the others and ``free`` idle ones start helping now.

    ``spans`` are the responses being received, as ``(bytes left, bytes/s)``;
    ``placed`` bytes were just given to the ``free`` connections, whose first bytes
    come ``wait`` (a round trip) after they ask, at ``rate``. By T, a connection
    still on its own work has received ``rate_j x T``; one that came free at
    ``f_j = left_j / rate_j`` and took a share, ``rate_j x (T - wait)``; one that
    came free too late for a share worth a request (a round trip's worth of bytes,
    and ``split_min``, as :meth:`Span.helper_share` asks), only its own ``left_j``.
    What they can receive by T only grows with T; T is the first time it covers
    every byte left, found by bisection.
    """
    work = placed + sum(left for left, _ in spans)
    if work <= 0 or free * rate <= 0:
        return 0.0

    def received(t: float) -> float:
        got = free * rate * (t - wait)
        for left, r in spans:
            f = left / r
            if t <= f:
                got += r * t
            elif t < f + wait + max(wait, split_min / r):
                got += left
            else:
                got += r * (t - wait)
        return got

    lo, hi = 0.0, work / (free * rate) + wait
    for _ in range(40):  # to well under a millisecond for any real tail
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if received(mid) < work else (lo, mid)
    return hi


@dataclass(eq=False)
class Helper:
    """A request fetching ``rng`` (from ``start``) into the hidden file ``path``."""

    start: int
    rng: Span
    path: Path
    task: asyncio.Task[None] | None = None
    started: bool = False
    # Set when its download gives it up. Cancelling its task is not enough: anyio can
    # swallow a cancellation that lands while httpcore connects (agronholm/anyio#1214),
    # and the helper would then fetch its range into a segment nobody joins.
    abandoned: bool = False


def _retrieve(task: asyncio.Task[None]) -> None:
    """Mark a helper's failure as seen; its download reports it, or has moved on."""
    if not task.cancelled():
        task.exception()


class Splitter:
    """Lends spare connections to the largest tails, and joins what they fetch."""

    def __init__(self, client: httpx.AsyncClient, hosts: Hosts, split_min: int,
                 request: Callable[[str, dict[str, Any]], Any],
                 guard: Callable[[], Any]) -> None:
        self.client = client
        self.hosts = hosts
        self.jobs = hosts.jobs
        self.split_min = split_min
        self._request = request  # builds a GET for a URL with extra headers
        self._guard = guard      # a fresh minimum-rate guard for a body
        # Bodies being received, by host, which helpers may split. Kept here rather
        # than on the host gate, so the gates know nothing of splitting.
        self._streams: dict[str, list[Span]] = {}

    def watch(self, rng: Span) -> None:
        self._streams.setdefault(rng.gate.host, []).append(rng)
        self.lend()

    def unwatch(self, rng: Span) -> None:
        with contextlib.suppress(ValueError):
            self._streams.get(rng.gate.host, []).remove(rng)

    def lend(self) -> None:
        """Start helpers on spare connections, for the longest tails first.

        Chosen across hosts, not host by host: under a global ``--jobs`` cap, a spare
        job goes to whichever host's download will take longest, not to the first
        host that has one (which left a 39 MB paper on one connection while arXiv's
        smaller tails were split).
        """
        if self.split_min <= 0:
            return
        placed: dict[str, tuple[int, int]] = {}  # by host: helpers asked here, their bytes
        while self.jobs.spare() > 0:
            picked = self._pick(asyncio.get_running_loop().time(), placed)
            if picked is None:
                return
            share, rng = picked
            gate = rng.gate
            mid = rng.end - share
            tail = Span(rng.url, gate, rng.validator, rng.part, rng.total, rng.sink, mid,
                        rng.end)
            helper = Helper(mid, tail, parts.segment_path(rng.part, mid))
            rng.end = mid
            rng.helpers.append(helper)
            rng.helpers.sort(key=lambda x: x.start)
            gate.conns.promised += 1
            self.jobs.promised += 1
            helpers, given = placed.get(gate.host, (0, 0))
            placed[gate.host] = (helpers + 1, given + share)
            helper.task = asyncio.create_task(self._help(helper))
            helper.task.add_done_callback(_retrieve)

    def _pick(self, now: float, placed: dict[str, tuple[int, int]]) -> tuple[int, Span] | None:
        """The longest tail worth a helper, and the helper's share of it."""
        tails = []
        for gate in self.hosts.gates.values():
            if gate.no_split or gate.given_up or gate.conns.spare() <= 0:
                continue
            tails += [(r.seconds_left(now), r) for r in self._streams.get(gate.host, ())
                      if r.helper_share(now, self.split_min) > 0]
        for _, r in sorted(tails, key=lambda t: -t[0]):
            rate = r.rate(now)
            until = None if rate is None else now + self._together(r, now, rate, placed)
            share = r.helper_share(now, self.split_min, until)
            if share > 0:
                return share, r
        return None

    def _together(self, rng: Span, now: float, rate: float,
                  placed: dict[str, tuple[int, int]]) -> float:
        """:func:`finish_together` for the connections that can help ``rng``'s host:
        its own, or all of them when the cap on all binds before the host's own."""
        pooled = rng.gate.conns.n >= self.jobs.n
        pool = ([r for rs in self._streams.values() for r in rs] if pooled
                else self._streams.get(rng.gate.host, []))
        mine = list(placed.values()) if pooled else [placed.get(rng.gate.host, (0, 0))]
        known = [(r.end - r.pos, x) for r in pool if (x := r.rate(now))]
        return finish_together(known, max(rng.wait, 0.01), rate, 1 + sum(n for n, _ in mine),
                               sum(b for _, b in mine), self.split_min)

    async def join(self, rng: Span, fh: BinaryIO, hasher: Any, got: int) -> int:
        """Wait for each helper of ``rng`` in order and append its segment to ``fh``.

        Raises:
            HelperFailed: a helper failed; what it fetched is dropped.
        """
        while rng.helpers:
            helper = rng.helpers[0]
            assert helper.task is not None
            try:
                await asyncio.shield(helper.task)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                rng.gate.no_split = True  # not this URL's fault; no more helpers here
                raise HelperFailed(f"a second connection for the rest of the file failed "
                                   f"({reason(exc)}); resuming over one") from None
            got += await asyncio.to_thread(parts.append_file, helper.path, fh, hasher)
            helper.path.unlink(missing_ok=True)
            rng.helpers.pop(0)
        return got

    def abandon(self, rng: Span | None) -> None:
        """Stop every helper of ``rng`` (and theirs) and delete their segments."""
        if rng is None:
            return
        for helper in rng.helpers:
            self.abandon(helper.rng)
            if helper.task is not None and not helper.task.done():
                helper.task.cancel()
                if not helper.started:  # cancelled before it ran: give its promise back
                    helper.started = True
                    helper.rng.gate.conns.promised -= 1
                    self.jobs.promised -= 1
            helper.abandoned = True
            with contextlib.suppress(OSError):
                helper.path.unlink(missing_ok=True)
        rng.helpers.clear()

    async def _help(self, helper: Helper) -> None:
        """Fetch ``helper.rng`` with a bounded Range request into its segment file."""
        helper.started = True
        rng = helper.rng
        rng.gate.conns.promised -= 1
        self.jobs.promised -= 1
        try:
            try:
                await self._fetch_range(helper)
            finally:
                self.lend()
            if helper.abandoned:  # given up while it fetched: its file is not wanted
                raise HelperFailed("abandoned")
            if rng.helpers:
                with parts.open_segment(helper.path, append=True) as fh:
                    await self.join(rng, fh, None, 0)
        except BaseException:
            self.abandon(rng)
            with contextlib.suppress(OSError):
                helper.path.unlink(missing_ok=True)
            raise

    async def _fetch_range(self, helper: Helper) -> None:
        rng, path = helper.rng, helper.path
        headers = {"Range": f"bytes={rng.pos}-{rng.end - 1}",
                   "If-Range": rng.validator.encode("latin-1")}
        loop = asyncio.get_running_loop()
        response = await self.client.send(self._request(rng.url, headers), stream=True)
        asked = response.extensions.get(SENT, loop.time())  # after waiting for the host
        rng.since = loop.time()
        rng.wait, rng.first = rng.since - asked, rng.pos
        try:
            decision = classify(response.status_code, response.headers.raw,
                                Sent(rng.pos, rng.validator), max_bytes=rng.total)
            if decision.action is not Action.RESUME or decision.total != rng.total:
                raise HelperFailed(f"{rng.gate.host} answered HTTP {response.status_code} to "
                                   f"a byte range ({decision.reason or 'another file size'})")
            if helper.abandoned:  # no await since the check: the file is never orphaned
                raise HelperFailed("abandoned")
            self.watch(rng)
            guard = self._guard()
            try:
                with parts.open_segment(path) as fh:
                    out = parts.PartWriter(fh)
                    try:
                        async for chunk in response.aiter_raw():
                            piece = chunk[:rng.end - rng.pos]
                            guard.feed(len(chunk), rng.gate.host)
                            await out.write(piece)
                            rng.pos += len(piece)
                            rng.sink(len(piece), None, 0)
                            if rng.pos >= rng.end or helper.abandoned:
                                break
                        await out.flush()
                    finally:
                        out.settle()
            finally:
                self.unwatch(rng)
            if rng.pos < rng.end:
                raise HelperFailed(f"connection closed {rng.end - rng.pos:,} bytes early")
        finally:
            await response.aclose()
