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
from collections.abc import Sequence

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


_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/(.+?)(?:v\d+)?(?:\.pdf)?/?$", re.IGNORECASE)


def arxiv_in(handle: str) -> str:
    """The arXiv id (no version) a person gave: '1706.03762v5', 'arXiv:1706.03762',
    'https://arxiv.org/abs/1706.03762', '.../pdf/1706.03762v7.pdf'; "" when none."""
    text = handle.strip()
    text = text[6:] if text.lower().startswith("arxiv:") else text
    m = _ARXIV_URL.search(text)
    candidate = m.group(1) if m else text
    return arxiv_base(candidate) if ARXIV_RE.match(candidate) else ""


_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(10\.\d{4,9}/\S{1,300})$",
                  re.IGNORECASE)


def doi_in(handle: str) -> str:
    """The DOI a person gave: '10.1109/CVPR.2016.90', 'doi:10...', or a doi.org link;
    "" when none."""
    m = _DOI.match(handle.strip())
    return m.group(1) if m else ""


def arxiv_stamps(text: str) -> list[str]:
    """arXiv identifiers printed as margin stamps ("arXiv:1706.03762v5 [cs.CL] ...")."""
    return [m.group(1) for m in _STAMP_RE.finditer(text)]


def surname(name: str) -> str:
    """The compacted last word of a name: 'Diederik P. Kingma' -> 'kingma'."""
    words = name.replace(",", " ").split()
    return compact(words[-1]) if words else ""


def plural(n: int, word: str, many: str = "") -> str:
    """'1 file', '2 files', '0 files' (``many`` for irregular plurals)."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def number_runs(numbers: Sequence[int]) -> str:
    """'1–5, 7, 9–10': reference numbers, consecutive ones as one run."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def spoken_list(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c': names as a sentence lists them."""
    return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def time_left(seconds: float) -> str:
    """'about 20 s left', 'about 3 min left'; '' under 5 s, where a guess is noise."""
    if seconds < 5:
        return ""
    if seconds < 90:
        return f"about {round(seconds / 5) * 5 or 5} s left"
    return f"about {round(seconds / 60)} min left"


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


# Accents that TeX-made PDFs give as a separate spacing character beside the letter
# ("Herv´e", "G¨ulc¸ehre", "´Eric", "C¸ aglar"), mapped to the combining mark they mean.
_SPACING_BEFORE = {"\u00b4": "\u0301", "\u00a8": "\u0308", "\u02c6": "\u0302", "\u02dc": "\u0303",
                   "\u02c7": "\u030c", "\u00af": "\u0304", "\u02da": "\u030a", "\u02dd": "\u030b",
                   "\u02d8": "\u0306", "\u02d9": "\u0307"}
_ACCENT_BEFORE = re.compile("([" + "".join(_SPACING_BEFORE) + r"])\s?([A-Za-zıȷ])")
_GRAVE = re.compile(r"(?<![^\sA-Za-z])`([aeiouAEIOU])")  # "Bodn`ar", "`Agata"; "`x" stays
_CEDILLA = re.compile(r"([CcSsTt])\u00b8(?:\s(?=[a-z]))?")  # "c¸", "C¸ aglar"
# A word broken at a line's end: "repre-\nsentation". Joined unless the text writes
# the hyphenated word elsewhere ("encoder-\ndecoder" where "encoder-decoder" occurs).
_BROKEN = re.compile(r"(?<!\w)(\w+)-[ \t]*\n[ \t]*([a-z]\w*)")
# A hyphenated name or number the line broke: "Jun-\nYan Zhu", "Sohl-\nDickstein",
# "LAION-\n400M", pages "18-\n22". The hyphen is the author's: kept, with no space.
_BROKEN_COMPOUND = re.compile(r"(?<=\w)-[ \t]*\n[ \t]*(?=[A-Z0-9])")


def repair(text: str) -> str:
    """Text as PDF extraction and web pages give it, made into the text the author
    wrote: spacing accents recomposed, NFKC (ligatures such as "ﬁ" become "fi"),
    line-end hyphenation repaired (a word joined, a compound keeps its hyphen). The one
    normaliser every reader of outside text (PDFs, pages, BibTeX) passes through before
    any rule sees it."""
    text = _ACCENT_BEFORE.sub(lambda m: m.group(2).replace("ı", "i") + _SPACING_BEFORE[
        m.group(1)], text)
    text = _GRAVE.sub(lambda m: m.group(1) + "\u0300", text)
    text = _CEDILLA.sub(lambda m: m.group(1) + "\u0327", text)
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    if "-" in text and "\n" in text:
        hyphenated = set(re.findall(r"\b\w+-\w+\b", text.lower()))

        def join(m: re.Match[str]) -> str:
            a, b = m.group(1), m.group(2)
            return f"{a}-{b}" if f"{a}-{b}".lower() in hyphenated else a + b

        text = _BROKEN_COMPOUND.sub("-", _BROKEN.sub(join, text))
    return text
