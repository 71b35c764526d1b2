"""Per-host rules and the state every download to one host shares.

:data:`RULES` is the one table of host politeness (arXiv: one connection, 3 s
between request starts; the ACL Anthology and JMLR, one server each: 2
connections; everyone else: 4 connections, no delay), keyed by the
host a URL names *before* ``--mirror`` rewrites it: an arXiv mirror, and the
tests' loopback stand-in for arXiv, get arXiv's rule. ``--per-host`` and
``--delay`` override every rule.

One :class:`HostGate` per host name is shared by every download in a run, so
the limits hold however many papers a host serves; :class:`Hosts` hands them
out and notices when no host at all can be reached.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sora_refs import defaults


@dataclass(frozen=True)
class HostRule:
    """How politely to treat one host."""

    connections: int
    delay: float  # seconds between request starts


# Suffix match on the host name: "arxiv.org" covers export.arxiv.org too. The
# reasons for the numbers are in :mod:`sora_refs.defaults`.
RULES: dict[str, HostRule] = {
    "arxiv.org": HostRule(defaults.ARXIV_CONNECTIONS, defaults.ARXIV_DELAY),
    **{host: HostRule(defaults.SMALL_SITE_CONNECTIONS, defaults.VENUE_DELAY)
       for host in defaults.SMALL_SITE_HOSTS},
}
DEFAULT_RULE = HostRule(defaults.VENUE_CONNECTIONS, defaults.VENUE_DELAY)


def rule_for(host: str, per_host: int | None = None, delay: float | None = None) -> HostRule:
    """The rule for ``host`` (a name, with or without a port), with overrides applied."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    rule = next((r for suffix, r in RULES.items()
                 if name == suffix or name.endswith("." + suffix)), DEFAULT_RULE)
    return HostRule(max(1, per_host if per_host is not None else rule.connections),
                    max(0.0, delay if delay is not None else rule.delay))


class HostSkipped(Exception):
    """No request was sent: the host was given up on earlier in this run."""


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

    async def acquire(self) -> None:
        self.waiting += 1
        try:
            await self._sem.acquire()
        finally:
            self.waiting -= 1
        self.held += 1
        self.peak = max(self.peak, self.held)

    def release(self) -> None:
        self.held -= 1
        self._sem.release()



class HostGate:
    """At most ``rule.connections`` requests to one host, starts ``rule.delay`` apart,
    and each also takes one of the run's ``jobs`` (requests in flight in total)."""

    def __init__(self, host: str, rule: HostRule, jobs: Slots) -> None:
        self.host = host
        self.rule = rule
        self.delay = rule.delay
        self.conns = Slots(rule.connections)
        self.jobs = jobs
        self._lock = asyncio.Lock()
        self.next_start = 0.0  # loop time before which no request may start
        self.failed_urls = 0
        self.streak = 0  # failed attempts in a row, across URLs; a success resets it
        self.given_up: str | None = None
        self.answered = False  # some request got an HTTP answer from this host
        # Where the last connection attempt went and why it failed (None: it did not).
        self.unreachable: tuple[str, str] | None = None
        self.no_split = False  # a helper failed here: one connection per paper from now on

    async def acquire(self) -> None:
        """Take a connection slot, wait for this host's next start time, take a job.

        The host's slot comes first: a request waiting for a busy host must not sit on
        one of the run's jobs, or idle connections elsewhere could not help (see
        :mod:`sora_refs.net.split`).

        Raises:
            HostSkipped: the host was given up on (no slot is kept).
        """
        await self.conns.acquire()
        try:
            if self.given_up:  # no request will be sent: no spacing to keep
                raise HostSkipped(f"skipped: gave up on {self.host} earlier in this run "
                                  f"({self.given_up})")
            async with self._lock:
                loop = asyncio.get_running_loop()
                wait = self.next_start - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self.next_start = loop.time() + self.delay
            await self.jobs.acquire()
        except BaseException:
            self.conns.release()
            raise

    def release(self) -> None:
        self.jobs.release()
        self.conns.release()

    def pause(self, seconds: float) -> None:
        """Hold every request to this host back (a 429 or 503 speaks for the host)."""
        loop = asyncio.get_running_loop()
        self.next_start = max(self.next_start, loop.time() + seconds)

    def wait_left(self) -> float:
        """Seconds until the next request to this host may start."""
        return max(0.0, self.next_start - asyncio.get_running_loop().time())


class Hosts:
    """Every host's gate in one run, and whether the network is there at all."""

    def __init__(self, per_host: int | None = None, delay: float | None = None,
                 jobs: int = defaults.JOBS) -> None:
        self.per_host = per_host
        self.delay = delay
        self.jobs = Slots(jobs)
        self.gates: dict[str, HostGate] = {}
        self.down: str | None = None  # why no host can be reached, once that is clear

    def gate(self, host: str) -> HostGate:
        if host not in self.gates:
            gate = HostGate(host, rule_for(host, self.per_host, self.delay), self.jobs)
            gate.given_up = "no host could be reached" if self.down else None
            self.gates[host] = gate
        return self.gates[host]

    def given_up(self) -> dict[str, str]:
        """Why each host that was given up on mid-run was (not when the whole network
        is down: that has its own advice)."""
        if self.down:
            return {}
        return {host: g.given_up for host, g in self.gates.items() if g.given_up}

    def offline(self, expected: int) -> str | None:
        """Why no host can be reached, once that is clear; else ``None``.

        Clear means: no host has answered anything, at least ``min(expected, 2)``
        hosts failed to connect, and no request to any other host is still on its way
        or waiting for its turn (that host may yet answer: a filter blocking some sites
        is not an offline machine). All of them failing is the network, a firewall or
        a proxy. From then on every host counts as given up, so the run ends in seconds.
        """
        if self.down:
            return self.down
        gates = list(self.gates.values())
        tried = [g for g in gates if g.unreachable]
        if not tried or any(g.answered for g in gates) or len(tried) < min(expected, 2):
            return None
        if any(g.conns.held or g.conns.waiting for g in gates if not g.unreachable):
            return None
        said: dict[str, list[str]] = {}  # offline, every host fails for the same reason
        for g in tried:
            where, why = g.unreachable or ("", "")
            said.setdefault(why, []).append(where)
        self.down = "; ".join(f"{_names(where)}: {why}" for why, where in said.items())
        for g in self.gates.values():
            g.given_up = g.given_up or "no host could be reached"
        return self.down


def _names(hosts: list[str], most: int = 4) -> str:
    """'a, b and c'; past ``most``, 'a, b, c, d and 3 more'."""
    from sora_refs.text import spoken_list

    shown = hosts if len(hosts) <= most else [*hosts[:most], f"{len(hosts) - most} more"]
    return spoken_list(shown)
