"""New references for ``add``, in one shape whatever named them: arXiv's record of an
id, Crossref's record of a DOI, or what a person typed (``--title``, ``--author``, ...).

Each entry is a plain dict in the field order of ``refs.yaml``, numbered after the
last reference, with a key in the manifest's style. Nothing is invented: a year or venue
no one gave is left out (the list shows it as unknown), and a paper with no open PDF
gets no URL rather than a guessed one. Duplicates of what the list already holds (the
same arXiv id, DOI, or title) are refused here, in one place for all three ways.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sora_refs.errors import UsageError
from sora_refs.readinglist.editing import make_key, require_category
from sora_refs.readinglist.model import Manifest
from sora_refs.text import arxiv_base, normalise

PLACEHOLDER_NOTE = "Why it is on the list, in one sentence."


class PaperRecord(Protocol):
    """What ``add`` needs of an arXiv record (the resolver's records have it); the
    reading list does not import the resolvers, which sit above it."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def authors(self) -> Sequence[str]: ...
    @property
    def year(self) -> int | None: ...
    @property
    def summary(self) -> str: ...


@dataclass(frozen=True)
class Paper:
    """A paper as ``add`` will write it, whatever said what it is."""

    title: str
    authors: tuple[str, ...]
    year: int | None = None
    venue: str = ""
    urls: tuple[str, ...] = ()
    arxiv: str | None = None
    doi: str | None = None
    note: str = ""
    said_by: str = "you"  # for messages: "arXiv", "Crossref", "you"


@dataclass
class Entries:
    """Entries for one manifest, numbered and keyed one after another."""

    manifest: Manifest
    category: str
    taken: set[str] = field(default_factory=set)
    made: list[dict[str, object]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.category = require_category(self.manifest, self.category)
        self.taken = {r.key.lower() for r in self.manifest.references}

    def add(self, paper: Paper) -> dict[str, object]:
        """The manifest entry of ``paper``.

        Raises:
            UsageError: the list already has it, or it has no title or author.
        """
        if not paper.title.strip():
            raise UsageError(f"{paper.said_by} gave no title for this paper; nothing was "
                             "added.")
        if not paper.authors:
            raise UsageError(f"{paper.said_by} gave no author for {paper.title!r}; add it by "
                             "hand with --title, --author (once per author) and --url.")
        self._refuse_duplicate(paper)
        n = max([r.n for r in self.manifest.references]
                + [int(str(e["n"])) for e in self.made], default=0) + 1
        surname = paper.authors[0].split()[-1] if paper.authors[0].split() else "anon"
        key = make_key(surname, paper.year, paper.title, self.taken)
        self.taken.add(key.lower())
        entry: dict[str, object] = {"n": n, "key": key, "title": paper.title,
                                    "authors": list(paper.authors)}
        for name, value in (("year", paper.year), ("venue", paper.venue),
                            ("arxiv", paper.arxiv), ("doi", paper.doi)):
            if value:
                entry[name] = value
        entry.update(urls=list(paper.urls), category=self.category,
                     note=paper.note or PLACEHOLDER_NOTE)
        self.made.append(entry)
        return entry

    def _refuse_duplicate(self, paper: Paper) -> None:
        self.refuse_known(paper.arxiv, paper.doi, paper.title)

    def refuse_known(self, arxiv: str | None = None, doi: str | None = None,
                     title: str | None = None) -> None:
        """Raises UsageError when the list (or an entry made before) has this arXiv id,
        DOI or title: ``add`` calls it before asking any source, and again on what the
        source answered."""
        wanted = normalise(title) if title else None
        earlier = [(r.n, r.key, r.arxiv, r.doi, r.title) for r in self.manifest.references]
        earlier += [(e["n"], e["key"], e.get("arxiv"), e.get("doi"), e["title"])
                    for e in self.made]
        for n, key, their_id, their_doi, their_title in earlier:
            same = ("arXiv:" + arxiv if arxiv and their_id
                    and arxiv_base(str(their_id)) == arxiv_base(arxiv) else
                    "DOI " + doi if doi and their_doi
                    and str(their_doi).lower() == doi.lower() else
                    "the title" if wanted and normalise(str(their_title)) == wanted else "")
            if same:
                raise UsageError(f"{same} is already reference {n} ({key}) in "
                                 f"{self.manifest.path.name}; nothing was added.")


def from_arxiv(record: PaperRecord, note: str = "") -> Paper:
    """An arXiv record as a paper; the note is the abstract's first sentence unless
    one was given."""
    first_sentence = record.summary.split(". ")[0].rstrip(".")
    return Paper(record.title, tuple(record.authors), record.year, "arXiv",
                 (f"https://arxiv.org/pdf/{record.id}",), arxiv=record.id,
                 note=note or (f"From its abstract: {first_sentence}." if first_sentence
                               else ""), said_by="arXiv")


def from_crossref(doi: str, title: str, authors: Sequence[str], year: int | None,
                  venue: str, pdfs: Sequence[str], note: str = "") -> Paper:
    """Crossref's record of a DOI (with Unpaywall's open PDFs, when it was asked)."""
    return Paper(title, tuple(authors), year, venue, tuple(pdfs), doi=doi, note=note,
                 said_by="Crossref")
