"""The reports of the commands that read bibliographies and indexes: ``init --from``
(what each printed reference became) and ``venues`` (a list against the venues' own
indexes). Built from the same table parts as :mod:`sora_refs.cli.render`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType

from sora_refs.cli.render import Col, Fit, fit_path, fitted
from sora_refs.cli.screen import text
from sora_refs.text import middle, number_runs, plural, printable, spoken_list


def init_view(result: Any, path: str | None, width: int = 100) -> RenderableType:
    """The report of `init --from`: one row per reference, then the counts."""
    style = {"resolved": "green", "ambiguous": "yellow", "unresolved": "bold red"}
    cols = [
        Col("#", 3, 9, {"justify": "right", "no_wrap": True}),
        Col("As printed", 24, 8, {"ratio": 3}),
        Col("Status", 10, 10, {"no_wrap": True}),
        Col("How", 12, 3, {"no_wrap": True}),
        Col("arXiv / URL", 12, 6, {"ratio": 2, "no_wrap": True}),
        Col("Category", 18, 5, {"ratio": 2, "no_wrap": True}),
    ]
    rows: list[list[Any]] = []
    for r in result.rows:
        where = r.arxiv or r.url or (f"doi:{r.doi}" if r.doi else "—")
        rows.append([str(r.n), Fit(printable(r.printed)),
                     text(r.status, style=style[r.status]),
                     r.how or "", fit_path(where), fit_path(r.category.rsplit("/", 1)[-1])])
    table = fitted(cols, rows, width, title=middle(
        f"sora-refs init --from {result.source}" + (f" → {path}" if path else ""), width))
    counts = {s: sum(r.status == s for r in result.rows) for s in style}
    said = {"id in text": "by an id in the text", "title search": "by title",
            "venue index": "by a venue's index", "Crossref": "by Crossref"}
    ways = [f"{n} {said.get(h, h)}" for h, n in Counter(
        r.how for r in result.rows if r.status == "resolved").items()]
    table.caption = (f"{plural(len(result.rows), 'reference')}: {counts['resolved']} resolved"
                     + (f" ({', '.join(ways)})" if ways else "") +
                     f", {counts['ambiguous']} ambiguous, {counts['unresolved']} "
                     f"unresolved; {plural(result.requests, 'arXiv request')}, "
                     f"{result.cached} answered from the cache; {result.seconds:.1f} s")
    venue = [r for r in result.rows if r.venue == "found"]
    asked = sum(result.venue_requests.values())
    if venue or asked or result.venue_cached:
        table.caption += (f"; {plural(len(venue), 'venue copy', 'venue copies')} "
                          f"({plural(asked, 'index request')}, {result.venue_cached} from the "
                          "cache)")
    dois = [r for r in result.rows if r.how == "Crossref"]
    asked = sum(result.doi_requests.values())
    if dois or asked:
        opened = sum(1 for r in dois if r.url and "arxiv.org" not in r.url)
        table.caption += (f"; {plural(len(dois), 'DOI')} from Crossref, "
                          f"{plural(opened, 'open copy', 'open copies')} from Unpaywall "
                          f"({plural(asked, 'request')}, {result.doi_cached} from the cache)")
    notes = _init_notes(result)
    return Group(table, *notes) if notes else table


def _init_notes(result: Any) -> list[RenderableType]:
    """Under the table: the run's notes, the hosts that were unavailable, and why each
    reference that did not resolve did not (a reason many share, once)."""
    notes: list[RenderableType] = [text(n, style="yellow") for n in result.notes]
    for hosts, said in _by_answer(result.unavailable):
        notes.append(text(f"{_were(hosts)} unavailable: {_it(hosts)} {said}. "
                          f"{'Its' if len(hosts) == 1 else 'Their'} venue copies are left "
                          "out; arXiv's are listed. Run again later (answers already read "
                          "are cached), or point --mirror at a copy.", style="yellow"))
    for hosts, said in _by_answer(result.doi_unavailable):
        notes.append(text(f"{_were(hosts)} unavailable: {_it(hosts)} {said}. The references "
                          f"{'it' if len(hosts) == 1 else 'they'} would have been asked about "
                          "are not called missing: run again later, or point --mirror at a "
                          "copy.", style="yellow"))
    from rich.padding import Padding

    shared = Counter(r.reason for r in result.rows
                     if r.status != "resolved" and r.reason and not r.candidates)
    grouped: dict[str, list[int]] = {}
    for r in result.rows:
        if r.status == "resolved":
            continue
        if shared[r.reason] > 1 and not r.candidates:
            grouped.setdefault(r.reason, []).append(r.n)
            continue
        notes.append(text(f"{r.n}. {r.printed}", style="bold"))
        for line in [r.reason, *r.candidates]:
            if line:
                notes.append(Padding(text(line), (0, 0, 0, 3)))
    for reason, numbers in grouped.items():  # one line for a reason many share (offline)
        notes.append(text(f"{plural(len(numbers), 'reference')}: {number_runs(numbers)}",
                          style="bold"))
        notes.append(Padding(text(reason), (0, 0, 0, 3)))
    return notes


def _by_answer(said: dict[str, str]) -> list[tuple[list[str], str]]:
    """Hosts grouped by what they answered: offline, every host says the same thing, and
    one sentence naming them all says it once."""
    groups: dict[str, list[str]] = {}
    for host, answer in said.items():
        groups.setdefault(answer, []).append(host)
    return [(hosts, answer) for answer, hosts in groups.items()]


def _were(hosts: list[str]) -> str:
    return f"{spoken_list(hosts)} {'was' if len(hosts) == 1 else 'were'}"


def _it(hosts: list[str]) -> str:
    return "it" if len(hosts) == 1 else "each"


_VENUE_STYLE = {"agrees": "green", "listed later": "yellow", "differs": "bold red",
                "missing": "magenta", "not in index": "", "unavailable": "red", "no index": "dim"}


def venue_view(checks: Sequence[Any], unavailable: dict[str, str],
               width: int = 100) -> RenderableType:
    """`sora-refs venues`: each reference's venue copy against its venue's index."""
    cols = [Col("#", 3, 9, {"justify": "right", "no_wrap": True}),
            Col("Title", 24, 10, {"ratio": 2}),
            Col("Venue copy", 12, 9, {"no_wrap": True}),
            Col("The index links", 24, 8, {"ratio": 3, "no_wrap": True})]
    rows = [[str(c.ref.n), Fit(printable(c.ref.title)),
             text(c.state, style=_VENUE_STYLE.get(c.state, "")),
             fit_path(c.index_pdf or c.detail or "—")] for c in checks]
    table = fitted(cols, rows, width, title="sora-refs venues (the venues' open indexes)")
    counts = {s: sum(c.state == s for c in checks) for s in _VENUE_STYLE}
    table.caption = (f"{plural(len(checks), 'reference')} at a venue with an index: " +
                     ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    notes: list[RenderableType] = [
        text(f"{host} was unavailable: it {said}.", style="yellow")
        for host, said in unavailable.items()]
    changed = [c for c in checks if c.proposed]
    if changed:
        notes.append(text(f"{plural(len(changed), 'reference')} would get the index's copy "
                          "first: run again with --write to change your list.", style="bold"))
    return Group(table, *notes) if notes else table
