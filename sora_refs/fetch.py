"""``sora-refs fetch``: plan, download, verify and file every reference.

Each reference walks through its candidate URLs until one yields a PDF that
verifies as that paper; only then does the file get its final name and a lock
entry. One reference failing never stops the others.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sora_refs import defaults
from sora_refs.download import Engine, Options
from sora_refs.errors import FetchError, VerificationError
from sora_refs.library import (
    LockEntry,
    LockFile,
    inside,
    part_path,
    relative_path,
    sidecar_path,
)
from sora_refs.manifest import Manifest, Reference
from sora_refs.sources import Mirror, candidate_urls, host_of, rewrite
from sora_refs.verify import sha256_file, verify_file

# Save the lock at most this often while downloading (and always at the end), so a
# library of thousands of papers does not rewrite it thousands of times.
LOCK_SAVE_INTERVAL = 1.0


@dataclass
class Outcome:
    """What happened to one reference; the JSON shape of ``fetch --json``."""

    ref: Reference
    status: str
    path: Path | None = None
    url: str | None = None
    sha256: str | None = None
    bytes: int | None = None
    pages: int | None = None
    attempts: int = 0
    error: str | None = None
    seconds: float = 0.0
    tried: list[str] = field(default_factory=list)
    source: str | None = None  # the manifest's URL behind ``url`` (before --mirror)

    @property
    def ok(self) -> bool:
        return self.status in ("downloaded", "resumed", "present")

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.ref.n,
            "key": self.ref.key,
            "status": self.status,
            "path": str(self.path) if self.path else None,
            "url": self.url,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "pages": self.pages,
            "attempts": self.attempts,
            "error": self.error,
        }


class Events(Protocol):
    """What the CLI's progress display hears about; all methods are optional work."""

    def start(self, ref: Reference, url: str) -> None: ...
    def advance(self, ref: Reference, new_bytes: int, total: int | None, offset: int) -> None: ...
    def finish(self, outcome: Outcome) -> None: ...


class NoEvents:
    def start(self, ref: Reference, url: str) -> None:
        pass

    def advance(self, ref: Reference, new_bytes: int, total: int | None, offset: int) -> None:
        pass

    def finish(self, outcome: Outcome) -> None:
        pass


@dataclass
class Plan:
    """Where one reference goes and where it may come from."""

    ref: Reference
    final: Path
    relative: Path
    urls: list[str]
    origins: dict[str, str] = field(default_factory=dict)  # rewritten URL -> manifest URL


def make_plans(manifest: Manifest, refs: Sequence[Reference], dest: Path, prefer: str,
               mirrors: list[Mirror]) -> list[Plan]:
    plans = []
    for ref in refs:
        rel = relative_path(manifest, ref)
        final = inside(dest, rel)
        origins = {rewrite(u, mirrors): u for u in candidate_urls(ref, prefer)}
        plans.append(Plan(ref, final, rel, list(origins), origins))
    return plans


def trusted(plan: Plan, lock: LockFile, deep: bool) -> Outcome | None:
    """The outcome for a file already filed and recorded, without any network."""
    entry = lock.get(plan.ref.key)
    if entry is None or not lock.trusts(plan.ref.key, plan.final):
        return None
    if deep:
        try:
            if sha256_file(plan.final) != entry.sha256:
                return None
            verify_file(plan.final, plan.ref)
        except (OSError, VerificationError):
            return None
    return Outcome(plan.ref, "present", plan.final, entry.url, entry.sha256, entry.bytes,
                   entry.pages)


class Fetcher:
    """Runs the plans through the engine; ``outcomes`` fills in as references finish."""

    def __init__(self, engine: Engine, lock: LockFile, dest: Path,
                 events: Events | None = None, force: bool = False, deep: bool = False) -> None:
        self.engine = engine
        self.lock = lock
        self.dest = dest
        self.events = events or NoEvents()
        self.force = force
        self.deep = deep
        self.outcomes: dict[int, Outcome] = {}
        self._dead_urls: set[str] = set()
        self._last_save = 0.0

    async def run(self, plans: Sequence[Plan]) -> list[Outcome]:
        try:
            await asyncio.gather(*(self._one(p) for p in plans))
        finally:
            self.lock.save()
        return [self.outcomes[p.ref.n] for p in plans]

    def _record(self, outcome: Outcome) -> None:
        self.outcomes[outcome.ref.n] = outcome
        self.events.finish(outcome)
        now = time.monotonic()
        if now - self._last_save >= LOCK_SAVE_INTERVAL:
            self.lock.save()
            self._last_save = now

    async def _one(self, plan: Plan) -> None:
        started = time.monotonic()
        if not self.force:
            present = trusted(plan, self.lock, self.deep) or await self._adopt(plan)
            if present:
                self._record(present)
                return
        reasons: list[str] = []
        attempts = 0
        for url in plan.urls:
            if url in self._dead_urls:
                reasons.append(f"{host_of(plan.origins.get(url, url))}: failed earlier "
                               "in this run")
                continue
            self.events.start(plan.ref, url)
            try:
                outcome = await self._from(plan, url)
            except FetchError as exc:
                attempts += 1
                reasons.append(f"{host_of(plan.origins.get(url, url))}: {exc}")
                if not exc.retry:
                    self._dead_urls.add(url)
                continue
            except OSError as exc:  # filing it failed: a full disk, a vanished folder
                attempts += 1
                where = f" ({exc.filename})" if exc.filename else ""
                reasons.append(f"cannot file it: {exc.strerror or exc}{where}")
                continue
            outcome.attempts += attempts
            outcome.seconds = time.monotonic() - started
            outcome.tried = reasons
            outcome.source = plan.origins.get(url, url)
            self._record(outcome)
            return
        if not plan.urls:
            reasons.append("the manifest lists no URL for it")
        self._record(Outcome(plan.ref, "failed", error="; ".join(reasons), attempts=attempts,
                             seconds=time.monotonic() - started, tried=reasons))

    async def _adopt(self, plan: Plan) -> Outcome | None:
        """A file at the final name that the lock does not vouch for: verify it locally."""
        if not plan.final.is_file():
            return None
        try:
            verified = await asyncio.to_thread(verify_file, plan.final, plan.ref)
            digest = await asyncio.to_thread(sha256_file, plan.final)
        except (OSError, VerificationError):
            return None  # replaced by a verified download below; never trusted as is
        st = plan.final.stat()
        prev = self.lock.get(plan.ref.key)
        self.lock.put(plan.ref.key, LockEntry.now(
            plan.ref.n, plan.relative.as_posix(), digest, st.st_size, verified.pages,
            prev.url if prev else "", st.st_mtime_ns))
        return Outcome(plan.ref, "present", plan.final, prev.url if prev else None, digest,
                       st.st_size, verified.pages)

    async def _from(self, plan: Plan, url: str) -> Outcome:
        def sink(new: int, total: int | None, offset: int) -> None:
            self.events.advance(plan.ref, new, total, offset)

        from sora_refs.pdfcheck import pool

        # Workers start while the first bytes arrive, not when the first file is done.
        pool().warm()
        got = await self.engine.download(url, plan.final, sink)
        part = part_path(plan.final)
        try:
            verified = await asyncio.to_thread(verify_file, part, plan.ref)
        except VerificationError as exc:
            _remove(part, sidecar_path(plan.final))
            raise VerificationError(f"{exc}; the download was deleted", url=url) from None
        os.replace(part, plan.final)
        _remove(sidecar_path(plan.final))
        st = plan.final.stat()
        self.lock.put(plan.ref.key, LockEntry.now(
            plan.ref.n, plan.relative.as_posix(), got.sha256, got.size, verified.pages, url,
            st.st_mtime_ns))
        return Outcome(plan.ref, "resumed" if got.resumed else "downloaded", plan.final, url,
                       got.sha256, got.size, verified.pages, attempts=got.attempts)


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def make_client(options: Options) -> Any:
    """The httpx client every request goes through: timeouts, no implicit redirects."""
    import httpx

    timeout = httpx.Timeout(connect=options.connect_timeout, read=options.read_timeout,
                            write=options.read_timeout, pool=None)
    return httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=False,  # redirects are followed by the engine, through --mirror
        headers={"User-Agent": defaults.USER_AGENT},
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=20),
        trust_env=True,
    )


async def fetch(plans: Sequence[Plan], dest: Path, options: Options, mirrors: list[Mirror],
                events: Events | None = None, force: bool = False, deep: bool = False,
                client: Any = None,
                on_fetcher: Callable[[Fetcher], None] | None = None) -> list[Outcome]:
    """Fetch every plan; the caller holds the destination's run lock.

    ``on_fetcher`` receives the :class:`Fetcher` before work starts, so a caller
    interrupted midway can still read the outcomes gathered so far.
    """
    lock = LockFile(dest).load()
    if not force and not deep:
        # The common re-run: everything already filed. No client, no httpx import.
        known = [trusted(p, lock, deep=False) for p in plans]
        if all(known):
            done = [o for o in known if o is not None]
            for o in done:
                (events or NoEvents()).finish(o)
            return done
    own_client = client is None
    client = client or make_client(options)
    try:
        fetcher = Fetcher(Engine(client, options, mirrors), lock, dest, events, force, deep)
        if on_fetcher:
            on_fetcher(fetcher)
        return await fetcher.run(plans)
    finally:
        if own_client:
            await client.aclose()
