"""Is this file a PDF, and is it the paper that was asked for?

A download is trusted only after these checks, in order of cost: it starts with
``%PDF-`` and ends with ``%%EOF``; pypdf opens it and counts its pages; the text
of page 1 carries the reference's title (normalised, fuzzy) or its arXiv stamp.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sora_refs.errors import VerificationError
from sora_refs.manifest import Reference
from sora_refs.pdfcheck import PdfFacts
from sora_refs.text import arxiv_base, arxiv_stamps, compact, normalise_lines

# The PDF header may follow up to 1 KiB of junk (the spec tolerates it); the
# end-of-file marker sits in the last few hundred bytes, give or take padding.
HEAD_BYTES = 1024
TAIL_BYTES = 2048
# The title is near the top of page 1: look for it in this many characters of
# compacted text, so a title quoted further down (another paper's) never counts.
TITLE_WINDOW = 1200
# How much of the title must match, in order, when it does not appear verbatim
# (text extraction drops or garbles a character or two on real papers).
FUZZY_TITLE = 0.9


@dataclass(frozen=True)
class Verified:
    pages: int
    method: str  # "title" or "arxiv-id"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def looks_like_html(head: bytes) -> bool:
    low = head[:HEAD_BYTES].lstrip().lower()
    return low.startswith((b"<!doctype", b"<html", b"<head", b"<?xml", b"<body")) or (
        b"<html" in low
    )


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
    """Page count and page 1's text, read by a bounded worker process."""
    from sora_refs.pdfcheck import pool

    return pool().facts(path)










def _lines(text: str) -> tuple[str, list[int], list[int]]:
    """Page text compacted line by line, with where each line starts and ends."""
    joined, starts, ends = "", [], []
    for line in normalise_lines(text):
        c = line.replace(" ", "")
        if c:
            starts.append(len(joined))
            joined += c
            ends.append(len(joined))
    return joined, starts, ends




def title_matches(title: str, text: str) -> bool:
    """Whether page 1 prints ``title`` as a title: from the start of a line to the end of
    one (a footnote mark may follow), near the top.

    Anchoring matters: "Denoising Diffusion Probabilistic Models" is also the tail
    of the line "Improved Denoising Diffusion Probabilistic Models".
    """
    want = compact(title)
    if not want:
        return False
    page, starts, ends = _lines(text)
    page = page[:TITLE_WINDOW]
    start_set = set(starts)

    def ends_line(stop: int) -> bool:
        after = next((e for e in ends if e >= stop), stop)
        rest = page[stop:after]
        return len(rest) <= 3 and (rest == "" or rest.isdigit())

    pos = page.find(want)
    while pos != -1:
        if pos in start_set and ends_line(pos + len(want)):
            return True
        pos = page.find(want, pos + 1)
    if len(want) < 12:
        return False  # too short to match fuzzily without false positives
    sm = difflib.SequenceMatcher(None, page, want, autojunk=False)
    blocks = [b for b in sm.get_matching_blocks() if b.size >= 3]
    if not blocks or blocks[0].b > 2:
        return False
    begin = blocks[0].a - blocks[0].b
    stop = blocks[-1].a + blocks[-1].size
    matched = sum(b.size for b in blocks)
    return (matched >= FUZZY_TITLE * len(want) and stop - begin <= 1.3 * len(want)
            and any(abs(begin - s) <= 2 for s in starts) and ends_line(stop))


def identify(ref: Reference, text: str) -> str:
    """How page 1 shows it is ``ref``: ``"title"`` or ``"arxiv-id"``.

    Raises:
        VerificationError: naming what was expected and what page 1 shows.
    """
    stamps = arxiv_stamps(text)
    own = arxiv_base(ref.arxiv) if ref.arxiv else None
    foreign = [s for s in stamps if s != own]
    if ref.arxiv and foreign and own not in stamps:
        raise VerificationError(
            f"wrong paper: expected {_q(ref.title)} (arXiv:{ref.arxiv}), "
            f"page 1 carries the stamp arXiv:{foreign[0]} and reads {_q(_first_line(text))}"
        )
    if title_matches(ref.title, text):
        return "title"
    if own and own in stamps:
        return "arxiv-id"
    if not text.strip():
        raise VerificationError(
            f"cannot confirm it is {_q(ref.title)}: page 1 has no text layer "
            "(a scan?)", kind="unreadable")
    raise VerificationError(
        f"wrong paper: expected {_q(ref.title)}, page 1 reads {_q(_first_line(text))}"
    )


def verify_file(path: Path, ref: Reference) -> Verified:
    """All checks; raises :class:`VerificationError` with the reason."""
    check_structure(path)
    facts = read_pdf(path)
    return Verified(pages=facts.pages, method=identify(ref, facts.text))


def _first_line(text: str, width: int = 60) -> str:
    line = " ".join(text.split())[:width]
    return line + ("…" if len(" ".join(text.split())) > width else "")


def _q(text: str) -> str:
    return f"'{text}'"


def _preview(head: bytes) -> str:
    return head[:24].decode("latin-1", "replace").strip()
