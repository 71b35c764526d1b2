"""CVF Open Access (openaccess.thecvf.com): CVPR, ICCV and WACV, one listing page per
venue-year holding every paper.

Each paper is a ``dt.ptitle`` (the title, linking its abstract page) followed by two
``dd``: the authors (hidden ``query_author`` inputs since 2021, ``query`` with a
leading space in 2020, plain links before), then the links, among them the one whose
text is exactly ``pdf``. Hrefs are absolute paths (2021+) or relative ones
(``content_CVPR_2020/...``), so they are joined to the listing's own URL: the PDF is
whatever the listing links, never a URL built from a title.
"""

from __future__ import annotations

from urllib.parse import urljoin

from sora_refs.bibliography.resolvers._html import Token, text_until, tokens
from sora_refs.bibliography.resolvers.venues import Paper

BASE = "https://openaccess.thecvf.com"


# CVPR's listing was split by day in these years, one page per day of the conference
# (the days as CVF's own menus link them, and as every scraper of them lists them).
DAYS = {("CVPR", 2019): ("2019-06-18", "2019-06-19", "2019-06-20"),
        ("CVPR", 2020): ("2020-06-16", "2020-06-17", "2020-06-18")}


def index_urls(venue: str, year: int) -> tuple[str, ...]:
    """The listing of every paper of ``venue`` in ``year``: one page, or one per day."""
    if (venue, year) in DAYS:
        return tuple(f"{BASE}/{venue}{year}?day={day}" for day in DAYS[venue, year])
    if year >= 2021 or (venue, year) in (("ICCV", 2019), ("WACV", 2020)):
        return (f"{BASE}/{venue}{year}?day=all",)
    if year <= 2018 and year >= 2013 and venue in ("CVPR", "ICCV"):
        return (f"{BASE}/{venue}{year}.py",)
    return ()


def parse(body: bytes, url: str, year: int) -> list[Paper]:
    return parse_listing(tokens(body), url)


def parse_listing(toks: list[Token], url: str, year: int | None = None) -> list[Paper]:
    """Papers of a CVF-style ``<dl>`` listing (ECVA's pages use it too); ``year`` keeps
    only papers whose abstract link names that year (ECVA holds every year)."""
    out: list[Paper] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if not (t.kind == "start" and t.tag == "dt" and t.has_class("ptitle")):
            i += 1
            continue
        link = next((x.attrs.get("href", "") for x in toks[i:i + 4]
                     if x.kind == "start" and x.tag == "a"), "")
        title, i = text_until(toks, i + 1, "dt")
        authors, pdf, i = _details(toks, i + 1)
        if title and pdf and (year is None or str(year) in link):
            out.append(Paper(title, tuple(authors), urljoin(url, pdf)))
    return out


def _details(toks: list[Token], i: int) -> tuple[list[str], str, int]:
    """The two ``dd`` after a title: authors, then the ``pdf`` link."""
    authors: list[str] = []
    pdf = ""
    for n in range(2):
        while i < len(toks) and not (toks[i].kind == "start" and toks[i].tag in ("dd", "dt")):
            i += 1
        if i >= len(toks) or toks[i].tag == "dt":
            break
        end = i + 1
        while end < len(toks) and not (toks[end].kind == "end" and toks[end].tag == "dd") \
                and not (toks[end].kind == "start" and toks[end].tag in ("dd", "dt")):
            end += 1
        part = toks[i + 1:end]
        if n == 0:
            authors = _authors(part)
        for k, x in enumerate(part):
            if x.kind == "start" and x.tag == "a" and x.attrs.get("href"):
                label, _ = text_until(part, k + 1, "a")
                if label.lower() == "pdf":
                    pdf = x.attrs["href"]
        i = end
        if pdf:
            break
    return authors, pdf, i


def _authors(part: list[Token]) -> list[str]:
    named = [x.attrs.get("value", "").strip() for x in part
             if x.kind == "start" and x.tag == "input"
             and x.attrs.get("name") in ("query_author", "query")]
    if named:
        return [n for n in named if n]
    text = " ".join(x.text for x in part if x.kind == "text")
    names = [" ".join(a.replace("*", "").split()) for a in
             (text.split(" and ") if _bibtex_style(text) else text.split(","))]
    return [_first_last(n) for n in names if n]


def _bibtex_style(text: str) -> bool:
    """ECCV 2018 writes "Last, First and Last, First"."""
    return " and " in text and "," in text.split(" and ")[0]


def _first_last(name: str) -> str:
    last, comma, first = name.partition(",")
    return f"{first.strip()} {last.strip()}" if comma else name
