"""Counts and shares of a reading list: pure functions, no rendering.

The headline facts the walkthrough states (12 arXiv-only papers, the four big
conferences over half, 2022 the busiest year) are computed here from the data,
never typed in, so they stay true for any manifest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sora_refs.readinglist.manifest import Manifest, Reference

# "NeurIPS, ICML, CVPR and ICCV together over half": the walkthrough's leading
# venues are the most frequent ones besides arXiv, taken in order until they hold
# more than half of the list, at most this many, each cited at least twice.
LEADING_MAX = 4
# "2021, 2022 and 2023 together": the three latest years of the list.
RECENT_SPAN = 3


def share(count: int, total: int) -> float:
    """A fraction rounded for display and JSON; 0 for an empty list."""
    return round(count / total, 4) if total else 0.0


def compute(manifest: Manifest, refs: Sequence[Reference] | None = None) -> dict[str, Any]:
    """Statistics of ``refs`` (default: every reference) in a JSON-ready dict. For a
    selection (``stats -c diffusion``) only the categories it touches are listed."""
    selection = refs is not None and len(refs) < len(manifest.references)
    refs = list(manifest.references if refs is None else refs)
    total = len(refs)
    venues = Counter(r.venue_text for r in refs)
    years = Counter(r.year for r in refs if r.year is not None)
    out: dict[str, Any] = {
        "manifest": manifest.title,
        "total": total,
        "venues": [
            {"venue": v, "count": c, "share": share(c, total)}
            for v, c in sorted(venues.items(), key=lambda kv: (-kv[1], kv[0].lower()))
        ],
        "years": [],
        "categories": [],
        "headline": {},
    }
    if years:
        lo, hi = min(years), max(years)
        out["years"] = [
            {"year": y, "count": years[y], "share": share(years[y], total)}
            for y in range(lo, hi + 1)
        ]
    unknown = sum(1 for r in refs if r.year is None)
    if unknown:  # said, not hidden: a year the source did not give
        out["unknown_year"] = {"count": unknown, "share": share(unknown, total)}
    for cat in manifest.walk_categories():
        n = sum(1 for r in refs if r.category == cat.path or r.category.startswith(cat.path + "/"))
        if selection and not n:
            continue
        out["categories"].append(
            {
                "path": cat.path,
                "slug": cat.slug,
                "en": cat.en,
                "zh": cat.zh,
                "depth": cat.depth,
                "count": n,
                "share": share(n, total),
            }
        )
    out["headline"] = headline(refs)
    return out


def headline(refs: Sequence[Reference]) -> dict[str, Any]:
    """The walkthrough's summary facts, computed from ``refs`` (any reading list).

    ``major_conferences`` names the leading venues of this list (for Sora's:
    NeurIPS, ICML, CVPR and ICCV) and is absent when no venue besides arXiv is
    cited twice; ``recent_years`` is absent when the list spans no more years
    than it counts.
    """
    total = len(refs)
    if not total:
        return {}
    years = Counter(r.year for r in refs if r.year is not None)
    arxiv_only = sum(1 for r in refs if r.venue.lower() == "arxiv")
    if not years:
        return {"arxiv_only": {"count": arxiv_only, "share": share(arxiv_only, total)}}
    top = max(years.values())
    earliest, latest = min(years), max(years)
    out: dict[str, Any] = {
        "arxiv_only": {"count": arxiv_only, "share": share(arxiv_only, total)},
        "busiest_years": {"years": sorted(y for y, c in years.items() if c == top), "count": top},
        "earliest_year": earliest,
        "latest_year": latest,
    }
    leading = leading_venues(refs)
    if leading:
        major = sum(1 for r in refs if r.venue in leading)
        out["major_conferences"] = {"venues": leading, "count": major,
                                    "share": share(major, total)}
    if latest - earliest + 1 > RECENT_SPAN:
        recent = list(range(latest - RECENT_SPAN + 1, latest + 1))
        in_recent = sum(years[y] for y in recent)
        out["recent_years"] = {"years": recent, "count": in_recent,
                               "share": share(in_recent, total)}
    return out


def leading_venues(refs: Sequence[Reference]) -> list[str]:
    """The most cited venues besides arXiv, until together they pass half the list."""
    counts = Counter(r.venue for r in refs if r.venue and r.venue.lower() != "arxiv")
    out: list[str] = []
    held = 0
    for venue, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].lower())):
        if n < 2 or len(out) == LEADING_MAX or held * 2 > len(refs):
            break
        out.append(venue)
        held += n
    return out
