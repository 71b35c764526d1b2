"""Outside text made safe for each format it is written into: one function per format.

Titles, names, notes, category names, URLs and paths come from manifests, PDFs, pages
and servers, and each format has characters that end a field, start a record or change
what the reader does: a ``}`` in a BibTeX URL ended the field and let the rest write
new fields or entries; a newline in a folder name started a second RIS record; a
``%%{init: ...}%%`` in a title reconfigured a Mermaid diagram. The exporters write every
value through the function for its format here, never by hand, and the tests read the
result back with each format's own parsers over any text (hypothesis).
"""

from __future__ import annotations

import re

from sora_refs.text import printable

# LaTeX specials as commands that keep braces balanced: BibTeX readers (pybtex, BibTeX
# itself) count every brace, escaped or not, so ``\{`` would unbalance a field.
LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
    "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_LATEX_BACK = {v: k for k, v in LATEX_SPECIALS.items()}
_LATEX_BACK_RE = re.compile("|".join(re.escape(v) for v in
                                     sorted(_LATEX_BACK, key=len, reverse=True)))


def one_line(text: str) -> str:
    """Printable, on one line, with runs of white space as one space."""
    return " ".join(printable(text, True).split())


# ---------------------------------------------------------------- BibTeX and JabRef


def bibtex_text(text: str) -> str:
    """A BibTeX field's text: LaTeX specials escaped, braces balanced, one line."""
    return "".join(LATEX_SPECIALS.get(ch, ch) for ch in one_line(text))


def latex_specials_back(text: str) -> str:
    """The inverse of :func:`bibtex_text` for the specials (reading our own exports)."""
    return _LATEX_BACK_RE.sub(lambda m: _LATEX_BACK[m.group(0)], text)


def bibtex_name(name: str) -> str:
    """One author for an ``author`` field. A name holding the word "and" or a comma
    (``Johnson and Johnson Research``, ``OpenAI, Inc.``) is one corporate name: braced,
    or BibTeX reads two authors, or family and given names."""
    escaped = bibtex_text(name)
    if re.search(r"\band\b", name, re.IGNORECASE) or "," in name:
        return "{" + escaped + "}"
    return escaped


_URL_UNSAFE = re.compile(r"[{}\\\"<>\s\x00-\x1f\x7f]")


def bibtex_url(url: str) -> str:
    """A URL or DOI for a field: characters that would end or unbalance the field (and
    that a URL may not hold unencoded anyway) percent-encoded, so it still works."""
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), url)


def bibtex_file(title: str, path: str) -> str | None:
    """A ``file`` field as Zotero's BibTeX translator reads (and JabRef writes) it:
    ``title:path:mime``, with '\\', ':', ';' and '$' escaped by a backslash. A path
    with a line break or unbalanced braces cannot be held by a field without changing
    it: None, and the caller says that file is not linked."""
    if "\n" in path or "\r" in path or not _balanced(path) or printable(path) != path:
        return None

    def enc(text: str) -> str:
        return "".join("\\" + ch if ch in "\\:;$" else ch for ch in text)

    name = one_line(title).translate(_BRACES)
    return f"{enc(name)}:{enc(path)}:application/pdf"


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0


# A category name in ``keywords``/``groups`` and in JabRef's group tree: a comma or
# semicolon would split it into two groups (Zotero splits tags on both), a brace
# unbalance the field or the @Comment, an '@' in the @Comment start an entry for pybtex;
# they become their full-width forms, which read the same, and the name is identical
# in the entries and in the tree.
_GROUP_SAFE = str.maketrans({",": "，", ";": "；", "{": "｛", "}": "｝", "\\": "＼",
                             "@": "＠"})


_BRACES = str.maketrans({"{": "｛", "}": "｝"})


def group_name(name: str) -> str:
    return one_line(name).translate(_GROUP_SAFE)


def jabref_group(name: str) -> str:
    """A group name in JabRef's ``grouping`` metadata (its own backslash quoting)."""
    return "".join("\\" + ch if ch in "\\;:," else ch for ch in group_name(name))


# ---------------------------------------------------------------- RIS


def ris_value(text: str) -> str:
    """A RIS value: RIS has no quoting, so the one thing to keep out is a line break
    (it would start a new tag, or with ``ER  -`` a new record)."""
    return one_line(text)


# ---------------------------------------------------------------- Mermaid and Markdown

# Mermaid reads ``#name;`` and ``#123;`` as entity codes in labels and renders labels
# as HTML; ``%%`` anywhere in the text can open a directive (``%%{init: ...}%%``).
_MERMAID = {'"': "#quot;", "#": "#35;", "%": "#37;", "`": "#96;", "<": "#lt;", ">": "#gt;",
            "&": "#amp;"}


def mermaid_label(text: str) -> str:
    """``text`` as a quoted Mermaid label that shows every character as written."""
    return '"' + "".join(_MERMAID.get(ch, ch) for ch in one_line(text)) + '"'


# Emphasis, code, links, HTML and strike-through; '#', '+' and digits only matter at
# the start of a line, where the list's own "- " stands.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>~])")


def markdown_text(text: str) -> str:
    """Text in a Markdown list item, shown as written (no emphasis, links or HTML)."""
    return _MARKDOWN.sub(r"\\\1", one_line(text))
