"""Where a reference can be downloaded from: candidate URLs and mirror rewriting.

Every URL the tool requests passes through :func:`rewrite`, so ``--mirror``
redirects arXiv, venue hosts and the arXiv API alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sora_refs.defaults import ARXIV_HOSTS
from sora_refs.errors import UsageError
from sora_refs.manifest import Reference

_HTTP = re.compile(r"^https?://[^\s/?#]+", re.IGNORECASE)


@dataclass(frozen=True)
class Mirror:
    """Rewrite URLs that start with ``source`` to start with ``target`` instead."""

    source: str
    target: str


def parse_mirrors(specs: list[str]) -> list[Mirror]:
    """Parse ``FROM=TO`` pairs.

    Raises:
        UsageError: a pair is malformed or either side is not an http(s) URL.
    """
    out: list[Mirror] = []
    for spec in specs:
        source, sep, target = spec.partition("=")
        source, target = source.strip(), target.strip()
        if not sep or not _HTTP.match(source) or not _HTTP.match(target) or " " in target:
            raise UsageError(
                f"--mirror {spec!r} should be FROM=TO with two http(s) URLs, e.g. "
                "--mirror https://arxiv.org=https://mirror.example.org/arxiv"
            )
        out.append(Mirror(source.rstrip("/"), target.rstrip("/")))
    # The most specific prefix wins.
    return sorted(out, key=lambda m: -len(m.source))


def rewrite(url: str, mirrors: list[Mirror]) -> str:
    for m in mirrors:
        if url == m.source or url.startswith(m.source + "/") or url.startswith(m.source + "?"):
            return m.target + url[len(m.source):]
    return url


def host_of(url: str) -> str:
    """The host (and port) a request goes to; per-host limits are keyed on it."""
    return urlsplit(url).netloc.lower()


def is_arxiv(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ARXIV_HOSTS or host.endswith(".arxiv.org")


def candidate_urls(ref: Reference, prefer: str = "cited") -> list[str]:
    """The reference's URLs in the order to try them.

    ``cited`` keeps the manifest's order (the copy at the cited venue first);
    ``arxiv`` moves arXiv copies to the front.
    """
    urls = list(dict.fromkeys(ref.urls))
    if prefer == "arxiv":
        urls = [u for u in urls if is_arxiv(u)] + [u for u in urls if not is_arxiv(u)]
    return urls
