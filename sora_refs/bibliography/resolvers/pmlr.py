"""PMLR (proceedings.mlr.press): ICML, AISTATS, UAI, COLT, CoRL, and any volume a
citation names ('volume 211 of Proceedings of Machine Learning Research'), one
machine-readable index per volume, ``v{N}/assets/bib/citeproc.yaml`` (title, authors,
``PDF`` of every paper).

Which volume holds a venue-year is a table (:data:`VOLUMES`, from PMLR's own
``proceedings.csv``; a new year is one entry). A CoRL volume comes out the year after
its meeting more often than not (CoRL 2022, held in December, is volume 205 of 2023, its
papers ``nair23a``), and citations print either year, PMLR's BibTeX the later one:
:data:`PUBLISHED` says when, and a year asks both volumes it can mean.

The ``PDF`` field is taken as written: older volumes serve PDFs from
proceedings.mlr.press, newer ones from raw.githubusercontent.com/mlresearch. A volume's
YAML has been seen broken by stray control bytes: they are read as replacement
characters, and an index that still does not parse is an unavailable answer, not an
empty one.
"""

from __future__ import annotations

import re
from typing import Any

from sora_refs.bibliography.resolvers.venues import Paper, Unavailable

BASE = "https://proceedings.mlr.press"
# From PMLR's proceedings list; the older AISTATS (2009-2016) and COLT (2017-2019)
# volumes as papers cite them ("... Statistics, volume 9 of Proceedings of Machine
# Learning Research", with a proceedings.mlr.press/v9/... URL), in several papers each.
VOLUMES: dict[str, dict[int, int]] = {
    "ICML": {2013: 28, 2014: 32, 2015: 37, 2016: 48, 2017: 70, 2018: 80, 2019: 97,
             2020: 119, 2021: 139, 2022: 162, 2023: 202, 2024: 235, 2025: 267, 2026: 306},
    "AISTATS": {2009: 5, 2010: 9, 2011: 15, 2012: 22, 2013: 31, 2014: 33, 2015: 38,
                2016: 51, 2017: 54, 2018: 84, 2019: 89, 2020: 108, 2021: 130, 2022: 151,
                2023: 206, 2024: 238, 2025: 258},
    "UAI": {2019: 115, 2020: 124, 2021: 161, 2022: 180, 2023: 216},
    "COLT": {2017: 65, 2018: 75, 2019: 99, 2020: 125, 2021: 134, 2022: 178, 2023: 195,
             2024: 247},
    "CoRL": {2017: 78, 2018: 87, 2019: 100, 2020: 155, 2021: 164, 2022: 205, 2023: 229,
             2024: 270},
}
# The year a volume's papers are dated, where it is not its meeting's (as the volumes'
# own BibTeX keys and dates have it: v100 'dasari20a', v205 'nair23a', v270 'kim25c').
PUBLISHED: dict[str, dict[int, int]] = {
    "CoRL": {100: 2020, 155: 2021, 164: 2022, 205: 2023, 270: 2025},
}


# Newer volumes' PDFs are in their GitHub repositories, as their indexes link them.
PDF_HOSTS = ("raw.githubusercontent.com/mlresearch/",)


def index_urls(venue: str, year: int) -> list[str]:
    """The volume of the venue's meeting that year, and the one published that year."""
    volumes = VOLUMES.get(venue, {})
    dated = PUBLISHED.get(venue, {})
    meant = [volumes[year]] if year in volumes else []
    meant += [v for v in volumes.values() if dated.get(v) == year and v not in meant]
    return [f"{BASE}/v{v}/assets/bib/citeproc.yaml" for v in meant]


# The volume a citation prints: 'volume 119 of Proceedings of Machine Learning
# Research', 'PMLR 139:1234', 'JMLR W&CP 28', or a proceedings.mlr.press/v{N}/ URL.
_PRINTED = re.compile(
    r"volume\s+(\d{1,3})\s+of\s+(?:the\s+)?(?:proceedings\s+of\s+machine\s+learning\s+"
    r"research|pmlr|jmlr)|\bpmlr\s*,?\s*(?:vol(?:ume)?\.?\s*)?(\d{1,3})\s*:|"
    r"\bjmlr\s+w\s*&\s*cp\s*,?\s*(?:vol(?:ume)?\.?\s*)?(\d{1,3})\b|"
    r"mlr\.press/v(\d{1,3})/", re.IGNORECASE)


def printed_urls(venue: str, year: int, cited: str) -> list[str]:
    """The volume a citation names: any PMLR volume, of a venue in the table or not."""
    m = _PRINTED.search(cited)
    volume = next((int(g) for g in m.groups() if g), 0) if m else 0
    return [f"{BASE}/v{volume}/assets/bib/citeproc.yaml"] if volume else []



def parse(body: bytes, url: str, year: int) -> list[Paper]:
    import yaml

    from sora_refs.text import printable

    try:
        data = yaml.load(printable(body.decode("utf-8", "replace"), True),
                         Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise Unavailable(f"its index is not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, list):
        raise Unavailable("its index is not a list of papers")
    return [p for p in map(_paper, data) if p is not None]


def _paper(item: Any) -> Paper | None:
    if not isinstance(item, dict):
        return None
    title, pdf = item.get("title"), item.get("PDF") or item.get("pdf")
    if not isinstance(title, str) or not isinstance(pdf, str):
        return None
    people = item.get("author") if isinstance(item.get("author"), list) else []
    authors = tuple(" ".join(f"{a.get('given', '')} {a.get('family', '')}".split())
                    for a in people if isinstance(a, dict))
    return Paper(" ".join(title.split()), authors, pdf.strip())
