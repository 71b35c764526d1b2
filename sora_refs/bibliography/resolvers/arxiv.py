"""From a printed citation to an arXiv paper, without ever inventing one.

Explicit arXiv ids come first, all of them in one batched ``id_list`` query. Every
other citation is searched by its title, :data:`BATCH` titles a request joined by
``OR`` (``ti:"..." OR ti:"..."``, which arXiv's search API takes), and once more,
batched the same way, with each title's words for those the phrase did not find.
Requests go one at a time under arXiv's rule (3 s apart; ``--delay`` for mirrors and
tests): a 60-reference paper costs about nine.

A result is accepted only when its title is the printed title once case, accents,
punctuation and spacing are ignored ("Mocogan", "Nüwa", "Patch n'Pack", "lstms" all
match) and the first author's surname or the year agrees; or, for a title that
changed between versions ("Generative adversarial nets" at NeurIPS, "... Networks"
on arXiv), when the titles are close word for word *and* both the first author and
the year agree. Several such results make the citation ``ambiguous``, none
``unresolved``. An answer is checked as it arrives: a record with a malformed id, no
title or no author is dropped, never written.

Every answer is cached per query and per host actually asked (a mirror's answers
are never served for another), so a second run of the same source asks nothing.
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
from sora_refs.net.mirrors import Mirror, redact, rewrite
from sora_refs.readinglist.manifest import cache_dir
from sora_refs.text import (
    ARXIV_RE,
    arxiv_base,
    compact,
    normalise,
    printable,
    surname,
    time_left,
)

API_URL = "https://export.arxiv.org/api/query"
_NS = {"a": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom",
       "os": "http://a9.com/-/spec/opensearch/1.1/"}
_ID_IN_URL = re.compile(r"/abs/(.+?)(?:v(\d+))?$")
# Words that make a search phrase no more precise.
_SHORT = {"a", "an", "the", "of", "on", "in", "for", "and", "with", "to", "by", "via", "is",
          "are", "from", "at", "as"}
# Titles per search request: 15 keeps the query near 1 kB and a 60-reference paper at
# 4 phrase requests (and at most as many word requests for what they miss).
BATCH = 15


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
        if not m or not ARXIV_RE.match(m.group(1)):  # an "Error" entry, or a hostile id
            continue
        title = printable(" ".join((e.findtext("a:title", "", _NS) or "").split()))
        authors = tuple(n for n in (printable(" ".join((a.findtext("a:name", "", _NS)
                                                         or "").split()))
                                    for a in e.findall("a:author", _NS)) if n)
        if not title or not authors:  # not a record anyone could file
            continue
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
        self._spent = 0.0    # seconds spent in requests, waits included (for the ETA)
        self.progress = progress or (lambda message: None)

    # -- HTTP, cached ---------------------------------------------------------
    def _get(self, params: dict[str, str]) -> bytes:
        from sora_refs.net.api import get_bounded
        from sora_refs.net.transport import Router, sync_client

        url = f"{API_URL}?{urlencode(params)}"
        slot = self._slot(params)
        try:
            body = slot.read_bytes()
            self.cached += 1
            return body
        except OSError:
            pass
        if self._client is None:
            self._client = sync_client(Router(self.mirrors))
        started = time.monotonic()
        wait = self._last + self.delay - time.monotonic()
        if self.requests and wait > 0:
            time.sleep(wait)  # arXiv's rule: one request every 3 seconds
        import httpx

        self.requests += 1
        try:
            response, body = get_bounded(self._client, url)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise ApiError.unreachable("the arXiv API", redact(API_URL), exc) from None
        finally:
            self._last = time.monotonic()
            self._spent += self._last - started
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

    def _slot(self, params: dict[str, str]) -> Path:
        asked = rewrite(f"{API_URL}?{urlencode(params)}", self.mirrors)
        return self.cache / (hashlib.sha256(asked.encode()).hexdigest()[:32] + ".xml")

    def _left(self, queries: Sequence[dict[str, str]]) -> str:
        """How long the queries not yet answered will take: each one is at least
        ``delay`` apart, and as long as the requests so far took on average."""
        uncached = sum(1 for q in queries if not self._slot(q).exists())
        each = max(self.delay, self._spent / self.requests if self.requests else 0.0)
        left = time_left(uncached * each)
        return f" ({left})" if left else ""

    # -- resolution -----------------------------------------------------------
    def resolve(self, cites: Sequence[Citation],
                out: dict[int, Resolution] | None = None) -> dict[int, Resolution]:
        """Resolutions by citation number, written into ``out`` as they come, so what was
        found survives an unreachable API or Ctrl-C half way (the caller keeps ``out``).

        Raises:
            ApiError: the API cannot be reached or answers with an error.
        """
        out = {} if out is None else out
        by_id = {c.number: arxiv_base(c.arxiv[0]) for c in cites
                 if c.arxiv and ARXIV_RE.match(c.arxiv[0]) and c.number not in out}
        if by_id:
            ids = sorted(set(by_id.values()))
            self.progress(f"asking arXiv about {len(ids)} id{'s' if len(ids) != 1 else ''} "
                          "printed in the citations")
            papers = {p.id: p for p in parse_feed(self._get(
                {"id_list": ",".join(ids), "max_results": str(len(ids))}))}
            for n, ident in by_id.items():
                p = papers.get(ident)
                out[n] = (Resolution("resolved", "id in text", p) if p else
                          Resolution("unresolved", reason=f"arXiv knows no paper {ident}"))
        rest = [c for c in cites if c.number not in out]
        for c in rest:
            if len(compact(c.title)) < 8:
                out[c.number] = Resolution("unresolved",
                                           reason="no title could be read in the citation")
        rest = [c for c in rest if c.number not in out]
        seen: dict[int, list[Record]] = {}
        self._search(rest, out, seen, _phrase_clause, "title")
        again = [c for c in rest if out[c.number].status == "unresolved" and _words(c.title)]
        self._search(again, out, seen, _words_clause, "title words")
        return out

    def _search(self, cites: Sequence[Citation], out: dict[int, Resolution],
                seen: dict[int, list[Record]], clause: Callable[[Citation], str],
                what: str) -> None:
        batches = [cites[i:i + BATCH] for i in range(0, len(cites), BATCH)]
        queries = [{"search_query": " OR ".join(clause(c) for c in batch),
                    "max_results": str(min(200, 10 * len(batch)))} for batch in batches]
        done = 0
        for i, batch in enumerate(batches):
            self.progress(f"searching arXiv by {what}: {done + 1}–{done + len(batch)} of "
                          f"{len(cites)}{self._left(queries[i:])}")
            found = parse_feed(self._get(queries[i]))
            for c in batch:
                seen[c.number] = [*seen.get(c.number, []), *found]
                out[c.number] = judge(c, seen[c.number])
            done += len(batch)


def _words(title: str) -> list[str]:
    return [w for w in re.findall(r"[^\W_]+", title.lower()) if w not in _SHORT]


def _phrase_clause(c: Citation) -> str:
    return 'ti:"' + " ".join(re.findall(r"[^\W_]+", c.title)) + '"'


def _words_clause(c: Citation) -> str:
    # arXiv's phrase search trips on hyphens and symbols: each word required instead.
    return "(" + " AND ".join(f"ti:{w}" for w in _words(c.title)[:12]) + ")"


def close_titles(a: str, b: str) -> bool:
    """Whether two titles say the same in the same number of words, each pairing with
    one of the other's that differs only in its ending ("nets" / "networks", "model" /
    "modeling"). A title with a word more or less ("Video diffusion" / "Video Diffusion
    Models") is another paper."""
    wa = [w for w in normalise(a).split() if w not in _SHORT]
    wb = [w for w in normalise(b).split() if w not in _SHORT]
    if len(wa) < 2 or len(wa) != len(wb):
        return False

    def pairs(x: str, y: str) -> bool:
        x, y = x.removesuffix("s"), y.removesuffix("s")  # plurals: "nets" is "net"
        return x == y or (min(len(x), len(y)) >= 3 and (x.startswith(y) or y.startswith(x)))

    left = list(wb)
    for x in wa:
        y = next((y for y in left if pairs(x, y)), None)
        if y is None:
            return False
        left.remove(y)
    return True


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
    # A title that changed between versions: close word for word, and both the first
    # author and the year agree (either alone is how near misses look).
    close = {p.id: p for p in found
             if first and p.authors and surname(p.authors[0]) == first
             and c.year is not None and abs(p.year - c.year) <= 1
             and close_titles(c.title, p.title)}
    if len(close) == 1:
        return Resolution("resolved", "close title, same first author and year",
                          next(iter(close.values())))
    near = [p.title for p in found if close_titles(c.title, p.title)][:2]
    return Resolution("unresolved", reason="arXiv has no paper with this title" +
                      (f" (closest: {'; '.join(near)})" if near else ""))
