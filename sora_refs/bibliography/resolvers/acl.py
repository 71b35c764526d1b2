"""The ACL Anthology (aclanthology.org): one event page per venue-year,
``/events/{venue}-{year}/``, listing every volume of the event (main, short, Findings,
demos, workshops) with every paper, as the Anthology's Hugo templates render it
(``events/single.html`` and ``papers/list-entry.html`` in acl-org/acl-anthology).

The site is minified, so attributes are often unquoted. Each paper is one entry: its
badges first (``pdf`` links ``{id}.pdf``, ``bib`` links ``/{id}.bib``), then its title
linked to ``/{id}/`` and written as HTML (``<span class=acl-fixed-case>BERT</span>``),
then its authors linked to ``/people/...``, then the abstract, which links nothing. An
id is new-style (``2021.naacl-main.208``) or old (``N19-1423``); pages of 2019 link
``www.aclweb.org/anthology/``. The PDF is the entry's own ``pdf`` link: an id the page
does not give a PDF for gets none (an Anthology entry can be an abstract only).

Findings and workshops are on the main conference's event page ("Findings of EMNLP
2020" is on ``emnlp-2020``). The page of a year whose workshops are still being added
grows, so its cached copy is refreshed after a week.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from sora_refs.bibliography.resolvers._html import Token, tokens
from sora_refs.bibliography.resolvers.venues import Paper

URL = "https://aclanthology.org/events/{slug}-{year}/"
SLUGS = {"ACL": "acl", "NAACL": "naacl", "EMNLP": "emnlp", "EACL": "eacl", "COLING": "coling"}

_ID = r"(?:\d{4}\.[a-z][a-z0-9]*(?:-[a-z0-9]+)*\.\d+|[A-Z]\d{2}-\d{4})"
_PAGE = re.compile(rf"/({_ID})/?$")          # the paper's own page: its title links it
_PDF = re.compile(rf"/({_ID})(?:v\d+)?\.pdf$")  # its PDF (a revision: ...v2.pdf)
_ANY = re.compile(rf"/({_ID})(?:v\d+)?(?:\.\w+)?/?$")  # any link of a paper: page, pdf, bib
_MAX_AUTHORS = 500


def index_url(venue: str, year: int) -> str | None:
    return URL.format(slug=SLUGS[venue], year=year) if year >= 1965 else None


def parse(body: bytes, url: str, year: int) -> list[Paper]:
    """Every paper of the page with a title and a PDF, in page order."""
    toks = tokens(body)
    pdfs: dict[str, str] = {}
    out: list[Paper] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        href = _path(t)
        if href is None:
            i += 1
            continue
        pdf = _PDF.search(href)
        if pdf:
            pdfs.setdefault(pdf.group(1), urljoin(url, t.attrs["href"]))
        page = _PAGE.search(href)
        if not page:
            i += 1
            continue
        title, i = _inner_text(toks, i + 1)
        authors, i = _authors(toks, i, page.group(1))
        link = pdfs.get(page.group(1))
        if title and link:
            out.append(Paper(title, tuple(authors), link))
    return out


def _path(t: Token) -> str | None:
    """The path of a link (``a`` start tag), without query or fragment."""
    if t.kind != "start" or t.tag != "a" or not t.attrs.get("href"):
        return None
    return urlsplit(t.attrs["href"]).path


def _inner_text(toks: list[Token], i: int) -> tuple[str, int]:
    """The text of the link that ends at the next ``</a>``, its inner tags' text joined
    as printed ("BERT" + ": Pre-training" is "BERT: Pre-training"), and where it ends."""
    parts: list[str] = []
    while i < len(toks) and not (toks[i].kind == "end" and toks[i].tag == "a"):
        if toks[i].kind == "text":
            parts.append(toks[i].text)
        i += 1
    return " ".join("".join(parts).split()), i


def _authors(toks: list[Token], i: int, paper: str) -> tuple[list[str], int]:
    """The ``/people/`` links after a title, up to the next link of another paper."""
    names: list[str] = []
    while i < len(toks) and len(names) < _MAX_AUTHORS:
        href = _path(toks[i])
        if href is not None:
            other = _ANY.search(href)
            if other and other.group(1) != paper:
                break
            if "/people/" in href:
                name, i = _inner_text(toks, i + 1)
                if name:
                    names.append(name)
        i += 1
    return names, i
