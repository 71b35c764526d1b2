"""What an HTTP answer means for a download: a pure decision, no I/O.

:func:`classify` looks at the status and headers of one response, given what the
request asked for (:class:`Sent`), and returns an :class:`Action` with its
reason. The download loop performs it; the tests exercise every branch in
milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import Enum

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_GONE = {403, 404, 410}
_TRANSIENT = {408, 425, 429}


class Action(Enum):
    ACCEPT = "accept"    # a whole body from byte 0: write it
    RESUME = "resume"    # the rest of the file we have a prefix of: append it
    RESTART = "restart"  # the prefix on disk cannot be continued: drop it, ask again
    RETRY = "retry"      # worth asking the same URL again, perhaps after a wait
    NEXT = "next"        # this URL will not work in this run: try the next one


@dataclass(frozen=True)
class Sent:
    """What the request asked for: the bytes from ``offset``, valid while the file
    still has ``validator`` (an ETag or Last-Modified, as sent in If-Range)."""

    offset: int = 0
    validator: str | None = None


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str = ""
    start: int = 0             # where the body starts in the file
    total: int | None = None   # the whole file's size, when known
    validator: str | None = None
    retry_after: float | None = None


def classify(status: int, headers: Iterable[tuple[bytes, bytes]], sent: Sent,
             max_bytes: int, reason_phrase: str = "") -> Decision:
    """Decide what ``status`` and the raw ``headers`` mean for a download.

    Header values are read as bytes (decoded as latin-1, which keeps every byte),
    so a server's non-ASCII ETag is compared and sent back exactly as it came.
    """
    h = _headers(headers)
    validator = validator_of(h)
    label = f"HTTP {status} {reason_phrase}".rstrip()
    if status == 206:
        start, total = content_range(h.get("content-range", ""))
        if not sent.offset:
            return Decision(Action.RESTART, f"{label} to a request for the whole file")
        if start != sent.offset:
            return Decision(Action.RESTART, f"the server answered bytes from {start} instead "
                                            f"of {sent.offset}; starting over")
        if not _same_file(sent.validator, h):
            return Decision(Action.RESTART, "the file changed on the server since the first "
                                            f"bytes were fetched (If-Range {sent.validator!r}, "
                                            f"now {validator!r}); starting over")
        if total is not None and total > max_bytes:
            return _too_big(total, max_bytes)
        return Decision(Action.RESUME, start=start, total=total, validator=sent.validator)
    if status == 200:
        total = _int(h.get("content-length"))
        if total is not None and total > max_bytes:
            return _too_big(total, max_bytes)
        return Decision(Action.ACCEPT, total=total, validator=validator)
    if status == 416:
        return Decision(Action.RESTART, "the server refused the resume range; starting over")
    if status in _TRANSIENT or 500 <= status <= 599:
        return Decision(Action.RETRY, label, retry_after=retry_after(h.get("retry-after")))
    if status in _GONE:
        return Decision(Action.NEXT, label)
    if 300 <= status <= 399:
        return Decision(Action.NEXT, f"{label}: a redirect without a usable Location")
    return Decision(Action.NEXT, f"unexpected {label}")


def _headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        out.setdefault(key, value.decode("latin-1").strip())
    return out


def validator_of(h: dict[str, str]) -> str | None:
    """The strong validator that makes a ``Range`` + ``If-Range`` resume safe."""
    etag = h.get("etag")
    if etag and not etag.startswith("W/"):
        return etag
    return h.get("last-modified") or None


def _same_file(sent: str | None, h: dict[str, str]) -> bool:
    """Whether a 206 comes from the file ``sent`` validated.

    An ETag we sent must come back (RFC 9110 requires a 206 to carry the ETag a
    200 would have); a date must match when the server repeats it. A server that
    ignores If-Range and answers with another version's bytes fails here, instead
    of splicing two versions into one file.
    """
    if sent is None:
        return False
    if sent.startswith(('"', "W/")):
        return h.get("etag") == sent
    modified = h.get("last-modified")
    return modified is None or modified == sent


def _too_big(total: int, max_bytes: int) -> Decision:
    return Decision(Action.NEXT, f"the server announces {total:,} bytes, more than the "
                                 f"{max_bytes:,}-byte limit for one paper")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def content_range(value: str) -> tuple[int, int | None]:
    """``(first byte, total)`` of a Content-Range; first is -1 when unreadable."""
    m = _CONTENT_RANGE.match(value.strip())
    if not m:
        return -1, None
    total = None if m.group(3) == "*" else int(m.group(3))
    return int(m.group(1)), total


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    from datetime import datetime, timezone

    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
