"""Aligned text tables for ``list`` and ``stats``, without rich.

These two commands are run often and read at a glance, and their whole budget
is a few tens of milliseconds on top of Python and typer. Importing rich costs
about 25 ms and its layout of the 32-row list another 60 ms, for features these
tables do not use. So they do the little they need here: columns sized to their
content, long cells wrapped at spaces to fit the terminal, a bold header and a
few colours when writing to a terminal (``NO_COLOR`` and ``FORCE_COLOR`` are
honoured as rich honours them). Everything else keeps using rich.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # error messages use this module before any manifest is read
    from sora_refs.readinglist.manifest import Reference

# Style names as rich spells them, so that callers can share one status palette.
_SGR = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33",
        "magenta": "35", "cyan": "36", "bold red": "1;31"}

# Every state a paper or file can be in, coloured alike in every command.
STATUS_STYLE = {"ok": "green", "missing": "yellow", "modified": "magenta",
                "not-a-pdf": "bold red", "wrong-paper": "bold red", "unreadable": "red",
                "extra": "cyan", "partial": "cyan", "imported": "green", "moved": "green",
                "would-import": "magenta", "present": "cyan", "duplicate": "yellow",
                "unmatched": "yellow", "error": "bold red", "unverified": "yellow"}

BAR_WIDTH = 30
GAP = 2
MIN_WIDTH = 6

Cell = str | tuple[str, str]  # text, or (text, style)


@dataclass(frozen=True)
class Terminal:
    """Where the text goes: its width, whether to colour, what it can encode."""

    width: int = 80
    color: bool = False
    unicode: bool = True
    #: A terminal that redraws in place (a live display), by the rules rich follows:
    #: TTY_COMPATIBLE=0/1 decides, else a non-empty FORCE_COLOR, else isatty; never
    #: a dumb one. Decided here so that choosing the display does not import rich.
    live: bool = False

    @classmethod
    def of(cls, stream: IO[str]) -> Terminal:
        tty = _isatty(stream)
        width = 0
        columns = os.environ.get("COLUMNS", "")
        if columns.isdigit():
            width = int(columns)
        elif tty:
            try:
                width = os.get_terminal_size(stream.fileno()).columns
            except (OSError, ValueError):
                width = 0
        if os.environ.get("NO_COLOR"):
            color = False
        elif os.environ.get("FORCE_COLOR"):
            color = True
        else:
            color = tty and os.environ.get("TERM") != "dumb"
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        return cls(width=width or 80, color=color, unicode=encoding in ("utf8", "utf_8"),
                   live=_redraws(tty))

    def style(self, text: str, style: str) -> str:
        code = _SGR.get(style)
        if not self.color or not code or not text:
            return text
        return f"\x1b[{code}m{text}\x1b[0m"

    @property
    def rule(self) -> str:
        return "─" if self.unicode else "-"

    @property
    def block(self) -> str:
        return "█" if self.unicode else "#"


def _redraws(tty: bool) -> bool:
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    force = os.environ.get("FORCE_COLOR")
    if compatible in ("0", "1"):
        terminal = compatible == "1"
    elif force is not None:
        terminal = force != ""
    else:
        terminal = tty
    return terminal and os.environ.get("TERM", "").lower() not in ("dumb", "unknown")


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def cell_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide East Asian characters take two."""
    if text.isascii():
        return len(text)
    import unicodedata

    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@dataclass(frozen=True)
class Column:
    header: str
    right: bool = False
    wrap: bool = False  # may take several lines when the table is too wide
    weight: int = 1  # wrapping columns keep widths roughly in proportion to this
    floor: int = 8  # narrowest it gets (never narrower than its header)


def _chop(word: str, width: int) -> list[str]:
    """Split a word longer than ``width`` columns into pieces that fit."""
    pieces, piece = [], ""
    for ch in word:
        if piece and cell_width(piece + ch) > width:
            pieces.append(piece)
            piece = ""
        piece += ch
    return [*pieces, piece]


def _split_after(word: str, marks: str) -> list[str]:
    """``word`` split after each inner character in ``marks``, which stays put."""
    atoms, start = [], 0
    for i, ch in enumerate(word[:-1]):
        if ch in marks and i > start:
            atoms.append(word[start:i + 1])
            start = i + 1
    return [*atoms, word[start:]]


def _atoms(word: str, room: int) -> list[str]:
    """Where a word too long for ``room`` may break: after '/', then '-', then anywhere."""
    out = []
    for part in _split_after(word, "/"):
        if cell_width(part) <= room:
            out.append(part)
            continue
        for piece in _split_after(part, "-"):
            out += _chop(piece, room) if cell_width(piece) > room else [piece]
    return out


def wrap(text: str, width: int) -> list[str]:
    """Fill lines of at most ``width`` columns.

    Breaks at spaces and explicit newlines; a word that cannot fit on a line of
    its own breaks after '/', then after '-', then wherever it must. A line's
    leading spaces (an outline's indent) are kept on every line it wraps onto.
    """
    lines: list[str] = []
    for para in text.split("\n"):
        body = para.lstrip(" ")
        indent = para[: len(para) - len(body)]
        room = max(1, width - len(indent))
        line = ""
        for word in body.split(" "):
            sep = " "
            for piece in _atoms(word, room) if cell_width(word) > room else [word]:
                if not line:
                    line = piece
                elif cell_width(line) + len(sep) + cell_width(piece) <= room:
                    line += sep + piece
                else:
                    lines.append(indent + line)
                    line = piece
                sep = ""
        lines.append(indent + line)
    return lines


def table(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], term: Terminal,
          fit: bool = True) -> list[str]:
    """Lay out a table as lines: header, rule, rows.

    With ``fit``, wrapping columns give up width, the widest for its weight first,
    until the table fits ``term.width``: down to their floors, then, if that is
    not enough, down to their headers. Without it (long lists) every row stays on
    one line, which keeps them greppable. Padding stays outside colour codes, so
    trailing blanks are stripped alike with and without colour. Cells are made
    printable here, the one place these tables meet the terminal.
    """
    from sora_refs.text import printable

    cells = [[(printable(c, True), "") if isinstance(c, str) else (printable(c[0], True), c[1])
              for c in row] for row in rows]
    widths = [max([cell_width(col.header)]
                  + [cell_width(line) for row in cells for line in row[i][0].split("\n")])
              for i, col in enumerate(columns)]
    if fit:
        excess = sum(widths) + GAP * (len(columns) - 1) - term.width
        # Floors first; on a terminal too narrow for them, down to the headers.
        for floors in ([max(cell_width(c.header), c.floor) for c in columns],
                       [max(cell_width(c.header), MIN_WIDTH) for c in columns]):
            while excess > 0:
                shrinkable = [i for i, col in enumerate(columns)
                              if col.wrap and widths[i] > floors[i]]
                if not shrinkable:
                    break
                widest = max(shrinkable, key=lambda i: widths[i] / columns[i].weight)
                widths[widest] -= 1
                excess -= 1

    gap = " " * GAP
    layout = list(zip(columns, widths, strict=True))

    def cell(text: str, style: str, col: Column, w: int) -> str:
        fill = " " * (w - (len(text) if text.isascii() else cell_width(text)))
        shown = term.style(text, style) if style and text else text
        return fill + shown if col.right else shown + fill

    out = [gap.join(cell(c.header, "bold", c, w) for c, w in layout).rstrip(),
           gap.join(term.rule * w for w in widths).rstrip()]
    for row in cells:
        wrapped = [wrap(text, w) if col.wrap and fit and cell_width(text) > w
                   else text.split("\n")
                   for (col, w), (text, _) in zip(layout, row, strict=True)]
        height = max(map(len, wrapped))
        for k in range(height):
            out.append(gap.join(
                cell(lines[k] if k < len(lines) else "", style, col, w)
                for (col, w), lines, (_, style) in zip(layout, wrapped, row, strict=True)
            ).rstrip())
    return out


def percent(x: float) -> str:
    """A share as a whole percentage, half up (4/32 is 13%, as a person rounds it;
    Python's round-half-even would say 12%)."""
    return f"{int(x * 100 + 0.5 + 1e-9)}%"


def human_bytes(n: int | None) -> str:
    if n is None:
        return "—"
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"


# ---------------------------------------------------------------- the views


# Longer lists keep one line per reference instead of wrapping titles to fit.
FIT_ROWS = 300


def reference_table(refs: Sequence[Reference], title: str, term: Terminal,
                    disk: dict[int, str] | None = None) -> str:
    """The list view; ``disk`` adds each reference's state in the library."""
    fit = len(refs) <= FIT_ROWS
    columns = [Column("#", right=True), Column("Title", wrap=True, weight=2, floor=20),
               Column("First author", wrap=True), Column("Year", right=True),
               Column("Venue"), Column("Category", wrap=True, floor=_block_width(refs))]
    if disk is not None:
        columns.append(Column("On disk"))
    rows: list[list[Cell]] = []
    for r in refs:
        row: list[Cell] = [str(r.n), r.title, r.first_author_surname, r.year_text,
                           r.venue_text, r.category]
        if disk is not None:
            state = disk.get(r.n, "missing")
            row.append((state, STATUS_STYLE.get(state, "")))
        rows.append(row)
    lines = [term.style(line, "bold") for line in wrap(title, term.width)] + [""]
    lines += table(columns, rows, term, fit=fit) if refs else ["no reference matches"]
    return "\n".join(lines) + "\n"


def _block_width(refs: Sequence[Reference]) -> int:
    """Room for the longest block ('data-processing/'), so paths break after it."""
    return min(20, max((len(r.category.split("/")[0]) + 1 for r in refs), default=8))


def _busiest(years: list[int], count: int) -> str:
    refs = f"{count} reference{'s' if count != 1 else ''}"
    if len(years) == 1:
        return f"busiest year: {years[0]} ({refs})"
    return f"busiest years: {', '.join(map(str, years))} ({refs} each)"


def _year_rows(years: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """One row per year, but three or more empty years in a row as one row
    ('1996–1999'): a bibliography reaching back to 1989 is not a page of zeros."""
    rows: list[tuple[str, dict[str, Any]]] = []
    empty: list[dict[str, Any]] = []
    for y in [*years, None]:
        if y is not None and y["count"] == 0:
            empty.append(y)
            continue
        if len(empty) >= 3:
            rows.append((f"{empty[0]['year']}–{empty[-1]['year']}", empty[0]))
        else:
            rows += [(str(e["year"]), e) for e in empty]
        empty = []
        if y is not None:
            rows.append((str(y["year"]), y))
    return rows


def _bar(count: int, top: int, term: Terminal) -> Cell:
    n = round(BAR_WIDTH * count / top) if top else 0
    return (term.block * n + ("▏" if count and not n and term.unicode else ""), "cyan")


def stats_view(data: dict[str, Any], term: Terminal) -> str:
    """Headline facts, then counts and shares by venue, year and block."""
    from sora_refs.text import spoken_list

    lines: list[str] = []
    lib = data.get("library")
    if lib:
        lines += [term.style(
            f"Library {lib['dest']}: {lib['present']} of {lib['total']} present and verified "
            f"({human_bytes(lib['bytes'])}, {lib['pages']:,} pages); {lib['missing']} missing"
            + (f", {lib['unverified']} unverified" if lib["unverified"] else ""), "bold"), ""]
    h = data.get("headline") or {}
    if "busiest_years" in h:  # absent when no reference has a known year
        a, b = h["arxiv_only"], h["busiest_years"]
        span = (f"{h['earliest_year']}–{h['latest_year']}"
                if h["earliest_year"] != h["latest_year"] else str(h["latest_year"]))
        lines += [term.style(f"{data['total']} reference{'s' if data['total'] != 1 else ''}"
                             f", {span}", "bold"),
                  f"• {a['count']} arXiv-only ({percent(a['share'])})"]
        m = h.get("major_conferences")
        if m:
            names = spoken_list(m["venues"])
            lines.append(f"• {names} together: {m['count']} ({percent(m['share'])})"
                         if len(m["venues"]) > 1 else
                         f"• {names}: {m['count']} ({percent(m['share'])})")
        lines.append(f"• {_busiest(b['years'], b['count'])}")
        r = h.get("recent_years")
        if r:
            lines.append(f"• {r['years'][0]}–{r['years'][-1]} together: {r['count']} "
                         f"({percent(r['share'])})")
        lines += [f"• earliest: {h['earliest_year']}", ""]
    counts = [Column("Count", right=True), Column("Share", right=True)]
    top = max((v["count"] for v in data["venues"]), default=0)
    lines += [term.style("By venue (as cited)", "bold"), *table(
        [Column("Venue"), *counts, Column("")],
        [[v["venue"], str(v["count"]), percent(v["share"]), _bar(v["count"], top, term)]
         for v in data["venues"]], term), ""]
    top = max((y["count"] for y in data["years"]), default=0)
    unknown = data.get("unknown_year")
    lines += [term.style("By year", "bold"), *table(
        [Column("Year"), *counts, Column("")],
        [[span, str(y["count"]), percent(y["share"]), _bar(y["count"], top, term)]
         for span, y in _year_rows(data["years"])]
        + ([["unknown", str(unknown["count"]), percent(unknown["share"]), ""]]
           if unknown else []), term), ""]
    lines += [term.style("By block and sub-block", "bold"), *table(
        [Column("Block", wrap=True), *counts],
        [[("   " * c["depth"] + c["en"], "bold" if c["depth"] == 0 else ""),
          str(c["count"]), percent(c["share"])] for c in data["categories"]], term)]
    return "\n".join(lines) + "\n"
