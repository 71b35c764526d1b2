"""The verified TLS context every connection uses, built in a thread from the start.

Loading the certificate authorities (certifi's bundle, or ``SSL_CERT_FILE`` /
``SSL_CERT_DIR`` as httpx reads them) takes 30 to 50 ms, and OpenSSL does it without
holding the GIL: started as a command begins, it is ready by the time the imports of
the download engine are done, instead of adding to the wait before the first request.
The context is what httpx would build itself (:func:`httpx.create_ssl_context` with
``verify=True``), given to it ready-made.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from sora_refs.errors import UsageError

if TYPE_CHECKING:
    import ssl

_lock = threading.Lock()
_thread: threading.Thread | None = None
_made: list[ssl.SSLContext] = []
_failed: list[BaseException] = []


def _build() -> None:
    import ssl

    try:
        if os.environ.get("SSL_CERT_FILE"):
            ctx = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
        elif os.environ.get("SSL_CERT_DIR"):
            ctx = ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
        else:
            import certifi

            ctx = ssl.create_default_context(cafile=certifi.where())
        _made.append(ctx)
    except (OSError, ValueError, ssl.SSLError) as exc:
        _failed.append(exc)


def warm() -> None:
    """Start building the context (once per process); returns at once."""
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_build, name="sora-refs-tls", daemon=True)
            _thread.start()


def context() -> ssl.SSLContext:
    """The context, waiting for the thread if it is still at work.

    Raises:
        UsageError: ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` names no usable certificates.
    """
    warm()
    assert _thread is not None
    _thread.join()
    if _failed:
        where = next((f"{v}={os.environ[v]}" for v in ("SSL_CERT_FILE", "SSL_CERT_DIR")
                      if os.environ.get(v)), "certifi's bundle")
        raise UsageError(f"the certificate authorities in {where} cannot be loaded "
                         f"({_failed[0]}); fix or unset the variable.")
    return _made[0]
