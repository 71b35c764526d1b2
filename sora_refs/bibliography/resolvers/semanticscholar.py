"""Semantic Scholar's title match (api.semanticscholar.org/graph/v1/paper/search/match):
one record for a title, with its DOI, arXiv id and open PDF, for the citations that
arXiv, the venue indexes and Crossref all left without a paper.

Asked only with an API key (the ``x-api-key`` header, one request a second): without
one, its shared pool answers 429 within a handful of requests, which would only add an
"unavailable" to every run. The answer is ``{"data": [one record with matchScore]}``,
or 404 ``{"error": "Title match not found"}`` (a miss). ``openAccessPdf.url`` is often
``""`` with the location only in a disclaimer's prose: an empty URL is no PDF, and the
prose is never read as one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

URL = "https://api.semanticscholar.org/graph/v1/paper/search/match"
SPACING = 1.0  # a key's introductory limit: one request a second, every endpoint
_FIELDS = "title,authors,year,venue,externalIds,openAccessPdf"


@dataclass(frozen=True)
class Record:
    title: str
    authors: tuple[str, ...]
    year: int | None
    venue: str
    doi: str
    arxiv: str
    pdf: str


def match_url(title: str) -> str:
    return f"{URL}?" + urlencode({"query": title[:300], "fields": _FIELDS})


def parse(body: bytes) -> list[Record]:
    """The matched record (a list of at most one).

    Raises:
        ValueError: the body is not a match answer.
    """
    data = json.loads(body.decode("utf-8", "replace"))
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError("not a Semantic Scholar match answer")
    return [r for r in map(_record, items[:1]) if r is not None]


def _record(item: Any) -> Record | None:
    from sora_refs.text import arxiv_in, doi_in

    if not isinstance(item, dict) or not isinstance(item.get("title"), str):
        return None
    ids = item.get("externalIds") if isinstance(item.get("externalIds"), dict) else {}
    people = item.get("authors") if isinstance(item.get("authors"), list) else []
    names = tuple(" ".join(str(p.get("name", "")).split()) for p in people
                  if isinstance(p, dict) and isinstance(p.get("name"), str))
    year = item.get("year") if isinstance(item.get("year"), int) and \
        1000 < item["year"] < 3000 else None
    pdf = (item.get("openAccessPdf") or {}).get("url") if isinstance(
        item.get("openAccessPdf"), dict) else ""
    doi = doi_in(str(ids.get("DOI") or ""))
    return Record(" ".join(item["title"].split()), tuple(n for n in names if n), year,
                  str(item.get("venue") or "").strip(),
                  "" if doi.lower().startswith("10.48550/") else doi,  # arXiv's own DOIs
                  arxiv_in(str(ids.get("ArXiv") or "")),
                  pdf.strip() if isinstance(pdf, str) and pdf.startswith(("https://",
                                                                          "http://")) else "")
