"""A paper's bibliography, read from what people have: a web page (HTML, or saved as
Markdown or text), a PDF's text, LaTeX's ``.bbl``, a BibTeX file, or a plain list.

Every source becomes a :class:`~.documents.Document` (see :mod:`.documents`);
:func:`extract` turns that into :class:`Citation` records: the
number or label, the text as printed, the identifiers written in it (arXiv ids
old and new, DOIs, URLs, a URL split across a line repaired), a best reading of
its title, authors, year and venue, and where it is first cited (the section
and the sentence), which :mod:`sora_refs.bibliography.categories` turns into categories.

Everything here is text processing of untrusted input: no network, bounded sizes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sora_refs.bibliography.documents import Document
from sora_refs.bibliography.entries import requoted, title_and_authors, year_of
from sora_refs.readinglist.venues import journal_printed, named_in
from sora_refs.text import ARXIV_ID, arxiv_base, compact

_ARXIV_IN_TEXT = re.compile(rf"(?:arxiv[:\s/]*|arxiv\.org/(?:abs|pdf)/)({ARXIV_ID})(v\d+)?",
                            re.I)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+[^\s\"<>.,;)])")
# A DOI the line broke: "10.1103/ PhysRevLett.107.220601", "10.1109/ICCV. 2013.428".
_DOI_AFTER_SLASH = re.compile(r"\b(10\.\d{4,9}/)\s+(?=[A-Za-z0-9])")
_DOI_TAIL = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]{0,300}[.\-_])\s(\d[^\s\"<>]{0,300})")
_URL = re.compile(r"https?://[^\s<>\"')\]]+")
# A URL the PDF's font printed with spaces round its punctuation (LDM's references:
# "https : / / ml . berkeley . edu / blog / posts / clip-art/"). Only where the scheme
# itself is spaced, so a dash after an ordinary URL stays a dash.
_SPACED_URL = re.compile(r"\bhttps?(?:\s:\s?|:\s)/\s?/\s?\w+"
                         r"(?:\s?[./~?=&#%:+-]{1,4}\s?\w+){0,60}(?:\s?/(?!\S))?")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
# A URL the page printed across two pieces: "https://cdn.openai.com/papers/dall-e-3 . pdf".
_SPLIT_URL = re.compile(r"(https?://[^\s<>\"')\]]{1,300}?)[)\]\s_*]*\.\s*[_*]*\s*(pdf|html?)\b",
                        re.I)
# The author-year label a converted page prints before an entry: "Devlin et al. (2019)
# Jacob Devlin, Ming-Wei Chang, ...", "Ho and Salimans (2021) Jonathan Ho, ...".
_AY_LABEL = re.compile(r"^([^\W\d_][\w'’-]{0,40})(?: et al\.?| (?:and|&) [^\W\d_][\w'’-]{0,40})?"
                       r",? \((\d{4}[a-z]?)\) (?=\S)")
# A preprint, where no venue of sora_refs.readinglist.venues is named.
_PREPRINT = re.compile(r"arxiv preprint|\barxiv\b|\bcorr\b", re.I)
# Reports published by a lab itself, known by where the PDF lives.
_PUBLISHER_HOSTS = (("openai.com", "OpenAI"), ("deepmind", "DeepMind"),
                    ("research.google", "Google"), ("ai.meta.com", "Meta"))



@dataclass
class Citation:
    """One entry of a reference list, as printed and as read."""

    number: int                       # position in the list (1-based), or its printed number
    label: str                        # "13", or a key/author-year label
    text: str                         # as printed, one line
    title: str = ""
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    venue: str = ""
    arxiv: list[str] = field(default_factory=list)   # ids as written (versions kept)
    dois: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    section: str = ""                 # heading of the section where it is first cited
    sentence: str = ""                # the sentence where it is first cited (markers as [n])
    group: list[str] = field(default_factory=list)  # labels cited together there
    duplicates: list[str] = field(default_factory=list)  # other entries for the same work
    filed: list[str] = field(default_factory=list)   # the category the source files it in
    link: str = ""                    # the entry's own URL (a BibTeX url field)


def extract(doc: Document) -> list[Citation]:
    """Citations of ``doc``, in list order, with identifiers and first-citation context."""
    cites = []
    for i, (label, printed) in enumerate(doc.entries, 1):
        number = int(label) if label.isdigit() else i
        c = parse_entry(number, label, printed)
        cites.append(c)
    contexts = first_citations(doc.body)
    for c in cites:
        c.filed = doc.filed.get(c.label, [])
        c.link = doc.links.get(c.label, "")
        author_year = (f"ay:{c.authors[0].split()[-1].lower()}:{c.year}"
                       if c.authors and c.year else "")
        ctx = (contexts.get(c.label) or contexts.get(str(c.number))
               or contexts.get(author_year))
        if ctx:
            c.section, c.sentence, c.group = ctx
    return cites


def merge_duplicates(cites: list[Citation]) -> list[Citation]:
    """One citation per work: entries with the same arXiv id, DOI, or title and year
    (a real bibliography lists some papers twice) become the first of them, which keeps
    the others' printed text and the earliest place any of them is cited."""
    out: list[Citation] = []
    seen: dict[str, Citation] = {}
    for c in cites:
        keys = [f"arxiv:{arxiv_base(a).lower()}" for a in c.arxiv[:1]]
        keys += [f"doi:{d.lower()}" for d in c.dois[:1]]
        if len(compact(c.title)) >= 12 and c.year:
            keys.append(f"title:{compact(c.title)}:{c.year}")
        first = next((seen[k] for k in keys if k in seen and not _other_work(c, seen[k], k)),
                     None)
        if first is None:
            out.append(c)
            for k in keys:
                seen[k] = c
            continue
        first.duplicates.append(c.text)
        if not first.sentence and c.sentence:
            first.section, first.sentence, first.group = c.section, c.sentence, c.group
        for k in keys:
            seen.setdefault(k, first)
    return out


def _other_work(c: Citation, seen: Citation, key: str) -> bool:
    """Two entries that print the same DOI under different titles are two works with a
    copied DOI (1503.03585 gives its ICML paper the DOI of its PRL paper): both stay."""
    a, b = compact(c.title), compact(seen.title)
    return (key.startswith("doi:") and min(len(a), len(b)) >= 12
            and not (a.startswith(b) or b.startswith(a)))


def parse_entry(number: int, label: str, printed: str) -> Citation:
    """Read one printed entry: identifiers, then title, authors, year and venue."""
    text = " ".join(printed.split())
    for m in list(_SPLIT_URL.finditer(text)):
        gap = m.group(0)[len(m.group(1)):-len(m.group(2))]
        if gap != "." and not re.search(r"\.(pdf|html?)$", m.group(1), re.I):
            # "https://cdn.openai.com/papers/dall-e-3 . pdf": one URL, printed in two (an
            # unbroken "x.pdf" is left as it is: it was joined to "x.pdf.pdf").
            text = text.replace(m.group(0), f"{m.group(1)}.{m.group(2).lower()}", 1)
    text = _join_broken_dois(_SPACED_URL.sub(lambda m: "".join(m.group(0).split()), text))
    label_ay = _AY_LABEL.match(text)
    if label_ay and label_ay.group(1) in text[label_ay.end():label_ay.end() + 120]:
        text = text[label_ay.end():]  # the label names the first author who follows
    c = Citation(number, label, text.replace("\u2016", "").replace("  ", " ").strip())
    c.arxiv = list(dict.fromkeys(m.group(1) + (m.group(2) or "")
                                 for m in _ARXIV_IN_TEXT.finditer(text)))
    c.dois = list(dict.fromkeys(m.group(1) for m in _DOI.finditer(text)))
    c.urls = list(dict.fromkeys(u.rstrip(".,;") for u in _URL.findall(text)))
    c.year = year_of(text)
    c.title, c.authors = title_and_authors(text)
    c.venue = venue_printed(text, c.title, c.urls)  # what follows the title as printed
    c.title = requoted(c.title)
    return c


def _join_broken_dois(text: str) -> str:
    """A DOI printed across a line end is one DOI again. After the slash the suffix
    must go on; after a '.', '-' or '_' only a piece that reads as more DOI does (it has
    a '.', '_' or '/' inside, or ends the entry), never a bare year or page number."""
    text = _DOI_AFTER_SLASH.sub(r"\1", text)

    def join(m: re.Match[str]) -> str:
        tail = m.group(2).rstrip(".,;")
        at_end = m.end() == len(text) or not text[m.end():].strip(" .,;")
        if re.fullmatch(r"(?:19|20)\d\d[a-z]?", tail) or not (
                at_end or re.search(r"[._/]", tail)):
            return m.group(0)
        return m.group(1) + m.group(2)

    return _DOI_TAIL.sub(join, text)


def venue_printed(text: str, title: str, urls: Sequence[str] = ()) -> str:
    """The venue an entry names after its title ('Neural computation of decisions...'
    is a title, not the journal), else arXiv, else a journal the venue table does not
    know, named before its volume, else the lab whose site holds the PDF."""
    after = text.split(title, 1)[1] if title and title in text else text
    venue = named_in(after)
    if venue:
        return venue.name
    if _PREPRINT.search(after):
        return "arXiv"
    if title and title in text and (journal := journal_printed(after)):
        return journal
    return next((name for host, name in _PUBLISHER_HOSTS if any(host in u for u in urls)), "")


# ---------------------------------------------------------------- where each is cited


_MARKER = re.compile(r"\[(\d{1,3}(?:\s*[-–—,]\s*\d{1,3})*|[A-Za-z][\w:.+-]*(?:,\s*[A-Za-z]"
                     r"[\w:.+-]*)*)\]")


def _labels(marker: str) -> list[str]:
    out: list[str] = []
    for part in re.split(r"\s*,\s*", marker):
        m = re.fullmatch(r"(\d+)\s*[-–—]\s*(\d+)", part)
        if m and int(m.group(2)) - int(m.group(1)) < 100:
            out += [str(i) for i in range(int(m.group(1)), int(m.group(2)) + 1)]
        elif part.strip():
            out.append(part.strip())
    return out


def first_citations(body: str) -> dict[str, tuple[str, str, list[str]]]:
    """For each label: the section heading and the sentence where it is first cited,
    with the labels cited together there (a marker group: '[1], [2], [3]')."""
    out: dict[str, tuple[str, str, list[str]]] = {}
    section = top = ""
    for block in re.split(r"\n\s*\n", body):
        head = re.match(r"^\s*(#{1,6})\s+(.+?)\s*$", block.strip().splitlines()[0]) \
            if block.strip() else None
        if head:
            # "###": a paragraph head under the section ("Related Work › Diffusion").
            if len(head.group(1)) >= 3 and top:
                section = f"{top} › {head.group(2).strip()}"
            else:
                section = top = head.group(2).strip()
            block = "\n".join(block.strip().splitlines()[1:])
        text = " ".join(block.split())
        # "[1]–[3]" is a range; neighbouring markers are one group: "[1], [2]", "[1][2]".
        text = re.sub(r"\[(\d{1,3})\]\s*[–—-]\s*\[(\d{1,3})\]", r"[\1-\2]", text)
        text = re.sub(r"\](?:\s*,\s*|\s*)\[(?=\d)", ",", text)
        # LaTeX and author-year forms name the entry by key or by author: \cite{a,b}.
        text = re.sub(r"\\(?:no)?cite[tp]?\*?\{([^}]*)\}",
                      lambda m: "[" + ",".join(k.strip() for k in m.group(1).split(",")) + "]",
                      text)
        for sentence in _sentences(text):
            for m in _MARKER.finditer(sentence):
                group = _labels(m.group(1))
                for label in group:
                    out.setdefault(label, (section, sentence, group))
            for m in _AUTHOR_YEAR.finditer(sentence):  # (Ho et al., 2020; Song, 2021)
                group = [f"ay:{a.lower()}:{y}" for a, y in _AY_ONE.findall(m.group(0))]
                for label in group:
                    out.setdefault(label, (section, sentence, group))
    return out


_AY_ONE = re.compile(r"([A-Z][\w'’-]+)(?:\s+et al\.?|\s+(?:and|&)\s+[A-Z][\w'’-]+)?,?\s+"
                     r"((?:19|20)\d\d)[a-z]?")
_AUTHOR_YEAR = re.compile(r"\((?:see\s+|e\.g\.,?\s+)?" + _AY_ONE.pattern +
                          r"(?:\s*;\s*" + _AY_ONE.pattern + r")*\)")


def _sentences(text: str) -> Iterable[str]:
    """Sentences, a marker after the full stop kept with its sentence ('data.[13]')."""
    start = 0
    for m in re.finditer(r"[.!?](?:\s*\[[^\]]*\])*\s+(?=[A-Z])", text):
        yield text[start:m.end()].strip()
        start = m.end()
    if text[start:].strip():
        yield text[start:].strip()
