"""A loopback stand-in for Crossref's works API and Unpaywall's v2 API, answering in the
shapes the real services serve in 2026 (learned from ../shared/venues/samples: habanero's
cassettes of 2026-06 and Crossref answers saved from the API, Unpaywall records).

Crossref: ``/works?query.bibliographic=`` is a relevance search (every record sharing a
third of the query's words, best first, ``rows`` of them, with ``score``), the ``select``
fields only; ``/works/{doi}`` one record, or a plain-text 404 "Resource not found.";
``x-api-pool`` is ``polite`` when the User-Agent carries ``mailto:``. Unpaywall:
``/v2/{doi}?email=`` a record, 422 JSON without a valid e-mail address, 404 for a DOI it
does not know. Both on one server: their paths differ, and ``mirrors()`` points both
hosts at it. ``faults`` turns the next answers into a 429, an Anubis page, HTML or foreign JSON.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Record:
    doi: str
    title: str
    authors: list[str]              # "Given Family"
    year: int
    venue: str = ""
    subtitle: str = ""
    kind: str = "journal-article"
    pdf: str | None = None          # Unpaywall's url_for_pdf; None: no open PDF
    landing_only: bool = False      # an open location with only a landing page
    openalex_pdf: str | None = ""   # OpenAlex's pdf_url ("": the same as Unpaywall's)
    crossref: bool = True           # False: only Semantic Scholar knows it (no DOI)
    arxiv: str = ""                 # the arXiv id Semantic Scholar gives
    s2_pdf: str = ""                # Semantic Scholar's openAccessPdf.url ("" as it serves)


# Works a vision paper's bibliography cites that are on no arXiv and no venue index,
# with the decoys a relevance search returns beside them.
RECORDS = [
    Record("10.1109/cvpr.2009.5206848", "ImageNet", ["Jia Deng", "Wei Dong", "Richard Socher"],
           2009, "2009 IEEE Conference on Computer Vision and Pattern Recognition",
           subtitle="A large-scale hierarchical image database", kind="proceedings-article"),
    Record("10.1145/3065386", "ImageNet classification with deep convolutional neural "
           "networks", ["Alex Krizhevsky", "Ilya Sutskever", "Geoffrey E. Hinton"], 2017,
           "Communications of the ACM",
           pdf="https://dl.acm.org/doi/pdf/10.1145/3065386"),
    Record("10.1162/neco.1997.9.8.1735", "Long Short-Term Memory",
           ["Sepp Hochreiter", "Jürgen Schmidhuber"], 1997, "Neural Computation",
           landing_only=True),
    Record("10.1038/nature14539", "Deep learning", ["Yann LeCun", "Yoshua Bengio",
                                                   "Geoffrey Hinton"], 2015, "Nature",
           pdf="https://www.nature.com/articles/nature14539.pdf"),
    # Decoys: the same title by others, a near miss, a commentary on the paper.
    Record("10.1007/978-3-030-00001-1_1", "Deep Learning", ["Ann Other"], 2019,
           "Lecture Notes in Computer Science", kind="book-chapter"),
    Record("10.5555/decoy.lstm", "Long Short-Term Memory Networks Revisited",
           ["Sepp Hochreiter"], 1997, "A Workshop"),
    Record("10.5555/decoy.imagenet", "ImageNet classification with deep convolutional neural "
           "networks: a retrospective", ["Alex Krizhevsky"], 2017, "A Magazine"),
    # A workshop paper with no DOI: Crossref has no record, Semantic Scholar has one, with
    # its arXiv id (and, as it often serves, an empty openAccessPdf.url).
    Record("", "Learning Transferable Features from Sparse Workshop Data",
           ["Quinn Workshop", "Rae Author"], 2019, "NeurIPS Workshop on Sparse Data",
           crossref=False, arxiv="1911.00042"),
]

OPENALEX_KEY = "oa-key-0123456789"
S2_KEY = "s2key0123456789abcdef"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _date(year: int) -> dict[str, list[list[int]]]:
    return {"date-parts": [[year, 6, 1]]}


def crossref_item(r: Record, score: float = 1.0) -> dict[str, object]:
    """A record as Crossref serves it (every field, the caller selects)."""
    given_family = [a.rsplit(" ", 1) for a in r.authors]
    return {"DOI": r.doi, "title": [r.title], "subtitle": [r.subtitle] if r.subtitle else [],
            "container-title": [r.venue] if r.venue else [], "type": r.kind,
            "author": [{"given": g, "family": f, "sequence": "first" if i == 0 else
                        "additional", "affiliation": []}
                       for i, (g, f) in enumerate(given_family)],
            "published-print": _date(r.year), "issued": _date(r.year),
            "created": {"date-parts": [[2026, 1, 1]]}, "URL": f"https://doi.org/{r.doi}",
            "publisher": "A Publisher", "score": score, "reference-count": 0,
            "link": [{"URL": f"https://api.example.org/{r.doi}/fulltext",
                      "content-type": "application/pdf",
                      "intended-application": "text-mining"}]}


def unpaywall_record(r: Record) -> dict[str, object]:
    location = None
    if r.pdf or r.landing_only:
        location = {"url": r.pdf or f"https://doi.org/{r.doi}", "url_for_pdf": r.pdf,
                    "url_for_landing_page": f"https://doi.org/{r.doi}",
                    "evidence": "open (via page says license)", "license": "cc-by",
                    "version": "publishedVersion", "host_type": "publisher", "is_best": True,
                    "pmh_id": None, "endpoint_id": None, "repository_institution": None,
                    "oa_date": f"{r.year}-06-01", "updated": "2026-03-06T15:09:14.020297"}
    return {"doi": r.doi, "doi_url": f"https://doi.org/{r.doi}", "title": r.title,
            "genre": r.kind, "is_paratext": False, "year": r.year, "journal_name": r.venue,
            "is_oa": location is not None, "oa_status": "gold" if location else "closed",
            "has_repository_copy": False, "best_oa_location": location,
            "first_oa_location": location, "oa_locations": [location] if location else [],
            "oa_locations_embargoed": [], "updated": "2026-03-28T06:00:46.270660",
            "data_standard": 2,
            "z_authors": [{"given": a.rsplit(" ", 1)[0], "family": a.rsplit(" ", 1)[-1]}
                          for a in r.authors]}


@dataclass
class Scholarly:
    records: list[Record] = field(default_factory=lambda: list(RECORDS))
    log: list[tuple[float, str, dict[str, str]]] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)  # "429", "anubis", "html" per answer

    def __post_init__(self) -> None:
        import time

        stand = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                stand.log.append((time.monotonic(), self.path,
                                  {k.lower(): v for k, v in self.headers.items()}))
                status, ctype, body, extra = stand.answer(self.path, self.headers)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def mirrors(self) -> list[str]:
        return ["--mirror", f"https://api.crossref.org={self.url}",
                "--mirror", f"https://api.unpaywall.org={self.url}",
                "--mirror", f"https://api.openalex.org={self.url}/openalex",
                "--mirror", f"https://api.semanticscholar.org={self.url}/s2"]

    def paths(self, prefix: str = "") -> list[str]:
        return [p for _, p, _ in self.log if p.startswith(prefix)]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- answers ---------------------------------------------------------------
    def answer(self, path: str, headers: object) -> tuple[int, str, bytes, dict[str, str]]:
        if self.faults:
            fault = self.faults.pop(0)
            if fault == "429":
                return 429, "text/html", b"<h1>429 Too Many Requests</h1>", {"Retry-After": "5"}
            if fault == "anubis":
                from tests.venue_standins import ANUBIS

                return 500, "text/html; charset=utf-8", ANUBIS, {}
            if fault == "json":  # JSON, but not a works answer (an error envelope)
                return 200, "application/json", b'{"status": "failed", "message": []}', {}
            return 200, "text/html", b"<html><body>Our API is resting.</body></html>", {}
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path.startswith("/v2/"):
            return self._unpaywall(unquote(parts.path[4:]), query)
        if parts.path.startswith("/openalex/works/doi:"):
            return self._openalex(unquote(parts.path[len("/openalex/works/doi:"):]), query)
        if parts.path == "/s2/graph/v1/paper/search/match":
            return self._s2(query, headers)
        ua = str(getattr(headers, "get", lambda k, d=None: d)("User-Agent", "") or "")
        pool = "polite" if "mailto:" in ua else "public"
        limits = {"x-api-pool": pool, "x-rate-limit-limit": "10" if pool == "polite" else "5",
                  "x-rate-limit-interval": "1s",
                  "x-concurrency-limit": "3" if pool == "polite" else "1"}
        if parts.path.startswith("/works/"):
            doi = unquote(parts.path[len("/works/"):]).lower()
            hit = next((r for r in self.records if r.crossref and r.doi.lower() == doi), None)
            if hit is None:
                return 404, "text/plain", b"Resource not found.", limits
            body = {"status": "ok", "message-type": "work", "message-version": "1.0.0",
                    "message": crossref_item(hit)}
            return 200, "application/json", json.dumps(body).encode(), limits
        if parts.path == "/works":
            return 200, "application/json", self._search(query), limits
        return 404, "text/plain", b"Resource not found.", limits

    def _search(self, query: dict[str, str]) -> bytes:
        want = set(_words(query.get("query.bibliographic", "")))
        scored = []
        for r in self.records:
            if not r.crossref:
                continue
            words = set(_words(f"{r.title} {r.subtitle} {' '.join(r.authors)} {r.year}"))
            shared = len(want & words)
            if want and shared * 3 >= len(want):
                scored.append((shared / len(want) * 100, r))
        scored.sort(key=lambda x: -x[0])
        rows = int(query.get("rows", "20"))
        select = [f for f in query.get("select", "").split(",") if f]
        items = []
        for score, r in scored[:rows]:
            item = crossref_item(r, score)
            items.append({k: v for k, v in item.items() if not select or k in select})
        body = {"status": "ok", "message-type": "work-list", "message-version": "1.0.0",
                "message": {"facets": {}, "total-results": len(scored), "items": items,
                            "items-per-page": rows,
                            "query": {"start-index": 0, "search-terms": None}}}
        return json.dumps(body).encode()

    def _unpaywall(self, doi: str, query: dict[str, str]
                   ) -> tuple[int, str, bytes, dict[str, str]]:
        if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", query.get("email", "")):
            return 422, "application/json", json.dumps(
                {"HTTP_status_code": 422, "error": True,
                 "message": "Please use a real email address"}).encode(), {}
        hit = next((r for r in self.records if r.doi.lower() == doi.lower()), None)
        if hit is None:
            return 404, "application/json", json.dumps(
                {"HTTP_status_code": 404, "error": True,
                 "message": f"'{doi}' is an invalid doi."}).encode(), {}
        return 200, "application/json", json.dumps(unpaywall_record(hit)).encode(), {}

    def _openalex(self, doi: str, query: dict[str, str]
                  ) -> tuple[int, str, bytes, dict[str, str]]:
        """A work as OpenAlex serves it in 2026: free by DOI, keyed or not; a key that
        is not the one issued is a 401."""
        limits = {"x-ratelimit-limit": "1000", "x-ratelimit-remaining": "997",
                  "x-ratelimit-limit-usd": "0.1", "x-ratelimit-cost-usd": "0"}
        if "api_key" in query and query["api_key"] != OPENALEX_KEY:
            return 401, "application/json", json.dumps(
                {"error": "Invalid API key", "message": "The API key is invalid."}).encode(), {}
        hit = next((r for r in self.records if r.doi and r.doi.lower() == doi.lower()), None)
        if hit is None:
            return 404, "application/json", json.dumps(
                {"error": "NotFoundError", "message": "404 Not Found"}).encode(), limits
        pdf = hit.pdf if hit.openalex_pdf == "" else hit.openalex_pdf
        best = None
        if pdf or hit.landing_only:
            best = {"is_oa": True, "landing_page_url": f"https://doi.org/{hit.doi}",
                    "pdf_url": pdf, "source": {"display_name": hit.venue},
                    "license": "cc-by", "version": "publishedVersion"}
        closed = {"is_oa": False, "landing_page_url": f"https://doi.org/{hit.doi}",
                  "pdf_url": None, "source": {"display_name": hit.venue}}
        work = {"id": "https://openalex.org/W" + str(abs(hash(hit.doi)) % 10**10),
                "doi": f"https://doi.org/{hit.doi}", "title": hit.title,
                "display_name": hit.title, "publication_year": hit.year,
                "authorships": [{"author": {"display_name": a}} for a in hit.authors],
                "primary_location": best or closed, "best_oa_location": best,
                "locations": [x for x in (best, closed) if x],
                "open_access": {"is_oa": best is not None,
                                "oa_status": "gold" if best else "closed",
                                "oa_url": pdf}}
        return 200, "application/json", json.dumps(work).encode(), limits

    def _s2(self, query: dict[str, str], headers: object
            ) -> tuple[int, str, bytes, dict[str, str]]:
        """Semantic Scholar's title match: the best record by shared words, or 404;
        without the issued key, the 429 its shared pool answers."""
        key = str(getattr(headers, "get", lambda k, d=None: d)("x-api-key", "") or "")
        if key != S2_KEY:
            return 429, "application/json", json.dumps(
                {"message": "Too Many Requests. Please wait and try again or apply for a "
                            "key for higher rate limits.", "code": "429"}).encode(), {}
        want = set(_words(query.get("query", "")))
        best = max(self.records, key=lambda r: len(want & set(_words(r.title))))
        if not want or len(want & set(_words(best.title))) * 2 < len(want):
            return 404, "application/json", b'{"error":"Title match not found"}', {}
        item = {"paperId": "f" * 40, "title": best.title, "year": best.year,
                "venue": best.venue, "matchScore": 109.2,
                "externalIds": {k: v for k, v in (("DOI", best.doi), ("ArXiv", best.arxiv),
                                                  ("CorpusId", 274437761)) if v},
                "openAccessPdf": {"url": best.s2_pdf, "status": None, "license": None,
                                  "disclaimer": "Notice: Paper or abstract available at "
                                                f"https://arxiv.org/abs/{best.arxiv}, which "
                                                "is subject to the license by the author."},
                "authors": [{"authorId": str(i), "name": a}
                            for i, a in enumerate(best.authors)]}
        return 200, "application/json", json.dumps({"data": [item]}).encode(), {}
