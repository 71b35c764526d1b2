"""An existing list against the venues' open indexes: per reference, the venue copy an
index lists and whether the list has it (``sora-refs venues``), and the edit that puts
it first (``--write``, the user's consent).

The bundled ``refs.yaml`` was curated by hand; this is how its venue URLs are checked
against what the proceedings themselves link, and how a list made elsewhere gains them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sora_refs.bibliography.resolvers.venues import SOURCES, VenueFinder, venue_of
from sora_refs.readinglist.manifest import Reference

# What a reference's venue copy is, compared with the index.
STATES = ("agrees", "listed later", "differs", "missing", "not in index", "unavailable",
          "no index")


@dataclass
class VenueCheck:
    ref: Reference
    state: str
    index_pdf: str = ""
    detail: str = ""

    @property
    def proposed(self) -> tuple[str, ...] | None:
        """The reference's URLs with the index's copy first, when that changes them."""
        if self.state not in ("listed later", "differs", "missing"):
            return None
        rest = [u for u in self.ref.urls if _bare(u) != _bare(self.index_pdf)]
        return (self.index_pdf, *rest)

    def as_dict(self) -> dict[str, object]:
        return {"n": self.ref.n, "key": self.ref.key, "state": self.state,
                "index_pdf": self.index_pdf or None, "listed": list(self.ref.urls),
                "detail": self.detail or None}


def _bare(url: str) -> str:
    """A URL without its scheme: an index that links http:// names the same file."""
    return url.split("://", 1)[-1].rstrip("/")


def compare(refs: Sequence[Reference], finder: VenueFinder) -> list[VenueCheck]:
    """Each reference cited at a venue with an index, against that index."""
    wanted = [(r.n, r.title, r.first_author, r.year, r.venue, r.cited or "") for r in refs]
    copies = finder.find(wanted)
    out = []
    for ref in refs:
        copy = copies.get(ref.n)
        if copy is None:
            if venue_of(ref.venue) in SOURCES:
                out.append(VenueCheck(ref, "no index", detail="no year to choose an index by"))
            continue
        if copy.state != "found":
            state = "unavailable" if copy.state == "unavailable" else (
                "no index" if copy.detail.startswith("no open index") else "not in index")
            out.append(VenueCheck(ref, state, detail=copy.detail))
            continue
        bare = [_bare(u) for u in ref.urls]
        pdf = copy.pdf
        if bare and bare[0] == _bare(pdf):
            state = "agrees"
        elif _bare(pdf) in bare:
            state = "listed later"
        elif any(_host(u) == _host(pdf) for u in ref.urls):
            state = "differs"
        else:
            state = "missing"
        out.append(VenueCheck(ref, state, pdf))
    return out


def _host(url: str) -> str:
    return _bare(url).split("/", 1)[0].lower()
