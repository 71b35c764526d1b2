"""Counts and shares of a reading list: pure functions, no rendering.

The headline facts the walkthrough states (12 arXiv-only papers, the four big
conferences over half, 2022 the busiest year) are computed here from the data,
never typed in, so they stay true for any manifest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sora_refs.manifest import Manifest, Reference

# The venues the walkthrough groups as "the traditional top conferences".
MAJOR_CONFERENCES = ("NeurIPS", "ICML", "CVPR", "ICCV")
# "2021, 2022 and 2023 together": the three latest years of the list.
RECENT_SPAN = 3


def share(count: int, total: int) -> float:
    """A fraction rounded for display and JSON; 0 for an empty list."""
    return round(count / total, 4) if total else 0.0


def compute(manifest: Manifest, refs: Sequence[Reference] | None = None) -> dict[str, Any]:
    """Statistics of ``refs`` (default: every reference) in a JSON-ready dict."""
    refs = list(manifest.references if refs is None else refs)
    total = len(refs)
    venues = Counter(r.venue for r in refs)
    years = Counter(r.year for r in refs)
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
    for cat in manifest.walk_categories():
        n = sum(1 for r in refs if r.category == cat.path or r.category.startswith(cat.path + "/"))
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
    """The walkthrough's summary facts, computed from ``refs``."""
    total = len(refs)
    if not total:
        return {}
    years = Counter(r.year for r in refs)
    arxiv_only = sum(1 for r in refs if r.venue.lower() == "arxiv")
    major = sum(1 for r in refs if r.venue in MAJOR_CONFERENCES)
    top = max(years.values())
    latest = max(years)
    recent = list(range(latest - RECENT_SPAN + 1, latest + 1))
    in_recent = sum(years[y] for y in recent)
    return {
        "arxiv_only": {"count": arxiv_only, "share": share(arxiv_only, total)},
        "major_conferences": {
            "venues": list(MAJOR_CONFERENCES),
            "count": major,
            "share": share(major, total),
        },
        "busiest_years": {"years": sorted(y for y, c in years.items() if c == top), "count": top},
        "recent_years": {"years": recent, "count": in_recent, "share": share(in_recent, total)},
        "earliest_year": min(years),
        "latest_year": latest,
    }
