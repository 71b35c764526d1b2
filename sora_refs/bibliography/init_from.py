"""``sora-refs init NEW.yaml --from SOURCE``: any paper's bibliography as a manifest.

Read the source (a web page or its saved copy, a PDF, an arXiv id whose LaTeX
source holds the formatted bibliography, a BibTeX file, a plain list), extract
its citations (:mod:`sora_refs.bibliography.citations`), derive categories from the
source's own structure (:mod:`sora_refs.bibliography.categories`), look each up (the
venues' open indexes, arXiv, then Crossref and Unpaywall for what neither has: the
modules of :mod:`sora_refs.bibliography.resolvers`), and write a manifest that validates
(:mod:`sora_refs.bibliography.draft`): resolved references with the sources' metadata,
the others kept with what was printed and flagged, so ``fetch`` still tries the URLs
the citation gives.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sora_refs.bibliography.categories import derive
from sora_refs.bibliography.citations import Citation, extract, merge_duplicates
from sora_refs.bibliography.draft import Row, build
from sora_refs.bibliography.resolvers import identities
from sora_refs.bibliography.resolvers.arxiv import Resolution, Resolver
from sora_refs.bibliography.resolvers.doi import DoiFinder, Found, Wanted
from sora_refs.bibliography.resolvers.venues import Copy, VenueFinder
from sora_refs.bibliography.source import ARXIV_SOURCE, read_source
from sora_refs.errors import UsageError
from sora_refs.net.mirrors import Mirror, redact
from sora_refs.text import plural


@dataclass
class Result:
    text: str                  # the manifest, as YAML
    rows: list[Row]
    source: str
    kind: str
    requests: int
    cached: int
    seconds: float
    notes: list[str] = field(default_factory=list)  # parts of the source that were skipped
    stopped: str = ""          # why lookups stopped early (arXiv unreachable), if they did
    interrupted: bool = False  # Ctrl-C or SIGTERM during the lookups
    venue_requests: dict[str, int] = field(default_factory=dict)  # per venue host
    venue_cached: int = 0
    unavailable: dict[str, str] = field(default_factory=dict)  # venue host -> its answer
    doi_requests: dict[str, int] = field(default_factory=dict)  # Crossref, Unpaywall
    doi_cached: int = 0
    doi_unavailable: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.stopped and all(r.status == "resolved" for r in self.rows)

# ---------------------------------------------------------------- the whole job


def run(source: str, title: str | None, mirrors: Sequence[Mirror], delay: float,
        progress: Callable[[str], None] = lambda message: None,
        target: Path | None = None) -> Result:
    """Read, extract, derive, then resolve, and return the manifest text (the caller
    writes the file).

    The list is built and validated *before* the first lookup, and built again from
    whatever the lookups found when they end, however they end: arXiv unreachable or
    refusing (``Result.stopped``), Ctrl-C or SIGTERM (``Result.interrupted``). So the
    work of reading the source is never lost, and a re-run, served from the cache,
    continues where this one stopped.

    Raises:
        UsageError: the source cannot be read or holds no reference list.
    """
    from sora_refs.net.api import ApiError

    started = time.monotonic()
    resolver = Resolver(mirrors, delay, progress=progress)
    last = [0.0]

    def pace() -> None:  # arXiv's rule for the e-print and PDF requests too
        wait = last[0] + delay - time.monotonic()
        if last[0] and wait > 0:
            time.sleep(wait)
        last[0] = time.monotonic()

    doc = read_source(source, mirrors, pace, progress)
    shown = redact(source)  # a password in the URL is never printed or written
    cites = _citations(doc, shown)
    tree, paths = derive(cites, doc.body, fallback="Introduction")
    name = title or (f"{doc.title}: references" if doc.title else _name_of(shown))

    copies: dict[int, Copy] = {}
    dois: dict[int, Found] = {}

    def draft(found: dict[int, Resolution], missing: str) -> tuple[str, list[Row]]:
        text, rows = build(name, source, cites, found, tree, paths, missing, copies, dois)
        _must_load(text, target)
        return text, rows

    draft({}, "not looked up yet")  # a list that loads, before anything is spent
    found: dict[int, Resolution] = {}
    stopped, interrupted = "", False
    resolver._last = last[0]
    venues = VenueFinder(mirrors, progress=progress)
    who = identities.load()
    finder = DoiFinder(mirrors, who, progress=progress)
    try:
        copies.update(venues.find([(c.number, c.title, c.authors[0] if c.authors else "",
                                    c.year, c.venue, c.text) for c in cites]))
        resolver.resolve(cites, found)
        finder.find(_unconfirmed(cites, found, copies), dois)
    except ApiError as exc:
        stopped = str(exc)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        resolver.close()
        venues.close()
        finder.close()
    missing = ("not looked up: interrupted" if interrupted else
               f"not looked up: {stopped}" if stopped else "not resolved")
    text, rows = draft(found, missing)
    return Result(text, rows, shown, doc.kind, resolver.requests, resolver.cached,
                  time.monotonic() - started, [*doc.notes, *_doi_notes(finder, who)],
                  stopped, interrupted,
                  venues.requests, venues.cached, venues.unavailable, finder.asker.requests,
                  finder.asker.cached, finder.asker.unavailable)


def _citations(doc: Any, shown: str) -> list[Citation]:
    """The source's citations, one per work, or a usage error when it holds none."""
    cites = merge_duplicates(extract(doc))
    if not cites:
        raise UsageError(f"found no reference list in {shown}: no numbered entries under a "
                         "'References' heading, and no entries to read.")
    _must_read_as_citations(cites, shown)
    return cites


def _doi_notes(finder: DoiFinder, who: identities.Identities) -> list[str]:
    notes = [*who.notes, *finder.notes]
    if finder.unpaywall_skipped:
        notes.append(f"{plural(finder.unpaywall_skipped, 'DOI')} found on Crossref with no "
                     "open copy OpenAlex knows could still have one: Unpaywall, which says "
                     "where, answers only with an "
                     f"e-mail address (set {identities.EMAIL_ENV}, or 'email:' in "
                     f"{identities.config_path()}), then run again.")
    return notes


def _unconfirmed(cites: Sequence[Citation], found: dict[int, Resolution],
                 copies: dict[int, Copy]) -> list[Wanted]:
    """The citations arXiv did not resolve and no venue index listed, that Crossref
    could find: a title of a few words, or a printed DOI."""
    from sora_refs.text import compact

    out = []
    for c in cites:
        res, copy = found.get(c.number), copies.get(c.number)
        if (res is not None and res.status == "resolved") or \
                (copy is not None and copy.state == "found"):
            continue
        if c.dois or len(compact(c.title)) >= 12:
            out.append(Wanted(c.number, c.title, c.authors[0] if c.authors else "", c.year,
                              c.dois[0] if c.dois else ""))
    return out


def _reads_as_citation(c: Citation) -> bool:
    """An entry a bibliography could hold: a year or an identifier, or a title of a few
    words, and none of the markup of tables, pages and images (``|``, ``<``, ``{``)."""
    if re.search(r"[|<>{}]", c.text):
        return False
    return bool(c.year or c.arxiv or c.dois or len(c.title.split()) >= 3)


def _must_read_as_citations(cites: Sequence[Citation], shown: str) -> None:
    """Refuse, before any lookup, a source that is not a bibliography (an SVG, a README's
    table): it was searched on arXiv line by line."""
    good = sum(map(_reads_as_citation, cites))
    if good * 2 < len(cites):
        raise UsageError(f"{shown} does not read as a reference list: of its "
                         f"{len(cites)} entries, {good} look like citations (a title, a year "
                         "or an identifier, no table or markup). Give a paper, its page, a "
                         "BibTeX file or a plain list of citations.")


def _name_of(source: str) -> str:
    """A title for a list whose source names none: the arXiv id or file name as given,
    never cut at its dot ('2212.09748' stays whole)."""
    m = ARXIV_SOURCE.match(source.strip())
    if m:
        return f"References of arXiv:{m.group(1)}"
    path = Path(source)
    return f"References of {path.name if path.suffix else source}"


def _must_load(text: str, target: Path | None) -> None:
    """The text init writes must load; if it does not, that is sora-refs' own bug."""
    from sora_refs.errors import ManifestError
    from sora_refs.readinglist.manifest import parse_manifest

    try:
        parse_manifest(text, target or Path("the new manifest"))
    except ManifestError as exc:
        raise RuntimeError(f"init --from built a manifest that does not load: {exc}") from None
