"""Rich renderables for the terminal: the detail view, the mind-map tree, fetch progress
and the tables of fetch, verify, import and check.

``list`` and ``stats`` are drawn by :mod:`sora_refs.tables`, without rich, for speed.

Functions here build renderables and return them; :mod:`sora_refs.cli` decides
which console they go to.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from sora_refs.manifest import Category, Manifest, Reference
from sora_refs.tables import STATUS_STYLE, human_bytes
from sora_refs.text import printable


def reference_detail(ref: Reference, manifest: Manifest) -> Table:
    chain = manifest.category_chain(ref.category)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("Number", str(ref.n))
    grid.add_row("Key", ref.key)
    grid.add_row("Title", Text(ref.title, style="bold"))
    grid.add_row("Authors", ", ".join(ref.authors))
    grid.add_row("Cited as", f"{ref.venue} {ref.year}")
    grid.add_row("Published", ref.published_where)
    grid.add_row("arXiv", ref.arxiv or "—")
    grid.add_row("Category", " › ".join(
        f"{c.en} ({c.zh})" if c.zh else c.en for c in chain) + f"  [{ref.category}]")
    grid.add_row("Why cited", ref.note)
    grid.add_row("PDF", "\n".join(ref.urls))
    return grid


def tree_view(manifest: Manifest, refs: Sequence[Reference], prune: bool = False) -> Tree:
    """The mind map as a rich tree; ``prune`` drops empty categories."""
    def count(cat: Category) -> int:
        return sum(1 for r in refs
                   if r.category == cat.path or r.category.startswith(cat.path + "/"))

    root = Tree(Text(f"{manifest.title} ({len(refs)})", style="bold"))

    def add(parent: Tree, cat: Category) -> None:
        if prune and not count(cat):
            return
        label = Text(cat.en, style="bold")
        if cat.zh:
            label.append(f" {cat.zh}", style="dim")
        label.append(f" ({count(cat)})")
        node = parent.add(label)
        for child in cat.children:
            add(node, child)
        for r in refs:
            if r.category == cat.path:
                node.add(Text(f"{r.n}. {r.title} — {r.first_author_surname} {r.year}, {r.venue}"))

    for block in manifest.categories:
        add(root, block)
    return root


# ---------------------------------------------------------------- fetch

_STATUS_STYLE = {"downloaded": "green", "resumed": "green", "present": "cyan",
                 "failed": "bold red", "interrupted": "yellow", "planned": "magenta"}


# Above this many references the summary table lists only those that need attention
# (a 2,000-row table helps nobody and takes seconds to lay out); --json has them all.
SUMMARY_ROWS = 200


def fetch_summary(outcomes: Sequence[Any], elapsed: float, dest: str) -> RenderableType:
    """The table printed after a fetch: one row per reference, reasons for failures."""
    from urllib.parse import urlsplit

    table = Table(box=box.SIMPLE_HEAD, header_style="bold", title=f"sora-refs fetch → {dest}")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Title", ratio=3, overflow="fold")
    table.add_column("Status", no_wrap=True)
    table.add_column("Source", ratio=1, overflow="fold")
    table.add_column("Size", justify="right", no_wrap=True)
    table.add_column("Pages", justify="right", no_wrap=True)
    table.add_column("Time", justify="right", no_wrap=True)
    counts: dict[str, int] = {}
    total_bytes = 0
    many = len(outcomes) > SUMMARY_ROWS
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
        total_bytes += o.bytes or 0
        if many and o.status in ("downloaded", "present"):
            continue
        host = urlsplit(o.source or o.url).netloc if (o.source or o.url) else "—"
        seconds = f"{o.seconds:.1f} s" if o.status in ("downloaded", "resumed") else ""
        table.add_row(str(o.ref.n), o.ref.short_title(44),
                      Text(o.status, style=_STATUS_STYLE.get(o.status, "")), host,
                      human_bytes(o.bytes), str(o.pages) if o.pages else "—", seconds)
    parts = [f"{counts.get(s, 0)} {s}" for s in
             ("downloaded", "resumed", "present", "failed", "interrupted", "planned")
             if counts.get(s)]
    n = len(outcomes)
    done = ", ".join(parts) or "nothing to do"
    table.caption = (f"{n} reference{'s' if n != 1 else ''}: {done}; "
                     f"{human_bytes(total_bytes)} in the library; {elapsed:.1f} s")
    if many:
        table.caption += " (downloaded and present ones not listed; --json has every row)"
    notes = _failure_notes(outcomes)
    for o in outcomes:
        if o.note:
            notes.append(Text(printable(f"{o.ref.n}. {o.note}"), style="yellow"))
    if not notes:
        return table
    return Group(table, *notes)


def _failure_notes(outcomes: Sequence[Any]) -> list[RenderableType]:
    """Why references failed (or, in a dry run, the plan), identical reasons told once.

    Thirty references failing for one reason ("cannot connect to arxiv.org") are one
    paragraph naming the thirty, not thirty paragraphs.
    """
    from rich.padding import Padding

    groups: dict[tuple[str, ...], list[Any]] = {}
    for o in outcomes:
        if o.status in ("failed", "planned") and (o.tried or o.error):
            groups.setdefault(tuple(o.tried or [o.error]), []).append(o)
    if not groups:
        return []
    failed = any(o.status == "failed" for o in outcomes)
    notes: list[RenderableType] = [Text("Why they failed:" if failed else "Plan:",
                                        style="bold")]
    for reasons, refs in groups.items():
        style = "red" if refs[0].status == "failed" else ""
        if len(refs) == 1:
            head = f"{refs[0].ref.n}. {refs[0].ref.title}"
        else:
            head = f"{len(refs)} references: " + ", ".join(str(o.ref.n) for o in refs)
        notes.append(Text(printable(head), style="bold"))
        for reason in reasons:
            notes.append(Padding(Text(printable(reason), style=style), (0, 0, 0, 3)))
    return notes


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
        self.console.file.write(printable(f"  waiting {seconds:.0f} s: {why} "
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
    """A live display on a terminal: an overall bar plus one line per active download."""

    def __init__(self, console: Any, total: int) -> None:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}", table_column=None),
            BarColumn(bar_width=24),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.overall = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                MofNCompleteColumn(), console=console)
        self._overall_task = self.overall.add_task("references", total=total)
        self._tasks: dict[int, Any] = {}
        from rich.console import Group
        from rich.live import Live

        self.live = Live(Group(self.overall, self.progress), console=console,
                         refresh_per_second=8, transient=True)

    def __enter__(self) -> RichEvents:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.live.__exit__(*exc)

    def start(self, ref: Reference, url: str) -> None:
        from urllib.parse import urlsplit

        label = f"{ref.n:>2}. {ref.short_title(28)} [dim]{urlsplit(url).netloc}[/]"
        if ref.n in self._tasks:
            self.progress.reset(self._tasks[ref.n], description=label, total=None)
        else:
            self._tasks[ref.n] = self.progress.add_task(label, total=None)

    def waiting(self, ref: Reference, seconds: float, why: str) -> None:
        task = self._tasks.get(ref.n)
        if task is not None:
            label = f"{ref.n:>2}. {ref.short_title(28)} [dim]waiting {seconds:.0f} s[/]"
            self.progress.update(task, description=label)
        self.progress.console.print(Text(printable(f"waiting {seconds:.0f} s: {why}"),
                                         style="dim"))

    def advance(self, ref: Reference, new_bytes: int, total: int | None, offset: int) -> None:
        task = self._tasks.get(ref.n)
        if task is None:
            return
        if total is not None or offset:
            self.progress.update(task, total=total, completed=offset or None)
        if new_bytes:
            self.progress.advance(task, new_bytes)

    def finish(self, outcome: Any) -> None:
        task = self._tasks.pop(outcome.ref.n, None)
        if task is not None:
            self.progress.remove_task(task)
        self.overall.advance(self._overall_task)


# ---------------------------------------------------------------- verify and import



def verify_view(items: Sequence[Any], dest: str) -> RenderableType:
    """One row per reference, then stray files; details for anything not ok."""
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", title=f"sora-refs verify {dest}")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Title / file", ratio=3, overflow="fold")
    table.add_column("Status", no_wrap=True)
    table.add_column("Size", justify="right", no_wrap=True)
    table.add_column("Pages", justify="right", no_wrap=True)
    counts: dict[str, int] = {}
    notes: list[RenderableType] = []
    from rich.padding import Padding

    for it in items:
        counts[it.status] = counts.get(it.status, 0) + 1
        label = it.ref.short_title(48) if it.ref else str(it.path)
        table.add_row(str(it.ref.n) if it.ref else "", label,
                      Text(it.status, style=STATUS_STYLE.get(it.status, "")),
                      human_bytes(it.bytes), str(it.pages) if it.pages else "—")
        if it.status not in ("ok", "missing") and it.detail:
            head = f"{it.ref.n}. {it.ref.title}" if it.ref else str(it.path)
            notes.append(Text(f"{head} — {it.status}", style="bold"))
            notes.append(Padding(Text(it.detail), (0, 0, 0, 3)))
    table.caption = ", ".join(f"{n} {s}" for s, n in counts.items())
    return Group(table, *notes) if notes else table


def import_view(results: Sequence[Any], dest: str) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", title=f"sora-refs import → {dest}")
    table.add_column("Input", ratio=2, overflow="fold")
    table.add_column("Status", no_wrap=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("How", no_wrap=True)
    table.add_column("Why / where", ratio=3, overflow="fold")
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
        where = r.detail
        if not where and r.path:
            try:
                where = str(r.path.relative_to(Path(dest).resolve()))
            except ValueError:
                where = str(r.path)
        table.add_row(str(r.input), Text(r.status, style=STATUS_STYLE.get(r.status, "")),
                      str(r.ref.n) if r.ref else "", r.method or "", where)
    table.caption = f"{len(results)} files: " + ", ".join(f"{n} {s}" for s, n in counts.items())
    return table


def check_view(results: Sequence[Any]) -> RenderableType:
    """The manifest against arXiv: one row per reference, the differences spelled out."""
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", title="sora-refs check (arXiv)")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Title", ratio=3, overflow="fold")
    table.add_column("arXiv", no_wrap=True)
    table.add_column("Latest", justify="right", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    style = {"agrees": "green", "differs": "bold red", "missing": "bold red"}
    notes: list[RenderableType] = []
    from rich.padding import Padding

    for c in results:
        table.add_row(str(c.ref.n), c.ref.short_title(48), c.ref.arxiv or "",
                      f"v{c.record.version}" if c.record else "—",
                      Text(c.status, style=style.get(c.status, "")))
        if c.differences:
            notes.append(Text(f"{c.ref.n}. {c.ref.title}", style="bold"))
            for field, mine, theirs in c.differences:
                notes.append(Padding(Text(f"{field}: manifest {mine!r}, arXiv {theirs!r}"),
                                     (0, 0, 0, 3)))
    agree = sum(1 for c in results if c.status == "agrees")
    table.caption = f"{len(results)} references with an arXiv id: {agree} agree"
    return Group(table, *notes) if notes else table
