"""What ``add`` is given, looked up: arXiv ids and URLs on arXiv (in one request), DOIs
on Crossref (then Unpaywall for an open PDF, when an e-mail address is set).

A handle that is neither is refused before any request, with the way to add such a
paper by hand. A source that cannot be reached is a :class:`LookupUnavailable` (exit
1, like every job a host kept from being done); a source that answered and has no such
paper is a usage error (exit 2): in both cases nothing is added.
"""

from __future__ import annotations

from collections.abc import Sequence

from sora_refs.errors import SoraRefsError, UsageError
from sora_refs.net.mirrors import Mirror
from sora_refs.readinglist.new_entries import Paper, from_arxiv, from_crossref
from sora_refs.text import arxiv_in, doi_in


class LookupUnavailable(SoraRefsError):
    """A source ``add`` needed could not be read; nothing was added."""


def kinds(handles: Sequence[str]) -> list[tuple[str, str]]:
    """("arxiv", id) or ("doi", doi) per handle, duplicates dropped.

    Raises:
        UsageError: a handle that is neither.
    """
    out: list[tuple[str, str]] = []
    for raw in handles:
        base, doi = arxiv_in(raw), doi_in(raw)
        if not (base or doi):
            raise UsageError(
                f"{raw!r} is not an arXiv id or URL (e.g. 2212.09748 or "
                "https://arxiv.org/abs/2212.09748) nor a DOI (e.g. 10.1109/CVPR.2016.90); "
                "for a paper with neither, add it by hand: --title \"...\" --author \"...\" "
                "[--year Y --venue V --url PDF-URL].")
        kind = ("arxiv", base) if base else ("doi", doi)
        if kind not in out:
            out.append(kind)
    return out


def look_up(handles: Sequence[str], mirrors: Sequence[Mirror], note: str = "",
            delay: float = 3.0, retries: int = 2) -> list[Paper]:
    """The papers ``handles`` name, in their order.

    Raises:
        UsageError: a handle that is no id, or one no source knows.
        LookupUnavailable: arXiv or Crossref could not be reached.
    """
    wanted = kinds(handles)
    ids = [v for k, v in wanted if k == "arxiv"]
    records: dict[str, object] = {}
    if ids:
        from sora_refs.bibliography.arxiv_api import fetch_records

        records = dict(fetch_records(ids, list(mirrors), delay=delay, retries=retries))
        missing = [i for i in ids if i not in records]
        if missing:
            raise UsageError(f"arXiv knows no paper with the id {', '.join(missing)}; "
                             "nothing was added.")
    dois = {v: _crossref(v, mirrors, note) for k, v in wanted if k == "doi"}
    return [from_arxiv(records[v], note) if k == "arxiv" else dois[v]  # type: ignore[arg-type]
            for k, v in wanted]


def _crossref(doi: str, mirrors: Sequence[Mirror], note: str) -> Paper:
    from sora_refs.bibliography.resolvers import identities
    from sora_refs.bibliography.resolvers.doi import DoiFinder

    finder = DoiFinder(mirrors, identities.load())
    try:
        found = finder.record(doi)
    finally:
        finder.close()
    if found.state == "unavailable":
        raise LookupUnavailable(f"cannot look up DOI {doi}: {found.detail}. Check the "
                                "connection or point --mirror at a reachable copy, or add "
                                "the paper by hand with --title and --author.")
    if found.work is None:
        raise UsageError(f"Crossref knows no DOI {doi}; nothing was added.")
    w = found.work
    return from_crossref(w.doi, w.title, w.authors, w.year, w.venue, found.pdfs, note)
