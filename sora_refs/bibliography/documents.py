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
from sora_refs.readinglist.escape import LATEX_SPECIALS
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
    """Every source's text before any rule reads it: one kind of line end, no control
    characters, and :func:`~sora_refs.text.repair` (accents, ligatures, hyphenation)."""
    return repair(printable(text.replace("\r\n", "\n").replace("\r", "\n"), multiline=True))


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
    if kind == "bbl":
        return bbl_document(text)
    if kind == "bibtex":
        return bibtex_document(text)
    return text_document(text, kind)


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
        m = _ENTRY_START.match(line)
        if m:
            numbered = True
            if buf:
                out.append((label, " ".join(buf)))
            g = m.groups()
            label = next(x for x in (g[1], g[2], g[4], g[6]) if x is not None)
            rest = next((x for x in (g[3], g[5], g[7]) if x), "")
            buf = [rest.strip()] if rest.strip() else []
        elif line.strip() and numbered:
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


def bbl_document(text: str) -> Document:
    """LaTeX's formatted bibliography: one \\bibitem per entry, \\newblock between parts."""
    items = re.split(r"\\bibitem\s*(?:\[(.*?)\])?\s*\{([^}]*)\}", text)
    entries = []
    for i in range(1, len(items) - 2, 3):
        key = items[i + 1].strip()
        body = items[i + 2].split("\\end{thebibliography}")[0]
        entries.append((key, latex_to_text(body)))
    if not entries:
        raise UsageError("the .bbl file holds no \\bibitem entries.")
    return Document("", "", entries, "bbl")


# The specials a BibTeX writer escapes (ours among them: readinglist/escape.py), held
# as private-use characters while commands are stripped, then given back.
_HELD = {cmd: chr(0xE000 + i) for i, cmd in enumerate(LATEX_SPECIALS.values())}
_HELD_RE = re.compile("|".join(re.escape(c) for c in sorted(_HELD, key=len, reverse=True)))
_RELEASE = str.maketrans({held: ch for (ch, held) in zip(LATEX_SPECIALS, _HELD.values(),
                                                          strict=True)})


def latex_to_text(text: str) -> str:
    """LaTeX of a bibliography entry to plain text (newblocks as '. ', accents folded)."""
    text = re.sub(r"(?<!\\)%.*", "", re.sub("[\ue000-\uf8ff]", "", text))
    text = _HELD_RE.sub(lambda m: _HELD[m.group(0)], text)
    text = text.replace("\\newblock", " \u2016 ")  # a part boundary, read by parse_entry
    text = re.sub(r"\\(?:url|href)\{([^}]*)\}(?:\{[^}]*\})?", r" \1 ", text)
    text = re.sub(r"\\(?:em|it|bf|sc|rm|tt|emph|textit|textbf|textsc|textrm|mbox|bibinfo"
                  r"|bibfnamefont|bibnamefont|natexlab|penalty\d*|BIBand)\b\s*", "", text)
    accents = {"\\\"": "\u0308", "\\'": "\u0301", "\\`": "\u0300", "\\^": "\u0302",
               "\\~": "\u0303", "\\c": "\u0327", "\\v": "\u030c", "\\=": "\u0304"}
    for cmd, mark in accents.items():
        text = re.sub(re.escape(cmd) + r"\s*\{?([A-Za-z])\}?", lambda m, k=mark: m.group(1) + k,
                      text)
    text = re.sub(r"\\[a-zA-Z]+\*?", " ", text)
    text = text.replace("~", " ").replace("--", "–")
    text = re.sub(r"[{}]", "", text).translate(_RELEASE)
    import unicodedata

    return " ".join(unicodedata.normalize("NFC", text).split())


def bibtex_document(text: str) -> Document:
    """A BibTeX file: each entry's fields, read tolerantly (an entry with unbalanced
    braces is skipped, and the others kept)."""
    entries: list[tuple[str, str]] = []
    notes: list[str] = []
    filed: dict[str, list[str]] = {}
    links: dict[str, str] = {}
    for m in re.finditer(r"@(\w+)\s*[{(]\s*([^,\s]+)\s*,", text):
        kind = m.group(1).lower()
        if kind in ("comment", "string", "preamble"):
            continue
        fields = _bibtex_fields(text, m.end())
        if fields is None:
            line = text.count("\n", 0, m.start()) + 1
            notes.append(f"skipped the BibTeX entry {m.group(2)!r} (line {line}): its braces "
                         "do not balance")
            continue
        title = latex_to_text(fields.get("title", ""))
        authors = [latex_to_text(a) for a in re.split(r"\s+and\s+", fields.get("author", ""))
                   if a.strip()]
        parts = [", ".join(_bib_name(a) for a in authors), title,
                 latex_to_text(fields.get("journal") or fields.get("booktitle") or
                               fields.get("howpublished") or fields.get("publisher") or ""),
                 fields.get("year", "")]
        extra = " ".join(x for x in (fields.get("eprint", ""), fields.get("doi", ""),
                                     fields.get("url", "")) if x)
        if fields.get("eprint") and "arxiv" in (fields.get("archiveprefix", "") +
                                               fields.get("eprinttype", "")).lower():
            extra = f"arXiv:{fields['eprint']} " + extra
        entries.append((m.group(2), " \u2016 ".join(p for p in parts if p) + " " + extra))
        names = [latex_to_text(g) for g in (fields.get("groups") or fields.get("keywords")
                                            or "").split(",")]
        if any(names):
            filed[m.group(2)] = [n for n in names if n][:2]
        if fields.get("url"):
            links[m.group(2)] = fields["url"]
    if not entries:
        raise UsageError("the BibTeX file holds no entries that could be read" +
                         (f" ({notes[0]})." if notes else "."))
    return Document("", "", entries, "bibtex", notes, filed, links)


def _bib_name(name: str) -> str:
    if "," in name:
        last, first = name.split(",", 1)
        return f"{first.strip()} {last.strip()}".strip()
    return name


def _bibtex_fields(text: str, pos: int) -> dict[str, str] | None:
    """Fields of one entry from ``pos`` (after 'key,'), or None when its braces never
    close (a broken entry)."""
    fields: dict[str, str] = {}
    n = len(text)
    while pos < n:
        m = re.compile(r"\s*([A-Za-z][\w-]*)\s*=\s*").match(text, pos)
        if not m:
            rest = re.compile(r"\s*[})]").match(text, pos)
            return fields if rest else (fields or None)
        name, pos = m.group(1).lower(), m.end()
        if pos < n and text[pos] == "{":
            depth, start = 0, pos
            while pos < n:
                if text[pos] == "{" and text[pos - 1] != "\\":
                    depth += 1
                elif text[pos] == "}" and text[pos - 1] != "\\":
                    depth -= 1
                    if depth == 0:
                        break
                if text[pos] == "@" and depth <= 1 and text[pos - 1] == "\n":
                    return None  # the next entry began: these braces never closed
                pos += 1
            if depth:
                return None
            value, pos = text[start + 1:pos], pos + 1
            if re.search(r"\n\s*[A-Za-z][\w-]*\s*=\s*[{\"]", value):
                return None  # a brace short: the value swallowed the next fields
        elif pos < n and text[pos] == '"':
            end = text.find('"', pos + 1)
            if end == -1:
                return None
            value, pos = text[pos + 1:end], end + 1
        else:
            m2 = re.compile(r"[\w.-]+").match(text, pos)
            value, pos = (m2.group(0), m2.end()) if m2 else ("", pos)
        fields[name] = " ".join(value.split())
        m3 = re.compile(r"\s*,").match(text, pos)
        pos = m3.end() if m3 else pos
    return fields


# ---------------------------------------------------------------- entries to citations
