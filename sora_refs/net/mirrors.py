"""Where a reference can be downloaded from: candidate URLs, mirror rewriting, and
what may be said about a URL.

Every URL the tool requests passes through :func:`rewrite`, so ``--mirror``
redirects arXiv, venue hosts and the arXiv API alike. Host rules are keyed by
the host *before* rewriting (:func:`unmirror` maps a mirror's URL back), so an
arXiv mirror gets arXiv's politeness. A mirror URL may carry credentials;
:func:`redact` removes them from everything stored or printed.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from sora_refs.defaults import ARXIV_HOSTS
from sora_refs.errors import UsageError

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


def unmirror(url: str, mirrors: list[Mirror]) -> str:
    """The URL ``url`` stands in for: a mirror's address mapped back to its source.

    A mirror that redirects to an absolute address of its own stays the mirror of
    the same host; any other URL is returned as it is. The longest target wins.
    """
    for m in sorted(mirrors, key=lambda m: -len(m.target)):
        if url == m.target or url.startswith(m.target + "/") or url.startswith(m.target + "?"):
            return m.source + url[len(m.target):]
    return url


@functools.lru_cache(maxsize=4096)
def host_of(url: str) -> str:
    """The host (and port, without any credentials) a URL names. Cached: every request
    of a run asks it of the same few thousand URLs."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:  # a malformed port or bracket: name what is there
        return urlsplit(url).netloc.rpartition("@")[2].lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


def redact(url: str) -> str:
    """``url`` without ``user:password@``: safe to print, log and store."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"//[^/@]*@", "//", url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def is_private(url: str) -> bool:
    """Whether ``url`` names a loopback, private, link-local or otherwise internal
    address (by its literal IP, or the name localhost).

    A public paper host redirecting there is an attack on the machine's own
    network (169.254.169.254 is a cloud's metadata service); a user's own
    mirror at such an address is fine.
    """
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global


def is_arxiv(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ARXIV_HOSTS or host.endswith(".arxiv.org")
