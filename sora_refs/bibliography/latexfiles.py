"""LaTeX's sources of a bibliography: the ``.bbl`` LaTeX formats from a ``.bib`` file
(one ``\\bibitem`` per entry), and BibTeX files themselves, read tolerantly, each into a
:class:`~.documents.Document` whose entries keep their parts apart (authors, title,
venue, year: :func:`~.entries.title_and_authors` reads them as such).

Everything here is text processing of untrusted input: no network, bounded sizes.
"""

from __future__ import annotations

import re

from sora_refs.bibliography.documents import Document
from sora_refs.errors import UsageError
from sora_refs.readinglist.escape import LATEX_SPECIALS


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
