"""Metadata from the arXiv API, through the ``arxiv`` package.

The package is a metadata client (it stopped downloading PDFs in 4.0), and a
polite one: it batches ids into one ``id_list`` query and waits between
requests. Its endpoint follows ``--mirror`` like every other URL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sora_refs import defaults
from sora_refs.net.api import ApiError
from sora_refs.net.mirrors import Mirror, redact, rewrite
from sora_refs.readinglist.manifest import Manifest, Reference
from sora_refs.text import arxiv_base, compact, plural

API_URL = "https://export.arxiv.org/api/query"
_ID_IN_URL = re.compile(r"/abs/(.+?)(?:v(\d+))?$")
__all__ = ["API_URL", "ApiError", "Comparison", "Record", "check", "compare",
           "fetch_records"]


@dataclass(frozen=True)
class Record:
    """One paper as arXiv describes it."""

    id: str
    version: int
    title: str
    authors: tuple[str, ...]
    year: int
    comment: str
    summary: str

    @property
    def withdrawn(self) -> bool:
        return "withdrawn" in self.comment.lower()


@dataclass
class Comparison:
    """Where one reference and arXiv disagree (``differences`` empty when they agree)."""

    ref: Reference
    status: str  # agrees, differs, missing
    record: Record | None = None
    differences: list[tuple[str, str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.ref.n,
            "key": self.ref.key,
            "arxiv": self.ref.arxiv,
            "status": self.status,
            "latest_version": self.record.version if self.record else None,
            "differences": [{"field": f, "manifest": a, "arxiv": b}
                            for f, a, b in self.differences],
        }


def fetch_records(ids: Sequence[str], mirrors: list[Mirror] | None = None,
                  delay: float = defaults.ARXIV_API_DELAY,
                  retries: int = defaults.ARXIV_API_RETRIES) -> dict[str, Record]:
    """Records for ``ids`` (version-less keys), in one batched query.

    Raises:
        ApiError: the API cannot be reached or answers with an error.
    """
    import arxiv
    import requests

    from sora_refs.net.api import requests_session
    from sora_refs.net.transport import Router, sync_client

    if not ids:
        return {}
    # The package sends its own User-Agent with every request and offers no
    # setting for it; arXiv asks clients to say who they are, so say it here.
    arxiv._USER_AGENT = f"{defaults.USER_AGENT} arxiv.py/{arxiv.__version__}"
    # One page holds every answer (the API serves up to 2000 per request); results are
    # matched by id, so extra or reordered entries do no harm.
    client = arxiv.Client(page_size=2000, delay_seconds=delay, num_retries=retries)
    # Its requests go through sora-refs' own client: mirrors, proxies, a timeout, a
    # deadline and a size cap (the package sets none of these).
    http = sync_client(Router(mirrors))
    client._session = requests_session(http)
    endpoint = redact(rewrite(API_URL, mirrors or []))
    search = arxiv.Search(id_list=list(ids), max_results=None)
    try:
        results = list(client.results(search))
    except arxiv.HTTPError as exc:
        raise ApiError(f"the arXiv API at {endpoint} answered HTTP {exc.status} "
                       f"(after {exc.retry + 1} tries). Try again later or use --mirror.") from None
    except arxiv.ArxivError as exc:
        raise ApiError(f"the arXiv API at {endpoint} gave an unusable answer: {exc}") from None
    except requests.exceptions.RequestException as exc:
        # The adapter's message is already sora-refs' own reading of httpx's error.
        raise ApiError.unreachable("the arXiv API", endpoint, str(exc)) from None
    finally:
        http.close()
    out: dict[str, Record] = {}
    for r in results:
        m = _ID_IN_URL.search(r.entry_id)
        if not m:  # an error entry ("incorrect id format"), not a paper
            continue
        out[m.group(1)] = Record(
            id=m.group(1), version=int(m.group(2) or 1), title=" ".join(r.title.split()),
            authors=tuple(a.name for a in r.authors), year=r.published.year,
            comment=r.comment or "", summary=" ".join((r.summary or "").split()))
    return out


def _surname(name: str) -> str:
    return compact(name.split()[-1]) if name.split() else ""


def compare(ref: Reference, record: Record | None) -> Comparison:
    """What differs between ``ref`` and arXiv's ``record``."""
    if record is None:
        return Comparison(ref, "missing", None,
                          [("arxiv", ref.arxiv or "", "arXiv has no paper with this id")])
    diffs: list[tuple[str, str, str]] = []
    if compact(ref.title) != compact(record.title):
        diffs.append(("title", ref.title, record.title))
    if len(ref.authors) != len(record.authors):
        diffs.append(("authors", plural(len(ref.authors), "author"),
                      plural(len(record.authors), "author")))
    for i, (mine, theirs) in enumerate(zip(ref.authors, record.authors, strict=False), 1):
        if _surname(mine) != _surname(theirs):
            diffs.append((f"author {i}", mine, theirs))
    # A paper cited at a venue may well have appeared on arXiv a year earlier:
    # the year is compared only where the manifest cites the preprint itself.
    if ref.venue.lower() == "arxiv" and ref.year != record.year:
        diffs.append(("year", str(ref.year), f"{record.year} (first version)"))
    pinned = re.search(r"v(\d+)$", ref.arxiv or "")
    if pinned and int(pinned.group(1)) < record.version:
        diffs.append(("version", f"v{pinned.group(1)}", f"v{record.version} is the latest"))
    if record.withdrawn:
        diffs.append(("withdrawn", "listed", f"withdrawn: {record.comment}"))
    return Comparison(ref, "differs" if diffs else "agrees", record, diffs)


def check(manifest: Manifest, refs: Sequence[Reference], mirrors: list[Mirror] | None = None,
          **kw: Any) -> list[Comparison]:
    """Compare every reference that has an arXiv id with arXiv's metadata."""
    with_ids = [r for r in refs if r.arxiv]
    records = fetch_records(sorted({arxiv_base(r.arxiv) for r in with_ids if r.arxiv}),
                            mirrors, **kw)
    return [compare(r, records.get(arxiv_base(r.arxiv or ""))) for r in with_ids]
