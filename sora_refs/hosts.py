"""Per-host limits: how many connections, how far apart requests start, and who
may borrow an idle connection.

One :class:`HostGate` per host name is shared by every download in a run, so the
limits hold however many papers a host serves.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sora_refs.download import Span


class Slots:
    """A semaphore that also tells, without waiting, whether a slot is spare.

    Spare means nobody holds it, nobody waits for it and no helper has been
    promised it: helpers start only on spare slots, so they never hold back a
    paper that is waiting for its turn.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self._sem = asyncio.Semaphore(n)
        self.held = 0
        self.peak = 0  # most slots ever held at once: what the host saw from us
        self.waiting = 0
        self.promised = 0

    def spare(self) -> int:
        return self.n - self.held - self.waiting - self.promised

    @contextlib.asynccontextmanager
    async def take(self, promised: bool = False) -> AsyncIterator[None]:
        if promised:
            self.promised -= 1
        self.waiting += 1
        try:
            await self._sem.acquire()
        finally:
            self.waiting -= 1
        self.held += 1
        self.peak = max(self.peak, self.held)
        try:
            yield
        finally:
            self.held -= 1
            self._sem.release()


class HostGate:
    """At most ``connections`` requests to one host, starts at least ``delay`` apart."""

    def __init__(self, host: str, connections: int, delay: float) -> None:
        self.host = host
        self.delay = delay
        self.conns = Slots(connections)
        self._lock = asyncio.Lock()
        self._next_start = 0.0
        self.failed_urls = 0
        self.streak = 0  # failed attempts in a row, across URLs; a success resets it
        self.given_up: str | None = None
        self.streams: list[Span] = []  # bodies being received, which helpers may split
        self.no_split = False  # a helper failed here: one connection per paper from now on

    @contextlib.asynccontextmanager
    async def slot(self, promised: bool = False) -> AsyncIterator[None]:
        async with self.conns.take(promised):
            if self.given_up:  # no request will be sent: no spacing to keep
                yield
                return
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
