"""Where a bibliography comes from: a file, a web address, or an arXiv paper (its LaTeX
source's ``.bbl`` or ``.bib``, else its PDF), read into a
:class:`~.documents.Document` within size caps and deadlines.

An e-print is read in memory, never unpacked to disk: a ``../`` member name reaches
nothing, and a decompression bomb stops at the cap.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import re
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from sora_refs import defaults
from sora_refs.bibliography.documents import (
    MAX_SOURCE,
    Document,
    html_to_markdown,
    pdf_document,
    read_text,
    sniff,
    text_document,
)
from sora_refs.bibliography.latexfiles import bbl_document, bibtex_document, latex_to_text
from sora_refs.errors import SoraRefsError, UsageError
from sora_refs.net.mirrors import Mirror, redact
from sora_refs.text import ARXIV_ID

ARXIV_SOURCE = re.compile(rf"^(?:arxiv:\s*|https?://(?:www\.|export\.)?arxiv\.org/"
                           rf"(?:abs|pdf)/)?({ARXIV_ID})(v\d+)?(?:\.pdf)?/?$", re.I)
# An e-print is a tarball of LaTeX sources: a bibliography is kilobytes, a whole
# e-print tens of megabytes; anything that inflates past this is a bomb.
EPRINT_MAX = 64 << 20
MEMBER_MAX = 8 << 20


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
    m = ARXIV_SOURCE.match(source.strip())
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


def document(raw: bytes, kind: str, name: str = "source") -> Document:
    """The source as a :class:`Document`.

    Raises:
        UsageError: too big, or a PDF without text.
    """
    if kind == "pdf":
        raise UsageError("internal: PDFs are read with pdf_text() first")
    text = read_text(raw, name)
    if kind == "html":
        text = html_to_markdown(text)
        kind = "markdown"
    if kind in ("bbl", "bibtex"):
        return (bbl_document if kind == "bbl" else bibtex_document)(text)
    if kind == "text":
        try:  # running heads, page numbers and an appendix are the PDF reader's to drop
            doc = pdf_document(text)
        except UsageError:
            doc = None
        if doc and (_paper_text(text) or _numbered(doc)):
            return doc
    return text_document(text, kind)


def _paper_text(text: str) -> bool:
    """Whether a text file is a whole paper as ``pdftotext`` or a viewer's "save as
    text" gives it (pages apart by form feeds, or pages of body before the list), not a
    reference list someone pasted."""
    return "\f" in text or len(text) > 20_000


def _numbered(doc: Document) -> bool:
    """Whether the PDF reader found a numbered list, 1, 2, 3, ... as text copied from a
    PDF's pages has it (their heads and page numbers between the entries)."""
    labels = [label for label, _ in doc.entries]
    return len(labels) >= 3 and labels == [str(i) for i in range(1, len(labels) + 1)]


def _document(raw: bytes, kind: str, path: Path | None) -> Document:
    if kind != "pdf":
        return document(raw, kind, str(path or "the page"))
    if path is None:
        with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as fh:
            fh.write(raw)
            tmp = Path(fh.name)
        try:
            return _pdf(tmp)
        finally:
            tmp.unlink(missing_ok=True)
    return _pdf(path)


def _pdf(path: Path) -> Document:
    """A PDF's reference list, titled with the paper's own title (metadata or page 1)."""
    from sora_refs.bibliography.pdftext import paper_title
    from sora_refs.pdf.reader import pool

    doc = pdf_document(pool().text(path))
    facts = pool().facts(path)
    return dataclasses.replace(doc, title=paper_title(facts.meta_title, facts.lines))


def _get(url: str, mirrors: Sequence[Mirror], cap: int) -> tuple[bytes, str]:
    import httpx

    from sora_refs.net.api import ApiError, get_bounded
    from sora_refs.net.transport import Router, reason, sync_client

    with sync_client(Router(list(mirrors)), read_timeout=defaults.READ_TIMEOUT) as client:
        try:
            response, body = get_bounded(client, url, max_bytes=cap,
                                         deadline=defaults.API_DEADLINE * 2)
        except ApiError as exc:
            raise UsageError(str(exc)) from None
        except httpx.HTTPError as exc:
            raise SoraRefsError(f"cannot download {redact(url)}: {reason(exc)}") from None
    if response.status_code != 200:
        raise SoraRefsError(f"{redact(url)} answered HTTP {response.status_code}")
    return body, response.headers.get("content-type", "").lower()


def _from_arxiv(ident: str, mirrors: Sequence[Mirror], pace: Callable[[], None],
                progress: Callable[[str], None]) -> Document:
    """A paper on arXiv: the bibliography from its LaTeX source (the .bbl), else its PDF."""
    progress(f"downloading the LaTeX source of arXiv:{ident}")
    pace()
    why, bad = "it holds no bibliography", True
    try:
        raw, _ = _get(f"https://arxiv.org/e-print/{ident}", mirrors, EPRINT_MAX)
        doc = eprint_document(raw)
        if doc is not None:
            return doc
    except SoraRefsError as exc:
        why, bad = str(exc), isinstance(exc, UsageError)
    progress(f"the LaTeX source is no use ({why}); reading the PDF instead")
    pace()
    try:
        raw, _ = _get(f"https://arxiv.org/pdf/{ident}", mirrors, MAX_SOURCE * 4)
        return _document(raw, "pdf", None)
    except SoraRefsError as exc:
        # Unreachable is a job not done (exit 1); a source with no bibliography is bad input.
        kind = UsageError if bad or isinstance(exc, UsageError) else SoraRefsError
        raise kind(f"cannot read the bibliography of arXiv:{ident}: its LaTeX source "
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
        for member in _members(tar):
            if not member.isfile() or member.size > MEMBER_MAX:
                continue
            name = member.name.lower()
            if name.endswith(".bbl") or name.endswith(".tex"):
                bbls.append(member)
            elif name.endswith(".bib"):
                bibs.append(member)
        texts = {m.name: _member_text(tar, m) for m in bbls[:50]}
        title = next((t for t in map(tex_title, texts.values()) if t), "")
        for member in sorted(bbls[:50], key=lambda m: not m.name.lower().endswith(".bbl")):
            if "\\bibitem" in texts[member.name]:
                return dataclasses.replace(bbl_document(texts[member.name]), title=title)
        for member in bibs:
            try:
                return dataclasses.replace(bibtex_document(_member_text(tar, member)),
                                           title=title)
            except UsageError:
                continue
    return None


def tex_title(text: str) -> str:
    """The ``\\title{...}`` of a LaTeX source, as plain text ("" when there is none)."""
    m = re.search(r"^[^%\n]*\\title\s*(?:\[[^\]]*\])?\s*\{", text, re.M)
    if not m:
        return ""
    depth, i = 1, m.end()
    while i < len(text) and depth and i - m.end() < 2000:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    if depth:
        return ""
    inner = re.sub(r"\\(?:thanks|footnote)\s*\{[^{}]*\}", "", text[m.end():i - 1])
    return latex_to_text(inner.replace("\\\\", " "))


def _members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """The members a tar holds, up to where it breaks: a truncated download or a
    header that lies keeps the members read before it."""
    found: list[tarfile.TarInfo] = []
    try:
        for member in tar:
            found.append(member)
    except (tarfile.TarError, OSError, EOFError):
        pass
    return found


def _member_text(tar: tarfile.TarFile, member: tarfile.TarInfo) -> str:
    """A member's text, or "" when its bytes are cut short or lie about their size."""
    try:
        fh = tar.extractfile(member)
        data = fh.read(MEMBER_MAX) if fh else b""
    except (tarfile.TarError, OSError, EOFError):
        return ""
    return read_text(data, member.name)


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
