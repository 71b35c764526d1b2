"""A paper's reference list from its text as pypdf gives it.

Real PDFs (see the seven in ``shared/realpdfs``) print their lists in four styles:
numbered ``[n]`` (Attention, MAE, LDM), numbered ``n.``, alpha labels ``[BCV13]``
(VAE), and author-year with hanging lines (the two ICML 2015 papers). The text comes
with page numbers and running heads between lines, back-references after entries
("2017. 1, 5, 26"), and appendices after the list. Numbered entries are taken in
sequence (an entry starts only at the number that comes next), so a "10" page number
or a numbered appendix heading never starts one; the list ends at the first heading
after its last entry. The body before the list gets its section and paragraph heads
marked (:func:`pdf_headings`), so references are filed by where the paper cites them.

Every pattern is linear in its input: the text is untrusted.
"""

from __future__ import annotations

import re
from collections import Counter

from sora_refs.bibliography.entries import reads_as_names
from sora_refs.text import repair

_BRACKET = re.compile(r"^[ \t]*\[(\d{1,3})\][ \t]*(.*)$")
_DOTTED = re.compile(r"^[ \t]*(\d{1,3})\.[ \t]+(\S.*)$")
_ALPHA = re.compile(r"^[ \t]*\[([A-Z][A-Za-z+]{0,9}\d{2}[a-z]?)\][ \t]*(.*)$")
_PAGE_NUMBER = re.compile(r"^[ \t]*\d{1,4}[ \t]*$")
# An appendix or section heading after the list: "A. Implementation details",
# "A Changelog", "Appendix", "B.2 More results", "Supplementary Material".
_HEADING = re.compile(r"^(?:appendix\b|appendices\b|supplementary\b|"
                      r"(?:[A-Z]|\d{1,2})(?:\.\d{1,2})*\.?[ \t]+[A-Z][\w-]*(?:[ \t]+\S+){0,8}$)",
                      re.I)
# CVPR-style back-references: the pages citing an entry, after its last full stop.
_BACKREFS = re.compile(r"(?<=[.\d])[ \t]+\d{1,3}(?:,[ \t]*\d{1,3})*[ \t]*$")
_MAX_ENTRY = 1500  # characters: a reference is a few lines, never a page


def drop_running_heads(text: str) -> str:
    """Lines a page repeats on every page (a running title, a conference footer) are not
    text: short lines with words that occur three times or more (page numbers aside)
    are dropped."""
    lines = text.split("\n")
    keys = [_head_key(x) for x in lines]
    counts = Counter(k for k in keys if 8 <= len(k) <= 90)
    repeated = {k for k, n in counts.items() if n >= 3 and " " in k and not k.endswith(".")
                and sum(ch.isalpha() for ch in k) >= 6}
    return "\n".join(x for x, k in zip(lines, keys, strict=True) if k not in repeated
                     ) if repeated else text


def _head_key(line: str) -> str:
    """A line as its page repeats it: Springer's heads carry the page's number ("16
    Kailai Zhou, Linsen Chen, Xun Cao", "Addressing Modality Imbalance Problems 17")."""
    return re.sub(r"^\d{1,4}\s+|\s+\d{1,4}$", "", " ".join(line.split()))


def reference_entries(tail: str) -> list[tuple[str, str]]:
    """(label, printed text) of each entry of the list that starts ``tail``."""
    lines = [x for x in tail.split("\n") if x.strip() and not _PAGE_NUMBER.match(x)]
    styles = [_numbered(lines, _BRACKET), _labelled(lines), _numbered(lines, _DOTTED)]
    best = max(styles, key=len)  # the style that reads the most entries is the list's
    return best if len(best) >= 3 else _author_year(lines)


def _finish(label: str, parts: list[str]) -> tuple[str, str]:
    text = " ".join(" ".join(parts).split())
    return label, _BACKREFS.sub("", text[:_MAX_ENTRY]).strip()


def _finished(parts: list[str]) -> bool:
    """Whether an entry's text so far ends as entries end (a full stop, a year, a
    closing bracket, back-references): a heading can only come after such a line."""
    return bool(parts) and bool(re.search(r"(?:[.)]|\d)[ \t]*$", parts[-1]))


def _list_ends(lines: list[str], i: int, starts: object) -> bool:
    """Whether the heading-like line ``i`` ends the list: no entry starts in the three
    lines after it (otherwise it was a running head or a page break)."""
    return not any(starts(x) for x in lines[i + 1:i + 4])  # type: ignore[operator]


def _numbered(lines: list[str], pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    label, parts, expect = "", [], 1

    def next_entry(x: str) -> bool:
        m = pattern.match(x)
        return bool(m) and expect <= int(m.group(1)) <= expect + 2

    for i, line in enumerate(lines):
        m = pattern.match(line)
        if m and next_entry(line):
            if label:
                out.append(_finish(label, parts))
            label, parts, expect = m.group(1), [m.group(2)], int(m.group(1)) + 1
        elif label:
            if _HEADING.match(line.strip()) and _finished(parts):
                if _list_ends(lines, i, next_entry):
                    break
                continue  # a running head between two entries
            parts.append(line)
    if label:
        out.append(_finish(label, parts))
    return [(lb, t) for lb, t in out if len(t) > 15]


def _labelled(lines: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    label, parts = "", []
    for i, line in enumerate(lines):
        m = _ALPHA.match(line)
        if m:
            if label:
                out.append(_finish(label, parts))
            label, parts = m.group(1), [m.group(2)]
        elif label:
            if _HEADING.match(line.strip()) and _finished(parts):
                if _list_ends(lines, i, _ALPHA.match):
                    break
                continue
            parts.append(line)
    if label:
        out.append(_finish(label, parts))
    return [(lb, t) for lb, t in out if len(t) > 15]


def _starts_author_year(line: str) -> bool:
    """Whether a line opens an author-year entry: names, then a comma or a full stop
    ("Cho, Kyunghyun, van Merrienboer, Bart,", "Barron, J. T., Biggin, M. D.,")."""
    head = line.strip()
    first = head.split(" ", 1)[0]
    if not first or not (first[0].isupper() or first.lower() in ("van", "von", "de", "da",
                                                                   "le", "la", "del")):
        return False
    m = re.match(r"^([^,]{1,40}),[ \t]*(\S+)", head)
    if not m or sum(w[:1].isupper() for w in m.group(1).split()) > 2:
        return False  # a surname has at most two capitalised words ("Roshan Zamir")
    return reads_as_names(m.group(1)) and (m.group(2)[:1].isupper() or
                                           m.group(2) in ("and", "&"))


def _author_year(lines: list[str]) -> list[tuple[str, str]]:
    out: list[list[str]] = []
    for i, line in enumerate(lines):
        ended = not out or _finished(out[-1])
        if ended and _starts_author_year(line):
            out.append([line])
        elif out:
            if ended and _HEADING.match(line.strip()) and _list_ends(lines, i,
                                                                     _starts_author_year):
                break
            out[-1].append(line)
    return [(str(i), t) for i, (_, t) in enumerate((_finish("", x) for x in out), 1)
            if len(t) > 15]


# Words a title line does not end on: the title goes on to the next line.
_CONTINUES = {"a", "an", "the", "of", "for", "with", "and", "or", "in", "on", "to", "via",
              "using", "from", "by", "at", "as", "is", "are", "towards", "through"}
_NOT_TITLE = re.compile(r"@|\d\s*[∗*†‡]|[∗*†‡]|^(?:abstract|arxiv|preprint|published|"
                        r"proceedings|journal|vol\.|copyright)\b", re.IGNORECASE)


def paper_title(meta_title: str, page1: list[str]) -> str:
    """The paper's own title: its metadata title when page 1 bears it out (not a file
    name such as 'icml2015_dpm' or 'Microsoft Word - draft.docx'), else the first lines
    of page 1 up to the authors; "" when neither reads as a title."""
    from sora_refs.text import compact

    head = compact(" ".join(page1[:6]))
    meta = " ".join(repair(meta_title).split())
    if len(meta.split()) >= 2 and compact(meta) and compact(meta) in head:
        return meta
    if not page1 or _NOT_TITLE.search(page1[0]) or len(page1[0].split()) < 2:
        return ""
    lines = [page1[0]]
    for line in page1[1:3]:
        last = lines[-1].split()[-1].lower()
        if (last in _CONTINUES or lines[-1].endswith((":", "-"))) and not _NOT_TITLE.search(line):
            lines.append(line)
        else:
            break
    title = " ".join(" ".join(lines).split())
    return title if 2 <= len(title.split()) <= 30 else ""


# A PDF's section heads as extraction gives them: "3. Approach", "4.1. Main Properties",
# "Related Work"; and run-in paragraph heads, "Masking. Following ViT [16], we ...".
_NUMBERED_HEAD = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,2})\.?\s+([A-Z][\w’'&/()-]*(?:[ \t]+"
                            r"[\w’'&/()-]+){0,7})[ \t]*$")
_NAMED_HEAD = re.compile(r"^(abstract|introduction|related work|background|preliminaries|"
                         r"method|methods|approach|experiments|results|discussion|"
                         r"conclusions?|limitations)[ \t]*$", re.IGNORECASE)
# At most five words: "Diffusion models allow many editing methods." is a sentence.
_RUN_IN_HEAD = re.compile(r"^([A-Z][\w-]*(?:[ \t]+[\w-]+){0,4})\.[ \t]+(?=[A-Z])")
_NOT_HEAD = re.compile(r"^(?:figure|fig|table|tab|algorithm|equation|eq|step|note)\b",
                       re.IGNORECASE)


_HEAD_ENDS_BADLY = {"a", "an", "the", "of", "that", "to", "and", "or", "is", "are", "for", "in",
                    "with", "by", "on", "we"}


def _own_line_head(s: str, before: str, after: str, full: int) -> bool:
    """A head printed as a line of its own: short beside the text's lines, after a
    finished sentence and before a new one, with no closing punctuation."""
    return (bool(s) and s[0].isupper() and len(s) <= min(60, full * 2 // 3)
            and len(s.split()) <= 8 and not s.endswith((".", ",", ";", ":"))
            and _FINISHED.search(before) is not None and after[:1].isupper()
            and not _NOT_HEAD.match(s) and _heading_like(s))


_FINISHED = re.compile(r"[.!?](?:\[[^\]]*\])*$")  # "size.", "models.[10,11,12]"


def superscript_markers(body: str, count: int) -> str:
    """A body whose citations are raised numbers (a web page printed to PDF:
    "networks,1,2,3 generative", "model21,22 that") with each group as ``[1,2,3]``.
    Only numbers of the list's ``count`` entries, right after a word or a comma or
    full stop, count; the caller uses this only where the text has no bracketed
    markers, since "Llama2" would otherwise read as a citation."""
    def marker(m: re.Match[str]) -> str:
        ns = [int(x) for x in m.group(1).split(",")]
        return f"[{m.group(1)}]" if all(1 <= n <= count for n in ns) else m.group(0)

    return _RAISED.sub(marker, body)


_RAISED = re.compile(r"(?<=[^\W\d_]|[.,;:)’”\"])(\d{1,3}(?:,\d{1,3})*)(?=[\s.,;:]|$)")


def _heading_like(text: str) -> bool:
    """A head, not a sentence's start or letter-spaced capitals: "Related Work", never
    "We address the difficulty that" or "DATA S E T S"."""
    words = text.split()
    return (bool(words) and words[0].lower() not in ("we", "our", "this", "in", "it", "here")
            and words[-1].lower() not in _HEAD_ENDS_BADLY
            and sum(len(w) == 1 for w in words) < 2)


def pdf_headings(body: str) -> str:
    """The body with its section heads as Markdown headings (``##``) and run-in
    paragraph heads as ``###``, so where a reference is cited reads as "Related Work ›
    Masked image encoding" in a PDF as in a web page. A body with no numbered head (a
    web page printed to PDF) has its heads as short lines of their own instead."""
    lines = body.splitlines()
    unnumbered = not any(_NUMBERED_HEAD.match(x.strip()) for x in lines)
    widths = sorted(len(x.strip()) for x in lines if x.strip())
    full = widths[len(widths) * 9 // 10] if widths else 0  # a full line's width
    out = []
    for i, line in enumerate(lines):
        s = line.strip()
        if unnumbered and 0 < i < len(lines) - 1 and _own_line_head(
                s, lines[i - 1].strip(), lines[i + 1].strip(), full):
            out += ["", f"## {s}", ""]
            continue
        m = _NUMBERED_HEAD.match(s)
        if m and not _NOT_HEAD.match(m.group(2)) and not s.endswith((".", ",")) \
                and _heading_like(m.group(2)):
            out += ["", f"## {m.group(2)}", ""]
            continue
        if _NAMED_HEAD.match(s):
            out += ["", f"## {s}", ""]
            continue
        m = _RUN_IN_HEAD.match(s)
        if m and not _NOT_HEAD.match(m.group(1)) and len(m.group(1)) >= 4 \
                and _heading_like(m.group(1)):
            out += ["", f"### {m.group(1)}", s[m.end():]]
            continue
        out.append(line)
    return "\n".join(out)
