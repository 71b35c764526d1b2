"""From a printed citation to an arXiv paper, without ever inventing one.

Explicit arXiv ids come first, all of them in one batched ``id_list`` query;
every other citation is searched by its title (``ti:"..."``, and once more with
the title's words when the phrase finds nothing), one request at a time under
arXiv's rule (3 s apart; ``--delay`` for mirrors and tests). A search result is
accepted only when its title is the printed title once case, accents,
punctuation and spacing are ignored ("Mocogan", "Nüwa", "Patch n'Pack", "lstms"
all match) and the first author's surname or the year agrees; several such
results make the citation ``ambiguous``, none ``unresolved``.

Every answer is cached per query URL under the cache folder, so a second run
of the same source makes no request at all.
"""

from __future__ import annotations

import hashlib
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from sora_refs.bibliography.arxiv_api import Record
from sora_refs.bibliography.citations import Citation
from sora_refs.net.api import ApiError
from sora_refs.net.mirrors import Mirror, redact
from sora_refs.readinglist.manifest import cache_dir
from sora_refs.text import arxiv_base, compact, surname

API_URL = "https://export.arxiv.org/api/query"
_NS = {"a": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom",
       "os": "http://a9.com/-/spec/opensearch/1.1/"}
_ID_IN_URL = re.compile(r"/abs/(.+?)(?:v(\d+))?$")
# Words that make a search phrase no more precise.
_SHORT = {"a", "an", "the", "of", "on", "in", "for", "and", "with", "to", "by", "via", "is",
          "are", "from", "at", "as"}


@dataclass
class Resolution:
    """What became of one citation."""

    status: str            # resolved, ambiguous, unresolved
    how: str = ""          # "id in text" or "title search"
    paper: Record | None = None
    candidates: list[Record] = field(default_factory=list)
    reason: str = ""


def parse_feed(body: bytes) -> list[Record]:
    """The papers of an Atom answer of the arXiv API (error entries skipped).

    Raises:
        ApiError: the answer is not such a feed.
    """
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ApiError(f"the arXiv API gave an answer that is not XML ({exc})") from None
    out = []
    for e in root.findall("a:entry", _NS):
        m = _ID_IN_URL.search((e.findtext("a:id", "", _NS) or "").strip())
        if not m:  # an "Error" entry for a malformed id
            continue
        title = " ".join((e.findtext("a:title", "", _NS) or "").split())
        authors = tuple(" ".join((a.findtext("a:name", "", _NS) or "").split())
                        for a in e.findall("a:author", _NS))
        published = (e.findtext("a:published", "", _NS) or "0000")[:4]
        out.append(Record(m.group(1), int(m.group(2) or 1), title, authors,
                          int(published) if published.isdigit() else 0,
                          " ".join((e.findtext("arxiv:comment", "", _NS) or "").split()),
                          " ".join((e.findtext("a:summary", "", _NS) or "").split())))
    return out


class Resolver:
    """Resolves citations through the arXiv API, counting requests and cache hits."""

    def __init__(self, mirrors: Sequence[Mirror] = (), delay: float = 3.0,
                 cache: Path | None = None, client: object = None,
                 progress: Callable[[str], None] | None = None) -> None:
        self.mirrors = list(mirrors)
        self.delay = delay
        self.cache = cache if cache is not None else cache_dir() / "api"
        self._client = client
        self.requests = 0
        self.cached = 0
        self._last = 0.0
        self.progress = progress or (lambda message: None)

    # -- HTTP, cached ---------------------------------------------------------
    def _get(self, params: dict[str, str]) -> bytes:
        from sora_refs.net.api import get_bounded
        from sora_refs.net.transport import Router, sync_client

        url = f"{API_URL}?{urlencode(params)}"
        slot = self.cache / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".xml")
        try:
            body = slot.read_bytes()
            self.cached += 1
            return body
        except OSError:
            pass
        if self._client is None:
            self._client = sync_client(Router(self.mirrors))
        wait = self._last + self.delay - time.monotonic()
        if self.requests and wait > 0:
            time.sleep(wait)  # arXiv's rule: one request every 3 seconds
        import httpx

        self.requests += 1
        try:
            response, body = get_bounded(self._client, url)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise ApiError(f"cannot reach the arXiv API at {redact(API_URL)}: {exc}. Check "
                           "the connection, or point --mirror at a reachable copy.") from None
        finally:
            self._last = time.monotonic()
        if response.status_code != 200:
            raise ApiError(f"the arXiv API answered HTTP {response.status_code} to "
                           f"{redact(url)}; try again later")
        parse_feed(body)  # only a usable answer is cached
        try:
            self.cache.mkdir(parents=True, exist_ok=True)
            from sora_refs.safefile import atomic_write

            atomic_write(slot, body.decode("utf-8", "replace"))
        except OSError:
            pass  # a cache that cannot be written only costs a request next time
        return body

    def close(self) -> None:
        close = getattr(self._client, "close", None)
        if close is not None:
            close()

    # -- resolution -----------------------------------------------------------
    def resolve(self, cites: Sequence[Citation]) -> dict[int, Resolution]:
        out: dict[int, Resolution] = {}
        by_id = {c.number: arxiv_base(c.arxiv[0]) for c in cites if c.arxiv}
        if by_id:
            self.progress(f"asking arXiv about {len(set(by_id.values()))} ids in the text")
            ids = sorted(set(by_id.values()))
            papers = {p.id: p for p in parse_feed(self._get(
                {"id_list": ",".join(ids), "max_results": str(len(ids))}))}
            for n, ident in by_id.items():
                p = papers.get(ident)
                out[n] = (Resolution("resolved", "id in text", p) if p else
                          Resolution("unresolved", reason=f"arXiv knows no paper {ident}"))
        rest = [c for c in cites if c.number not in out]
        for i, c in enumerate(rest, 1):
            self.progress(f"searching arXiv for {i} of {len(rest)}: {c.title[:60]}")
            out[c.number] = self.search(c)
        return out

    def search(self, c: Citation) -> Resolution:
        if len(compact(c.title)) < 8:
            return Resolution("unresolved", reason="no title could be read in the citation")
        words = [w for w in re.findall(r"[^\W_]+", c.title.lower()) if w not in _SHORT]
        phrase = " ".join(re.findall(r"[^\W_]+", c.title))
        found = parse_feed(self._get({"search_query": f'ti:"{phrase}"', "max_results": "10"}))
        verdict = judge(c, found)
        if verdict.status == "unresolved" and words:
            # The phrase found nothing usable (arXiv's phrase search trips on hyphens and
            # symbols): once more with the title's words, each required.
            query = " AND ".join(f"ti:{w}" for w in words[:12])
            again = parse_feed(self._get({"search_query": query, "max_results": "10"}))
            verdict = judge(c, [*found, *again])
        return verdict


def judge(c: Citation, found: Sequence[Record]) -> Resolution:
    """Which of ``found`` is the cited paper: the same title, and the first author's
    surname or the year agreeing; never a near miss."""
    want = compact(c.title)
    same = [p for p in found if compact(p.title) == want]
    first = surname(c.authors[0]) if c.authors else ""
    agree = [p for p in same
             if (first and p.authors and surname(p.authors[0]) == first)
             or (c.year is not None and abs(p.year - c.year) <= 1)]
    ids = {p.id for p in agree}
    if len(ids) == 1:
        return Resolution("resolved", "title search", agree[0])
    if len(ids) > 1:
        return Resolution("ambiguous", candidates=agree,
                          reason="several arXiv papers have this title and authors")
    if same:
        return Resolution("ambiguous", candidates=same,
                          reason="an arXiv paper has this title, but neither the first "
                                 "author nor the year agrees")
    near = [p.title for p in found[:2]]
    return Resolution("unresolved", reason="arXiv has no paper with this title" +
                      (f" (closest: {'; '.join(near)})" if near else ""))
