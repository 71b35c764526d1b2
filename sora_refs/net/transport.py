"""The one layer every request passes through: mirrors, host rules, redirect safety.

:class:`RoutingTransport` is an httpx transport. httpx follows redirects itself
and hands every hop to it; for each hop it

1. maps the URL to the host it stands for (:func:`~sora_refs.net.mirrors.unmirror`)
   and takes that host's connection slot and start time (:mod:`sora_refs.net.hosts`);
2. refuses a hop from a public address to a private one (a cloud's metadata
   service at 169.254.169.254, the user's router), unless the request began at a
   private address already; a ``--mirror`` target counts as the host it stands
   for, so a user's mirror on the local network (or the tests' loopback servers)
   works, while a redirect to any other private address does not;
3. rewrites the URL through ``--mirror`` and sends it with an inner
   :class:`httpx.AsyncClient`, which keeps httpx's handling of proxy variables
   (``HTTPS_PROXY``, ``ALL_PROXY=socks5://…``, ``NO_PROXY``) and credentials in
   mirror URLs;
4. holds the host's slot until the response body is closed.

Requests to APIs (arXiv's) go through :func:`sync_client`, the same mirrors and
redirect rules without the per-host slots (their callers keep their own pace).
"""

from __future__ import annotations

import asyncio
import os
import socket
import urllib.request
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from sora_refs import defaults
from sora_refs.errors import UsageError
from sora_refs.net.hosts import Hosts
from sora_refs.net.mirrors import Mirror, host_of, is_private, redact, rewrite, unmirror

FIRST = "sora_refs.first"  # request extension: the URL the request chain began with
SENT = "sora_refs.sent"  # response extension: loop time the request was sent at
# A redirect's body is read (httpx reads it before following); it has no reason
# to be more than a short HTML note.
REDIRECT_BODY_MAX = 64 * 1024


class RedirectRefused(httpx.TransportError):
    """A redirect to somewhere sora-refs will not go."""


class Router:
    """Where a URL really goes, and how to name it in a message."""

    def __init__(self, mirrors: list[Mirror] | None = None) -> None:
        self.mirrors = mirrors or []

    def origin(self, url: str) -> str:
        return unmirror(url, self.mirrors) if self.mirrors else url

    def target(self, url: str) -> str:
        return rewrite(url, self.mirrors)

    def describe(self, url: str) -> str:
        """The host a request to ``url`` reaches: 'arxiv.org', or 'arxiv.org (mirror
        127.0.0.1:8000)', and the proxy it goes through, if any."""
        origin = self.origin(url)
        target = self.target(origin)
        name = host_of(origin)
        if host_of(target) != name:
            name += f" (mirror {host_of(target)})"
        proxy = proxy_for(target)
        if proxy:
            name += f" through the proxy {redact(proxy[1])} (from {proxy[0]})"
        return name

    def check_hop(self, url: str, first: str | None) -> None:
        """Refuse a redirect hop to a non-web scheme or into a private network."""
        scheme = url.split(":", 1)[0].lower()
        if scheme not in ("http", "https"):
            raise RedirectRefused(f"refusing a redirect to a non-http(s) address: {redact(url)}")
        if first is None or first == url:
            return
        # Mirrors are mapped back first: a mirror's own address is the host it stands for.
        if is_private(self.origin(url)) and not is_private(self.origin(first)):
            raise RedirectRefused(f"refusing a redirect from {host_of(first)} to the private "
                                  f"address {host_of(url)}")


def proxy_for(url: str) -> tuple[str, str] | None:
    """The proxy variable and proxy URL the environment sets for ``url``, if any."""
    scheme = url.split(":", 1)[0].lower()
    host = httpx.URL(url).host if "://" in url else ""
    if host and urllib.request.proxy_bypass_environment(host):
        return None
    for var in (f"{scheme}_proxy", "all_proxy"):
        for name in (var, var.upper()):
            value = os.environ.get(name)
            if value:
                return name, value
    return None


class _GatedStream(httpx.AsyncByteStream):
    """The inner response's body; closing it gives the host's slot back."""

    def __init__(self, inner: httpx.Response, release: Any, cap: int | None) -> None:
        self._inner = inner
        self._release = release
        self._cap = cap

    async def __aiter__(self) -> AsyncIterator[bytes]:
        got = 0
        async for chunk in self._inner.aiter_raw():
            got += len(chunk)
            if self._cap is not None and got > self._cap:
                raise RedirectRefused(f"a redirect's body exceeds {self._cap:,} bytes")
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            if self._release is not None:
                release, self._release = self._release, None
                release()


class HeaderTimeout(httpx.ReadTimeout):
    """The status line and headers did not arrive in time, however steadily bytes came:
    its message says so (a plain read timeout means no byte at all for a while)."""


class RoutingTransport(httpx.AsyncBaseTransport):
    """Mirrors, per-host gates and redirect rules for every request and hop."""

    def __init__(self, inner: httpx.AsyncClient, router: Router, hosts: Hosts) -> None:
        self.inner = inner
        self.router = router
        self.hosts = hosts

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.router.check_hop(url, request.extensions.get(FIRST))
        gate = self.hosts.gate(host_of(self.router.origin(url)))
        await gate.acquire()
        sent = asyncio.get_running_loop().time()
        try:
            forward = _forward(request, self.router.target(url))
            try:
                inner = await asyncio.wait_for(self.inner.send(forward, stream=True),
                                               _header_deadline(request))
            except asyncio.TimeoutError:
                raise HeaderTimeout(f"no complete answer (status line and headers) "
                                    f"within {_header_deadline(request):g} s",
                                    request=request) from None
            except httpx.TransportError as exc:
                why = _connect_reason(exc)
                gate.unreachable = (self.router.describe(url), why) if why else None
                raise
            gate.answered = True
            gate.unreachable = None
        except BaseException:
            gate.release()
            raise
        cap = REDIRECT_BODY_MAX if inner.is_redirect else None
        # When the request really left (after waiting for its host): what a request
        # costs on this host, which decides whether splitting a download pays.
        return httpx.Response(inner.status_code, headers=inner.headers.raw,
                              stream=_GatedStream(inner, gate.release, cap),
                              extensions={**inner.extensions, SENT: sent})

    async def aclose(self) -> None:
        await self.inner.aclose()


def _header_deadline(request: httpx.Request) -> float:
    """How long the status line and headers may take in all: a connect and two reads.

    httpx's timeouts bound each read, so a server sending a header byte every few
    seconds would otherwise never time out.
    """
    t = request.extensions.get("timeout") or {}
    return (t.get("connect") or defaults.CONNECT_TIMEOUT) + 2 * (t.get("read")
                                                                 or defaults.READ_TIMEOUT)


def _forward(request: httpx.Request, target: str) -> httpx.Request:
    """``request`` addressed to ``target``: same headers, but the Host of the target
    (a mirror serving several sites goes by it)."""
    url = httpx.URL(target)
    headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"host"]
    headers.insert(0, (b"Host", url.netloc))
    return httpx.Request(request.method, url, headers=headers, stream=request.stream,
                         extensions=request.extensions)


def _connect_reason(exc: Exception) -> str | None:
    """Why a connection could not be made, or None for failures after connecting."""
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError)):
        return reason(exc)
    return None


# What the operating system's and OpenSSL's words for the usual failures mean to a
# reader, with what to do; the system's own words follow in brackets, for a search.
_DNS = "the host name did not resolve: offline, or a DNS that blocks it"
_PLAIN = (
    (("Name or service not known", "Temporary failure in name resolution",
      "No address associated with hostname", "nodename nor servname", "getaddrinfo failed"),
     _DNS),
    (("Connection refused", "actively refused"), "the connection was refused"),
    (("Network is unreachable", "No route to host"), "no route to the host: offline?"),
    (("CERTIFICATE_VERIFY_FAILED",),
     "its TLS certificate is not trusted here; behind a proxy that re-signs TLS, set "
     "SSL_CERT_FILE to the proxy's certificate authority"),
)


def reason(exc: BaseException) -> str:
    """Why a request failed, in a reader's words where the system's are cryptic
    ('[Errno -2] Name or service not known') or hidden: httpx says 'All connection
    attempts failed' and keeps the refusal in the exceptions it was raised from."""
    said = str(exc).strip() or type(exc).__name__
    seen: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and len(seen) < 8 and link not in seen:
        seen.append(link)
        words = str(link)
        plain = (_DNS if isinstance(link, socket.gaierror) else
                 "the connection was refused" if isinstance(link, ConnectionRefusedError)
                 else next((p for ws, p in _PLAIN if any(w in words for w in ws)), None))
        if plain:
            return f"{plain} ({words.strip() or said})"
        link = link.__cause__ or link.__context__
    return said


def _timeout(read: float, connect: float) -> httpx.Timeout:
    return httpx.Timeout(connect=connect, read=read, write=read, pool=None)


def _inner_client(cls: Any, **kw: Any) -> Any:
    """An httpx client that reads proxy variables, or a usage error naming the bad one.
    Its TLS context is the one :mod:`sora_refs.net.tls` built in a thread meanwhile."""
    from sora_refs.net import tls

    try:
        return cls(trust_env=True, follow_redirects=False, verify=tls.context(), **kw)
    except ImportError as exc:  # a socks5:// proxy without httpx's socks extra
        raise UsageError(f"the proxy in the environment needs a package that is missing "
                         f"({exc}); reinstall sora-refs, or unset ALL_PROXY") from None
    except (ValueError, httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        names = [n for n in os.environ if n.lower().endswith("_proxy")
                 and n.lower() != "no_proxy"]
        raise UsageError(f"a proxy variable cannot be used ({', '.join(sorted(names))}): "
                         f"{exc}. sora-refs takes http://, https://, socks5:// and "
                         "socks5h:// proxies.") from None


def async_client(router: Router, hosts: Hosts, read_timeout: float = defaults.READ_TIMEOUT,
                 connect_timeout: float = defaults.CONNECT_TIMEOUT,
                 max_redirects: int = defaults.MAX_REDIRECTS) -> httpx.AsyncClient:
    """The client downloads go through: routing, host gates, timeouts, redirects."""
    timeout = _timeout(read_timeout, connect_timeout)
    inner = _inner_client(httpx.AsyncClient, timeout=timeout,
                          limits=httpx.Limits(max_connections=None,
                                              max_keepalive_connections=20))
    return httpx.AsyncClient(transport=RoutingTransport(inner, router, hosts),
                             timeout=timeout, follow_redirects=True,
                             max_redirects=max_redirects,
                             headers={"User-Agent": defaults.USER_AGENT})


class _SyncRouting(httpx.BaseTransport):
    def __init__(self, inner: httpx.Client, router: Router) -> None:
        self.inner = inner
        self.router = router

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.router.check_hop(url, request.extensions.get(FIRST))
        inner = self.inner.send(_forward(request, self.router.target(url)), stream=True)
        return httpx.Response(inner.status_code, headers=inner.headers.raw,
                              stream=_SyncStream(inner), extensions=inner.extensions)

    def close(self) -> None:
        self.inner.close()


class _SyncStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.Response) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner.iter_raw()

    def close(self) -> None:
        self._inner.close()


def sync_client(router: Router, read_timeout: float | None = None) -> httpx.Client:
    """A blocking client for API calls: the same mirrors, proxies and redirect rules."""
    read = read_timeout if read_timeout is not None else defaults.API_TIMEOUT
    timeout = _timeout(read, min(defaults.CONNECT_TIMEOUT, read))
    inner = _inner_client(httpx.Client, timeout=timeout)
    return httpx.Client(transport=_SyncRouting(inner, router), timeout=timeout,
                        follow_redirects=True, max_redirects=defaults.MAX_REDIRECTS,
                        headers={"User-Agent": defaults.USER_AGENT})


def first_hop(url: str) -> dict[str, Any]:
    """Request extensions that let every later hop know where the chain began."""
    return {FIRST: url}
