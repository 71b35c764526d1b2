"""Shared fixtures: a small reading list, a CLI runner, paths into the repository."""

from __future__ import annotations

import itertools
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from sora_refs.readinglist.manifest import Manifest, load_manifest
from tests.httpserver import Host, Request, Resource
from tests.pdfs import pdf_for

# No example database in the checkout (or anywhere): the suite writes nothing there.
settings.register_profile("sora-refs", database=None)
settings.load_profile("sora-refs")

ROOT = Path(__file__).resolve().parent.parent
REAL_MANIFEST = ROOT / "refs.yaml"
SHARED = ROOT.parent / "shared"

SMALL_MANIFEST = """\
title: Tiny reading list
categories:
  - slug: basics
    en: Basics
    zh: 基础
    children:
      - slug: nets
        en: Networks
      - slug: diffusion
        en: Diffusion
  - slug: diffusion
    en: Diffusion at the top
references:
  - n: 1
    key: alpha2019first
    title: "First Paper: On Alphas & Betas"
    authors: [Ada Alpha, Bob Beta]
    year: 2019
    venue: NeurIPS
    arxiv: "1901.00001"
    urls: [https://papers.example.org/alpha.pdf, https://arxiv.org/pdf/1901.00001]
    category: basics/nets
    note: The first one.
  - n: 2
    key: gamma2021second
    title: Second Paper About Diffusion
    authors: [Cy Gamma]
    year: 2021
    venue: arXiv
    published: ICLR 2022
    arxiv: "2101.00002"
    urls: [https://arxiv.org/pdf/2101.00002]
    category: basics/diffusion
    note: The second one.
  - n: 3
    key: delta2021third
    title: Third Paper, Ünïcode Title
    authors: [Dora Délta, Ada Alpha, Eve Epsilon]
    year: 2021
    venue: CVPR
    urls: [https://cvf.example.org/third.pdf]
    category: diffusion
    note: The third one.
  - n: 4
    key: omega2023report
    title: A Technical Report
    authors: [Olga Omega]
    year: 2023
    venue: OpenAI
    urls: [https://cdn.example.com/report.pdf]
    category: basics
    note: The fourth one.
"""


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory,
               ) -> None:
    """Tests never see the developer's settings, colours, home or current folder.

    Each test runs in an empty folder of its own: a ``./papers`` left in the checkout
    by ``sora-refs fetch`` (the README's first command) must not change what the
    reading commands print, and no test may write into the checkout.
    """
    for var in ("SORA_REFS_MANIFEST", "SORA_REFS_DEST", "SORA_REFS_MIRRORS", "FORCE_COLOR",
                "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY",
                "https_proxy", "SORA_REFS_DEBUG", "SORA_REFS_EMAIL", "SORA_REFS_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SORA_REFS_CACHE", str(tmp_path_factory.mktemp("cache")))
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


_LOCAL = {"127.0.0.1", "localhost", "::1", None}


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any lookup of a real host name fails loudly: tests talk to loopback only."""
    real = socket.getaddrinfo

    def guarded(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host not in _LOCAL and not str(host).startswith("127."):
            raise OSError(f"test tried to reach {host!r}: use the loopback servers")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def small_manifest(tmp_path: Path) -> Path:
    p = tmp_path / "small.yaml"
    p.write_text(SMALL_MANIFEST, encoding="utf-8")
    return p


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment of a child ``python -m sora_refs``: the user's settings stay out,
    the test's own cache and home stay in, and the code is the checkout under test
    (children run in the test's own empty folder, not in the checkout)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SORA_REFS_") or k == "SORA_REFS_CACHE"}
    path = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.update({"NO_COLOR": "1", "COLUMNS": "100", "PYTHONIOENCODING": "utf-8",
                "PYTHONPATH": path})
    env.update(extra)
    return env


class Web:
    """One loopback :class:`~tests.httpserver.Host` per real host a manifest names."""

    def __init__(self) -> None:
        self.hosts: dict[str, Host] = {}

    def host(self, origin: str) -> Host:
        """The server standing in for ``origin`` (e.g. ``https://arxiv.org``)."""
        if origin not in self.hosts:
            self.hosts[origin] = Host(origin.split("//")[1])
        return self.hosts[origin]

    def serve(self, url: str, body: bytes, **kw: object) -> Resource:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.host(f"{parts.scheme}://{parts.netloc}").add(path, body, **kw)

    def resource(self, url: str) -> Resource:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.host(f"{parts.scheme}://{parts.netloc}").resources[path]

    def serve_manifest(self, manifest: Manifest, **kw: object) -> None:
        """Every URL of every reference serves that reference's generated PDF."""
        for ref in manifest.references:
            body = pdf_for(ref, **kw)
            for url in ref.urls:
                self.serve(url, body)

    def mirror_args(self) -> list[str]:
        args = []
        for origin, host in self.hosts.items():
            args += ["--mirror", f"{origin}={host.url}"]
        return args

    def requests(self) -> list[Request]:
        return sorted((r for h in self.hosts.values() for r in h.log), key=lambda r: r.start)

    def stop(self) -> None:
        for h in self.hosts.values():
            h.stop()


@pytest.fixture
def web() -> Iterator[Web]:
    w = Web()
    yield w
    w.stop()


@pytest.fixture(scope="session")
def real_manifest() -> Manifest:
    return load_manifest(REAL_MANIFEST)


@pytest.fixture
def arxiv(real_manifest: Manifest):  # type: ignore[no-untyped-def]
    """A loopback arXiv (API, e-prints) knowing the bundled list's papers and decoys."""
    from tests.arxiv_standin import DECOYS, StandIn, papers_of

    stand = StandIn(papers_of(real_manifest) + DECOYS)
    yield stand
    stand.stop()


def numbered_manifest(tmp_path: Path, count: int, url: str, title: str = "Paper {i}") -> Path:
    """A manifest of ``count`` one-category papers; ``url`` and ``title`` use ``{i}``."""
    refs = "\n".join(
        f"""  - n: {i}
    key: p{i}
    title: {title.format(i=i)}
    authors: [A B]
    year: 2020
    venue: arXiv
    urls: [{url.format(i=i)}]
    category: c
    note: x."""
        for i in range(1, count + 1))
    path = tmp_path / "numbered.yaml"
    path.write_text(f"categories:\n  - slug: c\n    en: C\nreferences:\n{refs}\n")
    return path


def assert_spaced(starts: list[float], delay: float, late: float = 0.25) -> None:
    """The client started these requests at least ``delay`` apart.

    A test server stamps a request when its thread gets to it, which under a loaded CI
    can be late by a good part of a second (CI once saw two starts 0.03 s apart with the
    client keeping 0.2 s). A late stamp shortens one gap and lengthens the next, so the
    sound check is that any k gaps together span at least k delays less one lateness,
    with the median gap near the delay; requests sent with no spacing fail both.
    """
    s = sorted(starts)
    for i, a in enumerate(s):
        for k, b in enumerate(s[i + 1:], start=1):
            assert b - a >= k * delay - late, (i, k, [round(x - s[0], 3) for x in s])
    gaps = [b - a for a, b in itertools.pairwise(s)]
    assert not gaps or sorted(gaps)[len(gaps) // 2] >= delay / 2, gaps
