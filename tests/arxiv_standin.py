"""A loopback stand-in for arXiv: the API (``id_list`` and ``search_query``) answering
in arXiv's Atom format (tests/feeds.py, modelled on real answers), e-prints and PDFs.

Its search is deliberately generous, like a relevance search: a title query returns
every paper sharing half of the query's words, near misses first among them, so the
resolver must tell "Video Diffusion Models" from "Imagen Video" by itself.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from sora_refs.readinglist.manifest import Manifest
from tests.feeds import Paper, feed

# Papers whose titles share most words with a reference, by the same first authors, or
# standing where a paper that is not on arXiv would be (iGPT, DALL·E 3).
DECOYS = [
    Paper("2204.03458", "Video Diffusion Models", ["Jonathan Ho", "Tim Salimans"], 2022),
    Paper("2010.13154", "Attention Is All You Need in Speech Separation",
          ["Cem Subakan", "Mirco Ravanelli"], 2020),
    Paper("2205.09113", "Masked Autoencoders As Spatiotemporal Learners",
          ["Christoph Feichtenhofer", "Haoqi Fan"], 2022),
    Paper("2307.08702", "Diffusion Models Beat GANs on Image Classification",
          ["Soumik Mukhopadhyay", "Matthew Gwilliam"], 2023),
    Paper("2207.12598", "Classifier-Free Diffusion Guidance", ["Jonathan Ho", "Tim Salimans"],
          2022),
    Paper("2307.05222", "Generative Pretraining in Multimodality", ["Quan Sun", "Qiying Yu"],
          2023),
    Paper("1912.01865", "Generative Pretraining from Pixels and Text", ["Ann Other"], 2019),
    Paper("2006.11807", "Improving Image Captioning with Better Use of Captions",
          ["Zhan Shi", "Xu Zhou"], 2020),
    Paper("2310.00001", "Improving Image Generation with Better Captions",
          ["Someone Else", "Another Author"], 2019),  # same title, wrong people and year
]


def papers_of(manifest: Manifest) -> list[Paper]:
    """The arXiv records of the manifest's papers (those with an id)."""
    return [Paper(r.arxiv, r.title, list(r.authors), r.year) for r in manifest.references
            if r.arxiv]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@dataclass
class StandIn:
    """The server; ``log`` holds every request's path."""

    papers: list[Paper]
    files: dict[str, bytes] = field(default_factory=dict)  # path -> body (e-prints, PDFs)
    log: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)  # "500", "silent"

    def __post_init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def mirrors(self) -> list[str]:
        return ["--mirror", f"https://export.arxiv.org={self.url}",
                "--mirror", f"https://arxiv.org={self.url}"]

    def api_requests(self) -> list[str]:
        return [p for p in self.log if p.startswith("/api/query")]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, query: dict[str, list[str]]) -> list[Paper]:
        ids = [i for i in (query.get("id_list") or [""])[0].split(",") if i]
        if ids:
            base = {re.sub(r"v\d+$", "", i) for i in ids}
            return [p for p in self.papers if p.id in base]
        q = (query.get("search_query") or [""])[0]
        limit = int((query.get("max_results") or ["10"])[0])
        # Clauses joined by OR, as the resolver batches them: each answered as arXiv's
        # relevance search would, the union capped at max_results.
        out: list[Paper] = []
        for clause in re.split(r"\s+OR\s+", q):
            for p in self._clause(clause.strip().strip("()"), 10):
                if p not in out:
                    out.append(p)
        return out[:limit]

    def _clause(self, q: str, limit: int) -> list[Paper]:
        phrase = re.match(r'^ti:"(.*)"$', q)
        if phrase:
            want = set(_words(phrase.group(1)))
            scored = [(len(want & set(_words(p.title))) / max(1, len(want)), p)
                      for p in self.papers]
            hits = [(s, p) for s, p in scored if s >= 0.5]
            exact = [p for s, p in hits if set(_words(p.title)) == want]
            near = [p for s, p in sorted(hits, key=lambda sp: -sp[0]) if p not in exact]
            # Near misses ranked above the paper: the resolver must not take the top hit.
            return near[:max(0, limit - len(exact))] + exact[:limit]
        words = re.findall(r"ti:([^\s()]+)", q)
        return [p for p in self.papers
                if set(words) <= set(_words(p.title))][:limit]


def _handler(stand: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            stand.log.append(self.path)
            parts = urlsplit(self.path)
            fault = stand.faults.pop(0) if stand.faults else ""
            if fault == "silent":
                import time

                time.sleep(10)
                return
            if fault.isdigit():
                return self._send(int(fault), b"no", "text/plain")
            if parts.path == "/api/query":
                body = feed(stand.answer(parse_qs(parts.query)))
                return self._send(200, body, "application/atom+xml")
            body = stand.files.get(parts.path)
            if body is None:
                return self._send(404, b"not here", "text/plain")
            ctype = "application/pdf" if body.startswith(b"%PDF-") else \
                "application/x-eprint-tar"
            return self._send(200, body, ctype)

        def _send(self, status: int, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

    return Handler
