"""The one place where text meets rich.

Everything sora-refs prints through rich holds text from outside: titles, notes and
categories from a manifest, file and folder names, PDF page text, server answers. Rich
reads ``[...]`` in a string as markup, so a title holding ``[/b]`` used to end a
command with an internal error, ``reading notes [annotated].pdf`` lost its brackets and
a note holding ``[link=https://evil.example]...[/link]`` drew a hyperlink to the
attacker's page. Escaping at each call would miss one; instead every console the CLI
prints on comes from :func:`console`, which never reads markup or emoji codes and makes
every string printable (no escape sequences) before rich lays it out. Styles are given
as rich objects (``Text(..., style=...)``, column styles), never spelled inside text.

Rich ``Text`` objects do not go through the console's string path, so the CLI builds
them with :func:`text`, which makes its parts printable the same way; the layering
test checks that no other module of the CLI constructs a console or a ``Text``.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.style import Style
from rich.text import Text

from sora_refs.text import printable


class _PlainConsole(Console):
    """A console that takes every string literally: no markup, no emoji codes, no
    automatic highlighting, control characters replaced by spaces."""

    def render_str(self, text: str, *, style: str | Style = "", **kw: Any) -> Text:
        kw.update(markup=False, emoji=False, highlight=False)
        return super().render_str(printable(text, True), style=style, **kw)


def console(**options: Any) -> Console:
    """A console for the CLI (``stderr=True``, ``record=True``, ``file=``... as rich's)."""
    options.update(markup=False, emoji=False, highlight=False)
    return _PlainConsole(**options)


def text(*parts: str | tuple[str, str], style: str = "", **options: Any) -> Text:
    """A rich ``Text`` of ``parts``, each a string or ``(string, style)``, taken as is."""
    out = Text(style=style, **options)
    for part in parts:
        value, part_style = part if isinstance(part, tuple) else (part, "")
        out.append(printable(value, True), style=part_style or None)
    return out


def from_ansi(coloured: str) -> Text:
    """A ``Text`` of what :mod:`sora_refs.cli.tables` drew for a terminal: its own
    colour codes are kept, and it holds no other escape (it made its text printable)."""
    return Text.from_ansi(coloured)
