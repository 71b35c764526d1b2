"""Crossref (api.crossref.org): a DOI for a citation that no arXiv answer and no venue
index confirmed (journals, books, IEEE and Springer proceedings).

One ``/works?query.bibliographic=`` request per citation, the five best records, read
from the shape Crossref serves in 2026: ``message.items[]`` with ``DOI``, ``title[]``
and ``subtitle[]`` (ACM and IEEE split a title at its colon), ``author[]`` of
``given``/``family`` (or ``name`` for an organisation), dates as ``date-parts``
(published-print, then published-online, then issued; ``created`` is only when it was
deposited), ``container-title[]``. Titles may hold JATS/HTML tags (``<i>``), read as
text.

Limits, from Crossref's own headers since December 2025: the public pool allows 5
requests a second, one at a time; the polite pool (an e-mail address in the
User-Agent) 10 a second. So requests go one after another, :data:`SPACING` apart.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

URL = "https://api.crossref.org/works"
SPACING = {"public": 0.2, "polite": 0.1}
_TAG = re.compile(r"<[^>]{0,200}>")
_FIELDS = "DOI,title,subtitle,author,issued,published-print,published-online,container-title,type"


@dataclass(frozen=True)
class Work:
    doi: str
    title: str
    authors: tuple[str, ...]
    year: int | None
    venue: str


def query_url(title: str, author: str, year: int | None) -> str:
    words = " ".join(x for x in (title, author, str(year) if year else "") if x)
    return f"{URL}?" + urlencode({"query.bibliographic": words[:500], "rows": "5",
                                  "select": _FIELDS})


def doi_url(doi: str) -> str:
    """One record by its DOI (a 404 when Crossref knows no such DOI)."""
    return f"{URL}/{quote(doi, safe='/()._-;:')}"


def parse(body: bytes) -> list[Work]:
    """The records of a works answer, or the one record of a DOI's (records without a
    DOI or title are skipped).

    Raises:
        ValueError: the body is not a Crossref answer.
    """
    data = json.loads(body.decode("utf-8", "replace"))
    message = data.get("message") if isinstance(data, dict) else None
    if isinstance(message, dict) and "DOI" in message:
        return [w for w in [_work(message)] if w is not None]
    items = message.get("items") if isinstance(message, dict) else None
    if not isinstance(items, list):
        raise ValueError("not a Crossref works answer")
    return [w for w in map(_work, items) if w is not None]


def _first(value: Any) -> str:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), "")
    return " ".join(_TAG.sub("", value).split()) if isinstance(value, str) else ""


def _work(item: Any) -> Work | None:
    if not isinstance(item, dict):
        return None
    doi, title = item.get("DOI"), _first(item.get("title"))
    if not isinstance(doi, str) or not title:
        return None
    subtitle = _first(item.get("subtitle"))
    if subtitle and subtitle.lower() not in title.lower():
        title = f"{title}: {subtitle}"
    people = item.get("author") if isinstance(item.get("author"), list) else []
    authors = tuple(n for n in (_name(a) for a in people) if n)
    return Work(doi.strip(), title, authors, _year(item), _first(item.get("container-title")))


def _name(person: Any) -> str:
    if not isinstance(person, dict):
        return ""
    parts = (person.get("given"), person.get("family")) if person.get("family") else \
        (person.get("name"),)
    return " ".join(" ".join(p for p in parts if isinstance(p, str)).split())


def _year(item: dict[str, Any]) -> int | None:
    for key in ("published-print", "published-online", "issued", "published"):
        parts = item.get(key, {}).get("date-parts") if isinstance(item.get(key), dict) \
            else None
        try:
            year = int(parts[0][0])
        except (TypeError, ValueError, IndexError, KeyError):
            continue
        if 1000 < year < 3000:
            return year
    return None
