"""``sora-refs init NEW.yaml --from SOURCE``: any paper's bibliography as a manifest.

Read the source (a web page or its saved copy, a PDF, an arXiv id whose LaTeX
source holds the formatted bibliography, a BibTeX file, a plain list), extract
its citations (:mod:`sora_refs.bibliography.citations`), resolve them on arXiv
(:mod:`sora_refs.bibliography.resolvers.arxiv`), derive categories from the source's own structure
(:mod:`sora_refs.bibliography.categories`), and write a manifest that validates: resolved
references with arXiv's metadata, the others kept with what was printed and
flagged, so ``fetch`` still tries the URLs the citation gives.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sora_refs.bibliography.categories import Node, derive
from sora_refs.bibliography.citations import Citation, extract, merge_duplicates
from sora_refs.bibliography.resolvers.arxiv import Resolution, Resolver
from sora_refs.bibliography.resolvers.venues import Copy, VenueFinder
from sora_refs.bibliography.source import ARXIV_SOURCE, read_source
from sora_refs.errors import UsageError
from sora_refs.net.mirrors import Mirror, redact
from sora_refs.readinglist.validate import RESOLUTIONS
from sora_refs.text import ARXIV_RE, arxiv_base, printable, shorten, slugify, surname


@dataclass
class Row:
    """One reference in the report."""

    n: int
    printed: str
    status: str
    how: str
    arxiv: str | None
    url: str | None
    category: str
    reason: str = ""
    candidates: list[str] = field(default_factory=list)
    venue: str = ""            # the venue copy's state: found, miss, unavailable, or ""
    venue_detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"n": self.n, "printed": self.printed, "status": self.status,
                "how": self.how or None, "arxiv": self.arxiv, "url": self.url,
                "category": self.category, "reason": self.reason or None,
                "candidates": self.candidates, "venue_copy": self.venue or None,
                "venue_detail": self.venue_detail or None}


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

    @property
    def complete(self) -> bool:
        return not self.stopped and all(r.status == "resolved" for r in self.rows)


# ---------------------------------------------------------------- writing the manifest


def _slug_tree(tree: dict[str, Node]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(slug, title, [(child slug, child title)]) with slugs unique among siblings."""
    out = []
    used: set[str] = set()
    for node in tree.values():
        slug = _unique(slugify(node.title, 40), used)
        kids: set[str] = set()
        out.append((slug, node.title, [(_unique(slugify(c.title, 40), kids), c.title)
                                      for c in node.children.values()]))
    return out


def _unique(slug: str, used: set[str]) -> str:
    base, i = slug.strip("-") or "x", 2
    slug = base
    while slug in used:
        slug, i = f"{base[:36].rstrip('-')}-{i}", i + 1
    used.add(slug)
    return slug


def _quote(text: object) -> str:
    """Any value as YAML that reads back as exactly that value (JSON is YAML): a slug
    '2016', a title 'null' or 'yes', a phrase with ': ' or '#' all stay strings."""
    import json

    return json.dumps(text, ensure_ascii=False)


def _text(value: str) -> str:
    """Outside text as it goes into the manifest: one line, no control characters."""
    return " ".join(printable(value).split())


def _urls(c: Citation, ident: str | None, venue_pdf: str = "") -> list[str]:
    """The venue's copy first (the version the citation means), arXiv's after, then
    what the citation printed."""
    from sora_refs.readinglist.validate import URL_RE

    printed = [u for u in c.urls if "arxiv.org" not in u and URL_RE.match(u)]
    first = [venue_pdf] if venue_pdf and URL_RE.match(venue_pdf) else []
    if c.link in printed:  # the entry's own link (a BibTeX url) before arXiv's
        first.append(c.link)
    return list(dict.fromkeys(first + ([f"https://arxiv.org/pdf/{ident}"] if ident else [])
                              + printed))


# long: one reference's every field, each with its rule, reads best in one place
def _entry(i: int, c: Citation, res: Resolution, category: str, taken: set[str],
           copy: Copy | None = None) -> tuple[dict[str, object], Row]:
    """One reference's fields, from the citation and what became of it. Nothing is
    invented: a year, venue or author the citation does not give stays out."""
    from sora_refs.readinglist.editing import make_key

    paper = res.paper if res.status == "resolved" else None
    venue_paper = copy.paper if copy is not None and copy.state == "found" else None
    if paper is None and venue_paper is not None:  # the venue's index confirms it
        res = Resolution("resolved", "venue index", reason="")
    named = paper.authors if paper else venue_paper.authors if venue_paper else c.authors
    authors = [a for a in (_text(x) for x in named) if a] or \
        [a for a in (_text(x) for x in c.authors) if a]
    year = c.year or (paper.year if paper else None)
    read = _text(paper.title if paper else venue_paper.title if venue_paper else c.title)
    ref_title = read or shorten(_text(c.text), 120) or f"Reference {i}"
    ident = _arxiv_of(c, res) or None
    urls = _urls(c, ident, venue_paper.pdf if venue_paper else "")
    key = make_key(surname(authors[0]) if authors else "anon", year, ref_title, taken)
    taken.add(key.lower())
    where = f"cited in “{_text(c.section)}”: " if c.section else "cited: "
    note = (where + shorten(_text(c.sentence), 220)) if c.sentence else \
        f"filed under “{_text(' › '.join(c.filed))}” in the source" if c.filed else \
        "listed in the references; not cited in the text"
    if not read:
        note += " (no title could be read in the citation: the title is the text as printed)"
    if ident and not paper:
        note += f" (arXiv id {ident} as printed, not confirmed by arXiv)"
    if c.duplicates:
        note += f" (listed {len(c.duplicates) + 1} times in the references)"
    reason = res.reason
    fields: dict[str, object] = {"n": i, "key": key, "title": ref_title, "authors": authors}
    if year:
        fields["year"] = year
    venue = c.venue or ("arXiv" if paper else "")
    if venue:
        fields["venue"] = venue
    if ident:
        fields["arxiv"] = ident
    if c.dois:
        fields["doi"] = c.dois[0]
    cited = shorten(_text(" | ".join([c.text, *c.duplicates])), 500) or ref_title
    fields.update({"urls": urls, "category": category, "note": _text(note), "cited": cited,
                   "resolution": res.status if res.status in RESOLUTIONS else "unresolved"})
    row = Row(i, shorten(_text(c.text), 70), res.status, res.how, ident,
              urls[0] if urls else None, category, reason,
              [f"{p.id}: {p.title}" for p in res.candidates],
              copy.state if copy else "", copy.detail if copy else "")
    return fields, row


def build(title: str, source: str, cites: Sequence[Citation],
          resolutions: dict[int, Resolution], tree: dict[str, Node],
          paths: dict[int, tuple[str, ...]], missing: str = "not resolved",
          copies: dict[int, Copy] | None = None) -> tuple[str, list[Row]]:
    """The manifest text and the report rows; ``missing`` is the reason given for a
    citation that has no resolution (not looked up yet, arXiv unreachable, ...)."""
    from sora_refs.readinglist.editing import entry_text

    slugs = _slug_tree(tree)
    by_title = {t: (s, {ct: cs for cs, ct in kids}) for s, t, kids in slugs}
    lines = [f"# Made by `sora-refs init --from {_text(redact(source))}`: the references of",
             "# that source, resolved on arXiv and the venues' open indexes where they could be;",
             "# a venue's own PDF comes first, arXiv's after. Entries with a `resolution`",
             "# other than resolved kept what was printed: check them before fetching.",
             f"title: {_quote(_text(title) or 'References')}", "", "categories:"]
    for slug, t, kids in slugs:
        lines += [f"  - slug: {_quote(slug)}", f"    en: {_quote(_text(t) or slug)}"]
        if kids:
            lines.append("    children:")
            for cs, ct in kids:
                lines += [f"      - slug: {_quote(cs)}", f"        en: {_quote(_text(ct) or cs)}"]
    lines += ["", "references:"]
    taken: set[str] = set()
    rows, entries = [], []
    for i, c in enumerate(_one_per_paper(cites, resolutions), 1):
        res = resolutions.get(c.number, Resolution("unresolved", reason=missing))
        titles = paths[c.number]
        top, kids = by_title[titles[0]]
        category = top + (f"/{kids[titles[1]]}" if len(titles) > 1 else "")
        fields, row = _entry(i, c, res, category, taken, (copies or {}).get(c.number))
        entries.append(entry_text(fields, 2, 4))
        rows.append(row)
    text = "\n".join(lines) + "\n" + "".join(entries)
    if not entries:
        text = text.replace("references:\n", "references: []\n")
    return text, rows


def _one_per_paper(cites: Sequence[Citation],
                   resolutions: dict[int, Resolution]) -> list[Citation]:
    """Entries that arXiv resolved to the same paper become one reference, the first,
    which keeps the others' printed text (a bibliography that lists a paper under its
    NeurIPS title and again under its arXiv title). The citations are not changed: the
    list is built again after more lookups."""
    from dataclasses import replace

    out: list[Citation] = []
    first: dict[str, Citation] = {}
    for c in cites:
        ident = _arxiv_of(c, resolutions.get(c.number))
        if ident not in first:
            out.append(replace(c, duplicates=list(c.duplicates)))
            if ident:
                first[ident] = out[-1]
            continue
        kept = first[ident]
        kept.duplicates += [c.text, *c.duplicates]
        if not kept.sentence and c.sentence:
            kept.section, kept.sentence, kept.group = c.section, c.sentence, c.group
    return out


def _arxiv_of(c: Citation, res: Resolution | None) -> str:
    """The arXiv id an entry will carry: arXiv's answer, else the id it printed."""
    if res is not None and res.status == "resolved" and res.paper is not None:
        return arxiv_base(res.paper.id)
    printed = [a for a in c.arxiv if ARXIV_RE.match(a)]
    return arxiv_base(printed[0]) if printed else ""


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
    cites = merge_duplicates(extract(doc))
    if not cites:
        raise UsageError(f"found no reference list in {shown}: no numbered entries under a "
                         "'References' heading, and no entries to read.")
    _must_read_as_citations(cites, shown)
    tree, paths = derive(cites, doc.body, fallback="Introduction")
    name = title or (f"{doc.title}: references" if doc.title else _name_of(shown))

    copies: dict[int, Copy] = {}

    def draft(found: dict[int, Resolution], missing: str) -> tuple[str, list[Row]]:
        text, rows = build(name, source, cites, found, tree, paths, missing, copies)
        _must_load(text, target)
        return text, rows

    draft({}, "not looked up yet")  # a list that loads, before anything is spent
    found: dict[int, Resolution] = {}
    stopped, interrupted = "", False
    resolver._last = last[0]
    venues = VenueFinder(mirrors, progress=progress)
    try:
        copies.update(venues.find([(c.number, c.title, c.authors[0] if c.authors else "",
                                    c.year, c.venue) for c in cites]))
        resolver.resolve(cites, found)
    except ApiError as exc:
        stopped = str(exc)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        resolver.close()
        venues.close()
    missing = ("not looked up: interrupted" if interrupted else
               f"not looked up: {stopped}" if stopped else "not resolved")
    text, rows = draft(found, missing)
    return Result(text, rows, shown, doc.kind, resolver.requests, resolver.cached,
                  time.monotonic() - started, doc.notes, stopped, interrupted,
                  venues.requests, venues.cached, venues.unavailable)


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
