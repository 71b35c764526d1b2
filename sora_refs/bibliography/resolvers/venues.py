"""Venue copies: the published PDF from the venue's own open index, for any citation
whose venue has one (CVF, NeurIPS, ICLR 2024+, MLSys, PMLR, ECVA, the ACL Anthology,
JMLR, IJCAI).

Sources are data. :data:`SOURCES` says which module reads a venue's index; each such
module has ``index_url(venue, year)`` (one URL holds every paper of a venue-year, or
None), or ``index_urls`` where a venue-year is split over several pages (CVPR 2019 and
2020, by day), and ``parse(body, url, year)`` (the papers, each with its title, authors
and the PDF the index links); optionally ``printed_urls(venue, year, cited)``, the
index of a volume the citation prints (JMLR, PMLR), and ``PDF_HOSTS``. Adding a venue
is one entry here and, for a new kind of site, one module beside this one.

An index is asked once per run and shared by every citation of that venue-year, and
cached: proceedings do not change, so a second run asks nothing (ECVA's one page grows
with each ECCV and is refreshed after a week). Every answer is one of:

* ``found``: the index lists the cited title (case, accents and punctuation aside, or
  the same words up to endings) with the same first author; one paper, one PDF.
* ``miss``: the index was read and does not list it, or lists it ambiguously, or the
  venue-year has no index.
* ``unavailable``: the host could not be read as an index: offline, 403/429/5xx, a
  bot-check page (Anubis, a challenge), HTML where YAML was expected, a page with no
  papers. A host found unavailable is not asked again in the run, and is named in the
  report with what it answered.

Nothing is guessed: a hash, file name or volume is only ever taken from an index. And
an index is believed about its own site only: a PDF it links elsewhere (another host, a
``file:`` or ``javascript:`` link) is no venue copy, whoever served the page. A source
whose PDFs live on another host says so in ``PDF_HOSTS`` (PMLR's on GitHub).
"""

from __future__ import annotations

import importlib
import posixpath
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sora_refs.bibliography.resolvers.asking import Asker, Unavailable, host_of
from sora_refs.net.mirrors import Mirror
from sora_refs.readinglist.manifest import cache_dir
from sora_refs.text import compact, surname


@dataclass(frozen=True)
class Paper:
    """One paper as a venue index lists it."""

    title: str
    authors: tuple[str, ...]
    pdf: str


@dataclass
class Copy:
    """What the venue's index says of one citation."""

    state: str                  # found, miss, unavailable
    venue: str = ""
    pdf: str = ""
    paper: Paper | None = None
    detail: str = ""


# Which module reads which venue's index (a module of this package).
SOURCES = {"CVPR": "cvf", "ICCV": "cvf", "WACV": "cvf", "NeurIPS": "neurips", "ICLR": "neurips",
           "ICML": "pmlr", "AISTATS": "pmlr", "UAI": "pmlr", "COLT": "pmlr", "ECCV": "ecva",
           "ACL": "acl", "NAACL": "acl", "EMNLP": "acl", "EACL": "acl", "COLING": "acl",
           "JMLR": "jmlr", "CoRL": "pmlr", "MLSys": "neurips", "PMLR": "pmlr",
           "IJCAI": "ijcai"}

# Growing pages (ECVA's gains each ECCV, an ACL event page its workshops, a JMLR volume
# its papers through its year and after); the others are kept for good.
REFRESH = {"ecva": 7 * 24 * 3600.0, "acl": 7 * 24 * 3600.0, "jmlr": 7 * 24 * 3600.0}


def venue_of(printed: str) -> str | None:
    """The venue with an index that a list's venue field, or a citation's venue text,
    names, if any (the names are :mod:`sora_refs.readinglist.venues`')."""
    from sora_refs.readinglist.venues import by_name, named_in

    venue = by_name(printed) or named_in(printed)
    return venue.name if venue and venue.name in SOURCES else None


def _module(venue: str) -> Any:
    return importlib.import_module(f"sora_refs.bibliography.resolvers.{SOURCES[venue]}")


def index_urls(venue: str, year: int, cited: str = "") -> tuple[str, ...]:
    """Every page that lists ``venue``'s papers of ``year`` (none: it has no open index).

    A source may also read the volume a citation prints (``printed_urls``: JMLR's
    '12:2121–2159', PMLR's 'volume 119 of Proceedings of Machine Learning Research'):
    that volume is asked first, then the year's, for a journal's volume year can differ
    from the year a citation prints."""
    module = _module(venue)
    printed = printed_urls(venue, year, cited)
    if hasattr(module, "index_urls"):
        by_year = list(module.index_urls(venue, year))
    else:
        url = module.index_url(venue, year)
        by_year = [url] if url else []
    return tuple(dict.fromkeys(printed + by_year))


def printed_urls(venue: str, year: int, cited: str) -> list[str]:
    """The index pages of the volume a citation prints, where its source reads one."""
    module = _module(venue)
    return list(module.printed_urls(venue, year, cited)) if (
        cited and hasattr(module, "printed_urls")) else []


class VenueFinder:
    """Finds venue copies, one index request per venue-year, counting what it asked."""

    def __init__(self, mirrors: Sequence[Mirror] = (), cache: Path | None = None,
                 client: object = None, progress: Callable[[str], None] | None = None) -> None:
        self.asker = Asker(mirrors, cache if cache is not None else cache_dir() / "venues",
                           client, progress)
        self._indexes: dict[tuple[str, ...], list[Paper] | Unavailable | None] = {}

    @property
    def requests(self) -> dict[str, int]:
        return self.asker.requests

    @property
    def cached(self) -> int:
        return self.asker.cached

    @property
    def unavailable(self) -> dict[str, str]:
        return self.asker.unavailable

    def find(self, wanted: Sequence[tuple[int, str, str, int | None, str, str]]
             ) -> dict[int, Copy]:
        """``wanted``: (number, title, first author, year, venue, the citation as
        printed, or "") per citation."""
        out: dict[int, Copy] = {}
        for number, title, author, year, printed, cited in wanted:
            venue = venue_of(printed)
            if venue is None or year is None or not title:
                continue
            index = self._index(venue, year, cited)
            if isinstance(index, Unavailable):
                out[number] = Copy("unavailable", venue, detail=str(index))
            elif index is None:
                out[number] = Copy("miss", venue, detail=f"no open index for {venue} {year}")
            else:
                out[number] = match(index, title, author, venue, year)
        return out

    def _index(self, venue: str, year: int, cited: str = ""
               ) -> list[Paper] | Unavailable | None:
        """Every paper of the venue-year, from all its pages (None: no index, or none of
        its pages exists); one unreadable page makes the whole index unavailable, for a
        paper missing from the pages read might be on that one."""
        urls = index_urls(venue, year, cited)
        if urls not in self._indexes:
            module = _module(venue)
            printed = printed_urls(venue, year, cited)
            names = [f"{venue} volume {_volume(url)} (the volume cited)" if url in printed
                     else f"the {venue} {year} index" for url in urls]
            try:
                pages = [self._read(module, url, year, name)
                         for url, name in zip(urls, names, strict=True)]
                read = [p for p in pages if p is not None]
                self._indexes[urls] = [x for p in read for x in p] if read else None
            except Unavailable as exc:
                self._indexes[urls] = exc
        return self._indexes[urls]

    def _read(self, module: Any, url: str, year: int, what: str) -> list[Paper] | None:
        """One index page, from the cache or its host; ``what`` names it in progress."""
        slot = self.asker.slot(url, ".index")
        refresh = REFRESH.get(module.__name__.rsplit(".", 1)[-1])
        stale: list[Paper] | None = None
        try:
            stale = _papers(module, slot.read_bytes(), url, year)
            if refresh is None or time.time() - slot.stat().st_mtime < refresh:
                self.asker.cached += 1
                return stale
        except (OSError, Unavailable):
            pass
        try:
            return self._ask(module, url, year, what, slot)
        except Unavailable:
            if stale is None:
                raise
            self.asker.cached += 1  # a growing page due a refresh, its host unreachable:
            return stale            # the copy read last time still lists what it listed

    def _ask(self, module: Any, url: str, year: int, what: str,
             slot: Path) -> list[Paper] | None:
        host = host_of(url)
        if host not in self.unavailable:
            self.asker.progress(f"reading {what} at {host}")
        body = self.asker.get(url, "yaml" if url.endswith(".yaml") else "html")
        if body is None:
            return None  # no such index (a year not published yet): a miss
        try:
            papers = _papers(module, body, url, year)
            if not papers:
                raise Unavailable("answered a page that lists no papers (a block page, or "
                                  "a new layout sora-refs cannot read yet)")
        except Unavailable as exc:
            raise self.asker.give_up(host, str(exc)) from None
        self.asker.store(slot, body)
        return papers

    def close(self) -> None:
        self.asker.close()


def _volume(url: str) -> str:
    """The volume number in an index page's URL (JMLR's '/papers/v12/', PMLR's '/v119/')."""
    m = re.search(r"/v(?:olume)?(\d+)/", urlsplit(url).path)
    return m[1] if m else "?"


def _papers(module: Any, body: bytes, url: str, year: int) -> list[Paper]:
    """The papers an index page lists whose PDF is on the venue's own site."""
    sites = {host_of(url), *getattr(module, "PDF_HOSTS", ())}
    return [p for p in module.parse(body, url, year) if on_site(p.pdf, sites)]


def on_site(pdf: str, sites: set[str]) -> bool:
    """Whether ``pdf`` is on one of ``sites``: a host, or a host and the path its
    venue's files are under ('raw.githubusercontent.com/mlresearch/')."""
    parts = urlsplit(pdf)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return False
    # As the request will name it: dot segments resolved ('/mlresearch/../x' is '/x'),
    # and percent-encoded ones refused rather than guessed at.
    path = posixpath.normpath(parts.path or "/")
    if "%2e" in parts.path.lower():
        return False
    where = parts.hostname + path
    return any(where.startswith(site) if "/" in site else parts.hostname == site
               for site in sites)


def match(index: Sequence[Paper], title: str, author: str, venue: str, year: int) -> Copy:
    """The cited paper in a venue-year's index: the same title (or the same words up to
    endings) and the same first author; never one of several, never a near miss."""
    from sora_refs.bibliography.resolvers.arxiv import close_titles

    want, first = compact(title), surname(author) if author else ""

    def same_author(p: Paper) -> bool:
        return not first or not p.authors or surname(p.authors[0]) == first

    exact = [p for p in index if compact(p.title) == want and same_author(p)]
    close = exact or [p for p in index if first and p.authors and same_author(p)
                      and close_titles(p.title, title)]
    pdfs = {p.pdf for p in close}
    if len(pdfs) == 1:
        return Copy("found", venue, close[0].pdf, close[0])
    if pdfs:
        return Copy("miss", venue, detail=f"{len(pdfs)} papers of {venue} {year} have this "
                                         "title and first author")
    titled = [p for p in index if compact(p.title) == want]
    if titled:
        return Copy("miss", venue, detail=f"{venue} {year} lists this title by another first "
                                         f"author ({titled[0].authors[:1]})")
    return Copy("miss", venue, detail=f"not in the {venue} {year} index")
