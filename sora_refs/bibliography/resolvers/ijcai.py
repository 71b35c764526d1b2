"""IJCAI (www.ijcai.org): every paper of a year's proceedings on one page,
``/proceedings/{year}/``, since 2017.

Each paper is a ``div.paper_wrapper`` holding ``div.title``, ``div.authors`` (names
separated by commas) and ``div.details`` with its ``PDF`` link, relative to the page
(``0042.pdf``), inside sections by track (main, survey, demos, ...). Earlier years'
pages (``/Proceedings/16/``) are laid out otherwise and are not read. No sample of the
page is in ``../shared/venues``: the layout is the one that independent public
scrapers of the site agree on, so a page laid out otherwise lists no papers and is
reported unavailable, never taken for a miss.
"""

from __future__ import annotations

from sora_refs.bibliography.resolvers._html import Token, pdf_link, text_until, tokens
from sora_refs.bibliography.resolvers.venues import Paper

URL = "https://www.ijcai.org/proceedings/{year}/"


def index_url(venue: str, year: int) -> str | None:
    return URL.format(year=year) if year >= 2017 else None


def parse(body: bytes, url: str, year: int) -> list[Paper]:
    toks = tokens(body)
    out: list[Paper] = []
    for i, t in enumerate(toks):
        if t.kind == "start" and t.tag == "div" and t.has_class("paper_wrapper"):
            paper = _paper(toks, i + 1, url)
            if paper is not None:
                out.append(paper)
    return out


def _paper(toks: list[Token], i: int, url: str) -> Paper | None:
    """The title, authors and PDF of the wrapper whose content starts at ``i``: only
    what is inside it, so a link after it (a track's blurb) is never its PDF."""
    title, authors, pdf = "", "", ""
    depth = 1
    while i < len(toks) and depth > 0:
        t = toks[i]
        if t.kind == "start" and t.tag == "div" and t.has_class("title") and not title:
            title, i = text_until(toks, i + 1, "div")  # up to its own end: depth is kept
        elif t.kind == "start" and t.tag == "div" and t.has_class("authors") and not authors:
            authors, i = text_until(toks, i + 1, "div")
        elif t.tag == "div":
            depth += 1 if t.kind == "start" else -1
        elif t.kind == "start" and t.tag == "a" and not pdf:
            pdf = pdf_link(toks, i, url)
        i += 1
    names = tuple(a.strip() for a in authors.split(",") if a.strip())
    return Paper(title.strip(), names, pdf) if title.strip() and pdf else None
