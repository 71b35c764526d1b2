"""DOIs and open copies for the citations arXiv and the venue indexes left without a
paper: Crossref finds the DOI (or confirms a printed one), Unpaywall says where its
open PDF is, OpenAlex where Unpaywall was not asked or knew none; with an API key,
Semantic Scholar's title match finds what Crossref has no record of (papers without
a DOI, often with an arXiv id).

A citation is asked about only when neither arXiv nor a venue index confirmed it, so a
bibliography of arXiv papers sends no request here. Each answer is one of *found* (a
record with the cited title and first author, or year), *miss* (Crossref answered and
has no such record, or several), or *unavailable* (the host could not be read: the
report names it, and the citation is not called "not found").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sora_refs.bibliography.resolvers import (
    crossref,
    openalex,
    publishers,
    semanticscholar,
    unpaywall,
)
from sora_refs.bibliography.resolvers.asking import Asker, Unavailable, host_of
from sora_refs.bibliography.resolvers.identities import Identities
from sora_refs.net.mirrors import Mirror
from sora_refs.text import compact, surname

KEEP = 30 * 24 * 3600.0  # a per-citation answer is asked again after a month


@dataclass
class Found:
    """What Crossref and Unpaywall say of one citation."""

    state: str                    # found, miss, unavailable
    doi: str = ""
    work: crossref.Work | None = None
    pdfs: list[str] = field(default_factory=list)
    detail: str = ""
    arxiv: str = ""               # an arXiv id the record gives (Semantic Scholar)
    said_by: str = "Crossref"     # which service found the record


@dataclass(frozen=True)
class Wanted:
    number: int
    title: str
    author: str
    year: int | None
    doi: str = ""                 # a DOI the citation printed


class DoiFinder:
    """Asks Crossref, then Unpaywall, one citation after another, within their limits."""

    def __init__(self, mirrors: Sequence[Mirror], identities: Identities,
                 cache: Path | None = None, client: object = None,
                 progress: Callable[[str], None] | None = None) -> None:
        from sora_refs.readinglist.manifest import cache_dir

        self.asker = Asker(mirrors, cache if cache is not None else cache_dir() / "dois",
                           client, progress)
        self.email = identities.email
        self.s2_key = identities.s2_key
        self.openalex_key = identities.openalex_key
        self.unpaywall_skipped = 0   # DOIs Unpaywall was not asked about (no e-mail)
        self.notes: list[str] = []   # for the report: what was done instead, and why

    def find(self, wanted: Sequence[Wanted], out: dict[int, Found] | None = None
             ) -> dict[int, Found]:
        """Answers by citation number, written into ``out`` as they come (Ctrl-C keeps
        what was found)."""
        import time

        from sora_refs.text import time_left

        out = {} if out is None else out
        started = time.monotonic()
        for i, w in enumerate(wanted, 1):
            # What is left, at the pace so far (cache hits and Unpaywall included).
            left = time_left((time.monotonic() - started) / (i - 1) * (len(wanted) - i + 1)
                             if i > 1 else 0.0)
            self.asker.progress(f"asking Crossref: {i} of {len(wanted)}"
                                + (f" ({left})" if left else ""))
            out[w.number] = self._one(w)
        return out

    def _one(self, w: Wanted) -> Found:
        """Crossref's answer, else (with a key) Semantic Scholar's; "miss" only when every
        service asked answered, "unavailable" when one could not be read."""
        try:
            found = self._crossref(w)
        except Unavailable as exc:
            found = Found("unavailable", w.doi, detail=str(exc))
        if found.state != "found" and self.s2_key:
            other = self._semantic_scholar(w)
            if other.state == "found" or found.state == "miss":
                found = other if other.state != "miss" else Found(
                    "miss", detail=f"{found.detail}; {other.detail}")
        if found.state == "found":
            self._open_copies(found)
        return found

    def _semantic_scholar(self, w: Wanted) -> Found:
        try:
            records = self._ask(semanticscholar.match_url(w.title), semanticscholar.parse,
                                {"x-api-key": self.s2_key}, semanticscholar.SPACING)
        except Unavailable as exc:
            return Found("unavailable", detail=str(exc))
        if not records:
            return Found("miss", detail="Semantic Scholar has no record of this title")
        r = records[0]
        found = match([crossref.Work(r.doi, r.title, r.authors, r.year, r.venue)],
                      Wanted(w.number, w.title, w.author, w.year))
        if found.state != "found":
            return Found("miss", detail=found.detail.replace("Crossref", "Semantic Scholar"))
        found.arxiv, found.said_by = r.arxiv, "Semantic Scholar"
        found.pdfs = [r.pdf] if r.pdf else []
        return found

    def _open_copies(self, found: Found) -> None:
        """The publisher's own PDF where the DOI names it (ACL Anthology), else
        Unpaywall's open PDFs of the DOI (with an e-mail address), else OpenAlex's."""
        if not found.doi:
            return
        own = publishers.open_pdf(found.doi)
        if own:
            found.pdfs = list(dict.fromkeys([own, *found.pdfs]))
            return
        known = list(found.pdfs)
        self._unpaywall(found)
        if not found.pdfs:
            self._openalex(found)
            if not found.pdfs and not self.email:
                self.unpaywall_skipped += 1  # Unpaywall might have known one
        found.pdfs = list(dict.fromkeys([*found.pdfs, *known]))

    def _openalex(self, found: Found) -> None:
        key = openalex.doi_url(found.doi)
        try:
            try:
                pdfs = self._ask(key, openalex.parse, {}, openalex.SPACING,
                                 asked=openalex.with_key(key, self.openalex_key))
            except Unavailable as exc:
                if not (self.openalex_key and "HTTP 401" in str(exc)):
                    raise
                # A refused key: its records by DOI are free without one, so go on so.
                self.openalex_key = ""
                self.asker.unavailable.pop(host_of(key), None)
                self.notes.append("OpenAlex refused the API key given (HTTP 401); it was "
                                  "asked without one")
                pdfs = self._ask(key, openalex.parse, {}, openalex.SPACING)
        except Unavailable as exc:
            found.detail = "; ".join(x for x in (found.detail, f"no open copy looked up on "
                                                 f"OpenAlex: {exc}") if x)
            return
        if pdfs:
            found.pdfs, found.detail = pdfs, ""

    def record(self, doi: str) -> Found:
        """Crossref's record of ``doi`` as it stands (``add`` names the paper by its DOI,
        so there is no cited title to match), with Unpaywall's open PDFs."""
        try:
            works = self._ask(crossref.doi_url(doi), crossref.parse, self._crossref_headers(),
                              crossref.SPACING["polite" if self.email else "public"])
        except Unavailable as exc:
            return Found("unavailable", doi, detail=str(exc))
        if not works:
            return Found("miss", doi, detail=f"Crossref knows no DOI {doi}")
        found = Found("found", works[0].doi, works[0])
        self._open_copies(found)
        return found

    def _crossref(self, w: Wanted) -> Found:
        url = crossref.doi_url(w.doi) if w.doi else crossref.query_url(w.title, w.author,
                                                                        w.year)
        works = self._ask(url, crossref.parse, self._crossref_headers(),
                          crossref.SPACING["polite" if self.email else "public"])
        if works is None:
            return Found("miss", detail=f"Crossref knows no DOI {w.doi}" if w.doi else
                         "Crossref has no record of this title")
        return match(works, w)

    def _unpaywall(self, found: Found) -> None:
        if not self.email:
            return
        key = unpaywall.doi_url(found.doi)
        try:
            pdfs = self._ask(key, unpaywall.parse, {}, unpaywall.SPACING,
                             asked=unpaywall.with_email(key, self.email))
        except Unavailable as exc:
            found.detail = f"no open copy looked up: {exc}"
            return
        found.pdfs = pdfs or []
        if not found.pdfs:
            found.detail = "Unpaywall knows no open PDF of it"

    def _crossref_headers(self) -> dict[str, str]:
        from sora_refs import defaults

        if not self.email:
            return {}
        return {"User-Agent": f"{defaults.USER_AGENT} (mailto:{self.email})"}

    def _ask(self, key: str, parse: Callable[[bytes], list], headers: dict[str, str],
             spacing: float, asked: str = "") -> list | None:
        """A parsed answer, cached under ``key`` (the URL without identities); None when
        the service has no such record."""
        slot = self.asker.slot(key, ".json")
        body = self.asker.from_cache(slot, KEEP)
        if body is not None:
            try:
                return parse(body) if body else None  # empty: no such record
            except ValueError:
                pass
        body = self.asker.get(asked or key, "json", headers, spacing)
        if body is None:
            self.asker.store(slot, b"")
            return None
        try:
            parsed = parse(body)
        except ValueError:
            raise self.asker.give_up(host_of(key), "answered something that is not its "
                                     "JSON") from None
        self.asker.store(slot, body)
        return parsed

    def close(self) -> None:
        self.asker.close()


def match(works: Sequence[crossref.Work], w: Wanted) -> Found:
    """The cited work among Crossref's records: the same title (or the same words up to
    endings, with the first author and the year agreeing), and the first author or the
    year agreeing; one DOI, never one of several. A printed DOI whose record has
    another title is not taken."""
    from sora_refs.bibliography.resolvers.arxiv import close_titles

    want, first = compact(w.title), surname(w.author) if w.author else ""

    def author_agrees(x: crossref.Work) -> bool:
        return bool(first and x.authors and surname(x.authors[0]) == first)

    def year_agrees(x: crossref.Work) -> bool:
        return w.year is not None and x.year is not None and abs(x.year - w.year) <= 1

    if w.doi and len(want) < 8:  # a printed DOI and no readable title: the DOI says it
        return Found("found", works[0].doi, works[0]) if works else Found("miss")
    same = [x for x in works if compact(x.title) == want
            and (author_agrees(x) or year_agrees(x))]
    same = same or [x for x in works if author_agrees(x) and year_agrees(x)
                    and close_titles(x.title, w.title)]
    dois = {x.doi.lower() for x in same}
    if len(dois) == 1:
        return Found("found", same[0].doi, same[0])
    if dois:
        return Found("miss", detail=f"{len(dois)} Crossref records have this title "
                                    f"({', '.join(sorted(dois)[:3])})")
    near = [x.title for x in works if compact(x.title) == want]
    return Found("miss", detail=(f"Crossref's record of DOI {w.doi} has another title"
                                 if w.doi else "Crossref has no record of this title"
                                 + (" by this first author or year" if near else "")))
