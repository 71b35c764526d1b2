"""Rich renderables for the terminal: the detail view, the mind-map tree, fetch progress
and the tables of fetch, verify, import and check.

``list`` and ``stats`` are drawn by :mod:`sora_refs.cli.tables`, without rich, for speed.

Functions here build renderables and return them; :mod:`sora_refs.cli` decides
which console they go to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.tree import Tree

from sora_refs.cli.screen import text
from sora_refs.cli.tables import STATUS_STYLE, cell_width, human_bytes
from sora_refs.readinglist.manifest import Category, Manifest, Reference
from sora_refs.text import middle, number_runs, plural, printable, shorten


def reference_detail(ref: Reference, manifest: Manifest,
                     filed: tuple[Path, str] | None = None) -> RenderableType:
    chain = manifest.category_chain(ref.category)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("Number", str(ref.n))
    grid.add_row("Key", ref.key)
    grid.add_row("Title", text(ref.title, style="bold"))
    grid.add_row("Authors", ", ".join(ref.authors))
    grid.add_row("Cited as", ref.cited_as)
    grid.add_row("Published", ref.published_where)
    grid.add_row("arXiv", ref.arxiv or "—")
    if ref.doi:
        grid.add_row("DOI", ref.doi)
    grid.add_row("Category", " › ".join(
        f"{c.en} ({c.zh_shown})" if c.zh_shown else c.en for c in chain) + f"  [{ref.category}]")
    grid.add_row("Why cited", ref.note)
    # URLs and paths get lines of their own, never wrapped: they must survive copy
    # and paste (a terminal narrower than one shows it folded, but as one line).
    lines: list[RenderableType] = [grid]
    for i, url in enumerate(ref.urls):
        lines.append(_long_line("PDF" if i == 0 else "", url))
    if filed is not None:
        path, status = filed
        state = {"ok": "filed and verified", "unverified": "a file is there, not verified "
                 "yet (sora-refs verify)", "missing": "not fetched yet (sora-refs fetch "
                 f"{ref.n})"}.get(status, status)
        lines.append(_long_line("File", str(path)))
        lines.append(_long_line("", state, STATUS_STYLE.get(status, "")))
    return Group(*lines)


def _long_line(label: str, value: str, style: str = "") -> RenderableType:
    return text((f"{label:<9}  ", "bold"), (value, style), no_wrap=True, overflow="ignore")


def tree_view(manifest: Manifest, refs: Sequence[Reference], prune: bool = False) -> Tree:
    """The mind map as a rich tree; ``prune`` drops empty categories."""
    def count(cat: Category) -> int:
        return sum(1 for r in refs
                   if r.category == cat.path or r.category.startswith(cat.path + "/"))

    root = Tree(text(f"{manifest.title} ({len(refs)})", style="bold"))

    def add(parent: Tree, cat: Category) -> None:
        if prune and not count(cat):
            return
        zh = f" {cat.zh_shown}" if cat.zh_shown else ""
        node = parent.add(text((cat.en, "bold"), (zh, "dim"), f" ({count(cat)})"))
        for child in cat.children:
            add(node, child)
        for r in refs:
            if r.category == cat.path:
                node.add(text(f"{r.n}. {r.title} — {r.first_author_surname} {r.year_text}, "
                              f"{r.venue_text}"))

    for block in manifest.categories:
        add(root, block)
    return root


# ---------------------------------------------------------------- fetch

_STATUS_STYLE = {"downloaded": "green", "resumed": "green", "present": "cyan",
                 "failed": "bold red", "interrupted": "yellow", "planned": "magenta"}


# Above this many references the summary table lists only those that need attention
# (a 2,000-row table helps nobody and takes seconds to lay out); --json has them all.
SUMMARY_ROWS = 200


@dataclass(frozen=True)
class Col:
    """A table column: its header, how much room it needs at least, and how soon it is
    dropped when the terminal is narrow (lower ``keep`` goes first)."""

    header: str
    need: int
    keep: int
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Fit:
    """A cell made to fit its column: a title shortened at a word, or a path in its
    middle (``how``), with ``after`` kept whole; it knows its full width, so a column
    of short titles is as wide as they are, not as the terminal."""

    text: str
    how: Any = shorten
    after: str = ""

    def __call__(self, room: int) -> str:
        return self.how(self.text, max(8, room - len(self.after))) + self.after

    @property
    def full(self) -> int:
        return len(self.text) + len(self.after)


def fitted(cols: Sequence[Col], rows: Sequence[Sequence[Any]], width: int,
           **table_kw: Any) -> Table:
    """A table with the columns that fit in ``width``, dropping the least needed first:
    on a 60-column terminal Source and Time go, so titles keep whole words. Columns
    with a ratio share what is left, none wider than its longest cell, and every
    cell stays on one line."""
    chosen = list(range(len(cols)))
    while len(chosen) > 1 and sum(cols[i].need + 2 for i in chosen) > width:
        chosen.remove(min(chosen, key=lambda i: cols[i].keep))
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", **table_kw)
    for i in chosen:
        options = {k: v for k, v in cols[i].options.items() if k != "ratio"}
        if "ratio" in cols[i].options:  # cut to fit below: one line each, never wrapped
            options.update(no_wrap=True, overflow="ellipsis")
        table.add_column(cols[i].header, **options)
    ratios = {i: cols[i].options.get("ratio", 0) for i in chosen}
    longest = {i: max([len(cols[i].header), *(_cell_width(row[i]) for row in rows)])
               for i in chosen}
    # Each column pads one space each side; the box draws one between columns and one
    # at each edge.
    fixed = sum(longest[i] + 2 for i in chosen if not ratios[i])
    left = width - 2 - (len(chosen) - 1) - fixed - 2 * sum(1 for i in chosen if ratios[i])
    share = max(0, left) / max(1, sum(ratios.values()))
    room = {i: min(longest[i], max(8, int(share * ratios[i]))) if ratios[i]
            else cols[i].need for i in chosen}
    for row in rows:
        table.add_row(*(_cell(row[i], room[i]) if ratios[i] else
                        row[i](room[i]) if callable(row[i]) else row[i] for i in chosen))
    return table


def _cell_width(cell: Any) -> int:
    if isinstance(cell, Fit):
        return cell.full
    if isinstance(cell, str):
        return cell_width(cell)
    return getattr(cell, "cell_len", 0)  # a rich Text


def _cell(cell: Any, room: int) -> Any:
    if isinstance(cell, Fit):
        return cell(room)
    if isinstance(cell, str):
        return shorten(cell, room)
    return cell(room) if callable(cell) else cell


def fetch_summary(outcomes: Sequence[Any], elapsed: float, dest: str,
                  width: int = 100) -> RenderableType:
    """The table printed after a fetch: one row per reference, reasons for failures."""
    from urllib.parse import urlsplit

    cols = [
        Col("#", 3, 9, {"justify": "right", "no_wrap": True}),
        Col("Title", 24, 10, {"ratio": 3}),
        Col("Status", 11, 9, {"no_wrap": True}),
        Col("Source", 16, 3, {"no_wrap": True}),
        Col("Size", 8, 5, {"justify": "right", "no_wrap": True}),
        Col("Pages", 5, 2, {"justify": "right", "no_wrap": True}),
        Col("Time", 6, 1, {"justify": "right", "no_wrap": True}),
    ]
    counts: dict[str, int] = {}
    total_bytes = 0
    many = len(outcomes) > SUMMARY_ROWS
    rows = []
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
        total_bytes += o.bytes or 0
        if many and o.status in ("downloaded", "present"):
            continue
        host = urlsplit(o.source or o.url).hostname if (o.source or o.url) else "—"
        seconds = f"{o.seconds:.1f} s" if o.status in ("downloaded", "resumed") else ""
        rows.append([str(o.ref.n), Fit(printable(o.ref.title)),
                     text(o.status, style=_STATUS_STYLE.get(o.status, "")),
                     middle(host or "—", 22), human_bytes(o.bytes),
                     str(o.pages) if o.pages else "—", seconds])
    n = len(outcomes)
    if n > 1 and counts.get("failed") == n:
        # Thirty-two rows of "failed — — —" say nothing the reasons below do not.
        return Group(text(f"sora-refs fetch → {dest}: all {n} references failed, nothing was "
                          f"downloaded; {elapsed:.1f} s", style="bold red"),
                     *_failure_notes(outcomes))
    table = fitted(cols, rows, width, title=middle(f"sora-refs fetch → {dest}", width))
    parts = [f"{counts.get(s, 0)} {s}" for s in
             ("downloaded", "resumed", "present", "failed", "interrupted", "planned")
             if counts.get(s)]
    done = ", ".join(parts) or "nothing to do"
    these = "this one" if n == 1 else f"these {n}"
    table.caption = (f"{n} reference{'s' if n != 1 else ''}: {done}; "
                     f"{human_bytes(total_bytes)} on disk for {these}; {elapsed:.1f} s")
    if many:
        table.caption += " (downloaded and present ones not listed; --json has every row)"
    notes = _failure_notes(outcomes)
    for o in outcomes:
        if o.note:
            notes.append(text(f"{o.ref.n}. {o.note}", style="yellow"))
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
    notes: list[RenderableType] = [text("Why they failed:" if failed else "Plan:",
                                        style="bold")]
    for reasons, refs in groups.items():
        style = "red" if refs[0].status == "failed" else ""
        if len(refs) == 1:
            head = f"{refs[0].ref.n}. {refs[0].ref.title}"
        elif len(refs) == len(outcomes):
            head = f"All {len(refs)} references:"
        else:
            head = f"{len(refs)} references: {number_runs([o.ref.n for o in refs])}"
        notes.append(text(head, style="bold"))
        for reason in reasons:
            notes.append(Padding(text(reason, style=style), (0, 0, 0, 3)))
    return notes


def verify_view(items: Sequence[Any], dest: str, width: int = 100) -> RenderableType:
    """One row per reference, then stray files; details for anything not ok."""
    cols = [
        Col("#", 3, 9, {"justify": "right", "no_wrap": True}),
        Col("Title / file", 24, 10, {"ratio": 3}),
        Col("Status", 11, 9, {"no_wrap": True}),
        Col("Size", 8, 5, {"justify": "right", "no_wrap": True}),
        Col("Pages", 5, 2, {"justify": "right", "no_wrap": True}),
    ]
    counts: dict[str, int] = {}
    notes: list[RenderableType] = []
    rows = []
    from rich.padding import Padding

    for it in items:
        counts[it.status] = counts.get(it.status, 0) + 1
        label: Any = (Fit(printable(it.ref.title)) if it.ref
                      else fit_path(_shown(it.path, dest)))
        rows.append([str(it.ref.n) if it.ref else "", label,
                     text(it.status, style=STATUS_STYLE.get(it.status, "")),
                     human_bytes(it.bytes), str(it.pages) if it.pages else "—"])
        if it.status not in ("ok", "missing") and it.detail:
            head = f"{it.ref.n}. {it.ref.title}" if it.ref else _shown(it.path, dest)
            notes.append(text(f"{head} — {it.status}", style="bold"))
            notes.append(Padding(text(it.detail), (0, 0, 0, 3)))
    table = fitted(cols, rows, width, title=middle(f"sora-refs verify {dest}", width))
    table.caption = ", ".join(f"{n} {s}" for s, n in counts.items())
    return Group(table, *notes) if notes else table


def fit_path(path: str, after: str = "") -> Fit:
    """A cell that shortens ``path`` in its middle to the column's width."""
    return Fit(printable(path), middle, printable(after))


def _shown(path: Path | None, dest: str) -> str:
    """A path as a person looks for it: relative to the library when inside it."""
    if path is None:
        return ""
    try:
        return str(Path(path).resolve().relative_to(Path(dest).resolve()))
    except ValueError:
        return str(path)


def import_view(results: Sequence[Any], dest: str, width: int = 100) -> RenderableType:
    """One row per input; where each went, or why it did not."""
    cols = [
        Col("Input", 18, 9, {"ratio": 2, "no_wrap": True}),
        Col("Status", 11, 10, {"no_wrap": True}),
        Col("#", 3, 5, {"justify": "right", "no_wrap": True}),
        Col("How", 11, 2, {"no_wrap": True}),
        Col("Why / where", 24, 8, {"ratio": 3}),
    ]
    counts: dict[str, int] = {}
    rows: list[list[Any]] = []
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
        filed = r.status in ("imported", "moved", "would-import") and r.path
        where: Any = (fit_path(_shown(r.path, dest), f"; {r.detail}" if r.detail else "")
                      if filed else printable(r.detail))
        rows.append([fit_path(str(r.input)),
                     text(r.status, style=STATUS_STYLE.get(r.status, "")),
                     str(r.ref.n) if r.ref else "", r.method or "", where])
    table = fitted(cols, rows, width, title=middle(f"sora-refs import → {dest}", width))
    table.caption = plural(len(results), "file") + ": " + ", ".join(
        f"{n} {s}" for s, n in counts.items())
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
                      text(c.status, style=style.get(c.status, "")))
        if c.differences:
            notes.append(text(f"{c.ref.n}. {c.ref.title}", style="bold"))
            for field, mine, theirs in c.differences:
                notes.append(Padding(text(f"{field}: manifest {mine!r}, arXiv {theirs!r}"),
                                     (0, 0, 0, 3)))
    agree = sum(1 for c in results if c.status == "agrees")
    table.caption = f"{plural(len(results), 'reference')} with an arXiv id: {agree} agree"
    return Group(table, *notes) if notes else table
