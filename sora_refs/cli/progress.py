"""Fetch progress on stderr: one line per finished reference when stderr is a log or
a pipe (:class:`LineEvents`), a live rich display on a terminal (:class:`RichEvents`).
Both take the same events from the fetch engine.

Rich is imported only for the live display: a fetch whose stderr is a log sends its
first request without it (rich's console is 25 ms of a start-up every run pays).
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from sora_refs.cli.tables import human_bytes
from sora_refs.readinglist.manifest import Reference
from sora_refs.text import middle, printable

if TYPE_CHECKING:
    from rich.text import Text


class LineEvents:
    """Progress for a log or a pipe: one line per finished reference, no animation."""

    def __init__(self, out: IO[str], total: int) -> None:
        self.out = out
        self.total = total
        self.done = 0

    def start(self, ref: Reference, url: str) -> None:
        pass

    def advance(self, ref: Reference, new_bytes: int, total: int | None, offset: int) -> None:
        pass

    def waiting(self, ref: Reference, seconds: float, why: str) -> None:
        self.out.write(printable(f"  waiting {_seconds(seconds)}: {why} "
                                 f"(for {ref.n}. {ref.short_title(40)})") + "\n")
        self.out.flush()

    def finish(self, outcome: Any) -> None:
        self.done += 1
        o = outcome
        if o.status == "failed":
            detail = printable(o.error or "")
        elif o.pages:
            detail = f"{human_bytes(o.bytes)}, {o.pages} page{'s' if o.pages != 1 else ''}"
        else:
            detail = ""
        # Plain writes: rich's layout engine is wasted on one log line per paper.
        self.out.write(
            f"[{self.done:>{len(str(self.total))}}/{self.total}] {o.status:<10} "
            f"{o.ref.n}. {o.ref.short_title(50)}" + (f" ({detail})" if detail else "") + "\n")
        self.out.flush()


class RichEvents:
    """A live display on a terminal: the overall bar, one line per download that is
    receiving bytes, and one line for what waits and why ("arxiv.org: 3 waiting,
    next request in 2 s"). Narrow terminals get fewer columns, never squeezed ones."""

    def __init__(self, console: Any, total: int) -> None:
        from rich.console import Group
        from rich.live import Live
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.table import Column

        self.narrow = console.width < 80
        room = _Room(console.width)
        self.title_width, self.host_width = room.title, room.host
        columns: list[ProgressColumn] = [
            TextColumn("{task.description}", markup=False,
                       table_column=Column(no_wrap=True, overflow="ellipsis")),
            BarColumn(bar_width=room.bar),
            DownloadColumn(table_column=Column(no_wrap=True, min_width=_BYTES))]
        if not self.narrow:
            columns += [TransferSpeedColumn(table_column=Column(no_wrap=True,
                                                                min_width=_SPEED)),
                        TimeRemainingColumn(table_column=Column(no_wrap=True))]
        self.progress = Progress(*columns, console=console, transient=True)
        self.overall = Progress(TextColumn("{task.description}", style="bold", markup=False),
                                BarColumn(), MofNCompleteColumn(), console=console)
        self._overall_task = self.overall.add_task("references", total=total)
        self._tasks: dict[int, Any] = {}
        self._labels: dict[int, str] = {}
        self.queue = _QueueLine()
        self.live = Live(Group(self.overall, self.progress, self.queue), console=console,
                         refresh_per_second=8, transient=True)

    def __enter__(self) -> RichEvents:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.live.__exit__(*exc)

    def attach(self, queue: Any) -> None:
        """``queue()`` says what waits and why; the display asks it at each refresh."""
        self.queue.source = queue

    def start(self, ref: Reference, url: str) -> None:
        """A reference is about to ask ``url``; its line appears when bytes arrive."""
        from urllib.parse import urlsplit

        title = printable(ref.short_title(self.title_width))
        host = middle(urlsplit(url).hostname or "", self.host_width) if self.host_width else ""
        self._labels[ref.n] = f"{ref.n:>2}. {title:<{self.title_width}}" + (
            f"  {host}" if host else "")
        task = self._tasks.pop(ref.n, None)
        if task is not None:  # the next URL after a failed one
            self.progress.remove_task(task)

    def waiting(self, ref: Reference, seconds: float, why: str) -> None:
        from sora_refs.cli.screen import text

        self.progress.console.print(text(f"waiting {_seconds(seconds)}: {why}",
                                         style="dim"))

    def advance(self, ref: Reference, new_bytes: int, total: int | None, offset: int) -> None:
        task = self._tasks.get(ref.n)
        if task is None:
            label = self._labels.get(ref.n, f"{ref.n:>2}.")
            task = self._tasks[ref.n] = self.progress.add_task(label, total=total)
        if total is not None or offset:
            self.progress.update(task, total=total, completed=offset or None)
        if new_bytes:
            self.progress.advance(task, new_bytes)

    def finish(self, outcome: Any) -> None:
        task = self._tasks.pop(outcome.ref.n, None)
        self._labels.pop(outcome.ref.n, None)
        if task is not None:
            self.progress.remove_task(task)
        self.overall.advance(self._overall_task)


def _seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


_BYTES = 14  # "123.4/567.8 MB", the widest a download column gets
_SPEED = 10  # "123.4 MB/s"
_ETA = 7     # "0:01:23"


class _Room:
    """How a download line spends the terminal's width: the byte counts, speed and time
    left whole (they never wrap onto a second line), then the bar, then the title, and
    the host only where there is room for it too."""

    def __init__(self, width: int) -> None:
        narrow = width < 80
        self.bar = 8 if narrow else 20 if width >= 120 else 12
        fixed = self.bar + _BYTES + (0 if narrow else _SPEED + _ETA + 2) + 2  # + spaces
        label = max(12, width - fixed - 1)  # what is left for "nn. title  host"
        self.host = 22 if label >= 4 + 30 + 2 + 22 else 0
        self.title = max(8, min(60, label - 4 - (self.host + 2 if self.host else 0)))


class _QueueLine:
    """The line under the downloads: what is queued and why (empty when nothing is)."""

    def __init__(self) -> None:
        self.source: Any = None

    def __rich__(self) -> Text:
        from sora_refs.cli.screen import text

        line = self.source() if self.source is not None else ""
        return text(line, style="dim", no_wrap=True, overflow="ellipsis")


# ---------------------------------------------------------------- verify and import
