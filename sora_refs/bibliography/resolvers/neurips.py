"""NeurIPS proceedings (proceedings.neurips.cc, 1987 on), ICLR's since 2024
(proceedings.iclr.cc) and MLSys's since 2019 (proceedings.mlsys.org, the same software):
one index page per year.

Each paper is an ``<a title="paper title" href=".../hash/<h>-Abstract[-Track].html">``
with its authors in the next ``span.paper-authors`` (2025) or ``<i>`` (earlier). The PDF
is the abstract link with ``/hash/`` → ``/file/``, ``-Abstract`` → ``-Paper`` and
``.html`` → ``.pdf``, the track suffix kept. The hash comes from the index only: the
same hash names other papers in other years and on the other site, so a URL is never
built from a guessed or remembered one.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from sora_refs.bibliography.resolvers._html import text_until, tokens
from sora_refs.bibliography.resolvers.venues import Paper

SITES = {"NeurIPS": "https://proceedings.neurips.cc", "ICLR": "https://proceedings.iclr.cc",
         "MLSys": "https://proceedings.mlsys.org"}
FIRST = {"NeurIPS": 1987, "ICLR": 2024, "MLSys": 2019}  # earlier ICLRs: OpenReview only
_ABSTRACT = re.compile(r"/hash/([0-9a-f]{32})-Abstract(-[\w]+)?\.html$")


def index_url(venue: str, year: int) -> str | None:
    return f"{SITES[venue]}/paper_files/paper/{year}" if year >= FIRST[venue] else None


def parse(body: bytes, url: str, year: int) -> list[Paper]:
    toks = tokens(body)
    out: list[Paper] = []
    for i, t in enumerate(toks):
        if t.kind != "start" or t.tag != "a":
            continue
        href = t.attrs.get("href", "")
        m = _ABSTRACT.search(href)
        if not m or (t.attrs.get("title", "paper title") != "paper title"):
            continue
        title, end = text_until(toks, i + 1, "a")
        authors = _authors_after(toks, end)
        pdf = urljoin(url, href[:m.start()] + f"/file/{m.group(1)}-Paper{m.group(2) or ''}.pdf")
        if title:
            out.append(Paper(title, tuple(authors), pdf))
    return out


def _authors_after(toks: list, i: int) -> list[str]:
    for k in range(i, min(i + 12, len(toks))):
        t = toks[k]
        if t.kind == "start" and t.tag == "a":
            break  # the next paper: this one printed no authors
        if t.kind == "start" and (t.tag == "i" or (t.tag == "span" and
                                                   t.has_class("paper-authors"))):
            text, _ = text_until(toks, k + 1, t.tag)
            return [a.strip() for a in text.split(",") if a.strip()]
    return []
