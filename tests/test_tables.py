"""The text tables of ``list`` and ``stats``: wrapping, fitting, alignment, colour."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sora_refs.cli.tables import Column, Terminal, cell_width, reference_table, table, wrap
from sora_refs.readinglist.manifest import load_manifest

ANSI = re.compile(r"\x1b\[[0-9;]*m")

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz/-ÜWA漢字", min_size=1, max_size=30)
texts = st.lists(words, min_size=1, max_size=12).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(texts, st.integers(2, 40), st.integers(0, 4))
def test_wrap_fits_and_loses_nothing(text: str, width: int, indent: int) -> None:
    lines = wrap(" " * indent + text, width + indent)
    assert all(cell_width(line) <= width + indent for line in lines)
    assert all(line.startswith(" " * indent) for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_wrap_breaks_at_spaces_then_slashes_then_hyphens() -> None:
    assert wrap("Attention Is All You Need", 12) == ["Attention Is", "All You Need"]
    assert wrap("video-modeling/autoregressive-transformers", 16) == [
        "video-modeling/", "autoregressive-", "transformers"]
    assert wrap("video-modeling/rnn", 18) == ["video-modeling/rnn"]
    assert wrap("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert wrap("   Patches and more", 10) == ["   Patches", "   and", "   more"]
    assert wrap("two\nlines", 20) == ["two", "lines"]


cells = st.text(alphabet="abc xyz-/漢", max_size=40)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(cells, cells, st.integers(0, 10**6)), min_size=1, max_size=8),
       st.integers(40, 120))
def test_tables_fit_the_terminal_and_stay_aligned(rows, width: int) -> None:
    columns = [Column("Name", wrap=True, weight=2), Column("Where", wrap=True),
               Column("Count", right=True)]
    body = [[a, b, str(n)] for a, b, n in rows]
    lines = table(columns, body, Terminal(width=width))
    assert all(cell_width(line) <= width for line in lines)
    # The rule under the header marks where each column is, in screen columns;
    # every row's text sits within those spans, so each cell reads back whole.
    screen = ["".join(ch + "\0" * (cell_width(ch) - 1) for ch in line) for line in lines]
    spans = [m.span() for m in re.finditer("─+", screen[1])]
    assert len(spans) == 3
    for line in screen[2:]:
        outside = "".join(ch for i, ch in enumerate(line)
                          if not any(a <= i < b for a, b in spans))
        assert outside.strip() == ""
    for col, (lo, hi) in enumerate(spans):
        text = "".join(line[lo:hi].replace("\0", "") for line in screen[2:]).replace(" ", "")
        expected = "".join([a, b, str(n)][col] for a, b, n in rows).replace(" ", "")
        assert text == expected
    lo, hi = spans[2]
    assert all(line[hi - 1].isdigit() for line in screen[2:] if line[lo:hi].strip())


def test_wide_characters_are_counted_as_two_columns() -> None:
    lines = table([Column("Name"), Column("N", right=True)],
                  [["漢字", "1"], ["abcd", "22"]], Terminal(width=80))
    assert [cell_width(line) for line in lines] == [8, 8, 8, 8]


def test_long_lists_keep_one_line_per_row_when_not_fitting() -> None:
    row = ["a long title " * 5, "x"]
    lines = table([Column("T", wrap=True), Column("X")], [row, row], Terminal(width=20),
                  fit=False)
    assert len(lines) == 4 and cell_width(lines[2]) > 20


def test_colour_only_when_asked_and_plain_symbols_for_other_encodings() -> None:
    m = load_manifest()
    plain = reference_table(m.references[:3], "t", Terminal(width=100), {1: "ok"})
    assert not ANSI.search(plain) and "─" in plain
    coloured = reference_table(m.references[:3], "t", Terminal(width=100, color=True),
                               {1: "ok", 2: "wrong-paper"})
    assert "\x1b[32mok" in coloured and "\x1b[1;31mwrong-paper" in coloured
    assert ANSI.sub("", coloured) == reference_table(
        m.references[:3], "t", Terminal(width=100), {1: "ok", 2: "wrong-paper"})
    latin = reference_table(m.references[:3], "t", Terminal(width=100, unicode=False))
    assert "─" not in latin and "--" in latin


class _Stream(io.StringIO):
    def __init__(self, tty: bool, encoding: str = "utf-8") -> None:
        super().__init__()
        self._tty, self._encoding = tty, encoding

    def isatty(self) -> bool:
        return self._tty

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


@pytest.mark.parametrize(("env", "tty", "colour"), [
    ({}, True, True),
    ({}, False, False),
    ({"NO_COLOR": "1"}, True, False),
    ({"FORCE_COLOR": "1"}, False, True),
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
    ({"TERM": "dumb"}, True, False),
])
def test_terminal_follows_the_environment(monkeypatch, env, tty, colour) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("COLUMNS", "123")
    term = Terminal.of(_Stream(tty))
    assert term.color is colour and term.width == 123 and term.unicode


def test_terminal_defaults_without_columns(monkeypatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    term = Terminal.of(_Stream(False, "latin-1"))
    assert term.width == 80 and not term.unicode and term.rule == "-"


@given(st.sampled_from([None, "", "0", "1", "yes"]), st.sampled_from([None, "", "0", "1"]),
       st.sampled_from([None, "xterm-256color", "dumb", "unknown", "DUMB"]), st.booleans())
def test_live_display_is_chosen_as_rich_would_choose_it(tty_compatible, force_color, term,
                                                        isatty) -> None:
    """Fetch decides live display or log lines without importing rich: the decision
    must be rich's own (a terminal that is not dumb), for every environment."""
    import os
    from unittest import mock

    from rich.console import Console

    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return isatty

    env = {k: v for k, v in os.environ.items()
           if k not in ("TTY_COMPATIBLE", "FORCE_COLOR", "TERM", "NO_COLOR")}
    for name, value in (("TTY_COMPATIBLE", tty_compatible), ("FORCE_COLOR", force_color),
                        ("TERM", term)):
        if value is not None:
            env[name] = value
    with mock.patch.dict(os.environ, env, clear=True):
        stream = Stream()
        rich_console = Console(file=stream)
        expected = rich_console.is_terminal and not rich_console.is_dumb_terminal
        assert Terminal.of(stream).live == expected


@given(st.lists(st.integers(0, 3), min_size=1, max_size=40))
def test_year_rows_cover_every_year_once_in_order(counts: list[int]) -> None:
    from sora_refs.cli.tables import _year_rows

    years = [{"year": 1980 + i, "count": c, "share": 0.0} for i, c in enumerate(counts)]
    covered: list[int] = []
    for label, y in _year_rows(years):
        first, _, last = label.partition("–")
        span = list(range(int(first), int(last or first) + 1))
        assert y["year"] == span[0]
        assert len(span) == 1 or (len(span) >= 3 and not any(counts[n - 1980] for n in span))
        covered += span
    assert covered == [y["year"] for y in years]
    # No run of three empty years is left as single rows.
    singles = "".join("0" if label.isdigit() and not y["count"] else "x"
                      for label, y in _year_rows(years))
    assert "000" not in singles
