"""OpenAlex (api.openalex.org): the open copies of a DOI, ``/works/doi:{doi}``.

Asked for a DOI Crossref found when Unpaywall gave no PDF (or was not asked: it needs
an e-mail address, OpenAlex does not). A record by DOI is free in 2026, with or
without an API key (``api_key=``, since February 2026; keyless calls share a small
daily budget and end in 429 with a Retry-After of hours, a blank or bogus key in
401): either is *unavailable*, never "no copy". The PDFs are the ``pdf_url`` of
``best_oa_location``, then of every open ``locations[]`` entry; a landing page is no
PDF. What is taken is checked like every download: ``fetch`` verifies the bytes.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

URL = "https://api.openalex.org/works/doi:"
SPACING = 0.1  # OpenAlex allows 100 a second; a tenth of that is plenty here


def doi_url(doi: str) -> str:
    """The record's URL without the key (the name it is cached under)."""
    return URL + quote(doi, safe="/()._-;:")


def with_key(url: str, key: str) -> str:
    return f"{url}?{urlencode({'api_key': key})}" if key else url


def parse(body: bytes) -> list[str]:
    """The open PDFs of a work record, best first.

    Raises:
        ValueError: the body is not an OpenAlex work.
    """
    data = json.loads(body.decode("utf-8", "replace"))
    if not isinstance(data, dict) or not str(data.get("id", "")).startswith(
            "https://openalex.org/"):
        raise ValueError("not an OpenAlex work")
    places = [data.get("best_oa_location")]
    places += data.get("locations") if isinstance(data.get("locations"), list) else []
    return list(dict.fromkeys(p for p in map(_pdf, places) if p))


def _pdf(place: Any) -> str:
    if not isinstance(place, dict) or place.get("is_oa") is False:
        return ""
    url = place.get("pdf_url")
    return url.strip() if isinstance(url, str) and url.startswith(("https://", "http://")) \
        else ""
