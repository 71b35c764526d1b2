"""Asking the open indexes and scholarly services: one set of rules for all of them.

Every source other than arXiv (a venue's index, Crossref, Unpaywall) is asked through
an :class:`Asker`, which holds what the report needs and what makes a re-run cheap:

* each answer is cached under the URL it stands for (as ``--mirror`` rewrites it, and
  without the user's identity: an e-mail address is never part of a cache name);
* a host that answers with something no one can read (offline, 403/429/5xx, a bot-check
  page, HTML where JSON or YAML was expected) raises :class:`Unavailable`, is recorded
  with what it answered and is not asked again in the run;
* requests to one host keep the spacing its operators publish;
* messages name the host, never the URL asked: a service's URL may carry the user's
  e-mail address.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from sora_refs.net.mirrors import Mirror, rewrite

_CHALLENGE = re.compile(rb"making sure you(?:'|&#39;|&#x27;)re not a bot|anubis_challenge|"
                        rb"\.within\.website|ChallengeRequiredError|challenge-platform|"
                        rb"cf-chl|captcha", re.IGNORECASE)


class Unavailable(Exception):
    """A host answered, but not with anything anyone can read (or did not answer)."""


def host_of(url: str) -> str:
    return urlsplit(url).hostname or url


class Asker:
    """GETs for one run: cached, spaced per host, once per unavailable host."""

    def __init__(self, mirrors: Sequence[Mirror], cache: Path, client: object = None,
                 progress: Callable[[str], None] | None = None) -> None:
        self.mirrors = list(mirrors)
        self.cache = cache
        self._client = client
        self.progress = progress or (lambda message: None)
        self.requests: dict[str, int] = {}      # per host asked
        self.cached = 0
        self.unavailable: dict[str, str] = {}   # host -> what it answered
        self._last: dict[str, float] = {}

    def slot(self, key: str, suffix: str) -> Path:
        """Where the answer for ``key`` (a URL without identities) is kept."""
        asked = rewrite(key, self.mirrors)  # the cache is per host actually asked
        return self.cache / (hashlib.sha256(asked.encode()).hexdigest()[:32] + suffix)

    def from_cache(self, slot: Path, max_age: float | None) -> bytes | None:
        """The kept answer, if there is one and it is younger than ``max_age`` s."""
        try:
            if max_age is not None and time.time() - slot.stat().st_mtime >= max_age:
                return None
            body = slot.read_bytes()
        except OSError:
            return None
        self.cached += 1
        return body

    def get(self, url: str, expect: str, headers: dict[str, str] | None = None,
            spacing: float = 0.0) -> bytes | None:
        """The body of a 200 answer, or None for a 404 (no such record: a miss).
        ``expect`` is "html", "json" or "yaml": an HTML page where JSON or YAML was
        expected is a block page, not an answer.

        Raises:
            Unavailable: the host is down, refusing, rate-limiting or bot-checking.
        """
        host = host_of(url)
        if host in self.unavailable:
            raise Unavailable(f"{host} {self.unavailable[host]} (asked once this run)")
        try:
            return self._get(url, host, expect, headers or {}, spacing)
        except Unavailable as exc:
            raise self.give_up(host, str(exc)) from None

    def give_up(self, host: str, said: str) -> Unavailable:
        """Record that ``host`` answered something no one can read (``said``), so it is
        not asked again this run; the exception to raise, naming the host."""
        self.unavailable[host] = said
        return Unavailable(f"{host} {said}")

    def _get(self, url: str, host: str, expect: str, headers: dict[str, str],
             spacing: float) -> bytes | None:
        import httpx

        from sora_refs.net.api import ApiError, get_bounded
        from sora_refs.net.transport import Router, reason, sync_client
        from sora_refs.text import looks_like_html

        if self._client is None:
            self._client = sync_client(Router(self.mirrors))
        wait = self._last.get(host, 0.0) + spacing - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self.requests[host] = self.requests.get(host, 0) + 1
        try:
            response, body = get_bounded(self._client, url, headers)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise Unavailable(f"could not be read: {reason(exc)}") from None
        except ApiError as exc:
            said = "answered too much" if "bytes" in str(exc) else "took too long to answer"
            raise Unavailable(said) from None
        finally:
            self._last[host] = time.monotonic()
        if _CHALLENGE.search(body[:50_000]):
            raise Unavailable(f"answered a bot-check page (HTTP {response.status_code})")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise Unavailable(f"answered HTTP {response.status_code}")
        if expect != "html" and looks_like_html(body[:2048]):
            raise Unavailable(f"answered an HTML page where {expect.upper()} was expected")
        return body

    def store(self, slot: Path, body: bytes) -> None:
        """Keep an answer (as text: every parser reads the bytes as UTF-8 with
        replacement anyway). An unwritable cache only costs a request next time."""
        from sora_refs.safefile import atomic_write

        try:
            slot.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(slot, body.decode("utf-8", "replace"))
        except OSError:
            pass

    def close(self) -> None:
        close = getattr(self._client, "close", None)
        if close is not None:
            close()
