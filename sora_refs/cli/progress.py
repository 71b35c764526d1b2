"""Fetch progress on stderr: one line per finished reference when stderr is a log or
a pipe (:class:`LineEvents`), a live rich display on a terminal (:class:`RichEvents`).
Both take the same events from the fetch engine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group

from sora_refs.cli.screen import text
from sora_refs.cli.tables import human_bytes
from sora_refs.readinglist.manifest import Reference
from sora_refs.text import middle, printable

if TYPE_CHECKING:
    from rich.text import Text


class LineEvents:
    """Progress for a log or a pipe: one line per finished reference, no animation."""

    def __init__(self, console: Any, total: int) -> None:
        self.console = console
        self.total = total
        self.done = 0

    def start(self, ref: Reference, url: str) -> None:
        pass

    def advance(self, ref: Reference, new_bytes: int, total: int | None, offset: int) -> None:
        pass

    def waiting(self, ref: Reference, seconds: float, why: str) -> None:
        self.console.file.write(printable(f"  waiting {_seconds(seconds)}: {why} "
                                          f"(for {ref.n}. {ref.short_title(40)})") + "\n")
        self.console.file.flush()

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
        self.console.file.write(
            f"[{self.done:>{len(str(self.total))}}/{self.total}] {o.status:<10} "
            f"{o.ref.n}. {o.ref.short_title(50)}" + (f" ({detail})" if detail else "") + "\n")
        self.console.file.flush()


class RichEvents:
    """A live display on a terminal: the overall bar, one line per download that is
    receiving bytes, and one line for what waits and why ("arxiv.org: 3 waiting,
    next request in 2 s"). Narrow terminals get fewer columns, never squeezed ones."""

    def __init__(self, console: Any, total: int) -> None:
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

        self.narrow = console.width < 80
        columns: list[ProgressColumn] = [
            TextColumn("{task.description}", markup=False, table_column=None),
            BarColumn(bar_width=8 if self.narrow else 20), DownloadColumn()]
        if not self.narrow:
            columns += [TransferSpeedColumn(), TimeRemainingColumn()]
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

        title = printable(ref.short_title(18 if self.narrow else 30))
        host = middle(urlsplit(url).hostname or "", 14 if self.narrow else 22)
        self._labels[ref.n] = f"{ref.n:>2}. {title}" + ("" if self.narrow else f"  {host}")
        task = self._tasks.pop(ref.n, None)
        if task is not None:  # the next URL after a failed one
            self.progress.remove_task(task)

    def waiting(self, ref: Reference, seconds: float, why: str) -> None:
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


class _QueueLine:
    """The line under the downloads: what is queued and why (empty when nothing is)."""

    def __init__(self) -> None:
        self.source: Any = None

    def __rich__(self) -> Text:
        line = self.source() if self.source is not None else ""
        return text(line, style="dim", no_wrap=True, overflow="ellipsis")


# ---------------------------------------------------------------- verify and import


def _seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
