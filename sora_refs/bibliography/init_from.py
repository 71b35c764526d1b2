"""``sora-refs init NEW.yaml --from SOURCE``: any paper's bibliography as a manifest.

Read the source (a web page or its saved copy, a PDF, an arXiv id whose LaTeX
source holds the formatted bibliography, a BibTeX file, a plain list), extract
its citations (:mod:`sora_refs.bibliography.citations`), resolve them on arXiv
(:mod:`sora_refs.bibliography.resolvers.arxiv`), derive categories from the source's own structure
(:mod:`sora_refs.bibliography.categories`), and write a manifest that validates: resolved
references with arXiv's metadata, the others kept with what was printed and
flagged, so ``fetch`` still tries the URLs the citation gives.
"""

from __future__ import annotations

import gzip
import io
import re
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sora_refs import defaults
from sora_refs.bibliography.categories import Node, derive
from sora_refs.bibliography.citations import Citation, extract
from sora_refs.bibliography.documents import (
    MAX_SOURCE,
    Document,
    bbl_document,
    bibtex_document,
    document,
    pdf_document,
    read_text,
    sniff,
)
from sora_refs.bibliography.resolvers.arxiv import Resolution, Resolver
from sora_refs.errors import SoraRefsError, UsageError
from sora_refs.net.mirrors import Mirror, redact
from sora_refs.text import ARXIV_ID, arxiv_base, printable, shorten, slugify, surname

_ARXIV_SOURCE = re.compile(rf"^(?:arxiv:\s*|https?://(?:www\.|export\.)?arxiv\.org/"
                           rf"(?:abs|pdf)/)?({ARXIV_ID})(v\d+)?(?:\.pdf)?/?$", re.I)
# An e-print is a tarball of LaTeX sources: a bibliography is kilobytes, a whole
# e-print tens of megabytes; anything that inflates past this is a bomb.
EPRINT_MAX = 64 << 20
MEMBER_MAX = 8 << 20


@dataclass
class Row:
    """One reference in the report."""

    n: int
    printed: str
    status: str
    how: str
    arxiv: str | None
    url: str | None
    category: str
    reason: str = ""
    candidates: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"n": self.n, "printed": self.printed, "status": self.status,
                "how": self.how or None, "arxiv": self.arxiv, "url": self.url,
                "category": self.category, "reason": self.reason or None,
                "candidates": self.candidates}


@dataclass
class Result:
    text: str                  # the manifest, as YAML
    rows: list[Row]
    source: str
    kind: str
    requests: int
    cached: int
    seconds: float
    notes: list[str] = field(default_factory=list)  # parts of the source that were skipped

    @property
    def complete(self) -> bool:
        return all(r.status == "resolved" for r in self.rows)


# ---------------------------------------------------------------- reading the source


def read_source(source: str, mirrors: Sequence[Mirror], pace: Callable[[], None],
                progress: Callable[[str], None]) -> Document:
    """The source as a :class:`~sora_refs.bibliography.citations.Document`.

    Raises:
        UsageError: it cannot be read, or holds no reference list.
    """
    path = Path(source).expanduser()
    if path.is_file():
        size = path.stat().st_size
        if size > MAX_SOURCE:
            raise UsageError(f"{source} is {size:,} bytes; a bibliography is a few hundred kB "
                             f"at most, so this is not one (the limit is {MAX_SOURCE:,}).")
        raw = path.read_bytes()
        return _document(raw, sniff(raw, path.name), path)
    m = _ARXIV_SOURCE.match(source.strip())
    if m:
        return _from_arxiv(m.group(1), mirrors, pace, progress)
    if re.match(r"^https?://", source, re.I):
        progress(f"downloading {redact(source)}")
        raw, ctype = _get(source, mirrors, MAX_SOURCE)
        kind = "pdf" if "pdf" in ctype else sniff(raw, source.split("?")[0])
        if "html" in ctype and kind != "pdf":
            kind = "html"
        return _document(raw, kind, None)
    if path.exists():
        raise UsageError(f"{source} is not a file.")
    raise UsageError(f"{source!r} is neither a file, a web address nor an arXiv id (such as "
                     "2212.09748 or https://arxiv.org/abs/2212.09748).")


def _document(raw: bytes, kind: str, path: Path | None) -> Document:
    if kind != "pdf":
        return document(raw, kind, str(path or "the page"))
    from sora_refs.pdf.reader import pool

    if path is None:
        with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as fh:
            fh.write(raw)
            tmp = Path(fh.name)
        try:
            text = pool().text(tmp)
        finally:
            tmp.unlink(missing_ok=True)
    else:
        text = pool().text(path)
    return pdf_document(text)


def _get(url: str, mirrors: Sequence[Mirror], cap: int) -> tuple[bytes, str]:
    import httpx

    from sora_refs.net.api import ApiError, get_bounded
    from sora_refs.net.transport import Router, sync_client

    with sync_client(Router(list(mirrors)), read_timeout=defaults.READ_TIMEOUT) as client:
        try:
            response, body = get_bounded(client, url, max_bytes=cap,
                                         deadline=defaults.API_DEADLINE * 2)
        except ApiError as exc:
            raise UsageError(str(exc)) from None
        except httpx.HTTPError as exc:
            raise SoraRefsError(f"cannot download {redact(url)}: {exc}") from None
    if response.status_code != 200:
        raise SoraRefsError(f"{redact(url)} answered HTTP {response.status_code}")
    return body, response.headers.get("content-type", "").lower()


def _from_arxiv(ident: str, mirrors: Sequence[Mirror], pace: Callable[[], None],
                progress: Callable[[str], None]) -> Document:
    """A paper on arXiv: the bibliography from its LaTeX source (the .bbl), else its PDF."""
    progress(f"downloading the LaTeX source of arXiv:{ident}")
    pace()
    why = "it holds no bibliography"
    try:
        raw, _ = _get(f"https://arxiv.org/e-print/{ident}", mirrors, EPRINT_MAX)
        doc = eprint_document(raw)
        if doc is not None:
            return doc
    except SoraRefsError as exc:
        why = str(exc)
    progress(f"the LaTeX source is no use ({why}); reading the PDF instead")
    pace()
    try:
        raw, _ = _get(f"https://arxiv.org/pdf/{ident}", mirrors, MAX_SOURCE * 4)
        return _document(raw, "pdf", None)
    except SoraRefsError as exc:
        raise UsageError(f"cannot read the bibliography of arXiv:{ident}: its LaTeX source "
                         f"is no use ({why.rstrip('.')}), and its PDF: {exc}") from None


def eprint_document(raw: bytes) -> Document | None:
    """The bibliography of an arXiv e-print (a tar, gzip or plain .tex), or None when it
    holds none. Members are read in memory, never written: a '../' name cannot reach
    anything; sizes are capped, so a decompression bomb stops at the cap.

    Raises:
        UsageError: the e-print inflates past the cap.
    """
    data = raw
    if raw[:2] == b"\x1f\x8b":
        data = _inflate(raw)
    if data[:5] == b"%PDF-":
        return None
    try:
        tar = tarfile.open(fileobj=io.BytesIO(data), mode="r:")  # noqa: SIM115 - closed below
    except tarfile.TarError:
        text = read_text(data[:MEMBER_MAX], "the e-print")
        return bbl_document(text) if "\\bibitem" in text else None
    bbls, bibs = [], []
    with tar:
        for member in tar:
            if not member.isfile() or member.size > MEMBER_MAX:
                continue
            name = member.name.lower()
            if name.endswith(".bbl") or name.endswith(".tex"):
                bbls.append(member)
            elif name.endswith(".bib"):
                bibs.append(member)
        for member in sorted(bbls, key=lambda m: not m.name.lower().endswith(".bbl")):
            fh = tar.extractfile(member)
            text = read_text(fh.read(MEMBER_MAX) if fh else b"", member.name)
            if "\\bibitem" in text:
                return bbl_document(text)
        for member in bibs:
            fh = tar.extractfile(member)
            text = read_text(fh.read(MEMBER_MAX) if fh else b"", member.name)
            try:
                return bibtex_document(text)
            except UsageError:
                continue
    return None


def _inflate(raw: bytes) -> bytes:
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
            while chunk := gz.read(1 << 20):
                out.write(chunk)
                if out.tell() > EPRINT_MAX:
                    raise UsageError(f"the e-print inflates past {EPRINT_MAX:,} bytes "
                                     "(a decompression bomb?); not reading further.")
    except (OSError, EOFError) as exc:
        raise UsageError(f"the e-print is not valid gzip ({exc}).") from None
    return out.getvalue()


# ---------------------------------------------------------------- writing the manifest


def _slug_tree(tree: dict[str, Node]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(slug, title, [(child slug, child title)]) with slugs unique among siblings."""
    out = []
    used: set[str] = set()
    for node in tree.values():
        slug = _unique(slugify(node.title, 40), used)
        kids: set[str] = set()
        out.append((slug, node.title, [(_unique(slugify(c.title, 40), kids), c.title)
                                      for c in node.children.values()]))
    return out


def _unique(slug: str, used: set[str]) -> str:
    base, i = slug or "x", 2
    while slug in used or not slug:
        slug, i = f"{base[:37]}-{i}", i + 1
    used.add(slug)
    return slug


def _quote(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def build(title: str, source: str, cites: Sequence[Citation],
          resolutions: dict[int, Resolution], tree: dict[str, Node],
          paths: dict[int, tuple[str, ...]]) -> tuple[str, list[Row]]:
    """The manifest text and the report rows."""
    from sora_refs.readinglist.editing import entry_text, make_key

    slugs = _slug_tree(tree)
    by_title = {t: (s, {ct: cs for cs, ct in kids}) for s, t, kids in slugs}
    lines = [f"# Made by `sora-refs init --from {printable(source)}`: the references of that",
             "# source, resolved on arXiv where they could be. Entries with a `resolution` other",
             "# than resolved kept what was printed: check them before fetching.",
             f"title: {_quote(title)}", "", "categories:"]
    for slug, t, kids in slugs:
        lines += [f"  - slug: {slug}", f"    en: {_quote(t)}"]
        if kids:
            lines.append("    children:")
            for cs, ct in kids:
                lines += [f"      - slug: {cs}", f"        en: {_quote(ct)}"]
    lines += ["", "references:"]
    taken: set[str] = set()
    rows = []
    entries = []
    for i, c in enumerate(cites, 1):
        res = resolutions.get(c.number, Resolution("unresolved", reason="not resolved"))
        titles = paths[c.number]
        top, kids = by_title[titles[0]]
        category = top + (f"/{kids[titles[1]]}" if len(titles) > 1 else "")
        paper = res.paper if res.status == "resolved" else None
        authors = list(paper.authors) if paper and paper.authors else (c.authors or ["Unknown"])
        year = c.year or (paper.year if paper else None) or 2000
        ref_title = paper.title if paper else (c.title or c.text[:120])
        ident = arxiv_base(paper.id) if paper else None
        urls = ([f"https://arxiv.org/pdf/{ident}"] if ident else []) + [
            u for u in c.urls if "arxiv.org" not in u]
        key = make_key(surname(authors[0]) or "anon", year, ref_title, taken)
        taken.add(key.lower())
        where = f"cited in “{c.section}”: " if c.section else "cited: "
        note = (where + shorten(c.sentence, 220)) if c.sentence else \
            "listed in the references; not cited in the text"
        if not c.year:
            note += " (no year in the citation)"
        fields: dict[str, object] = {
            "n": i, "key": key, "title": printable(" ".join(ref_title.split())),
            "authors": [printable(a) for a in authors], "year": year,
            "venue": c.venue or ("arXiv" if paper else "Unknown")}
        if ident:
            fields["arxiv"] = ident
        fields.update({"urls": urls, "category": category, "note": printable(note),
                       "cited": printable(shorten(c.text, 500)), "resolution": res.status})
        entries.append(entry_text(fields, 2, 4))
        rows.append(Row(i, shorten(c.text, 70), res.status, res.how, ident,
                        urls[0] if urls else None, category, res.reason,
                        [f"{p.id}: {p.title}" for p in res.candidates]))
    text = "\n".join(lines) + "\n" + "".join(entries)
    if not entries:
        text = text.replace("references:\n", "references: []\n")
    return text, rows


# ---------------------------------------------------------------- the whole job


def run(source: str, title: str | None, mirrors: Sequence[Mirror], delay: float,
        progress: Callable[[str], None] = lambda message: None) -> Result:
    """Read, extract, resolve, derive, write (the text only: the caller writes the file).

    Raises:
        UsageError: the source cannot be read or holds no reference list.
        SoraRefsError: the arXiv API cannot be reached.
    """
    from sora_refs.readinglist.manifest import parse_manifest

    started = time.monotonic()
    resolver = Resolver(mirrors, delay, progress=progress)
    last = [0.0]

    def pace() -> None:  # arXiv's rule for the e-print and PDF requests too
        wait = last[0] + delay - time.monotonic()
        if last[0] and wait > 0:
            time.sleep(wait)
        last[0] = time.monotonic()

    doc = read_source(source, mirrors, pace, progress)
    cites = extract(doc)
    if not cites:
        raise UsageError(f"found no reference list in {source}: no numbered entries under a "
                         "'References' heading, and no entries to read.")
    resolver._last = last[0]
    try:
        resolutions = resolver.resolve(cites)
    finally:
        resolver.close()
    tree, paths = derive(cites, doc.body, fallback="Introduction")
    name = title or doc.title or Path(source).stem or source
    text, rows = build(name, source, cites, resolutions, tree, paths)
    parse_manifest(text, Path("init-from.yaml"))  # it must validate, or nothing is written
    return Result(text, rows, source, doc.kind, resolver.requests, resolver.cached,
                  time.monotonic() - started, doc.notes)
