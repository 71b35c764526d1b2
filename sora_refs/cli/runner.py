"""Running a fetch for ``fetch`` and ``verify --fix``: the run lock, SIGTERM as Ctrl-C,
progress on stderr, dry runs, the summary, and the advice printed after it."""

# No ``from __future__ import annotations`` here: typer would then evaluate every
# option's annotation string of every command at each start (7 ms of a 100 ms budget).
import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sora_refs import defaults
from sora_refs.cli.base import (
    print_view,
    stderr_console,
    view_width,
    warn,
    write_out,
)


class FetchRun:
    """What a fetch came to, and what the person should hear about it afterwards."""

    def __init__(self, outcomes: list[Any], interrupted: bool = False,
                 down: str | None = None, lock_error: str | None = None,
                 given_up: dict[str, str] | None = None) -> None:
        self.outcomes = outcomes
        self.interrupted = interrupted
        self.down = down
        self.lock_error = lock_error
        self.given_up = given_up or {}

    def advise(self) -> None:
        """After the summary, so it is the last thing on the screen."""
        if self.down:
            warn(offline_advice(self.down))
        for host, why in self.given_up.items():
            failed = sum(1 for o in self.outcomes if o is not None and o.status == "failed"
                         and f"gave up on {host}" in (o.error or ""))
            if failed:
                warn(given_up_advice(host, why, failed))
        if self.lock_error:
            warn(f"Warning: the lock file could not be written: {self.lock_error}. The "
                  "papers listed as downloaded are filed and complete; the next run verifies "
                  "them again instead of trusting them.")


def execute_fetch(plans: list[Any], dest: Path, options: Any, mirrors: list[Any],
                   force: bool, deep: bool) -> FetchRun:
    """Run the fetch engine under the destination's run lock, with progress on stderr."""
    import asyncio

    from sora_refs.library import fetch as fetch_mod
    from sora_refs.library.layout import run_lock

    holder: list[fetch_mod.Fetcher] = []
    with run_lock(dest, defaults.LOCK_WAIT), sigterm_as_interrupt():
        events, live = progress_events(len(plans))
        try:
            with live:
                outcomes = asyncio.run(fetch_mod.fetch(
                    plans, dest, options, mirrors, events, force=force, deep=deep,
                    on_fetcher=lambda f: (holder.append(f), _attach(events, f.queue))))
        except KeyboardInterrupt:
            done = holder[0].outcomes if holder else {}
            if holder:
                holder[0].save_lock()  # what finished stays recorded
                holder[0].lock.unreserve()
            return FetchRun([done.get(p.ref.n) or fetch_mod.Outcome(p.ref, "interrupted")
                         for p in plans], interrupted=True,
                        lock_error=holder[0].lock_error if holder else None)
    if not holder:  # everything was already filed: no engine ran
        return FetchRun(outcomes)
    hosts = holder[0].engine.hosts
    return FetchRun(outcomes, down=hosts.down, lock_error=holder[0].lock_error,
                    given_up=hosts.given_up())


def _attach(events: Any, queue: Callable[[], str]) -> None:
    if hasattr(events, "attach"):
        events.attach(queue)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a closed terminal, `kill`, a service manager) ends a fetch as Ctrl-C
    does: finished papers keep their lock entries, the summary is printed."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except (ValueError, OSError):  # not the main thread, or no such signal here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def offline_advice(why: str) -> str:
    return (
        f"No host could be reached ({why}). This machine looks offline, or a firewall or "
        "proxy blocks it. If you need a proxy, set HTTPS_PROXY=http://host:port (or "
        "ALL_PROXY=socks5://host:port); if the sites are blocked, point --mirror at copies "
        "you can reach (e.g. --mirror https://arxiv.org=https://mirror.example.edu/arxiv); "
        "or download the PDFs in a browser and file them with `sora-refs import "
        "~/Downloads`, which identifies each one.")


def given_up_advice(host: str, why: str, failed: int) -> str:
    """What to do about a host that stopped answering well mid-run (the network as a
    whole was there: other hosts answered)."""
    from sora_refs.text import plural

    return (
        f"Gave up on {host} for the rest of this run: {why}. "
        + f"{plural(failed, 'reference')} failed because of it. "
        + f"If {host} is slow or blocked from here, run the same command again later (what "
        "arrived is kept and resumes); if you need a proxy, set HTTPS_PROXY=http://host:port; "
        f"point --mirror at a copy you can reach (--mirror https://{host}=https://mirror."
        "example.edu/...); or download the PDFs in a browser and file them with `sora-refs "
        "import ~/Downloads`, which identifies each one.")


def progress_events(total: int) -> tuple[Any, Any]:
    """Live progress on a terminal, one line per reference otherwise (decided without
    rich, which only the live display needs)."""
    import sys

    from sora_refs.cli.progress import LineEvents, RichEvents
    from sora_refs.cli.tables import Terminal

    if Terminal.of(sys.stderr).live:
        live = RichEvents(stderr_console(), total)
        return live, live
    return LineEvents(sys.stderr, total), contextlib.nullcontext()


def dry_run_outcomes(plans: list[Any], dest: Path, deep: bool, mirrors: list[Any]) -> list[Any]:
    from sora_refs.library.fetch import Outcome, trusted
    from sora_refs.library.layout import LockFile
    from sora_refs.net.mirrors import redact, rewrite

    lock = LockFile(dest).load()
    out = []
    for p in plans:
        present = trusted(p, lock, deep)
        if present:
            out.append(present)
        else:
            urls = [rewrite(u, mirrors) for u in p.urls]
            o = Outcome(p.ref, "planned", p.final, urls=urls)
            o.tried = [f"into {p.relative.as_posix()}", *(f"try {redact(u)}" for u in urls)]
            if p.problem:
                o.status, o.error, o.tried = "failed", p.problem, [p.problem]
            out.append(o)
    return out


def report(outcomes: list[Any], started: float, dest: Path, as_json: bool) -> None:
    import json
    import time

    if as_json:
        write_out(json.dumps([o.as_dict() for o in outcomes], indent=2) + "\n")
        return
    from sora_refs.cli.render import fetch_summary

    print_view(fetch_summary(outcomes, time.monotonic() - started, str(dest),
                         view_width()))
