"""Rich renderables for the terminal: tables, the mind-map tree, bar charts.

Functions here build renderables and return them; :mod:`sora_refs.cli` decides
which console they go to.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    refs: Sequence[Reference], title: str | None = None, width: int = 80
) -> Table:
    """The list view; below ``WIDE`` columns category paths break after the block."""
    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", expand=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Title", ratio=4, overflow="fold")
    table.add_column("First author", no_wrap=False, ratio=1)
    table.add_column("Year", justify="right", no_wrap=True)
    table.add_column("Venue", no_wrap=True)
    table.add_column("Category", ratio=2, no_wrap=True, overflow="ellipsis")
    for r in refs:
        category = r.category if width >= WIDE else r.category.replace("/", "/\n")
        table.add_row(str(r.n), r.short_title(56), r.first_author_surname, str(r.year),
                      r.venue, category)
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
    grid.add_row("PDF", "\n".join(f"{i}. {u}" for i, u in enumerate(ref.urls, 1)))
    return grid


def _bar(count: int, top: int) -> Text:
    n = round(BAR_WIDTH * count / top) if top else 0
    return Text("█" * n + ("▏" if count and not n else ""), style="cyan")


def stats_view(data: dict[str, Any]) -> RenderableType:
    total = data["total"]
    parts: list[RenderableType] = []
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
