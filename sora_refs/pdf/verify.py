"""Is this file a PDF, and is it the paper that was asked for?

The one verification pipeline ``fetch``, ``import`` and ``verify`` share, in
order of cost: the file starts with ``%PDF-`` and ends with ``%%EOF``
(:func:`check_structure`); a worker process reads its facts once with pypdf
(:mod:`sora_refs.pdf.reader`); the rules of :mod:`sora_refs.pdf.evidence` weigh them
into a verdict with its evidence.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sora_refs.errors import VerificationError
from sora_refs.pdf.evidence import Page, Verdict, judge
from sora_refs.pdf.reader import PdfFacts
from sora_refs.readinglist.manifest import Reference
from sora_refs.text import HEAD_BYTES, looks_like_html

# The end-of-file marker sits in the last few hundred bytes, give or take padding.
TAIL_BYTES = 2048


@dataclass(frozen=True)
class Verified:
    """A file accepted as a reference, with what convinced the rules."""

    pages: int
    method: str    # "arxiv-stamp" or "title"
    evidence: str  # "arXiv stamp 1803.10122 + title on line 1 + authors Ha after the title"
    strength: int


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def check_structure(path: Path) -> None:
    """Cheap checks that need no PDF parser."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
            fh.seek(max(0, size - TAIL_BYTES))
            tail = fh.read()
    except OSError as exc:
        raise VerificationError(f"cannot read the file: {exc.strerror or exc}",
                                kind="unreadable") from None
    if b"%PDF-" not in head:
        what = ("an empty file" if not head else "an HTML page" if looks_like_html(head)
                else f"{_preview(head)!r}")
        raise VerificationError(f"not a PDF: expected '%PDF-' at the start, found {what}",
                                kind="not-a-pdf")
    if b"%%EOF" not in tail:
        raise VerificationError("the PDF is truncated: no '%%EOF' marker near its end",
                                kind="unreadable")


def read_pdf(path: Path) -> PdfFacts:
    """The facts of a PDF (pages, page 1's text and shape, metadata), read by a bounded
    worker process."""
    from sora_refs.pdf.reader import pool

    return pool().facts(path)


def check_facts(facts: PdfFacts, ref: Reference, page: Page | None = None) -> Verified:
    """Judge ``facts`` as ``ref``.

    Raises:
        VerificationError: the verdict's reason; ``kind`` "unreadable" when page 1
            has no text to judge.
    """
    if not facts.text.strip():
        raise VerificationError(f"cannot confirm it is '{ref.title}': page 1 has no text "
                                "layer (a scan?)", kind="unreadable")
    verdict = judge(facts, ref, page)
    if not verdict.accepted:
        raise VerificationError(verdict.reason)
    return verified(verdict, facts)


def verified(verdict: Verdict, facts: PdfFacts) -> Verified:
    return Verified(facts.pages, verdict.method, verdict.summary(), verdict.strength)


def verify_file(path: Path, ref: Reference) -> Verified:
    """All checks; raises :class:`VerificationError` with the reason."""
    check_structure(path)
    return check_facts(read_pdf(path), ref)


def _preview(head: bytes) -> str:
    return head[:24].decode("latin-1", "replace").strip()
