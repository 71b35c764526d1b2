"""The Journal of Machine Learning Research (jmlr.org): one page per volume,
``/papers/v{N}/``, volume N being the year 1999 + N (volume 15 is 2014).

Each paper is a ``dt`` holding its title, then a ``dd`` with the authors in ``<b><i>``
(comma-separated), volume, pages and year, and the links ``[abs]``, ``[pdf]``,
``[bib]``, as JmlrOrg/webpage's ``papers/volume.html`` writes it. The first volumes
keep an older page (a table around the list) and link relatively, to the volume's page
or to the site; the PDF is always the entry's own ``pdf`` link, read against the page's
URL. A special-topic note after a title ("(Special Topic on ...)", "(Kernel Machines
Section)") is not part of it.

A journal's volume year can differ from the year a citation prints (Duchi et al.'s
AdaGrad, cited as 2010, is in volume 12 of 2011): the volume the citation prints is
asked first, then the cited year's; a paper of a volume neither names is never taken.
"""

from __future__ import annotations

import re

from sora_refs.bibliography.resolvers._html import Token, pdf_link, text_until, tokens
from sora_refs.bibliography.resolvers.venues import Paper

URL = "https://jmlr.org/papers/v{volume}/"
PDF_HOSTS = ("www.jmlr.org",)  # the older volumes' absolute links
_SECTION = re.compile(r"\s*\((?:special (?:topic|issue)|kernel machines|machine learning "
                      r"open source|mloss)[^)]*\)\s*$", re.IGNORECASE)
_AND = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")


# The volume a citation prints: 'Journal of Machine Learning Research, 12:2121–2159',
# 'JMLR, 15(1):1929-1958', 'J. Mach. Learn. Res. 21(140)', or its jmlr.org URL.
_PRINTED = re.compile(r"(?:machine\s*learning\s*research|j\.?\s*mach\.?\s*learn\.?\s*res\.?|"
                      r"\bjmlr\b)\W{0,3}(?:vol(?:ume)?\.?\s*)?(\d{1,2})\s*(?:\(\d{1,3}\))?\s*[:,]|"
                      r"jmlr\.org/papers/v(?:olume)?(\d{1,2})/", re.IGNORECASE)


def index_url(venue: str, year: int) -> str | None:
    return URL.format(volume=year - 1999) if year >= 2000 else None


def printed_urls(venue: str, year: int, cited: str) -> list[str]:
    """The volume the citation prints (Duchi et al. cited as '12:2121–2159, 2010' are in
    volume 12, of 2011), if it is one JMLR had by then."""
    m = _PRINTED.search(cited)
    volume = int(m[1] or m[2]) if m else 0
    return [URL.format(volume=volume)] if 1 <= volume <= year - 1999 + 1 else []


def parse(body: bytes, url: str, year: int) -> list[Paper]:
    toks = tokens(body)
    out: list[Paper] = []
    for i, t in enumerate(toks):
        if t.kind != "start" or t.tag != "dt":
            continue
        title, end = text_until(toks, i + 1, "dt")
        title = _SECTION.sub("", title)
        authors, pdf = _entry(toks, end, url)
        if title and pdf:
            out.append(Paper(title, tuple(authors), pdf))
    return out


def _entry(toks: list[Token], i: int, url: str) -> tuple[list[str], str]:
    """The authors and the PDF of the ``dd`` after a title (up to the next title)."""
    authors: list[str] = []
    pdf = ""
    while i < len(toks) and not (toks[i].kind == "start" and toks[i].tag == "dt"):
        t = toks[i]
        if t.kind == "start" and t.tag in ("b", "i") and not authors:
            text, i = text_until(toks, i + 1, t.tag)
            authors = [a for a in _AND.split(text.strip(" ;")) if a]
        elif t.kind == "start" and t.tag == "a" and not pdf:
            pdf = pdf_link(toks, i, url)
        i += 1
    return authors, pdf
