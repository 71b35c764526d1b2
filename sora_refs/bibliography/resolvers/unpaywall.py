"""Unpaywall (api.unpaywall.org): where a DOI's open copy is, ``/v2/{doi}?email=``.

Unpaywall answers no one without an e-mail address (422 for an invalid one; 404 for
a DOI it does not know), so it is asked only when the user gave one
(:mod:`~sora_refs.bibliography.resolvers.identities`). The PDF is
``best_oa_location.url_for_pdf``, else the first ``oa_locations[].url_for_pdf``; a
location with only a landing page is no PDF (``url_for_pdf`` is often null), and a
closed DOI (``is_oa`` false) has none. What is taken is checked like every download:
``fetch`` verifies the bytes are that paper.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

URL = "https://api.unpaywall.org/v2/"
SPACING = 0.2


def doi_url(doi: str) -> str:
    """The record's URL without the e-mail address (the name it is cached under)."""
    return URL + quote(doi, safe="/()._-;:")


def with_email(url: str, email: str) -> str:
    return f"{url}?{urlencode({'email': email})}"


def parse(body: bytes) -> list[str]:
    """The open PDFs a record lists, best first.

    Raises:
        ValueError: the body is not an Unpaywall record.
    """
    data = json.loads(body.decode("utf-8", "replace"))
    if not isinstance(data, dict) or "is_oa" not in data:
        raise ValueError("not an Unpaywall record")
    if not data.get("is_oa"):
        return []
    places = [data.get("best_oa_location")]
    places += data.get("oa_locations") if isinstance(data.get("oa_locations"), list) else []
    return list(dict.fromkeys(p for p in map(_pdf, places) if p))


def _pdf(place: Any) -> str:
    if not isinstance(place, dict):
        return ""
    url = place.get("url_for_pdf")
    return url.strip() if isinstance(url, str) and url.startswith(("https://", "http://")) \
        else ""
