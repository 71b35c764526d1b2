"""Rich renderables for the terminal: tables, the mind-map tree, bar charts.

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

BAR_WIDTH = 30
# Terminal width from which a category path fits on one line of the list table.
WIDE = 110


def percent(x: float) -> str:
    return f"{x * 100:.0f}%"


def reference_table(
    refs: Sequence[Reference], title: str | None = None, width: int = 80,
    disk: dict[int, str] | None = None,
) -> Table:
    """The list view; below ``WIDE`` columns category paths break after the block.

    ``disk`` adds a column with each reference's state in the library.
    """
    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", expand=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Title", ratio=4, overflow="fold")
    table.add_column("First author", no_wrap=False, ratio=1)
    table.add_column("Year", justify="right", no_wrap=True)
    table.add_column("Venue", no_wrap=True)
    table.add_column("Category", ratio=2, no_wrap=True, overflow="ellipsis")
    if disk is not None:
        table.add_column("On disk", no_wrap=True)
    for r in refs:
        category = r.category if width >= WIDE else r.category.replace("/", "/\n")
        row: list[Any] = [str(r.n), r.short_title(56), r.first_author_surname, str(r.year),
                          r.venue, category]
        if disk is not None:
            state = disk.get(r.n, "missing")
            row.append(Text(state, style=_CHECK_STYLE.get(state, "")))
        table.add_row(*row)
    if not refs:
        table.caption = "no reference matches"
    return table


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


def _bar(count: int, top: int) -> Text:
    n = round(BAR_WIDTH * count / top) if top else 0
    return Text("█" * n + ("▏" if count and not n else ""), style="cyan")


def stats_view(data: dict[str, Any]) -> RenderableType:
    total = data["total"]
    parts: list[RenderableType] = []
    lib = data.get("library")
    if lib:
        parts.append(Text(
            f"Library {lib['dest']}: {lib['present']} of {lib['total']} present and verified "
            f"({human_bytes(lib['bytes'])}, {lib['pages']:,} pages); {lib['missing']} missing"
            + (f", {lib['unverified']} unverified" if lib["unverified"] else ""),
            style="bold"))
    h = data.get("headline") or {}
    if h:
        lines = Text()
        lines.append(f"{total} references, {h['earliest_year']}–{h['latest_year']}\n",
                     style="bold")
        a = h["arxiv_only"]
        lines.append(f"• {a['count']} arXiv-only ({percent(a['share'])})\n")
        m = h["major_conferences"]
        names = ", ".join(m["venues"][:-1]) + " and " + m["venues"][-1]
        lines.append(f"• {names} together: {m['count']} ({percent(m['share'])})\n")
        b = h["busiest_years"]
        lines.append(f"• busiest year: {', '.join(map(str, b['years']))} "
                     f"({b['count']} references)\n")
        r = h["recent_years"]
        lines.append(f"• {r['years'][0]}–{r['years'][-1]} together: {r['count']} "
                     f"({percent(r['share'])})\n")
        lines.append(f"• earliest: {h['earliest_year']}")
        parts.append(lines)

    venues = Table(title="By venue (as cited)", box=box.SIMPLE_HEAD, title_justify="left")
    venues.add_column("Venue")
    venues.add_column("Count", justify="right")
    venues.add_column("Share", justify="right")
    venues.add_column("", no_wrap=True)
    top = max((v["count"] for v in data["venues"]), default=0)
    for v in data["venues"]:
        venues.add_row(v["venue"], str(v["count"]), percent(v["share"]), _bar(v["count"], top))
    parts.append(venues)

    years = Table(title="By year", box=box.SIMPLE_HEAD, title_justify="left")
    years.add_column("Year")
    years.add_column("Count", justify="right")
    years.add_column("Share", justify="right")
    years.add_column("", no_wrap=True)
    top = max((y["count"] for y in data["years"]), default=0)
    for y in data["years"]:
        years.add_row(str(y["year"]), str(y["count"]), percent(y["share"]),
                      _bar(y["count"], top))
    parts.append(years)

    cats = Table(title="By block and sub-block", box=box.SIMPLE_HEAD, title_justify="left")
    cats.add_column("Block", overflow="fold")
    cats.add_column("Count", justify="right")
    cats.add_column("Share", justify="right")
    for c in data["categories"]:
        label = ("   " * c["depth"]) + c["en"]
        cats.add_row(Text(label, style="bold" if c["depth"] == 0 else ""), str(c["count"]),
                     percent(c["share"]))
    parts.append(cats)
    return Group(*parts)


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


def human_bytes(n: int | None) -> str:
    if n is None:
        return "—"
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"


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
    from rich.padding import Padding

    notes: list[RenderableType] = []
    for o in outcomes:
        if o.error and o.status in ("failed", "planned"):
            style = "red" if o.status == "failed" else ""
            notes.append(Text(f"{o.ref.n}. {o.ref.title}", style="bold"))
            for reason in o.tried or [o.error]:
                notes.append(Padding(Text(reason, style=style), (0, 0, 0, 3)))
    if not notes:
        return table
    heading = Text("Why they failed:" if counts.get("failed") else "Plan:", style="bold")
    return Group(table, heading, *notes)


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

    def finish(self, outcome: Any) -> None:
        self.done += 1
        o = outcome
        if o.status == "failed":
            detail = o.error
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

_CHECK_STYLE = {"ok": "green", "missing": "yellow", "modified": "magenta",
                "not-a-pdf": "bold red", "wrong-paper": "bold red", "unreadable": "red",
                "extra": "cyan", "partial": "cyan", "imported": "green", "moved": "green",
                "would-import": "magenta", "present": "cyan", "duplicate": "yellow",
                "unmatched": "yellow", "error": "bold red", "unverified": "yellow"}


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
                      Text(it.status, style=_CHECK_STYLE.get(it.status, "")),
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
        table.add_row(str(r.input), Text(r.status, style=_CHECK_STYLE.get(r.status, "")),
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
