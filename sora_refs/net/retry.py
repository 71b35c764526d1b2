"""When to try a URL again, and when to stop trying a URL or a whole host.

:class:`RetryPolicy` owns every such decision (backoff with jitter, the server's
``Retry-After``, failure streaks, giving up on a host), so the download loop
only carries them out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sora_refs import defaults
from sora_refs.net.hosts import HostGate
from sora_refs.text import plural


@dataclass(frozen=True)
class Verdict:
    """What to do after a failed attempt.

    ``wait`` seconds before the next attempt on the same URL; or, when ``give_up``
    is set, stop with that message; ``defer`` (with ``wait``) means the server
    asked for a long pause: try the reference's other URLs first.
    """

    wait: float = 0.0
    give_up: str | None = None
    defer: bool = False
    why: str = ""


class RetryPolicy:
    """Backoff, streaks and giving up, shared by every download of one run."""

    def __init__(self, attempts: int = defaults.ATTEMPTS,
                 backoff_base: float = defaults.BACKOFF_BASE,
                 backoff_cap: float = defaults.BACKOFF_CAP,
                 retry_after_cap: float = defaults.RETRY_AFTER_CAP,
                 retry_after_short: float = defaults.RETRY_AFTER_SHORT,
                 host_failures: int = defaults.HOST_FAILURES,
                 host_streak: int = defaults.HOST_STREAK,
                 rng: random.Random | None = None) -> None:
        self.attempts = attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap
        self.retry_after_short = retry_after_short
        self.host_failures = host_failures
        self.host_streak = host_streak
        self._rng = rng or random.Random()

    def backoff(self, attempt: int) -> float:
        base = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return base * (0.5 + self._rng.random() / 2)  # jitter keeps clients out of step

    def succeeded(self, gate: HostGate) -> None:
        gate.streak = 0

    def failed(self, gate: HostGate, attempt: int, reason: str,
               retry_after: float | None = None, deferrable: bool = True) -> Verdict:
        """Record a failed attempt on ``gate``'s host and say what comes next.

        ``deferrable``: the reference has other URLs to try meanwhile.
        """
        gate.streak += 1
        if gate.streak >= self.host_streak and not gate.given_up:
            gate.given_up = f"{gate.streak} attempts in a row failed; the last: {reason}"
            return Verdict(give_up=f"{reason} (gave up on {gate.host} after {gate.streak} "
                                  "failed attempts in a row)")
        if retry_after is not None and retry_after > self.retry_after_cap:
            return Verdict(give_up=f"{reason}; the server asks to wait {retry_after:.0f} s, "
                                   f"longer than the {self.retry_after_cap:.0f} s sora-refs "
                                   "waits: try again later")
        if attempt >= self.attempts:
            gate.failed_urls += 1
            if gate.failed_urls >= self.host_failures:
                gate.given_up = f"{gate.failed_urls} URLs failed; the last: {reason}"
            return Verdict(give_up=f"{reason} (gave up after {plural(attempt, 'attempt')})")
        if retry_after is not None:
            gate.pause(retry_after)  # the answer speaks for the whole host
            why = f"{gate.host} asked to wait ({reason})"
            if retry_after > self.retry_after_short and deferrable:
                return Verdict(wait=retry_after, defer=True, why=why)
            return Verdict(wait=retry_after, why=why)
        return Verdict(wait=self.backoff(attempt), why=f"retrying {gate.host} ({reason})")
