"""What a reading list is: its categories, its references, and the questions asked of
them (select by category, year, venue or text; find one by any handle: number, key or
its start, title words, arXiv id or URL, DOI).

Plain frozen data classes, built by :mod:`.validate` from YAML or by :mod:`.cache`
from its JSON copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sora_refs.errors import UsageError
from sora_refs.text import arxiv_base, arxiv_in, doi_in


@dataclass(frozen=True)
class Category:
    """A block or sub-block of the mind map."""

    slug: str
    en: str
    zh: str
    path: str
    index: int
    children: tuple[Category, ...] = ()

    @property
    def depth(self) -> int:
        return self.path.count("/")

    @property
    def zh_shown(self) -> str:
        """The Chinese name where it adds something: "" when it is empty or already in
        the English one ("Generative adversarial networks (GAN)" and "GAN")."""
        return "" if not self.zh or self.zh.casefold() in self.en.casefold() else self.zh

    def walk(self) -> Iterator[Category]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Reference:
    """One cited paper, as the report cites it and where to get it."""

    n: int
    key: str
    title: str
    authors: tuple[str, ...]
    year: int | None  # None: the source gives no year (shown as unknown, never guessed)
    venue: str        # "": the source names no venue
    urls: tuple[str, ...]
    category: str
    note: str
    published: str | None = None
    arxiv: str | None = None
    line: int | None = field(default=None, compare=False)
    cited: str | None = None       # the citation as the source printed it (init --from)
    resolution: str | None = None  # resolved, ambiguous or unresolved (init --from)
    doi: str | None = None

    @property
    def first_author(self) -> str:
        return self.authors[0] if self.authors else ""

    @property
    def first_author_surname(self) -> str:
        return self.first_author.split()[-1] if self.first_author.split() else "unknown"

    @property
    def page_url(self) -> str | None:
        """Where a person reads about the paper: its arXiv abstract, its DOI, or its first
        PDF; None when the list gives none of them."""
        if self.arxiv:
            return f"https://arxiv.org/abs/{self.arxiv}"
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return self.urls[0] if self.urls else None

    @property
    def year_text(self) -> str:
        return str(self.year) if self.year is not None else "unknown"

    @property
    def venue_text(self) -> str:
        return self.venue or "unknown"

    @property
    def cited_as(self) -> str:
        """The venue and year as cited, leaving out what the source does not give."""
        return " ".join(str(x) for x in (self.venue, self.year) if x) or "unknown"

    @property
    def published_where(self) -> str:
        """Where the paper actually appeared; the cited venue when nothing else is known."""
        return self.published or self.cited_as

    def short_title(self, width: int = 48) -> str:
        if len(self.title) <= width:
            return self.title
        cut = self.title[: width - 1].rsplit(" ", 1)[0]
        return cut.rstrip(":,;-") + "…"

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON shape documented in the README."""
        return {
            "n": self.n,
            "key": self.key,
            "title": self.title,
            "authors": list(self.authors),
            "year": self.year,
            "venue": self.venue,
            "published": self.published_where,
            "arxiv": self.arxiv,
            "category": self.category,
            "urls": list(self.urls),
            "note": self.note,
            "doi": self.doi,
        }


@dataclass(frozen=True)
class Manifest:
    """A validated reading list."""

    path: Path
    title: str
    categories: tuple[Category, ...]
    references: tuple[Reference, ...]

    def walk_categories(self) -> Iterator[Category]:
        for block in self.categories:
            yield from block.walk()

    def category(self, path: str) -> Category:
        for cat in self.walk_categories():
            if cat.path == path:
                return cat
        raise KeyError(path)

    def category_chain(self, path: str) -> list[Category]:
        """The categories from the block down to ``path``."""
        parts = path.split("/")
        return [self.category("/".join(parts[: i + 1])) for i in range(len(parts))]

    def resolve_category(self, name: str) -> list[str]:
        """Category paths that ``name`` selects: a slug at any depth, or an exact path.

        Raises:
            UsageError: nothing in the tree has that name.
        """
        name = name.strip().strip("/").lower()
        if "/" in name:
            found = [c.path for c in self.walk_categories() if c.path == name]
        else:
            found = [c.path for c in self.walk_categories() if c.slug == name]
        if not found:
            slugs = sorted({c.slug for c in self.walk_categories()})
            paths = [c.path for c in self.walk_categories() if c.depth > 0]
            near = did_you_mean(name, list(dict.fromkeys(
                slugs + [c.path for c in self.walk_categories()])))
            raise UsageError(
                f"Unknown category {name!r}.{near} Valid names: {', '.join(slugs)}; "
                f"or an exact path such as {', '.join(paths[:3])}."
            )
        return found

    def find(self, ref: str) -> Reference:
        """A reference by any handle a person has at hand: its number, key (or a unique
        start of it, two letters will do), arXiv id or URL (abs or pdf, any version),
        DOI or doi.org link, one of its URLs, or its title (or words of it that only it
        has). Keys, ids and titles match case-insensitively.

        Raises:
            UsageError: no such reference (with the nearest keys), or a handle that
                fits several (naming them).
        """
        want = ref.strip()
        low = want.lower().removeprefix("arxiv:")
        for r in self.references:
            if (want.isdigit() and r.n == int(want)) or r.key.lower() == low:
                return r
        if want.isdigit():
            return self._missing(want, low)
        ident = arxiv_in(want).lower()
        if ident:
            hits = [r for r in self.references if r.arxiv and arxiv_base(r.arxiv).lower()
                    == ident]
            return hits[0] if hits else self._missing(want, low)
        doi = doi_in(low).lower()
        if doi:
            hits = [r for r in self.references if r.doi and r.doi.lower() == doi]
            return hits[0] if hits else self._missing(want, low)
        if "://" in low:
            hits = [r for r in self.references
                    if any(u.lower().rstrip("/") == low.rstrip("/") for u in r.urls)]
            return hits[0] if hits else self._missing(want, low)
        for handles in (self._by_key_start(low), self._by_title(want)):
            if len(handles) == 1:
                return handles[0]
            if len(handles) > 1:
                raise UsageError(f"{want!r} fits {len(handles)} references: "
                                 f"{', '.join(f'{r.n} ({r.key})' for r in handles[:6])}; "
                                 "give more of it, or the number.")
        return self._missing(want, low)

    def _by_key_start(self, low: str) -> list[Reference]:
        return [r for r in self.references if r.key.lower().startswith(low)] \
            if len(low) >= 2 else []

    def _by_title(self, want: str) -> list[Reference]:
        """The same title, else the references whose titles hold every word given."""
        from sora_refs.text import normalise

        words = normalise(want).split()
        if not words:
            return []
        same = [r for r in self.references if normalise(r.title) == " ".join(words)]
        if same:
            return same
        return [r for r in self.references
                if set(words) <= set(normalise(r.title).split())]

    def _missing(self, want: str, low: str) -> Reference:
        near = did_you_mean(low, [r.key for r in self.references])
        raise UsageError(
            f"No reference {want!r} in {self.path.name}.{near} Give a number "
            f"({self.references[0].n if self.references else 1}–"
            f"{self.references[-1].n if self.references else 1}), a key or its start such as "
            f"{self.references[0].key[:4] if self.references else 'ho20'}, words of the "
            "title, an arXiv id or URL, or a DOI."
        )

    def select(
        self,
        *,
        category: str | None = None,
        year: int | None = None,
        venue: str | None = None,
        search: str | None = None,
        refs: Iterable[str] = (),
    ) -> list[Reference]:
        """References that pass every given filter, in manifest order."""
        chosen = list(self.references)
        wanted = list(refs)
        if wanted:
            picked = {self.find(r).n for r in wanted}
            chosen = [r for r in chosen if r.n in picked]
        if category:
            paths = self.resolve_category(category)
            chosen = [r for r in chosen if any(_under(r.category, p) for p in paths)]
        if year is not None:
            chosen = [r for r in chosen if r.year == year]
        if venue:
            v = venue.strip().lower()
            chosen = [r for r in chosen if r.venue.lower() == v]
        if search:
            needle = search.strip().lower()
            chosen = [
                r
                for r in chosen
                if needle in r.title.lower() or any(needle in a.lower() for a in r.authors)
            ]
        return chosen


def did_you_mean(word: str, choices: list[str]) -> str:
    """' Did you mean 'diffusion'?' for a near miss, or ''."""
    import difflib

    close = difflib.get_close_matches(word.lower(), choices, n=2, cutoff=0.75)
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(c) for c in close) + "?"


def _under(path: str, ancestor: str) -> bool:
    return path == ancestor or path.startswith(ancestor + "/")
