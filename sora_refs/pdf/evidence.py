"""Is this PDF the paper, and not merely *about* the paper? Evidence, weighed.

Slides, reading notes, reviews and summaries print a paper's title on their
first page too, often with its authors. A file is accepted as a reference only
when page 1 looks like that paper's own first page:

- its title is the first thing on the page (after nothing but a venue header, a
  permission notice, a margin stamp or a date), not below someone's heading;
- its authors follow the title, and an abstract follows them;
- or arXiv's margin stamp names the paper, and the title or authors agree;
- and the file is shaped like a paper: portrait pages, several of them, a page 1
  full of text (slides are landscape, notes are one page, covers are sparse).

Each rule below is one function from a :class:`Page` (the facts of one PDF,
analysed once) and a reference to an :class:`Evidence` or None. To add a rule,
write the function and put it in :data:`RULES`. :func:`judge` adds the points
up into a :class:`Verdict`; its ``strength`` orders competing files (a stamp and
a title beat a title alone, which beats a metadata title), so which of several
copies wins never depends on the order they were found in.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

from sora_refs.pdf.reader import PdfFacts
from sora_refs.readinglist.manifest import Reference
from sora_refs.text import arxiv_base, arxiv_stamps, compact, normalise, printable, surname

# The title is near the top of page 1: look for it in this many characters of
# compacted text, so a title quoted further down (another paper's) never counts.
TITLE_WINDOW = 1200
# How much of the title must match, in order, when it does not appear verbatim
# (text extraction drops or garbles a character or two on real papers).
FUZZY_TITLE = 0.9
# Authors are looked for in this many lines after the title; "Abstract" in this
# many lines from the top.
AUTHOR_LINES = 15
ABSTRACT_LINES = 80
# Below these a page 1 or a file is not shaped like a paper: every paper of a
# reading list has an abstract and an introduction on page 1 (400-900 words on
# real ones), and runs to several pages; a slide has a few dozen words.
MIN_WORDS = 120
MIN_PAGES = 3
# Points a file needs: a title at the top, its authors and an abstract (4+2+1);
# with arXiv's stamp for the paper, the stamp and its title or authors (4+2).
NEEDED = 7
NEEDED_WITH_STAMP = 6
VETO = -100

# Lines that may stand above a paper's title on its own first page: venue
# headers and footers that extraction puts first, permission notices, arXiv's
# stamp, dates and page numbers. Anything else above the title is someone's
# heading: "Week 2 reading", "Paper review", "Notes on".
_PREAMBLE = re.compile(
    r"arxiv|preprint|published as|conference paper|workshop|proceedings|under review|"
    r"accepted|to appear|camera ready|copyright|all rights reserved|licen[cs]e|"
    r"permission|attribution|hereby grants?|reproduce|journalistic|scholarly|"
    r"open access version|computer vision foundation|watermark|identical to the accepted|"
    r"ieee|xplore|springer|jmlr|pmlr|w cp|volume \d|vol \d|issn|doi|https?|www|"
    r"technical report|tech report|draft|neurips|nips|icml|iclr|cvpr|iccv|eccv|aaai|"
    r"ijcai|acl|emnlp|transactions on|journal of|google research|openai|deepmind|"
    r"microsoft research|meta ai|facebook ai|nvidia|"
    r"^(?:\d{1,4}|[ivx]+)$|^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w* \d",
    re.IGNORECASE)
# "Created: 2023-04-01", "Tags: diffusion", "Status: read": a notes app's page.
_PROPERTY = re.compile(
    r"^(?:created|last edited|tags?|status|type|date|reviewer|reviewed by|notes?|summary|"
    r"tl ?dr|property|rating|category|source|link|url|keywords?|presenter|speaker|"
    r"authors?)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class Evidence:
    """One observation for (+) or against (-) a file being the paper."""

    rule: str
    points: int
    detail: str


@dataclass(frozen=True)
class Verdict:
    """What the rules made of one file as one reference."""

    ref: Reference
    accepted: bool
    strength: int
    evidence: tuple[Evidence, ...]
    reason: str = ""  # why not, for a person: expected what, found what

    @property
    def method(self) -> str:
        """How it was recognised: ``arxiv-stamp`` or ``title``."""
        return "arxiv-stamp" if any(e.rule == "stamp" for e in self.evidence) else "title"

    def summary(self) -> str:
        """The evidence for it: 'arXiv stamp 1803.10122 + title on line 1 + authors'."""
        return " + ".join(e.detail for e in self.evidence if e.points > 0) or "none"


class Page:
    """Page 1 of one PDF, analysed once for every rule and every reference."""

    def __init__(self, facts: PdfFacts) -> None:
        self.facts = facts
        self.raw_lines = [printable(x).strip() for x in facts.text.splitlines()]
        self.raw_lines = [x for x in self.raw_lines if x]
        self.norm_lines = [normalise(x) for x in self.raw_lines]
        self._title_lines: dict[str, int | None] = {}  # several rules ask for the same title
        # Compacted page: lines concatenated, with where each line starts and ends.
        self.joined = ""
        self.starts: list[int] = []
        self.ends: list[int] = []
        for line in self.norm_lines:
            self.starts.append(len(self.joined))
            self.joined += line.replace(" ", "")
            self.ends.append(len(self.joined))

    @cached_property
    def stamps(self) -> list[str]:
        return arxiv_stamps(self.facts.text)

    def line_at(self, pos: int) -> int:
        """Index of the line holding compacted position ``pos``."""
        return next((i for i, end in enumerate(self.ends) if pos < end), len(self.ends) - 1)

    def title_line(self, title: str) -> int | None:
        """The line where ``title`` stands as a title (from the start of a line to the end
        of one, a footnote mark allowed), near the top; None when it does not.

        Anchoring matters: "Denoising Diffusion Probabilistic Models" is also the tail
        of the line "Improved Denoising Diffusion Probabilistic Models".
        """
        if title not in self._title_lines:
            self._title_lines[title] = self._find_title(title)
        return self._title_lines[title]

    def _find_title(self, title: str) -> int | None:
        want = compact(title)
        if not want:
            return None
        page = self.joined[:TITLE_WINDOW]
        start_set = set(self.starts)

        def ends_line(stop: int) -> bool:
            after = next((e for e in self.ends if e >= stop), stop)
            rest = page[stop:after]
            return len(rest) <= 3 and (rest == "" or rest.isdigit())

        pos = page.find(want)
        while pos != -1:
            if pos in start_set and ends_line(pos + len(want)):
                return self.line_at(pos)
            pos = page.find(want, pos + 1)
        if len(want) < 12:
            return None  # too short to match fuzzily without false positives
        sm = difflib.SequenceMatcher(None, page, want, autojunk=False)
        blocks = [b for b in sm.get_matching_blocks() if b.size >= 3]
        if not blocks or blocks[0].b > 2:
            return None
        begin = blocks[0].a - blocks[0].b
        stop = blocks[-1].a + blocks[-1].size
        matched = sum(b.size for b in blocks)
        line_start = next((s for s in self.starts if abs(begin - s) <= 2), None)
        if (matched >= FUZZY_TITLE * len(want) and stop - begin <= 1.3 * len(want)
                and line_start is not None and ends_line(stop)):
            return self.line_at(line_start)
        return None

    def heading_before(self, line: int) -> str | None:
        """The first line above ``line`` that is not a venue header, notice, stamp or
        date: someone else's heading. None when only such lines come first."""
        for raw, norm in zip(self.raw_lines[:line], self.norm_lines[:line], strict=True):
            if norm and not _PREAMBLE.search(norm) and not _PREAMBLE.search(raw):
                return raw
        return None


Rule = Callable[[Page, Reference], "Evidence | None"]


def stamp(page: Page, ref: Reference) -> Evidence | None:
    """arXiv's margin stamp: strong evidence for its paper, a veto for any other."""
    if not page.stamps:
        return None
    own = arxiv_base(ref.arxiv) if ref.arxiv else None
    if own and own in page.stamps:
        return Evidence("stamp", 4, f"arXiv stamp {own}")
    if ref.arxiv:
        return Evidence("foreign-stamp", VETO, f"page 1 carries the stamp arXiv:{page.stamps[0]}"
                        f", not arXiv:{own}")
    return None


def title(page: Page, ref: Reference) -> Evidence | None:
    """The title as the first block of page 1; below someone's heading it counts against."""
    line = page.title_line(ref.title)
    if line is None:
        return None
    heading = page.heading_before(line)
    if heading is not None:
        return Evidence("title-below-heading", -3,
                        f"the title comes below another heading ({_q(heading)})")
    where = "line 1" if line == 0 else f"line {line + 1}, after a venue header or notice"
    return Evidence("title", 4, f"title on {where}")


def authors(page: Page, ref: Reference) -> Evidence | None:
    """Authors' surnames in the lines after the title (or at the top, when the title is
    not found): on a paper they follow the title; on notes, rarely all of them."""
    line = page.title_line(ref.title)
    first = line + 1 if line is not None else 0
    lines = page.norm_lines[first:first + AUTHOR_LINES]
    words = {w for x in lines for w in x.split()}
    packed = "".join(x.replace(" ", "") for x in lines)
    found = []
    for name in ref.authors[:3]:
        s = surname(name)
        if s and (s in words if len(s) <= 3 else s in packed):
            found.append(name.split()[-1])
    if not found:
        return None
    return Evidence("authors", 2, "authors " + ", ".join(found) +
                    (" after the title" if line is not None else " at the top"))


def abstract(page: Page, ref: Reference) -> Evidence | None:
    for norm in page.norm_lines[:ABSTRACT_LINES]:
        if norm.startswith("abstract") or norm.endswith("abstract"):
            return Evidence("abstract", 1, "an abstract")
    return None


def metadata(page: Page, ref: Reference) -> Evidence | None:
    """The document's own title field: ranks copies, never enough on its own."""
    if page.facts.meta_title and compact(page.facts.meta_title) == compact(ref.title):
        return Evidence("metadata", 1, "metadata title")
    return None


def shape(page: Page, ref: Reference) -> Evidence | None:
    if page.facts.landscape:
        return Evidence("landscape", -5, "landscape pages (slides?)")
    return None


def length(page: Page, ref: Reference) -> Evidence | None:
    n = page.facts.pages
    if n < MIN_PAGES:
        return Evidence("short", -4, f"only {n} page{'s' if n != 1 else ''}, not a paper's "
                                     "length (notes or a summary?)")
    return None


def density(page: Page, ref: Reference) -> Evidence | None:
    n = page.facts.words
    if n < MIN_WORDS:
        return Evidence("sparse", -3, f"only {n} words on page 1 (a slide or a cover?)")
    return None


def properties(page: Page, ref: Reference) -> Evidence | None:
    """A notes app's "Tags:", "Created:" lines under the title."""
    line = page.title_line(ref.title)
    below = page.raw_lines[(line or 0) + 1:(line or 0) + 1 + AUTHOR_LINES]
    hits = [x for x in below if _PROPERTY.match(x)]
    if len(hits) >= 2 or any(x.lower().startswith(("tags", "created", "status", "last edited"))
                             for x in hits):
        return Evidence("properties", -3, f"lines after the title read like a note's "
                                          f"properties ({_q(hits[0])})")
    return None


RULES: tuple[Rule, ...] = (stamp, title, authors, abstract, metadata, shape, length, density,
                           properties)


def judge(facts: PdfFacts, ref: Reference, page: Page | None = None,
          rules: Sequence[Rule] = RULES) -> Verdict:
    """Weigh every rule's evidence that ``facts`` describe ``ref``'s own PDF."""
    page = page or Page(facts)
    found = tuple(e for e in (rule(page, ref) for rule in rules) if e is not None)
    names = {e.rule for e in found}
    # The metadata title ranks copies; it never helps a file over the line.
    strength = sum(e.points for e in found)
    counted = strength - sum(e.points for e in found if e.rule == "metadata")
    if "stamp" in names:
        accepted = counted >= NEEDED_WITH_STAMP and bool(names & {"title", "authors"})
    else:
        accepted = counted >= NEEDED and {"title", "authors", "abstract"} <= names
    if any(e.points <= VETO for e in found):
        accepted = False
    return Verdict(ref, accepted, strength, found, "" if accepted else _why(page, ref, found))


def _why(page: Page, ref: Reference, found: tuple[Evidence, ...]) -> str:
    """Expected what, found what: the sentence a person reads for a rejected file."""
    expected = f"expected {_q(ref.title)}" + (f" (arXiv:{ref.arxiv})" if ref.arxiv else "")
    veto = next((e for e in found if e.points <= VETO), None)
    if veto:
        return f"wrong paper: {expected}; {veto.detail} and reads {_q(first_words(page))}"
    against = [e.detail for e in found if e.points < 0]
    has_title = any(e.rule in ("title", "stamp") for e in found)
    if has_title and against:
        return (f"not the paper itself: {expected}; page 1 names it, but "
                + "; ".join(against))
    if has_title:
        missing = [w for w, r in (("its authors", "authors"), ("an abstract", "abstract"))
                   if r not in {e.rule for e in found}]
        return (f"cannot confirm it is the paper: {expected}; page 1 shows the title but not "
                + " or ".join(missing or ["enough of the paper"]))
    if against and any(e.rule == "title-below-heading" for e in found):
        return f"not the paper itself: {expected}; " + "; ".join(against)
    return f"wrong paper: {expected}, page 1 reads {_q(first_words(page))}"


def first_words(page: Page, width: int = 60) -> str:
    line = " ".join(" ".join(page.raw_lines).split())
    return line[:width] + ("…" if len(line) > width else "")


def _q(text: str) -> str:
    return f"'{text}'"
