"""Sources of a bibliography, as people have them (a web page as HTML, or saved as
Markdown or text, a PDF's text, LaTeX's ``.bbl``, a BibTeX file, a plain list),
each read into one :class:`Document`: the body text with citation markers
normalised to ``[n]`` (or ``[key]``), its section headings, and the reference list
as printed, one entry each. :mod:`.citations` reads the entries.

Everything here is text processing of untrusted input: no network, bounded sizes.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from sora_refs.errors import UsageError
from sora_refs.text import printable, repair

# A reference list is found under a heading like these.
# [ \t]*, not \s*: a run of blank lines must not be rescanned from every line start.
_REFS_HEADING = re.compile(r"^[ \t]*(?:#+[ \t]*|\d+\.?[ \t]+|[IVX]+\.?[ \t]+)?(references|"
                           r"bibliography|works cited|literature cited|citations)[ \t]*:?[ \t]*$",
                           re.I | re.M)
MAX_SOURCE = 20 << 20  # a bibliography is kilobytes; a source this big is not one


@dataclass
class Document:
    """A source reduced to what extraction needs."""

    title: str
    body: str                    # text with markers as [n] / [a, b] / [key]
    entries: list[tuple[str, str]]  # (label, printed text) in list order
    kind: str                    # html, markdown, text, pdf, bbl, bibtex
    notes: list[str] = field(default_factory=list)  # what could not be read, and why
    # Per entry label, what the source itself files it under (a BibTeX file's JabRef
    # groups or keywords, as sora-refs exports the mind map), and its own link.
    filed: dict[str, list[str]] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- sources to documents


def incoming(text: str) -> str:
    """Every source's text before any rule reads it: one kind of line end (pdftotext's
    form feed between pages is one too), no control characters, and
    :func:`~sora_refs.text.repair` (accents, ligatures, hyphenation)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    return repair(printable(text, multiline=True))


def read_text(raw: bytes, what: str) -> str:
    if len(raw) > MAX_SOURCE:
        raise UsageError(f"{what} is {len(raw):,} bytes; a bibliography is a few hundred kB at "
                         f"most, so this is not one (the limit is {MAX_SOURCE:,}).")
    for enc in ("utf-8", "cp1252", "latin-1"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def sniff(raw: bytes, name: str = "") -> str:
    """What kind of source ``raw`` is: pdf, html, bbl, bibtex, markdown or text."""
    head = raw[:4096].lstrip().lower()
    low = name.lower()
    if raw[:1024].find(b"%PDF-") != -1:
        return "pdf"
    if low.endswith(".bbl") or b"\\bibitem" in raw[:200_000]:
        return "bbl"
    if low.endswith((".bib", ".bibtex")) or re.search(rb"^\s*@\w+\s*[{(]", raw[:200_000], re.M):
        return "bibtex"
    if low.endswith((".html", ".htm")) or head.startswith((b"<!doctype html", b"<html")) or \
            b"<body" in head:
        return "html"
    if low.endswith((".md", ".markdown")) or re.search(rb"^#{1,3} ", raw[:200_000], re.M):
        return "markdown"
    return "text"


class _HtmlText(HTMLParser):
    """HTML to Markdown-ish text: headings as '#', list items as lines, citation links
    and superscript numbers (``<sup>3</sup>``, ``<sup>1,2</sup>``, ``<sup>4–7</sup>``) as
    [n], scripts and styles dropped."""

    BLOCK = frozenset({"p", "div", "section", "article", "br", "tr", "table", "ul", "ol",
                       "header", "footer", "figure", "blockquote", "dd", "dt"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.href: str | None = None
        self.link: list[str] = []
        self.ol: list[int] = []
        self.sup: list[int] = []  # where each open <sup> began in ``out``

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript", "svg", "nav"):
            self.skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "ol":
            self.ol.append(0)
            self.out.append("\n")
        elif tag == "li":
            if self.ol:
                self.ol[-1] += 1
                self.out.append(f"\n{self.ol[-1]}. ")
            else:
                self.out.append("\n- ")
        elif tag in self.BLOCK:
            self.out.append("\n")
        elif tag == "a":
            self.href = dict(attrs).get("href") or ""
            self.link = []
        elif tag == "sup":
            self.sup.append(len(self.out))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript", "svg", "nav"):
            self.skip = max(0, self.skip - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag in self.BLOCK or tag == "li":
            self.out.append("\n")
        elif tag == "ol" and self.ol:
            self.ol.pop()
        elif tag == "sup" and self.sup:
            start = self.sup.pop()
            text = "".join(self.out[start:]).replace("][", ",").strip("[] \n")
            if _SUP_MARKER.fullmatch(text):
                self.out[start:] = ["[" + re.sub(r"\s*[–—-]\s*", "-", text) + "]"]
        elif tag == "a" and self.href is not None:
            text = "".join(self.link)
            if re.fullmatch(r"\s*\d{1,4}\s*", text) and "#" in self.href:
                self.out.append(f"[{text.strip()}]")  # a citation marker
            elif self.href.startswith("http") and text.strip() and self.href not in text:
                self.out.append(f"{text} ({self.href})")
            else:
                self.out.append(text)
            self.href, self.link = None, []

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        (self.link if self.href is not None else self.out).append(data)


_SUP_MARKER = re.compile(r"\d{1,3}(?:\s*[,–—-]\s*\d{1,3}){0,30}")


def html_to_markdown(text: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken pages
        pass
    out = "".join(parser.out)
    return re.sub(r"\n{3,}", "\n\n", out)


def _strip_markdown(text: str) -> str:
    """Markdown to the text a reader sees; citation links become [n] markers."""
    text = re.sub(r"\[(\d{1,4})\]\([^)]*#(?:citation|cite|ref|fn|bib)[^)]*\)", r"[\1]", text)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)             # images
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)[^)]*\)", r"\1 (\2)", text)  # links
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])[*_](\S(?:.*?\S)?)[*_](?![\w*])", r"\1", text)
    text = text.replace("\\.", ".").replace("\\_", "_").replace("\\*", "*")
    return html.unescape(text)


# A converter's list bullet before an entry's number or on its next lines ("- 13. He, K.,
# ...", "- (2023) 4"), as PDF-to-Markdown tools write reference lists.
_BULLET = re.compile(r"^\s*[-*+•]\s+")
_ENTRY_START = re.compile(
    r"^\s*(?:(\d{1,3})\.\s+(\d{1,3})\s*$"        # "01. 1" (a Markdown list of numbers)
    r"|\[(\d{1,3})\]\s*(.*)$"                   # "[1] text"
    r"|(\d{1,3})\.\s+(\S.*)$"                   # "1. text"
    r"|(\d{1,3})\s{2,}(\S.*)$)")                # "1  text"


def text_document(text: str, kind: str = "text") -> Document:
    """A Markdown or plain-text page: the reference list under its heading (or, when
    there is none, the whole text as a list), and the body above it."""
    text = incoming(text)
    if kind == "markdown":
        text = _strip_markdown(text)
    title = next((m.group(1).strip() for m in re.finditer(r"^#\s+(.+)$", text, re.M)), "")
    heads = list(_REFS_HEADING.finditer(text))
    if heads:
        start = heads[-1]
        body, tail = text[:start.start()], text[start.end():]
        # The list ends at the next heading of the page ("## Authors").
        nxt = re.search(r"^#{1,3}\s+\S", tail, re.M)
        tail = tail[:nxt.start()] if nxt else tail
    else:
        body, tail = "", text
    entries = _entries(tail)
    return Document(title, body, entries, kind)


def _entries(tail: str) -> list[tuple[str, str]]:
    """The entries of a reference list: numbered ones, else one per paragraph or line."""
    out: list[tuple[str, str]] = []
    label, buf = "", []
    numbered = False
    for line in tail.splitlines():
        line = _BULLET.sub("", line, count=1)
        m = _ENTRY_START.match(line)
        if m:
            numbered = True
            if buf:
                out.append((label, " ".join(buf)))
            g = m.groups()
            label = next(x for x in (g[1], g[2], g[4], g[6]) if x is not None)
            rest = next((x for x in (g[3], g[5], g[7]) if x), "")
            if rest.startswith(f"{label}. "):  # "7. 7. Goodfellow": the list's and the paper's
                rest = rest[len(label) + 2:]
            buf = [rest.strip()] if rest.strip() else []
        elif line.strip() and numbered:
            if buf and re.search(r"\w-$", buf[-1]):
                # "Zero-" / "1-to-3: ...": the converter broke the line at a hyphen
                nxt = line.strip()
                buf[-1] = buf[-1][:-1] + nxt if nxt[:1].islower() else buf[-1] + nxt
            else:
                buf.append(line.strip())
        elif not line.strip() and numbered and buf:
            continue  # a blank line inside an entry ("01. 1\n\n   text")
    if numbered:
        if buf:
            out.append((label, " ".join(buf)))
        return [(lb, t) for lb, t in out if t]
    # No numbers: paragraphs, or lines when there are no blank lines at all.
    paras = [p for p in re.split(r"\n\s*\n", tail) if p.strip()]
    if len(paras) <= 1:
        paras = [x for x in tail.splitlines() if x.strip()]
    items = [" ".join(p.split()) for p in paras]
    return [(str(i), t) for i, t in enumerate(items, 1) if len(t) > 15]


def pdf_document(text: str) -> Document:
    """The text of a paper (all pages): its References section, read entry by entry
    (:mod:`.pdftext`), and the body before it for where each is cited."""
    from sora_refs.bibliography.pdftext import (
        drop_running_heads,
        pdf_headings,
        reference_entries,
        superscript_markers,
    )

    text = drop_running_heads(incoming(text))
    heads = list(_REFS_HEADING.finditer(text))
    if not heads:
        raise UsageError("found no References section in the PDF (no heading 'References' "
                         "or 'Bibliography' on a line of its own).")
    start = heads[-1]
    body, tail = text[:start.start()], text[start.end():]
    entries = reference_entries(tail)
    if entries and all(label.isdigit() for label, _ in entries) and not _BRACKETED.search(body):
        body = superscript_markers(body, len(entries))
    return Document("", pdf_headings(body), entries, "pdf")


# A bracketed or author-year citation anywhere in a body: "[3]", "[1, 2]", "(Ho et al.".
_BRACKETED = re.compile(r"\[\d{1,3}(?:\s*[-–,]\s*\d{1,3})*\]|\([A-Z][\w'’-]+(?: et al\.?|,)")
