"""Bounded calls to web APIs: a timeout per read, a deadline per call, a size cap.

The ``arxiv`` package asks the arXiv API through ``requests`` with no timeout
at all (a silent server hangs ``check`` for ever) and inflates a gzip answer in
memory whatever its size. :class:`HttpxAdapter` is a ``requests`` transport
adapter, the seam ``requests`` offers for exactly this, that sends every such
request through sora-refs' own httpx client instead: ``--mirror``, proxy
variables and redirect rules as for downloads, and the bounds below.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import requests
import requests.adapters
from requests.structures import CaseInsensitiveDict

from sora_refs import defaults
from sora_refs.errors import SoraRefsError
from sora_refs.net.mirrors import redact
from sora_refs.net.transport import first_hop, reason

if TYPE_CHECKING:
    import httpx


class ApiError(SoraRefsError):
    """An API could not be reached, or answered with an error or too much: the job
    could not be done (exit 1, as for a download that fails), not bad input."""

    @classmethod
    def unreachable(cls, name: str, endpoint: str, why: BaseException | str) -> ApiError:
        """'cannot reach the arXiv API at URL: the connection was refused (...). ...'"""
        said = why if isinstance(why, str) else reason(why)
        return cls(f"cannot reach {name} at {endpoint}: {said}. Check the connection, or "
                   "point --mirror at a reachable copy.")


def get_bounded(client: httpx.Client, url: str, headers: dict[str, str] | None = None,
                max_bytes: int | None = None,
                deadline: float | None = None) -> tuple[httpx.Response, bytes]:
    """GET ``url``, reading at most ``max_bytes`` once decompressed, in ``deadline`` s
    (by default ``defaults.API_MAX_BYTES`` and ``defaults.API_DEADLINE``).

    Raises:
        ApiError: too big or too slow (httpx's own errors pass through).
    """
    max_bytes = max_bytes if max_bytes is not None else defaults.API_MAX_BYTES
    deadline = deadline if deadline is not None else defaults.API_DEADLINE
    started = time.monotonic()
    with client.stream("GET", url, headers=headers or {}, extensions=first_hop(url)) as r:
        body = bytearray()
        for chunk in r.iter_bytes():  # decoded as it streams: a gzip bomb stops at the cap
            body += chunk
            if len(body) > max_bytes:
                raise ApiError(f"{redact(url)} answered more than {max_bytes:,} bytes "
                               "(decompressed); refusing the rest")
            if time.monotonic() - started > deadline:
                raise ApiError(f"{redact(url)} took more than {deadline:.0f} s to answer; "
                               "try again later or use --mirror")
    return r, bytes(body)


def requests_session(client: httpx.Client, max_bytes: int | None = None,
                     deadline: float | None = None) -> requests.Session:
    """A ``requests.Session`` whose every request goes through ``client``, bounded."""
    session = requests.Session()
    adapter = HttpxAdapter(client, max_bytes, deadline)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.trust_env = False  # httpx reads the proxy variables; requests must not
    return session


class HttpxAdapter(requests.adapters.BaseAdapter):
    """``requests`` in front, httpx behind: one network stack with one set of rules."""

    def __init__(self, client: httpx.Client, max_bytes: int | None,
                 deadline: float | None) -> None:
        super().__init__()
        self.client = client
        self.max_bytes = max_bytes
        self.deadline = deadline

    def send(self, request: Any, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> Any:
        import httpx

        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in ("accept-encoding", "connection", "content-length")}
        try:
            r, body = get_bounded(self.client, request.url, headers, self.max_bytes,
                                  self.deadline)
        except httpx.TimeoutException as exc:
            raise requests.exceptions.Timeout(f"no answer in time ({reason(exc)})",
                                              request=request) from None
        except httpx.HTTPError as exc:
            raise requests.exceptions.ConnectionError(reason(exc), request=request) from None
        response = requests.Response()
        response.status_code = r.status_code
        response.headers = CaseInsensitiveDict(
            {k: v for k, v in r.headers.items() if k.lower() != "content-encoding"})
        response._content = body
        response.url = str(r.url)
        response.reason = r.reason_phrase
        response.request = request
        response.encoding = r.encoding
        return response

    def close(self) -> None:
        pass
