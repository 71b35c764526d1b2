"""Text and identifier helpers every other module shares: a leaf, importing nothing
of sora-refs.

Titles are compared after :func:`normalise` (case, accents, ligatures,
punctuation and line-end hyphenation ignored), arXiv ids after
:func:`arxiv_base`, and anything that came from outside (PDF text, server
headers, manifests, pages) passes through :func:`printable` before it reaches
a terminal.
"""

from __future__ import annotations

import re
import unicodedata

# New style (1706.03762, 2212.09748v2) and old style (hep-th/9901001, math.GT/0309136).
ARXIV_ID = r"(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})"
ARXIV_RE = re.compile(rf"^{ARXIV_ID}(?:v\d+)?$")
# The stamp arXiv prints in the left margin of page 1: "arXiv:1706.03762v7 [cs.CL] 2 Aug 2023".
_STAMP_RE = re.compile(rf"arXiv\s*:\s*({ARXIV_ID})(?:v\d+)?\s*\[", re.IGNORECASE)

# C0 and C1 control characters (ESC starts terminal escape sequences, BEL rings,
# CR rewrites the line), DEL, and the bidirectional overrides that make a line
# read differently from what it holds. Tabs and newlines are kept only where a
# caller asks for them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, multiline: bool = False) -> str:
    """``text`` with every control character replaced by a space: safe for a terminal.

    Text from outside (PDF pages, metadata, headers, manifests, error messages
    quoting them) can carry escape sequences that move the cursor, rewrite
    earlier lines or change the window title.
    """
    return (_CONTROL if multiline else _CONTROL_LINE).sub(" ", text)


def has_control(text: str) -> bool:
    """Whether ``text`` holds a character :func:`printable` would replace (newlines allowed)."""
    return bool(_CONTROL.search(text))


def normalise(text: str) -> str:
    """Lowercase words separated by single spaces: ligatures split, accents and
    hyphenation at line ends removed, punctuation dropped."""
    text = unicodedata.normalize("NFKC", text)  # "ﬁ" -> "fi"
    text = text.replace("\u00ad", "")
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)  # "differ-\nentiable"
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^0-9a-z]+", " ", text.lower())
    return text.strip()


def compact(text: str) -> str:
    """:func:`normalise` without spaces: extraction often drops or adds them."""
    return normalise(text).replace(" ", "")


def arxiv_base(identifier: str) -> str:
    """An arXiv id without its version: '1706.03762v5' -> '1706.03762'."""
    return re.sub(r"v\d+$", "", identifier)


def arxiv_stamps(text: str) -> list[str]:
    """arXiv identifiers printed as margin stamps ("arXiv:1706.03762v5 [cs.CL] ...")."""
    return [m.group(1) for m in _STAMP_RE.finditer(text)]


def surname(name: str) -> str:
    """The compacted last word of a name: 'Diederik P. Kingma' -> 'kingma'."""
    words = name.replace(",", " ").split()
    return compact(words[-1]) if words else ""


def shorten(text: str, width: int) -> str:
    """One line of at most ``width`` characters, cut at a word with '…'."""
    line = " ".join(text.split())
    if len(line) <= width:
        return line
    cut = line[: width - 1].rsplit(" ", 1)[0] if " " in line[: width - 1] else line[: width - 1]
    return cut.rstrip(" ,;:") + "…"


def middle(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, cut in the middle with '…': a host,
    path or URL keeps its start and its end, and is never split across lines."""
    if len(text) <= width or width < 5:
        return text
    head = (width - 1) // 2
    tail = width - 1 - head
    return text[:head] + "…" + text[len(text) - tail:]


# File names stay well under every file system's 255-byte limit and Windows'
# 260-character path limit for a library a few folders deep.
NAME_MAX = 72
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                     *(f"lpt{i}" for i in range(10))}


def slugify(text: str, limit: int = NAME_MAX) -> str:
    """ASCII, lowercase, dash-separated, cut at a word boundary within ``limit``."""
    folded = unicodedata.normalize("NFKD", text)
    folded = folded.replace("ß", "ss").replace("ł", "l").replace("Ł", "L")
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > limit:
        slug = slug[:limit + 1].rsplit("-", 1)[0] if "-" in slug[:limit + 1] else slug[:limit]
        slug = slug.strip("-")
    if not slug or slug in _WINDOWS_RESERVED:
        slug = f"x-{slug}" if slug else "untitled"
    return slug


# The PDF header may follow up to 1 KiB of junk (the spec tolerates it); a body whose
# first KiB has no "%PDF-" is judged by what it looks like instead.
HEAD_BYTES = 1024


def looks_like_html(head: bytes) -> bool:
    low = head[:HEAD_BYTES].lstrip().lower()
    return low.startswith((b"<!doctype", b"<html", b"<head", b"<?xml", b"<body")) or (
        b"<html" in low
    )
