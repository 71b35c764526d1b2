"""ECVA (www.ecva.net): every ECCV since 2018 on one page, ``papers.php``.

The page uses CVF's ``dt.ptitle`` / ``dd`` listing, with relative and often unquoted
hrefs (``href=papers/eccv_2024/...``) and authors marked with ``*``; 2018 writes
authors BibTeX-style. A year is told by the ``eccv_{year}`` in each paper's links.
PDF names differ by year (2020 and 2022 use LNCS numbers that no abstract URL gives),
so the PDF is always the listing's own ``pdf`` link. The page grows with each ECCV, so
its cached copy is refreshed after a week (proceedings pages are kept for good).
"""

from __future__ import annotations

from sora_refs.bibliography.resolvers._html import tokens
from sora_refs.bibliography.resolvers.cvf import parse_listing
from sora_refs.bibliography.resolvers.venues import Paper

URL = "https://www.ecva.net/papers.php"


def index_url(venue: str, year: int) -> str | None:
    return URL if year >= 2018 else None


def parse(body: bytes, url: str, year: int) -> list[Paper]:
    return parse_listing(tokens(body), url, year=year)
