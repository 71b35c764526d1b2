"""``sora-refs fetch``: plan, download, verify and file every reference.

Each reference walks through its candidate URLs until one yields a PDF that
verifies as that paper; only then does the file get its final name and a lock
entry. One reference failing never stops the others.
"""

from __future__ import annotations

import asyncio
import os
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sora_refs.errors import FetchError, SoraRefsError, VerificationError
from sora_refs.library.layout import (
    LockEntry,
    LockFile,
    inside,
    relative_path,
)
from sora_refs.net.download import Deferred, Engine, Options, pause
from sora_refs.net.hosts import Hosts
from sora_refs.net.mirrors import Mirror, host_of, is_arxiv, redact
from sora_refs.net.parts import part_path, sidecar_path
from sora_refs.readinglist.manifest import Manifest, Reference
from sora_refs.safefile import set_aside

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

    urls: list[str] = field(default_factory=list)  # a plan's URLs, in the order tried
    note: str | None = None  # something the person should know (a file moved aside)

    @property
    def ok(self) -> bool:
        return self.status in ("downloaded", "resumed", "present")

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.ref.n,
            "key": self.ref.key,
            "status": self.status,
            "path": str(self.path.absolute()) if self.path else None,
            "url": redact(self.url) if self.url else None,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "pages": self.pages,
            "attempts": self.attempts,
            "error": self.error,
            "urls": [redact(u) for u in self.urls],
            "note": self.note,
        }


class Events(Protocol):
    """What the CLI's progress display hears about; all methods are optional work."""

    def start(self, ref: Reference, url: str) -> None: ...
    def advance(self, ref: Reference, new_bytes: int, total: int | None, offset: int) -> None: ...
    def waiting(self, ref: Reference, seconds: float, why: str) -> None: ...
    def finish(self, outcome: Outcome) -> None: ...


class NoEvents:
    def start(self, ref: Reference, url: str) -> None: ...
    def waiting(self, ref: Reference, seconds: float, why: str) -> None: ...
    def advance(self, ref: Reference, new_bytes: int, total: int | None, offset: int) -> None: ...
    def finish(self, outcome: Outcome) -> None: ...


@dataclass
class Plan:
    """Where one reference goes and where it may come from (the manifest's URLs;
    ``--mirror`` applies when they are requested). ``problem``: why it cannot go
    anywhere (its folder is a symlink out of the library, say)."""

    ref: Reference
    final: Path
    relative: Path
    urls: list[str]
    problem: str | None = None


def candidate_urls(ref: Reference, prefer: str = "cited") -> list[str]:
    """The reference's URLs in the order to try them.

    ``cited`` keeps the manifest's order (the copy at the cited venue first);
    ``arxiv`` moves arXiv copies to the front.
    """
    urls = list(dict.fromkeys(ref.urls))
    if prefer == "arxiv":
        urls = [u for u in urls if is_arxiv(u)] + [u for u in urls if not is_arxiv(u)]
    return urls


def make_plans(manifest: Manifest, refs: Sequence[Reference], dest: Path,
               prefer: str) -> list[Plan]:
    plans = []
    for ref in refs:
        rel = relative_path(manifest, ref)
        try:
            final, problem = inside(dest, rel), None
        except SoraRefsError as exc:  # one reference's folder is bad, not the run
            final, problem = dest.absolute() / rel, str(exc)
        plans.append(Plan(ref, final, rel, candidate_urls(ref, prefer), problem))
    return plans


def trusted(plan: Plan, lock: LockFile, deep: bool) -> Outcome | None:
    """The outcome for a file already filed and recorded, without any network."""
    if plan.problem:
        return None
    entry = lock.get(plan.ref.key)
    if entry is None or not lock.trusts(plan.ref.key, plan.final):
        return None
    if deep:
        from sora_refs.pdf.verify import sha256_file, verify_file

        try:
            if sha256_file(plan.final) != entry.sha256:
                return None
            verify_file(plan.final, plan.ref)
        except (OSError, VerificationError):
            return None
    return Outcome(plan.ref, "present", plan.final, entry.url, entry.sha256, entry.bytes,
                   entry.pages, source=entry.url or None)


class Fetcher:
    """Runs the plans through the engine; ``outcomes`` fills in as references finish."""

    def __init__(self, engine: Engine, lock: LockFile, dest: Path,
                 events: Events | None = None, force: bool = False, deep: bool = False,
                 describe: Callable[[str], str] = host_of) -> None:
        self.engine = engine
        self.lock = lock
        self.dest = dest
        self.events = events or NoEvents()
        self.force = force
        self.deep = deep
        self.describe = describe  # a URL as the person knows its host (mirror, proxy)
        self.outcomes: dict[int, Outcome] = {}
        self.lock_error: str | None = None  # why the lock file could not be written
        self._dead_urls: set[str] = set()
        self._last_save = 0.0
        self._workers_started = False

    async def run(self, plans: Sequence[Plan]) -> list[Outcome]:
        self.lock.reserve(len(plans))
        try:
            await asyncio.gather(*(self._one(p) for p in plans))
        finally:
            self.save_lock()
            self.lock.unreserve()
        return [self.outcomes[p.ref.n] for p in plans]

    def queue(self) -> str:
        """What waits and why, for the live display: 'queued: arxiv.org 3 waiting, next
        request in 2 s; openreview.net 1 waiting'. Read from another thread: reads only."""
        now = time.monotonic()  # the event loop's clock
        parts = []
        for gate in list(self.engine.hosts.gates.values()):
            n = gate.conns.waiting
            if not n:
                continue
            part = f"{gate.host} {n} waiting"
            left = gate.next_start - now
            if gate.given_up:
                part += " (given up)"
            elif left >= 1:
                part += f", next request in {left:.0f} s"
            parts.append(part)
        return "queued: " + "; ".join(parts) if parts else ""

    def save_lock(self) -> None:
        """Write the lock; a failure (a full disk) is kept in ``lock_error``, not raised,
        so the outcomes still reach the person and the papers stay filed."""
        try:
            self.lock.save()
            self.lock_error = None
        except OSError as exc:
            self.lock_error = f"{exc.strerror or exc} ({exc.filename or self.lock.path})"

    def _record(self, outcome: Outcome) -> None:
        if outcome.status == "failed" and self.engine.hosts.down:
            # One cause, told once (with its evidence) instead of per reference and host.
            outcome.error = "not fetched: no host could be reached (offline, or blocked?)"
            outcome.tried = [outcome.error]
        self.outcomes[outcome.ref.n] = outcome
        self.events.finish(outcome)
        now = time.monotonic()
        if now - self._last_save >= LOCK_SAVE_INTERVAL:
            self.save_lock()
            self._last_save = now

    async def _one(self, plan: Plan) -> None:
        """One reference, whatever happens: its fault boundary.

        Any exception, expected or not, ends this reference as ``failed`` with a
        reason and leaves the others running; only cancellation (Ctrl-C) passes.
        """
        started = time.monotonic()
        try:
            outcome = await self._fetch(plan)
        except Exception as exc:
            outcome = Outcome(plan.ref, "failed", error=f"internal error: {type(exc).__name__}: "
                              f"{exc} (a bug in sora-refs; please report it)")
            outcome.tried = [outcome.error or ""]
        outcome.seconds = time.monotonic() - started
        self._record(outcome)

    async def _fetch(self, plan: Plan) -> Outcome:
        if plan.problem:
            return Outcome(plan.ref, "failed", error=plan.problem, tried=[plan.problem])
        if not self.force:
            present = trusted(plan, self.lock, self.deep) or await self._adopt(plan)
            if present:
                return present
        reasons: list[str] = []
        refused: list[str] = []
        deferred: list[tuple[str, Deferred]] = []
        attempts = 0
        for i, url in enumerate(plan.urls):
            if url in self._dead_urls:
                reasons.append(f"{host_of(url)}: failed earlier in this run")
                continue
            try:
                outcome = await self._from(plan, url, deferrable=i + 1 < len(plan.urls))
            except Deferred as exc:
                deferred.append((url, exc))
                reasons.append(f"{self.describe(url)}: {exc}")
                continue
            except (FetchError, OSError) as exc:
                attempts += 1
                reasons.append(self._reason(url, exc))
                if isinstance(exc, VerificationError):
                    refused.append(f"{host_of(url)}'s copy was refused ({exc})")
                continue
            outcome.attempts += attempts
            outcome.tried = reasons
            if refused:  # a venue copy that was not the paper: said, not silently skipped
                outcome.note = "; ".join([*refused, f"took {host_of(url)}'s instead",
                                          *([outcome.note] if outcome.note else [])])
            return outcome
        # Only now come back to URLs whose server asked for a long pause.
        for url, wait in deferred:
            await pause(self.engine.gate(url).wait_left(), f"{host_of(url)} asked to wait "
                        f"({wait})", lambda s, why: self.events.waiting(plan.ref, s, why))
            try:
                outcome = await self._from(plan, url, deferrable=False)
            except (FetchError, OSError) as exc:
                attempts += 1
                reasons.append(self._reason(url, exc))
                continue
            outcome.attempts += attempts
            outcome.tried = reasons
            return outcome
        if not plan.urls:
            reasons.append("the list gives no URL for it: add one to its urls, or file a "
                           "copy you have with `sora-refs import FILE`")
        return Outcome(plan.ref, "failed", error="; ".join(reasons), attempts=attempts,
                       tried=reasons)

    def _reason(self, url: str, exc: Exception) -> str:
        if isinstance(exc, FetchError):
            if not exc.retry:
                self._dead_urls.add(url)
            return f"{self.describe(url)}: {exc}"
        assert isinstance(exc, OSError)  # filing it failed: a full disk, a symlink
        where = f" ({exc.filename})" if exc.filename else ""
        return f"cannot file it: {exc.strerror or exc}{where}"

    async def _adopt(self, plan: Plan) -> Outcome | None:
        """A file at the final name that the lock does not vouch for: verify it locally.

        A symlink is never adopted (the library holds files, and a link may point
        anywhere); like any file that is not the paper, it is moved aside later.
        """
        if plan.final.is_symlink() or not plan.final.is_file():
            return None
        from sora_refs.pdf.verify import sha256_file, verify_file

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

    async def _from(self, plan: Plan, url: str, deferrable: bool) -> Outcome:
        def sink(new: int, total: int | None, offset: int) -> None:
            if not self._workers_started:
                self._start_workers()
            self.events.advance(plan.ref, new, total, offset)

        def waiter(seconds: float, why: str) -> None:
            self.events.waiting(plan.ref, seconds, why)

        self.events.start(plan.ref, url)  # the host the URL names, not its --mirror
        got = await self.engine.download(url, plan.final, sink, deferrable, waiter)
        from sora_refs.pdf.verify import verify_file  # not before the first request

        part = part_path(plan.final)
        try:
            verified = await asyncio.to_thread(verify_file, part, plan.ref)
        except VerificationError as exc:
            _remove(part, sidecar_path(plan.final))
            raise VerificationError(f"{exc}; the download was deleted", url=url) from None
        note = self._make_room(plan)
        os.replace(part, plan.final)
        _remove(sidecar_path(plan.final))
        st = plan.final.stat()
        # The lock names the copy as the list does (a venue's or arXiv's URL), not the
        # --mirror it came through, so a re-run says where the paper is from.
        self.lock.put(plan.ref.key, LockEntry.now(
            plan.ref.n, plan.relative.as_posix(), got.sha256, got.size, verified.pages,
            redact(url), st.st_mtime_ns))
        return Outcome(plan.ref, "resumed" if got.resumed else "downloaded", plan.final,
                       redact(self.engine.router.target(url)), got.sha256, got.size,
                       verified.pages, attempts=got.attempts, source=url, note=note)

    def _start_workers(self) -> None:
        """Start the PDF readers once the first response is coming in: while the
        first file arrives, not when it is done, and not before the first requests
        are out (each reader is a Python importing pypdf; started earlier, they
        compete with the first requests for the CPU and delay them by 0.1 s)."""
        from sora_refs.pdf.reader import pool

        self._workers_started = True
        pool().warm()

    def _make_room(self, plan: Plan) -> str | None:
        """Move aside whatever holds the final name, unless it is the file the lock
        recorded (ours, unchanged since): a person's file is never replaced."""
        final = plan.final
        try:
            st = os.lstat(final)
        except FileNotFoundError:
            return None
        if stat.S_ISREG(st.st_mode) and self.lock.trusts(plan.ref.key, final):
            return None
        kept = set_aside(final)
        return f"the file that was at {final.name} is not this paper; moved it to {kept.name}"


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


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
    from sora_refs.net.transport import Router, async_client

    router = Router(mirrors)
    hosts = Hosts(options.per_host, options.delay, options.jobs)
    own_client = client is None
    client = client or async_client(router, hosts, options.read_timeout,
                                    options.connect_timeout, options.max_redirects)
    try:
        engine = Engine(client, options, hosts, router)
        engine.expected_hosts = len({host_of(u) for p in plans for u in p.urls})
        fetcher = Fetcher(engine, lock, dest, events, force, deep, router.describe)
        if on_fetcher:
            on_fetcher(fetcher)
        return await fetcher.run(plans)
    finally:
        if own_client:
            await client.aclose()
